// SPDX-License-Identifier: MIT
#include "run_code.hpp"

#include <fmt/format.h>

#include "mpytool/base/error.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/base/seconds.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/plugin/context.hpp"

namespace mpytool::device {

OptionSpec timeout_option(std::string help) {
  return {"timeout", 't', OptionSpec::Kind::kValue, "SEC", std::move(help), std::nullopt};
}

double parse_seconds(std::string_view command, const std::string& text) {
  if (const auto v = mpytool::parse_seconds(text, true)) return *v;
  throw UsageError(fmt::format("{}: invalid number of seconds '{}'", command, text));
}

Seconds timeout_arg(std::string_view command, const ParsedArgs& args) {
  auto v = args.value("timeout");
  if (!v) return std::nullopt;
  return parse_seconds(command, *v);
}

OptionSpec guard_option() {
  return {"guard", 0, OptionSpec::Kind::kFlag, "",
          "run the code only if it arrives intact (CRC-checked on the board, resent if not)"};
}

int run_code(CommandContext& ctx, std::string_view code, Seconds timeout, bool guard) {
  Output& out = ctx.out();
  OutputCallback stream = [&out](std::string_view chunk) { out.data(chunk); };
  try {
    // The user's code goes as it is (a traceback then names their lines) unless --guard.
    CodeGuard::Scope scope(ctx.mpy().comm().guard(), guard);
    ctx.mpy().comm().try_raw_paste(code, timeout, &stream);
  } catch (const CmdError& e) {
    // The board's own traceback is the message; print it as the board wrote it.
    out.out().flush();
    std::string text = e.error();
    if (!text.empty() && text.back() != '\n') text += '\n';
    out.err() << text;
    out.err().flush();
    return static_cast<int>(ExitCode::kDevice);
  }
  out.out().flush();
  return 0;
}

}  // namespace mpytool::device
