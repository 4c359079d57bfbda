// SPDX-License-Identifier: MIT
// `ports [-i]`: list serial ports; -i asks each one what it runs.
#include "mpytool/ports.hpp"

#include <fmt/format.h>

#include "commands.hpp"
#include "mpytool/conn_serial.hpp"
#include "mpytool/context.hpp"
#include "mpytool/mpy_comm.hpp"
#include "mpytool/output.hpp"

namespace mpytool::device {
namespace {

/// "  esp32, 3.4.0; MicroPython v1.22..." or "  (no response)".
std::string probe(const PortInfo& port, int baud) {
  try {
    ConnSerial conn(port.device, baud);
    MpyComm comm(conn);
    comm.enter_raw_repl(port.type == "USB-UART" ? 2 : 1);
    Bytes reply = comm.try_raw_paste("import sys;print(sys.platform,sys.version,sep='\\t')", 2.0);
    try {
      comm.exit_raw_repl();
    } catch (const std::exception&) {
    }
    while (!reply.empty() && (reply.back() == '\n' || reply.back() == '\r')) reply.pop_back();
    auto tab = reply.find('\t');
    if (tab == Bytes::npos) return "  (no response)";
    return fmt::format("  {}, {}", reply.substr(0, tab), reply.substr(tab + 1));
  } catch (const std::exception&) {
    return "  (no response)";
  }
}

class PortsCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "ports";
    i.summary = "List available serial ports.";
    i.options.push_back({"info", 'i', OptionSpec::Kind::kFlag, "",
                         "probe each port for its platform and version", std::nullopt});
    i.needs = Needs::kNothing;
    i.chains_leftovers = true;
    return i;
  }
  int run(CommandContext& ctx, const ParsedArgs& args) override {
    auto& out = ctx.out().out();
    for (const auto& port : list_ports()) {
      out << port.device << '\t' << port.description << '\n';
      if (args.flag("info")) out << probe(port, ctx.globals().baud) << '\n';
      out.flush();
    }
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_ports_command() { return std::make_unique<PortsCommand>(); }

}  // namespace mpytool::device
