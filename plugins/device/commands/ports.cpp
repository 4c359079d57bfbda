// SPDX-License-Identifier: MIT
// `ports [-i] [-l] [--probe] [--json]`: list serial ports with their USB identity; -i/--probe
// ask each one what it runs.
#include "mpytool/link/ports.hpp"

#include <fmt/format.h>

#include "commands.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/boards/port_selector.hpp"
#include "mpytool/boards/probe.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/profile/board_profile.hpp"

namespace mpytool::device {
namespace {

/// One port with what it said, and the profile that would apply to it.
struct Row {
  PortInfo port;
  BoardProbe probe;
  std::string profile;
  std::string profile_reason;  ///< why it matched: match_profile()'s reason
};

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

class PortsCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "ports";
    i.rank = help_rank::kPorts;
    i.summary = "List available serial ports.";
    i.description =
        "Without options: one line per port, its device and description (as the Python mpytool).\n"
        "-l: USB id, serial, location and product; --probe adds what each board says\n"
        "(platform, machine.unique_id()) and the profile that matches it, with why:\n"
        "'profile=pico-w (platform rp2, ..., USB 2e8a:0005)'. Ports in\n"
        "MPYTOOL_PORTS (':'-separated) are listed after the USB ones.";
    using K = OptionSpec::Kind;
    i.options = {
        {"info", 'i', K::kFlag, "", "probe each port for its platform and version", {}},
        {"long", 'l', K::kFlag, "", "USB id, serial, location and product of each port", {}},
        {"probe", 0, K::kFlag, "", "ask each board for platform, unique id and profile", {}},
        {"json", 0, K::kFlag, "", "one JSON list (with --probe: what the boards said)", {}},
    };
    i.needs = Needs::kNothing;
    i.chains_leftovers = true;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    auto& out = ctx.out().out();
    const bool probe = args.flag("probe") || args.flag("info");
    const int baud = ctx.globals().baud;
    std::vector<BoardProfile> profiles;
    if (args.flag("probe"))
      profiles = find_profiles(profile_search_path(ctx.globals().profile_dirs));
    std::vector<std::string> json_rows;
    for (const auto& port : list_ports()) {
      Row r;
      r.port = port;
      if (probe) r.probe = probe_board(port, baud);
      if (r.probe.answered && args.flag("probe")) {
        BoardFacts f = port_facts(port);
        f.platform = r.probe.platform;
        f.machine = r.probe.machine;
        const ProfileMatch m = match_profile(profiles, f);
        if (m.profile) {
          r.profile = m.profile->id;
          r.profile_reason = m.reason;
        }
      }
      if (args.flag("json")) {
        json_rows.push_back(json_row(r, probe));
      } else if (args.flag("long") || args.flag("probe")) {
        out << long_line(r, args.flag("probe")) << '\n';
      } else {
        out << port.device << '\t' << port.description << '\n';
        if (args.flag("info")) out << python_probe_line(r.probe) << '\n';
      }
      out.flush();
    }
    if (args.flag("json")) out << fmt::format("[{}]\n", fmt::join(json_rows, ","));
    return 0;
  }

 private:
  /// "  esp32, 3.4.0; MicroPython v1.22..." or "  (no response)" (the Python mpytool's -i line).
  static std::string python_probe_line(const BoardProbe& p) {
    if (!p.answered) return "  (no response)";
    return fmt::format("  {}, {}", p.platform, p.version);
  }

  static std::string long_line(const Row& r, bool probe) {
    const PortInfo& p = r.port;
    std::string line = fmt::format("{}\t{}\tserial={}\tloc={}\t{}", p.device, or_dash(usb_id(p)),
                                   or_dash(p.serial_number), or_dash(p.location),
                                   p.product.empty() ? p.description : p.product);
    if (probe) {
      line += r.probe.answered ? fmt::format("\tplatform={}\tuid={}\tprofile={}", r.probe.platform,
                                             or_dash(r.probe.unique_id), or_dash(r.profile))
                               : "\t(no response)";
      if (!r.profile.empty()) line += fmt::format(" ({})", r.profile_reason);
    }
    return line;
  }

  static std::string json_row(const Row& r, bool probe) {
    const PortInfo& p = r.port;
    std::string s = fmt::format(
        R"({{"device":{},"description":{},"type":{},"usb":{},"serial":{},"location":{},)"
        R"("product":{},"manufacturer":{})",
        json_quote(p.device), json_quote(p.description), json_quote(p.type),
        p.vid < 0 ? "null" : json_quote(usb_id(p)), json_quote(p.serial_number),
        json_quote(p.location), json_quote(p.product), json_quote(p.manufacturer));
    if (probe) {
      s += fmt::format(R"(,"answered":{},"platform":{},"version":{},"machine":{},)"
                       R"("unique_id":{},"profile":{},"profile_reason":{})",
                       r.probe.answered ? "true" : "false", json_quote(r.probe.platform),
                       json_quote(r.probe.version), json_quote(r.probe.machine),
                       json_quote(r.probe.unique_id),
                       r.profile.empty() ? "null" : json_quote(r.profile),
                       r.profile.empty() ? "null" : json_quote(r.profile_reason));
    }
    return s + "}";
  }
};

}  // namespace

std::unique_ptr<Command> make_ports_command() { return std::make_unique<PortsCommand>(); }

}  // namespace mpytool::device
