// SPDX-License-Identifier: MIT
// `sha256sum [--json] :file...` (from mpremote): SHA-256 of board files computed on the board,
// printed like coreutils ("<hex>  <path>"). Two round trips for any number of files: sizes
// first, then the hashes of the files whose size is now known.
#include <fmt/format.h>

#include "command_support.hpp"
#include "commands.hpp"
#include "mpytool/base/error.hpp"

namespace mpytool::fs {
namespace {

std::string hex(std::string_view digest) {
  std::string out;
  for (unsigned char c : digest) out += fmt::format("{:02x}", c);
  return out;
}

class Sha256sumCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "sha256sum";
    i.summary = "Print SHA-256 checksums of files on device.";
    i.description = "--json prints [{\"path\": ..., \"size\": bytes, \"sha256\": hex}].";
    i.options.push_back(json_option());
    i.positionals.push_back({":file", "device files", PositionalSpec::Arity::kOneOrMore});
    i.needs = Needs::kRepl;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    std::vector<std::string> paths;
    for (const auto& arg : args.positionals()) paths.push_back(require_remote("sha256sum", arg));
    ctx.out().verbose(1, "SHA256SUM");
    files::Files files(ctx.mpy());

    // An expected size of -1 never matches: the board reports sizes without hashing.
    std::map<std::string, std::int64_t> expected;
    for (const auto& p : paths) expected[p] = -1;
    auto sizes = files.fileinfo(expected);
    if (!sizes) throw CapabilityError("sha256sum: the board cannot stat or hash files");
    for (const auto& p : paths) {
      if ((*sizes)[p]) {
        expected[p] = (*sizes)[p]->size;
        continue;
      }
      if (files.stat(p).value_or(0) == -1) {
        throw DeviceError(fmt::format("sha256sum: ':{}' is a directory", p), 21);
      }
      throw FileNotFound(p);
    }
    auto hashes = files.fileinfo(expected);
    if (!hashes) throw CapabilityError("sha256sum: the board has no hashlib");

    std::string text = args.flag("json") ? "[" : "";
    for (const auto& p : paths) {
      const auto& info = (*hashes)[p];
      std::optional<std::string> digest = info ? info->sha256 : std::nullopt;
      if (!digest) digest = files.hashfile(p);  // changed or removed since the size query
      if (!digest) throw FileNotFound(p);
      if (args.flag("json")) {
        if (text.size() > 1) text += ", ";
        text += fmt::format(R"({{"path": {}, "size": {}, "sha256": "{}"}})", json_string(p),
                            info ? info->size : expected[p], hex(*digest));
      } else {
        text += fmt::format("{}  {}\n", hex(*digest), p);
      }
    }
    if (args.flag("json")) text += "]\n";
    ctx.out().data(text);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_sha256sum_command() { return std::make_unique<Sha256sumCommand>(); }

}  // namespace mpytool::fs
