// SPDX-License-Identifier: MIT
// `mpytool fleet -p A -p B ... -- <chain>`: the same chain on several boards at once. Each board
// gets its own mpytool process (its own connection, profile matching and plugin routing), so a
// failing or hanging board never stops or corrupts the others; --timeout ends a hung one.
#include "fleet.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/dll/runtime_symbol_info.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mpytool/context.hpp"
#include "mpytool/error.hpp"
#include "mpytool/json.hpp"
#include "mpytool/output.hpp"
#include "mpytool/process.hpp"
#include "signals.hpp"

namespace mpytool::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

/// One board of the fleet and what became of it.
struct Board {
  std::string target;  ///< "-p PORT" value, or "HOST[:PORT]" with -a
  bool address = false;
  pid_t pid = -1;
  Clock::time_point start;
  double seconds = 0;
  int exit_code = -1;
  std::string status = "pending";  ///< ok, failed, timeout, cancelled
  std::string out, err;
  fs::path out_file, err_file;
};

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string last_line(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  const auto nl = text.rfind('\n');
  return std::string(nl == std::string_view::npos ? text : text.substr(nl + 1));
}

/// The global options a board's process inherits (all but the board selection).
std::vector<std::string> inherited_globals(const GlobalOptions& g) {
  std::vector<std::string> a;
  a.insert(a.end(), {"-b", std::to_string(g.baud)});
  for (int i = 0; i < g.debug; ++i) a.push_back("-d");
  if (g.verbosity == 0) a.push_back("-q");
  if (g.verbosity >= 2) a.push_back("-v");
  for (const auto& e : g.excludes) a.insert(a.end(), {"-e", e});
  if (g.force) a.push_back("-f");
  if (g.compress) a.push_back(*g.compress ? "-z" : "-Z");
  if (g.chunk_size) a.insert(a.end(), {"-c", std::to_string(*g.chunk_size)});
  if (!g.transfer.empty()) a.insert(a.end(), {"--transfer", g.transfer});
  for (const auto& d : g.plugin_dirs) a.insert(a.end(), {"--plugin-dir", d});
  if (!g.profile.empty()) a.insert(a.end(), {"--profile", g.profile});
  for (const auto& d : g.profile_dirs) a.insert(a.end(), {"--profile-dir", d});
  return a;
}

class FleetCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "fleet";
    i.summary = "Run one command chain on several boards in parallel.";
    i.description =
        "mpytool fleet -p PORT [-p PORT]... [-a ADDR]... [--jobs N] [--timeout SEC]\n"
        "  [--fail-fast] [--json] -- <chain>\n"
        "Every board runs the chain in its own mpytool process (own connection, own board\n"
        "profile, own plugin routing). Prints one line per board as it finishes and a summary at\n"
        "the end (--json: one report; boards in the order of the -p options, then -a).\n"
        "Exit 0 when every board succeeded, 8 otherwise.";
    using K = OptionSpec::Kind;
    i.options = {
        {"port", 'p', K::kMulti, "PORT", "a board on a serial port (repeatable)", {}},
        {"address", 'a', K::kMulti, "ADDR", "a board over TCP (repeatable)", {}},
        {"jobs", 'j', K::kValue, "N", "boards at once (default: all)", {}},
        {"timeout", 't', K::kValue, "SEC", "give up on a board after SEC seconds", {}},
        {"fail-fast", 0, K::kFlag, "", "stop the other boards at the first failure", {}},
        {"json", 0, K::kFlag, "", "print one JSON report", {}},
    };
    i.positionals.push_back(
        {"CHAIN", "the command chain (after --)", PositionalSpec::Arity::kZeroOrMore});
    i.needs = Needs::kNothing;
    i.takes_rest = true;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    std::vector<Board> boards;
    for (const auto& p : args.values("port")) {
      Board b;
      b.target = p;
      boards.push_back(b);
    }
    for (const auto& a : args.values("address")) {
      Board b;
      b.target = a;
      b.address = true;
      boards.push_back(b);
    }
    if (boards.empty()) throw UsageError("fleet: no boards (give -p PORT or -a ADDR)");
    const std::vector<std::string>& chain = args.positionals();
    if (chain.empty()) throw UsageError("fleet: no command chain (fleet -p A -p B -- <chain>)");
    const std::size_t jobs = number(args.value("jobs"), "jobs", boards.size());
    const double timeout = static_cast<double>(number(args.value("timeout"), "timeout", 0));
    const bool fail_fast = args.flag("fail-fast");

    std::error_code ec;
    const fs::path self = boost::dll::program_location(ec);
    if (ec) throw MpyError("fleet: cannot find the mpytool executable");
    const fs::path dir = fs::temp_directory_path() / fmt::format("mpytool-fleet-{}", ::getpid());
    fs::create_directories(dir);
    const std::vector<std::string> globals = inherited_globals(ctx.globals());
    Output& out = ctx.out();

    std::size_t next = 0, running = 0, done = 0;
    bool stop = false;
    while (done < boards.size()) {
      while (!stop && running < jobs && next < boards.size()) {
        start(boards[next], next, self, globals, chain, dir);
        ++running;
        ++next;
      }
      bool progressed = false;
      for (Board& b : boards) {
        if (b.pid <= 0) continue;
        int status = 0;
        const pid_t r = ::waitpid(b.pid, &status, WNOHANG);
        const double age = std::chrono::duration<double>(Clock::now() - b.start).count();
        if (r == b.pid) {
          b.pid = -1;
          b.seconds = age;
          b.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
          if (b.status == "pending") b.status = b.exit_code == 0 ? "ok" : "failed";
        } else if ((timeout > 0 && age > timeout) || stop || interrupted()) {
          if (b.status == "pending") b.status = stop ? "cancelled" : "timeout";
          ::kill(b.pid, SIGKILL);
          continue;
        } else {
          continue;
        }
        --running;
        ++done;
        progressed = true;
        b.out = read_text(b.out_file);
        b.err = read_text(b.err_file);
        if (b.status == "failed" && fail_fast) stop = true;
        if (!args.flag("json")) {
          out.out() << fmt::format("[{}] {} in {:.2f} s{}\n", b.target, b.status, b.seconds,
                                   b.status == "ok" ? "" : ": " + last_line(b.err));
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
      if (!progressed) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    fs::remove_all(dir, ec);

    std::size_t ok = 0;
    for (const Board& b : boards) ok += b.status == "ok";
    if (args.flag("json")) {
      std::vector<std::string> rows;
      for (const Board& b : boards) {
        rows.push_back(fmt::format(
            R"({{"board":{},"status":{},"exit":{},"seconds":{:.3f},"error":{},"output":{}}})",
            json_quote(b.target), json_quote(b.status), b.exit_code, b.seconds,
            json_quote(b.status == "ok" ? "" : last_line(b.err)), json_quote(b.out)));
      }
      out.out() << fmt::format(R"({{"boards":[{}],"ok":{},"failed":{}}})", fmt::join(rows, ","), ok,
                               boards.size() - ok)
                << "\n";
    } else {
      out.out() << fmt::format("fleet: {} of {} boards ok\n", ok, boards.size());
    }
    return ok == boards.size() ? 0 : kFleetPartialFailure;
  }

 private:
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
    const int out_fd = ::open(b.out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int err_fd = ::open(b.err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    SpawnFds fds;
    fds.stdin_path = "/dev/null";
    fds.dup2 = {{out_fd, STDOUT_FILENO}, {err_fd, STDERR_FILENO}};
    std::vector<char*> argv = c_strings(argv_s);
    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e) env_s.emplace_back(*e);
    env_s.emplace_back("NO_COLOR=1");
    std::vector<char*> envp = c_strings(env_s);
    b.start = Clock::now();
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

std::unique_ptr<Command> make_fleet_command() { return std::make_unique<FleetCommand>(); }

}  // namespace mpytool::cli
