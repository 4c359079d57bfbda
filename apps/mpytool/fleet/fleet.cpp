// SPDX-License-Identifier: MIT
// `mpytool fleet -p A -p B ... -- <chain>`: the same chain on several boards at once. Each board
// gets its own mpytool process (its own connection, profile matching and plugin routing), so a
// failing or hanging board never stops or corrupts the others; --timeout ends a hung step. The
// processes report their steps through MPYTOOL_EVENTS (events.hpp): the live lines, the result
// matrix, the JSON report and `--events` are built from them.
#include "fleet.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "dispatch/signals.hpp"
#include "fleet/events.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/boards/inventory.hpp"
#include "mpytool/boards/port_selector.hpp"
#include "mpytool/boards/probe.hpp"
#include "mpytool/link/conn.hpp"
#include "mpytool/plugin/context.hpp"
#include "mpytool/process/process.hpp"

namespace mpytool::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string last_line(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  const auto nl = text.rfind('\n');
  return std::string(nl == std::string_view::npos ? text : text.substr(nl + 1));
}

/// One step of a board's chain as its process reported it.
struct StepResult {
  std::string command;
  std::string state = "start";  ///< start, ok, unchanged, failed
  double seconds = 0;
  std::string error;
};

/// One board of the fleet and what became of it.
struct Board {
  std::string target;  ///< "-p" value ("@name" for inventory boards), or "HOST[:PORT]" with -a
  bool address = false;
  pid_t pid = -1;
  Clock::time_point start, step_start;
  double seconds = 0;
  int exit_code = -1;
  std::string status = "pending";  ///< running, ok, failed, timeout, cancelled
  std::string out, err, progress;
  fs::path out_file, err_file, events_file;
  std::streamoff events_read = 0;
  std::string partial;  ///< an events line not complete yet
  std::vector<StepResult> steps;

  /// Why the board did not succeed, in one line: the process's last stderr line, else the
  /// step it was stopped in.
  std::string error_line() const {
    if (std::string l = last_line(err); !l.empty()) return l;
    if (!steps.empty() && !steps.back().error.empty()) {
      return fmt::format("{}: {}", steps.back().command, steps.back().error);
    }
    if (status == "timeout") return "timed out";
    return status == "cancelled" ? "cancelled" : "";
  }
};

/// A board's output file, or its last kMaxAnswer bytes (a board that printed without end must
/// not fill the host's memory) after a line that says how much came before.
std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary | std::ios::ate);
  if (!f) return {};
  const auto size = static_cast<std::size_t>(std::max<std::streamoff>(f.tellg(), 0));
  const std::size_t from = size > kMaxAnswer ? size - kMaxAnswer : 0;
  std::string head =
      from > 0 ? fmt::format("[{} bytes of output before this not kept]\n", from) : "";
  std::string body(size - from, '\0');
  f.seekg(static_cast<std::streamoff>(from));
  f.read(body.data(), static_cast<std::streamsize>(body.size()));
  body.resize(static_cast<std::size_t>(std::max<std::streamsize>(f.gcount(), 0)));
  return head + body;
}

std::string state_cell(const StepResult& s) {
  return s.state == "start" ? "running" : fmt::format("{} {:.2f}s", s.state, s.seconds);
}

class FleetCommand : public Command {
 public:
  explicit FleetCommand(fs::path exe) : exe_(std::move(exe)) {}

  CommandInfo info() const override {
    CommandInfo i;
    i.name = "fleet";
    i.summary = "Run one command chain on several boards in parallel.";
    i.description =
        "mpytool fleet [-p PORT]... [-a ADDR]... [--all] [--label L]... [--jobs N]\n"
        "  [--timeout SEC] [--keep-going|--fail-fast] [--json|--events] -- <chain>\n"
        "Every board runs the chain in its own mpytool process (own connection, own board\n"
        "profile, own plugin routing). -p takes what the global -p takes (id:, loc:, uid:,\n"
        "@NAME); --all and --label pick boards of the inventory (mpytool.yaml). On a terminal\n"
        "one live line per board; then a line per board followed by what it printed (each\n"
        "line prefixed [board]), a board x step matrix and a summary.\n"
        "--json: one report; --events: NDJSON progress (board, step and progress events).\n"
        "Exit 0 when every board succeeded, 8 otherwise.";
    using K = OptionSpec::Kind;
    i.options = {
        {"port", 'p', K::kMulti, "PORT", "a board on a serial port (repeatable)", {}},
        {"address", 'a', K::kMulti, "ADDR", "a board over TCP (repeatable)", {}},
        {"all", 0, K::kFlag, "", "every board of the inventory", {}},
        {"label", 'l', K::kMulti, "L", "inventory boards with label L (repeat: all of them)", {}},
        {"jobs", 'j', K::kValue, "N", "boards at once (default: all)", {}},
        {"timeout", 't', K::kValue, "SEC", "give up on a board whose step runs over SEC s", {}},
        {"keep-going", 'k', K::kFlag, "", "run every board whatever fails (the default)", {}},
        {"fail-fast", 0, K::kFlag, "", "stop the other boards at the first failure", {}},
        {"json", 0, K::kFlag, "", "print one JSON report", {}},
        {"events", 0, K::kFlag, "", "print NDJSON progress events", {}},
    };
    i.positionals.push_back(
        {"CHAIN", "the command chain (after --)", PositionalSpec::Arity::kZeroOrMore});
    i.needs = Needs::kNothing;
    i.takes_rest = true;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    std::vector<Board> boards = select(args, ctx.globals().baud);
    const std::vector<std::string>& chain = args.positionals();
    if (chain.empty()) throw UsageError("fleet: no command chain (fleet -p A -p B -- <chain>)");
    if (args.flag("fail-fast") && args.flag("keep-going")) {
      throw UsageError("fleet: --fail-fast and --keep-going exclude each other");
    }
    json_ = args.flag("json");
    events_ = args.flag("events");
    if (json_ && events_) throw UsageError("fleet: --json and --events exclude each other");
    const std::size_t jobs = number(args.value("jobs"), "jobs", boards.size());
    const double timeout = static_cast<double>(number(args.value("timeout"), "timeout", 0));
    const bool fail_fast = args.flag("fail-fast");
    Output& out = ctx.out();
    live_ = !json_ && !events_ && out.err_is_tty() && out.verbosity() > 0;

    std::error_code ec;
    const fs::path self = exe_.empty() ? boost::dll::program_location(ec) : exe_;
    if (ec) throw MpyError("fleet: cannot find the mpytool executable");
    std::string pattern = (fs::temp_directory_path() / "mpytool-fleet-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw MpyError("fleet: cannot create a temporary directory");
    }
    const fs::path dir = pattern;
    const std::vector<std::string>& globals = ctx.globals().option_args;
    const auto fleet_start = Clock::now();

    std::size_t next = 0, running = 0, done = 0;
    bool stop = false;
    auto last_draw = Clock::now() - std::chrono::seconds(1);
    while (done < boards.size()) {
      if (interrupted()) stop = true;
      while (!stop && running < jobs && next < boards.size()) {
        start(boards[next], next, self, globals, chain, dir);
        emit(out, fmt::format(R"({{"event":"board","board":{},"state":"start"}})",
                              json_quote(boards[next].target)));
        ++running;
        ++next;
      }
      bool progressed = false;
      for (Board& b : boards) {
        if (b.pid <= 0) continue;
        poll_events(b, out);
        const std::optional<int> ended = poll_child(b.pid);
        const auto now = Clock::now();
        const double step_age = std::chrono::duration<double>(now - b.step_start).count();
        if (ended) {
          b.pid = -1;
          b.seconds = std::chrono::duration<double>(now - b.start).count();
          b.exit_code = *ended;
          if (b.status == "running") b.status = b.exit_code == 0 ? "ok" : "failed";
        } else if ((timeout > 0 && step_age > timeout) || stop || interrupted()) {
          if (interrupted()) stop = true;  // Ctrl-C: no more boards start
          if (b.status == "running") b.status = stop ? "cancelled" : "timeout";
          ::kill(b.pid, SIGKILL);
          continue;
        } else {
          continue;
        }
        --running;
        ++done;
        progressed = true;
        poll_events(b, out);
        finish(b);
        if ((b.status == "failed" || b.status == "timeout") && fail_fast) stop = true;
        emit(
            out,
            fmt::format(
                R"({{"event":"board","board":{},"state":{},"exit":{},"seconds":{:.3f},"error":{}}})",
                json_quote(b.target), json_quote(b.status), b.exit_code, b.seconds,
                json_quote(b.status == "ok" ? "" : b.error_line())));
        if (!json_ && !events_ && !live_) {
          out.out() << finish_line(b) << "\n" << prefixed_output(b);
          out.out().flush();
        }
      }
      // Boards never started because of --fail-fast.
      if (stop && running == 0) {
        for (; next < boards.size(); ++next) {
          boards[next].status = "cancelled";
          ++done;
        }
      }
      if (live_ && (progressed || Clock::now() - last_draw > std::chrono::milliseconds(150))) {
        draw(out, boards);
        last_draw = Clock::now();
      }
      if (!progressed) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    fs::remove_all(dir, ec);
    const double wall = std::chrono::duration<double>(Clock::now() - fleet_start).count();

    std::size_t ok = 0;
    for (const Board& b : boards) ok += b.status == "ok";
    if (json_) {
      out.out() << report(boards, ok, wall) << "\n";
    } else if (events_) {
      emit(out, fmt::format(R"({{"event":"fleet","ok":{},"failed":{},"seconds":{:.3f}}})", ok,
                            boards.size() - ok, wall));
    } else {
      if (live_) {
        draw(out, boards);
        for (const Board& b : boards) out.out() << prefixed_output(b);
      }
      out.out() << matrix(boards);
      out.out() << fmt::format("fleet: {} of {} boards ok in {:.2f} s\n", ok, boards.size(), wall);
    }
    out.out().flush();
    return ok == boards.size() ? 0 : kFleetPartialFailure;
  }

 private:
  fs::path exe_;
  bool json_ = false, events_ = false, live_ = false;
  std::size_t drawn_ = 0;

  /// The boards of -p, -a, --all and --label, in that order, each once.
  static std::vector<Board> select(const ParsedArgs& args, int baud) {
    std::vector<Board> boards;
    auto add = [&](const std::string& target, bool address) {
      for (const auto& b : boards) {
        if (b.target == target && b.address == address) return;
      }
      Board b;
      b.target = target;
      b.address = address;
      boards.push_back(std::move(b));
    };
    for (const auto& p : args.values("port")) add(p, false);
    for (const auto& a : args.values("address")) add(a, true);
    const std::vector<std::string> labels = args.values("label");
    if (args.flag("all") || !labels.empty()) {
      const Inventory inv = load_inventory();
      std::size_t picked = 0;
      for (const auto& b : inv.boards) {
        bool match = true;
        for (const auto& l : labels) match = match && b.has_label(l);
        if (!match) continue;
        add("@" + b.name, false);
        ++picked;
      }
      if (picked == 0) {
        throw UsageError(
            labels.empty()
                ? fmt::format("fleet: the inventory '{}' has no boards", inv.path.string())
                : fmt::format("fleet: no board of '{}' has the label{} {}", inv.path.string(),
                              labels.size() > 1 ? "s" : "", fmt::join(labels, ", ")));
      }
    }
    if (boards.empty()) {
      throw UsageError("fleet: no boards (give -p PORT, -a ADDR, --all or --label L)");
    }
    // uid: is found by probing every port: once here, one port after another, rather than by
    // each board's process at once (which would hold each other's ports while probing).
    std::vector<PortInfo> ports;
    for (Board& b : boards) {
      if (b.address || !b.target.starts_with("uid:")) continue;
      if (ports.empty()) ports = list_ports();
      b.target = resolve_port(parse_port_selector(b.target), ports, baud);
    }
    return boards;
  }

  void emit(Output& out, const std::string& line) const {
    if (!events_) return;
    out.out() << line << "\n";
    out.out().flush();
  }

  /// Reads the board's new event lines: steps, progress; forwards them with --events.
  void poll_events(Board& b, Output& out) const {
    std::ifstream f(b.events_file, std::ios::binary);
    if (!f) return;
    f.seekg(b.events_read);
    std::string chunk((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    b.events_read += static_cast<std::streamoff>(chunk.size());
    b.partial += chunk;
    std::size_t nl;
    while ((nl = b.partial.find('\n')) != std::string::npos) {
      const std::string line = b.partial.substr(0, nl);
      b.partial.erase(0, nl + 1);
      auto ev = parse_flat_json(line);
      if (ev.empty()) continue;
      if (events_ && line.size() > 1) {
        emit(out, fmt::format(R"({{"board":{},{})", json_quote(b.target), line.substr(1)));
      }
      if (ev["event"] == "progress") {
        b.progress = ev["text"];
      } else if (ev["event"] == "step") {
        const std::size_t i = std::strtoul(ev["step"].c_str(), nullptr, 10);
        if (i > 10000) continue;  // not an event of ours
        if (b.steps.size() <= i) b.steps.resize(i + 1);
        StepResult& s = b.steps[i];
        s.command = ev["command"];
        s.state = ev["state"];
        s.error = ev["error"];
        if (s.state == "start") {
          b.step_start = Clock::now();
          b.progress.clear();
        } else {
          s.seconds = std::strtod(ev["seconds"].c_str(), nullptr);
        }
      }
    }
  }

  /// After the process ended: its output, and the step it was in when it was killed.
  static void finish(Board& b) {
    b.out = read_text(b.out_file);
    b.err = read_text(b.err_file);
    // A command that failed without an exception (exec's traceback) said why on stderr.
    if (!b.steps.empty() && b.steps.back().state == "failed" && b.steps.back().error.empty()) {
      b.steps.back().error = last_line(b.err);
    }
    if (!b.steps.empty() && b.steps.back().state == "start") {
      StepResult& s = b.steps.back();
      s.state = b.status == "ok" ? "ok" : b.status == "running" ? "failed" : b.status;
      s.seconds = std::chrono::duration<double>(Clock::now() - b.step_start).count();
      if (b.status == "timeout") s.error = "timed out";
    }
  }

  /// What the board's chain printed (its stdout), each line prefixed by "[board] ".
  static std::string prefixed_output(const Board& b) {
    std::string text;
    std::string_view rest = b.out;
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      text += fmt::format("[{}] {}\n", b.target, line);
    }
    return text;
  }

  static std::string finish_line(const Board& b) {
    return fmt::format("[{}] {} in {:.2f} s{}", b.target, b.status, b.seconds,
                       b.status == "ok" ? "" : ": " + b.error_line());
  }

  /// The live block: one line per board, redrawn in place on stderr.
  void draw(Output& out, const std::vector<Board>& boards) {
    std::ostream& err = out.err();
    if (drawn_ > 0) err << fmt::format("\033[{}A", drawn_);
    for (const Board& b : boards) {
      std::string line;
      if (b.status == "pending") {
        line = fmt::format("[{}] waiting", b.target);
      } else if (b.status == "running") {
        const StepResult* s = b.steps.empty() ? nullptr : &b.steps.back();
        line =
            s ? fmt::format("[{}] step {}: {} {}", b.target, b.steps.size(), s->command, b.progress)
              : fmt::format("[{}] connecting", b.target);
      } else {
        line = finish_line(b);
      }
      if (line.size() > 100) line = line.substr(0, 99) + "~";
      err << "\r\033[K" << line << "\n";
    }
    err.flush();
    drawn_ = boards.size();
  }

  /// board x step: ok / unchanged / failed and seconds; the errors below.
  static std::string matrix(const std::vector<Board>& boards) {
    std::size_t steps = 0, width = 5;
    for (const Board& b : boards) {
      steps = std::max(steps, b.steps.size());
      width = std::max(width, b.target.size());
    }
    if (steps == 0) return {};
    std::vector<std::string> heads(steps);
    for (const Board& b : boards) {
      for (std::size_t i = 0; i < b.steps.size(); ++i) {
        if (heads[i].empty()) heads[i] = b.steps[i].command;
      }
    }
    std::string text = fmt::format("{:<{}}", "board", width);
    for (std::size_t i = 0; i < steps; ++i) {
      text += fmt::format("  {:<16}", fmt::format("{}.{}", i + 1, heads[i]));
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    text += "\n";
    std::string errors;
    for (const Board& b : boards) {
      std::string row = fmt::format("{:<{}}", b.target, width);
      for (std::size_t i = 0; i < steps; ++i) {
        row += fmt::format("  {:<16}", i < b.steps.size() ? state_cell(b.steps[i]) : "-");
        if (i < b.steps.size() && !b.steps[i].error.empty()) {
          errors += fmt::format("  [{}] {}: {}\n", b.target, b.steps[i].command, b.steps[i].error);
        }
      }
      while (!row.empty() && row.back() == ' ') row.pop_back();
      text += row + "\n";
    }
    return text + errors;
  }

  static std::string report(const std::vector<Board>& boards, std::size_t ok, double wall) {
    std::vector<std::string> rows;
    for (const Board& b : boards) {
      std::vector<std::string> steps;
      for (const auto& s : b.steps) {
        steps.push_back(fmt::format(R"({{"command":{},"status":{},"seconds":{:.3f},"error":{}}})",
                                    json_quote(s.command), json_quote(s.state), s.seconds,
                                    json_quote(s.error)));
      }
      rows.push_back(fmt::format(
          R"({{"board":{},"status":{},"exit":{},"seconds":{:.3f},"error":{},"steps":[{}],"output":{}}})",
          json_quote(b.target), json_quote(b.status), b.exit_code, b.seconds,
          json_quote(b.status == "ok" ? "" : b.error_line()), fmt::join(steps, ","),
          json_quote(b.out)));
    }
    return fmt::format(R"({{"boards":[{}],"ok":{},"failed":{},"seconds":{:.3f}}})",
                       fmt::join(rows, ","), ok, boards.size() - ok, wall);
  }

  static std::size_t number(const std::optional<std::string>& v, const char* what,
                            std::size_t fallback) {
    if (!v) return fallback;
    try {
      std::size_t used = 0;
      const long long n = std::stoll(*v, &used);
      if (used == v->size() && n > 0) return static_cast<std::size_t>(n);
    } catch (const std::exception&) {
    }
    throw UsageError(fmt::format("fleet: --{} needs a positive number, got '{}'", what, *v));
  }

  static void start(Board& b, std::size_t index, const fs::path& self,
                    const std::vector<std::string>& globals, const std::vector<std::string>& chain,
                    const fs::path& dir) {
    std::vector<std::string> argv_s = {self.string(), b.address ? "-a" : "-p", b.target};
    argv_s.insert(argv_s.end(), globals.begin(), globals.end());
    argv_s.insert(argv_s.end(), chain.begin(), chain.end());
    b.out_file = dir / fmt::format("{}.out", index);
    b.err_file = dir / fmt::format("{}.err", index);
    b.events_file = dir / fmt::format("{}.events", index);
    const int out_fd = ::open(b.out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int err_fd = ::open(b.err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    SpawnFds fds;
    fds.stdin_path = "/dev/null";
    fds.dup2 = {{out_fd, STDOUT_FILENO}, {err_fd, STDERR_FILENO}};
    std::vector<char*> argv = c_strings(argv_s);
    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e) {
      if (std::string_view(*e).starts_with("MPYTOOL_EVENTS=")) continue;
      env_s.emplace_back(*e);
    }
    env_s.emplace_back("NO_COLOR=1");
    env_s.emplace_back("MPYTOOL_EVENTS=" + b.events_file.string());
    std::vector<char*> envp = c_strings(env_s);
    b.start = b.step_start = Clock::now();
    b.status = "running";
    const int rc = spawn_process(b.pid, self.string(), argv, envp.data(), fds);
    ::close(out_fd);
    ::close(err_fd);
    if (rc != 0) {
      b.pid = -1;
      throw MpyError(fmt::format("fleet: cannot start mpytool for '{}'", b.target));
    }
  }
};

}  // namespace

std::unique_ptr<Command> make_fleet_command(std::filesystem::path exe) {
  return std::make_unique<FleetCommand>(std::move(exe));
}

}  // namespace mpytool::cli
