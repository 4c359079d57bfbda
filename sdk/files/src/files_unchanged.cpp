// SPDX-License-Identifier: MIT
// Files::unchanged(): cp's skip-unchanged check for a whole batch in one round trip.
#include <spdlog/fmt/fmt.h>

#include <memory>

#include "mpytool/base/error.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/files/files.hpp"
#include "mpytool/files/hash.hpp"
#include "mpytool/repl/py_value.hpp"

namespace mpytool::files {
namespace detail {
std::string_view helper_source(std::string_view name);
}

namespace {

// Requests above this size travel deflated when the board can inflate.
constexpr std::size_t kCompressAbove = 256;

// What the files library learnt of the board for this session: a board without `deflate` gets
// the plain request at once. Forgotten with Mpy's own caches (reset_state()).
class FsState final : public SessionExtension {
 public:
  static constexpr std::string_view kKey = "mpytool.files";
  bool no_inflate = false;
  void state_reset(Mpy& /*mpy*/) override { no_inflate = false; }
};

bool board_lacks_inflate(const Mpy& mpy) {
  const auto* s = static_cast<const FsState*>(mpy.extension(FsState::kKey));
  return s && s->no_inflate;
}

void note_no_inflate(Mpy& mpy) {
  auto* s = static_cast<FsState*>(mpy.extension(FsState::kKey));
  if (!s) {
    s = &static_cast<FsState&>(mpy.attach(std::string(FsState::kKey), std::make_unique<FsState>()));
  }
  s->no_inflate = true;
}

}  // namespace

std::optional<std::vector<bool>> Files::unchanged(const std::vector<Expected>& files) {
  std::vector<bool> result;
  if (files.empty()) return result;
  std::string query;
  for (const Expected& f : files) {
    query += f.path;
    query += '\0';
    query += std::to_string(f.size);
    query += '\0';
    query += to_hex(f.sha256.substr(0, 8));
    query += '\0';
  }
  mpy_.register_helper("same", std::string(detail::helper_source("same")));
  std::string arg = repr_bytes(query);
  if (query.size() > kCompressAbove && !board_lacks_inflate(mpy_)) {
    arg = inflate_expression(query);
  }
  const double timeout = 5.0 + 0.5 * static_cast<double>(files.size());
  PyValue reply;
  try {
    // The helper travels with the first query: one round trip in all.
    const std::string helper = mpy_.take_helper("same");
    try {
      reply =
          parse_literal(mpy_.comm().exec(helper + "print(repr(_mt_same(" + arg + ")))", timeout));
    } catch (const CmdError& e) {
      if (!helper.empty()) mpy_.forget_helper("same");
      if (e.exception_line().find("ImportError") == std::string::npos || arg.front() == 'b') {
        throw;
      }
      // No deflate on this board: ask again with the plain request.
      note_no_inflate(mpy_);
      mpy_.load_helper("same");
      reply = mpy_.comm().exec_eval("repr(_mt_same(" + repr_bytes(query) + "))", timeout);
    }
  } catch (const CmdError&) {
    return std::nullopt;  // no hashlib: every file counts as changed
  }
  const std::string& flags = reply.as_str();
  if (flags.size() != files.size()) throw MpyError("unexpected answer to the unchanged check");
  for (char c : flags) result.push_back(c == '1');
  return result;
}

}  // namespace mpytool::files
