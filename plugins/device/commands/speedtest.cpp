// SPDX-License-Identifier: MIT
// `speedtest`: the seed's link test (reference §6): a tiny echo server on the board, then for
// each size 10 uploads and 10 downloads of 0x55 bytes, timed, and a table of speeds.
#include <fmt/format.h>

#include <chrono>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "mpytool/conn.hpp"
#include "mpytool/context.hpp"
#include "mpytool/error.hpp"
#include "mpytool/mpy.hpp"
#include "mpytool/mpy_comm.hpp"
#include "mpytool/output.hpp"

namespace mpytool::plugin_device {
std::string_view helper_source(std::string_view name);
}

namespace mpytool::device {
namespace {

constexpr int kRepeats = 10;
constexpr double kReadTimeout = 30.0;
constexpr std::size_t kSizes[] = {0,    16,   32,   64,   128,   256,  512,
                                  1024, 2048, 4096, 8192, 16384, 32768};

std::string header(std::size_t n) {
  std::string h;
  h += static_cast<char>(n & 0xFF);
  h += static_cast<char>((n >> 8) & 0xFF);
  return h;
}

/// "1.00K/s"; "-" for nothing measured.
std::string speed(std::size_t bytes, double seconds) {
  if (bytes == 0 || seconds <= 0) return "-";
  return format_size(static_cast<double>(bytes) / seconds) + "/s";
}

class SpeedtestCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "speedtest";
    i.rank = 23;  // the seed's help order
    i.summary = "Test serial link speed.";
    i.description =
        "Starts a small echo server on the board and times 10 uploads and 10 downloads of\n"
        "each size from 16 B to 32 KB; 'verify' compares what came back.";
    i.needs = Needs::kRepl;
    i.chains_leftovers = true;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs&) override {
    Output& out = ctx.out();
    Mpy& mpy = ctx.mpy();
    MpyComm& comm = mpy.comm();
    Conn& conn = mpy.conn();
    out.verbose(1, "SPEEDTEST");
    comm.start_program(plugin_device::helper_source("echo"), 5.0);
    bool running = true;
    try {
      out.out() << fmt::format("  {:>5}  {:>12}  {:>12}  verify\n", "", "upload", "download");
      out.out().flush();
      for (std::size_t size : kSizes) {
        if (ctx.interrupted()) break;
        const std::string data(size, '\x55');
        double up = 0, down = 0;
        std::string status = "ok";
        for (int r = 0; r < kRepeats; ++r) {
          using Clock = std::chrono::steady_clock;
          if (size > 0) {
            const auto t0 = Clock::now();
            conn.write(header(size) + data);
            conn.read_until("\n", kReadTimeout);
            up += std::chrono::duration<double>(Clock::now() - t0).count();
          }
          const auto t1 = Clock::now();
          conn.write(header(0));
          Bytes echo = conn.read_until("\n", kReadTimeout);
          down += std::chrono::duration<double>(Clock::now() - t1).count();
          if (!echo.empty() && echo.back() == '\n') echo.pop_back();
          if (status == "ok") status = verify(echo, size > 0 ? data : std::string());
        }
        out.out() << fmt::format("  {:>5}  {:>12}  {:>12}  {}\n",
                                 format_size(static_cast<double>(size)), speed(size * kRepeats, up),
                                 speed(size * kRepeats, down), status);
        out.out().flush();
      }
      conn.write(header(0xFFFF));
      running = false;
      try {
        comm.finish_program(plugin_device::helper_source("echo"), 2.0);
      } catch (const std::exception&) {
        comm.abandon_program();  // errors while draining are ignored, as the seed does
      }
    } catch (...) {
      if (running) comm.abandon_program();
      throw;
    }
    return 0;
  }

 private:
  static std::string verify(const std::string& got, const std::string& want) {
    if (got.size() != want.size()) return fmt::format("length {}/{}", got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      if (got[i] != want[i]) {
        return fmt::format("byte {}: 0x{:02x}!=0x{:02x}", i, static_cast<unsigned char>(got[i]),
                           static_cast<unsigned char>(want[i]));
      }
    }
    return "ok";
  }
};

}  // namespace

std::unique_ptr<Command> make_speedtest_command() { return std::make_unique<SpeedtestCommand>(); }

}  // namespace mpytool::device
