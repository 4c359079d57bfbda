// SPDX-License-Identifier: MIT
// `mip`: one command, git-style subcommands (install, list, uninstall, freeze, download).
// It needs nothing from the dispatcher: `download` never touches a board, the others open it
// through ctx.mpy() when they need it.
#include <fmt/format.h>

#include "commands.hpp"
#include "mpytool/base/error.hpp"

namespace mpytool::mip {
namespace {

constexpr const char* kUsage =
    "mip install [SPEC...] [-r FILE] | list | uninstall PKG... | freeze [-o FILE] | "
    "download SPEC... -d DIR";

class MipCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "mip";
    i.summary =
        "Packages from micropython-lib, GitHub or an index (install/list/uninstall/"
        "freeze/download).";
    i.description =
        "mip install SPEC...: resolves the whole dependency tree on the host, downloads every\n"
        "file at once (checked against the index's hash; host cache in\n"
        "$XDG_CACHE_HOME/mpytool/mip) and installs it in one session, whole or not at all.\n"
        "SPEC: NAME[@VERSION] (from --index, default https://micropython.org/pi/v2 or\n"
        "MPYTOOL_MIP_INDEX), github:ORG/REPO[/PATH][@REF], gitlab:..., codeberg:...,\n"
        "http(s)://.../FILE.py|.mpy|.json|DIR, a local package.json or a directory holding one.\n"
        "-r FILE: a requirements list (one SPEC per line) or a lock file (exact files).\n"
        "mip list: the packages the board's manifest records, and whether their files are intact.\n"
        "mip uninstall PKG...: removes exactly their files (and deps nothing else needs).\n"
        "mip freeze: the lock file of what the board has. mip download SPEC... -d DIR: no\n"
        "board: DIR becomes an index (and DIR/mip.lock) for offline installs.";
    using K = OptionSpec::Kind;
    i.options = {
        {"index", 0, K::kMulti, "URL|DIR", "package index (repeatable, first match wins)", {}},
        {"target", 0, K::kValue, "DIR", "install into DIR on the board (default: the lib dir)", {}},
        {"requirement",
         'r',
         K::kMulti,
         "FILE",
         "install from a requirements list or lock file",
         {}},
        {"no-mpy", 0, K::kFlag, "", "install .py sources, not compiled .mpy", {}},
        {"dry-run", 'n', K::kFlag, "", "say what would be done, change nothing", {}},
        {"json", 0, K::kFlag, "", "print the result as JSON", {}},
        {"output", 'o', K::kValue, "FILE", "freeze: write the lock file to FILE", {}},
        {"dir", 'd', K::kValue, "DIR", "download: the directory the index is written to", {}},
        {"mpy", 0, K::kValue, "N|py", "download: the bytecode version (default 6) or py", {}},
    };
    i.positionals.push_back({"args", kUsage, PositionalSpec::Arity::kZeroOrMore});
    i.needs = Needs::kNothing;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const auto& w = args.positionals();
    const std::string sub = w.empty() ? "" : w[0];
    const Words rest(w.empty() ? w.end() : w.begin() + 1, w.end());
    if (sub == "install") return run_install(ctx, args, rest);
    if (sub == "list") return run_list(ctx, args, rest);
    if (sub == "uninstall") return run_uninstall(ctx, args, rest);
    if (sub == "freeze") return run_freeze(ctx, args, rest);
    if (sub == "download") return run_download(ctx, args, rest);
    throw UsageError(
        sub.empty() ? "mip: missing subcommand" : fmt::format("mip: unknown subcommand '{}'", sub),
        kUsage);
  }
};

}  // namespace

std::unique_ptr<Command> make_mip_command() { return std::make_unique<MipCommand>(); }

}  // namespace mpytool::mip
