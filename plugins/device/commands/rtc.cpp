// SPDX-License-Identifier: MIT
// `rtc [-s|-l|-u] [DATETIME]`: show the board's RTC, or set it from the host clock (local time
// or UTC) or from a given "YYYY-MM-DD HH:MM:SS" (docs/compatibility.md, "Commands").
#include <fmt/format.h>
#include <time.h>

#include <cstdio>
#include <regex>

#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/repl/mpy_comm.hpp"
#include "mpytool/repl/py_value.hpp"

namespace mpytool::device {
namespace {

/// A wall-clock time as machine.RTC().datetime() takes it.
struct DateTime {
  int year = 0, month = 0, day = 0, weekday = 0;  ///< weekday: Monday 0
  int hour = 0, minute = 0, second = 0, micro = 0;

  std::string text() const {
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", year, month, day, hour, minute,
                       second);
  }
};

/// Monday 0 .. Sunday 6 for a proleptic Gregorian date (Sakamoto's method).
int weekday_of(int y, int m, int d) {
  static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
  if (m < 3) y -= 1;
  const int sunday0 = (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
  return (sunday0 + 6) % 7;
}

DateTime host_now(bool utc) {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  if (utc) {
    gmtime_r(&ts.tv_sec, &t);
  } else {
    localtime_r(&ts.tv_sec, &t);
  }
  return {t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, (t.tm_wday + 6) % 7,
          t.tm_hour,        t.tm_min,     t.tm_sec,  static_cast<int>(ts.tv_nsec / 1000)};
}

DateTime parse_datetime(const std::string& text) {
  static const std::regex re(R"((\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}))");
  std::smatch m;
  auto bad = [] { return UsageError("invalid datetime format (use YYYY-MM-DD HH:MM:SS)"); };
  if (!std::regex_match(text, m, re)) throw bad();
  DateTime dt;
  dt.year = std::stoi(m[1]);
  dt.month = std::stoi(m[2]);
  dt.day = std::stoi(m[3]);
  dt.hour = std::stoi(m[4]);
  dt.minute = std::stoi(m[5]);
  dt.second = std::stoi(m[6]);
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (dt.year % 4 == 0 && dt.year % 100 != 0) || dt.year % 400 == 0;
  if (dt.month < 1 || dt.month > 12 || dt.day < 1 ||
      dt.day > kDays[dt.month - 1] - (dt.month == 2 && !leap ? 1 : 0) || dt.hour > 23 ||
      dt.minute > 59 || dt.second > 59) {
    throw bad();
  }
  dt.weekday = weekday_of(dt.year, dt.month, dt.day);
  return dt;
}

class RtcCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "rtc";
    i.rank = help_rank::kRtc;
    i.summary = "Get or set device RTC.";
    using K = OptionSpec::Kind;
    i.options = {
        {"set", 's', K::kFlag, "", "set the RTC to the host's local time", {}},
        {"local", 'l', K::kFlag, "", "set the RTC to the host's local time", {}},
        {"utc", 'u', K::kFlag, "", "set the RTC to the host's time in UTC", {}},
    };
    i.positionals.push_back(
        {"datetime", "datetime string (YYYY-MM-DD HH:MM:SS)", PositionalSpec::Arity::kOptional});
    i.needs = Needs::kRepl;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const bool utc = args.flag("utc");
    const bool local = args.flag("set") || args.flag("local");
    const auto& pos = args.positionals();
    if (!pos.empty() && (utc || local)) {
      throw UsageError("datetime argument is incompatible with --set/--local/--utc");
    }
    Output& out = ctx.out();
    MpyComm& comm = ctx.mpy().comm();
    if (pos.empty() && !utc && !local) {
      out.verbose(1, "RTC");
      const PyValue v = comm.exec_eval("tuple(__import__('machine').RTC().datetime())");
      const auto& f = v.items();
      if (f.size() < 7) throw MpyError("the board's RTC gave no datetime");
      DateTime dt{static_cast<int>(f[0].as_int()), static_cast<int>(f[1].as_int()),
                  static_cast<int>(f[2].as_int()), static_cast<int>(f[3].as_int()),
                  static_cast<int>(f[4].as_int()), static_cast<int>(f[5].as_int()),
                  static_cast<int>(f[6].as_int()), 0};
      out.out() << dt.text() << "\n";
      out.out().flush();
      return 0;
    }
    const DateTime dt = pos.empty() ? host_now(utc) : parse_datetime(pos.front());
    comm.exec(fmt::format("__import__('machine').RTC().datetime(({},{},{},{},{},{},{},{}))",
                          dt.year, dt.month, dt.day, dt.weekday, dt.hour, dt.minute, dt.second,
                          dt.micro));
    const char* how = pos.empty() ? (utc ? " (UTC)" : " (local)") : "";
    out.verbose(1, fmt::format("RTC set to {}{}", dt.text(), how));
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_rtc_command() { return std::make_unique<RtcCommand>(); }

}  // namespace mpytool::device
