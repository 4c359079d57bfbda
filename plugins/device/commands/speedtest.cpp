// SPDX-License-Identifier: MIT
// `speedtest`: the Python mpytool's link test (docs/compatibility.md, "Terminal, edit, speedtest,
// rtc"): a tiny echo server on the board, then for each size 10 uploads and 10 downloads of 0x55
// bytes, timed, and a table of speeds. Then the same link through the streaming transfer agent
// (what cp, sync and flash use): one upload and one download of every byte value per size, checked
// by SHA-256, with the share of the serial link's physical limit (baud / 10 bytes per second) they
// reach where the baud is known to bound the link (not over TCP or native USB-CDC, whose baud
// setting means nothing).
#include <fmt/format.h>

#include <chrono>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "mpytool/base/digest.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/link/conn.hpp"
#include "mpytool/link/conn_serial.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/repl/mpy_comm.hpp"
#include "mpytool/transfer/frame.hpp"
#include "mpytool/transfer/session.hpp"
#include "mpytool/transfer/settings.hpp"

namespace mpytool::plugin_device {
std::string_view helper_source(std::string_view name);
}

namespace mpytool::device {
namespace {

constexpr int kRepeats = 10;
constexpr double kReadTimeout = 30.0;
constexpr std::size_t kSizes[] = {16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768};
/// A share of the baud limit above this shows the baud does not bound the link (a
/// pseudo-terminal, a USB link not known as CDC): the shares are then left out.
constexpr double kMaxPlausibleShare = 1.5;
/// Sizes of the streamed transfers (one each way).
constexpr std::size_t kStreamSizes[] = {1024, 8192, 65536};
constexpr char kUpOp = 'U';
constexpr char kDownOp = 'V';

/// \p n bytes of 0, 1, ..., 255, 0, ... (what the board's _mt_sd sends).
std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i & 0xFF);
  return s;
}

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
    i.rank = help_rank::kSpeedtest;
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
        comm.abandon_program();  // errors while draining are ignored, as the Python mpytool does
      }
    } catch (...) {
      if (running) comm.abandon_program();
      throw;
    }
    if (!ctx.interrupted()) stream_table(ctx);
    return 0;
  }

 private:
  // The streaming agent's rows: bytes of data per second, and the share of the link's limit
  // that the frames on the wire (headers and credit included) take.
  static void stream_table(CommandContext& ctx) {
    Output& out = ctx.out();
    Mpy& mpy = ctx.mpy();
    // The baud bounds a UART (a USB-UART bridge, a plain serial port), not a native USB-CDC
    // port or a TCP link.
    const auto* serial = dynamic_cast<const ConnSerial*>(&mpy.conn());
    const bool baud_known = serial && serial->type_name() != "USB-CDC" && serial->baud() > 0;
    const double limit = baud_known ? serial->baud() / 10.0 : 0;
    bool plausible = true;
    mpy.register_helper("speed", std::string(plugin_device::helper_source("speed")));
    mpy.load_helper("speed");
    stream::SessionOptions o;
    o.window = transfer_settings(mpy).window.value_or(256);
    o.ops = {{kUpOp, "_mt_su"}, {kDownOp, "_mt_sd"}};
    o.cancelled = [&ctx] { return ctx.interrupted(); };
    stream::Stats stats;
    stream::Session s(mpy, std::move(o), &stats);
    out.out() << fmt::format(
        "\n  {:>5}  {:>12}  {:>12}  verify   (binary stream: cp, sync, flash)\n", "", "upload",
        "download");
    std::vector<std::string> shares;
    for (std::size_t size : kStreamSizes) {
      if (ctx.interrupted()) break;
      using Clock = std::chrono::steady_clock;
      const std::string data = pattern(size);
      std::string status = "ok";
      // Upload: U, the data as D frames, E with its hash; the board answers K "bytes ok".
      const auto t0 = Clock::now();
      const std::int64_t out0 = stats.bytes_out;
      s.send_frame(kUpOp);
      s.send_data(data, nullptr);
      s.send_frame(stream::frame::kEnd, sha256(data));
      const stream::Frame k = next_answer(s);
      const double up = std::chrono::duration<double>(Clock::now() - t0).count();
      const std::int64_t wire_up = stats.bytes_out - out0;
      if (k.payload != fmt::format("{} 1", size)) status = "upload: board got " + k.payload;
      // Download: V "size"; the board answers D frames and E with their hash.
      const auto t1 = Clock::now();
      const std::int64_t in0 = stats.bytes_in;
      s.send_frame(kDownOp, std::to_string(size));
      std::string got;
      for (;;) {
        stream::Frame f = next_answer(s);
        if (f.type == stream::frame::kEnd) {
          if (status == "ok" && !f.payload.empty() && f.payload != sha256(got)) {
            status = "download: hash differs";
          }
          break;
        }
        if (f.type != stream::frame::kData) throw MpyError("speedtest: unexpected frame");
        got += f.payload;
      }
      const double down = std::chrono::duration<double>(Clock::now() - t1).count();
      const std::int64_t wire_down = stats.bytes_in - in0;
      if (status == "ok" && got != data) status = verify(got, data);
      out.out() << fmt::format("  {:>5}  {:>12}  {:>12}  {}\n",
                               format_size(static_cast<double>(size)), speed(size, up),
                               speed(size, down), status);
      out.out().flush();
      if (limit > 0 && up > 0 && down > 0) {
        const double share_up = static_cast<double>(wire_up) / up / limit;
        const double share_down = static_cast<double>(wire_down) / down / limit;
        plausible = plausible && share_up <= kMaxPlausibleShare && share_down <= kMaxPlausibleShare;
        shares.push_back(fmt::format("{}: upload {:.0f} %, download {:.0f} %",
                                     format_size(static_cast<double>(size)), 100.0 * share_up,
                                     100.0 * share_down));
      }
    }
    s.send_frame(stream::frame::kQuit);
    s.quit(true);
    if (!shares.empty() && plausible) {
      out.out() << fmt::format("  wire use of the {} baud limit ({}/s): {}\n", serial->baud(),
                               format_size(limit), fmt::join(shares, "; "));
    }
  }

  static stream::Frame next_answer(stream::Session& s) {
    stream::Frame f = s.next_frame();
    if (f.type == stream::frame::kError) {
      s.finish_after_error();
      throw MpyError("speedtest: the board failed: " + f.payload);
    }
    return f;
  }

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
