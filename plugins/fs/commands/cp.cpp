// SPDX-License-Identifier: MIT
// `cp [-f] [-m] [-z] [-Z] [-c SIZE] [--json] SRC... DST`: copies between the host and the board
// and on the board (docs/compatibility.md, "cp"). The planner (paths.hpp) decides what goes where;
// this file runs the plan in as few round trips as possible: one mkdirs, one fileinfo for the
// unchanged check of the whole batch, one put_many / get_many session for all files.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "command_support.hpp"
#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/files/hash.hpp"
#include "mpytool/fs/local_tree.hpp"
#include "mpytool/fs/progress.hpp"
#include "mpytool/mpy_cross/mpy_cross.hpp"
#include "mpytool/transfer/host_file.hpp"

namespace mpytool::fs {
namespace {

namespace stdfs = std::filesystem;

constexpr const char* kMultipleError =
    "multiple sources or directory contents require destination directory (ending with /)";

/// The planner's view of the board.
class FilesView : public RemoteView {
 public:
  explicit FilesView(files::Files& files) : files_(files) {}
  std::optional<std::int64_t> stat(std::string_view path) override { return files_.stat(path); }
  files::TreeNode tree(std::string_view path) override { return files_.tree(path); }

 private:
  files::Files& files_;
};

std::string read_local(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw MpyError(fmt::format("cannot read '{}'", path));
  std::ostringstream data;
  data << in.rdbuf();
  if (in.bad()) throw MpyError(fmt::format("cannot read '{}'", path));
  return std::move(data).str();
}

/// One file of the batch.
struct Job {
  std::string src;          ///< local path, or board path (remote_src)
  std::string dst;          ///< board path (upload, board-to-board) or local path (download)
  std::string root;         ///< downloads of a directory: the local directory dst stays in
  bool remote_src = false;  ///< the source is on the board
  std::int64_t size = 0;
  std::string data;     ///< content to upload
  bool loaded = false;  ///< data holds the content already (-m: the compiled file)
  bool unchanged = false;
  files::FileResult result;
};

/// Per-file lines and totals (docs/compatibility.md, "cp"): at -v one aligned line per file (skips
/// too), at the default level an overwritten counter line during the transfer and a "src -> dst"
/// line when done, nothing with -q. Lines that are overwritten in place only show on a terminal.
class Reporter {
 public:
  /// \p lines: every progress update on a line of its own (the Python mpytool's behaviour with -d).
  Reporter(Output& out, const std::vector<Job>& jobs, bool upload, bool lines = false)
      : out_(out), jobs_(jobs), verbose_(out.verbosity() >= 2), lines_(lines) {
    for (const auto& j : jobs) {
      const bool src_remote = j.remote_src;
      const bool dst_remote = upload;
      // Board names are shown escaped (and measured so) in every line.
      items_.push_back({printable(src_remote ? ":" + j.src : display_local(j.src)),
                        printable(dst_remote ? ":" + j.dst : display_local(j.dst)), j.size});
    }
    layout_ = make_layout(items_);
  }

  /// File \p i starts: the skip lines of unchanged files before it come first.
  void start(std::size_t i) {
    flush_skips(i);
    drawn_pct_ = -1;
  }

  /// Progress of file \p i, shown as base + span * done / total percent.
  void progress(std::size_t i, std::int64_t done, std::int64_t total, int base = 0,
                int span = 100) {
    if (out_.verbosity() < 1 || (!out_.wants_progress() && !lines_)) return;
    // An empty file is complete at once; a total of -1 is not known yet.
    const std::int64_t part = total > 0    ? std::min<std::int64_t>(done, total) * span / total
                              : total == 0 ? span
                                           : 0;
    const std::int64_t pct = base + part;
    if (i == drawn_ && pct == drawn_pct_) return;
    drawn_ = i;
    drawn_pct_ = pct;
    const std::string status = format_percent(pct, 100);
    std::string line = verbose_ ? format_verbose_line(layout_, i + 1, status, items_[i])
                                : format_compact_line(layout_, i + 1, status, items_[i]);
    if (lines_) {
      out_.verbose(1, line, Color::kCyan);
      return;
    }
    drawn_width_ = display_width(line);
    out_.progress(1, line, Color::kCyan);
  }

  /// File \p i is complete.
  void done(std::size_t i, const files::FileResult& result) {
    if (out_.verbosity() < 1) return;
    std::string line = verbose_ ? format_verbose_line(layout_, i + 1, "100%", items_[i],
                                                      format_note(result.encodings))
                                : format_done_line(items_[i]);
    finish_line(line, Color::kCyan);
  }

  /// Prints the skip lines still due (all of them when \p upto is the end).
  void flush_skips(std::size_t upto) {
    for (; next_skip_ < upto && next_skip_ < jobs_.size(); ++next_skip_) {
      if (!jobs_[next_skip_].unchanged || !verbose_) continue;
      finish_line(format_verbose_line(layout_, next_skip_ + 1, "skip", items_[next_skip_],
                                      format_note({}, true)),
                  Color::kYellow);
    }
  }

 private:
  /// A line that stays: it replaces the pending progress line on a terminal.
  void finish_line(std::string line, Color color) {
    if (out_.err_is_tty() && !lines_) {
      // Without colours the terminal gets no clear-to-end-of-line: pad over the old line.
      const std::size_t w = display_width(line);
      if (!out_.color() && w < drawn_width_) line += std::string(drawn_width_ - w, ' ');
      out_.progress(1, line, color);
      out_.end_progress();
    } else {
      out_.verbose(1, line, color);
    }
    drawn_width_ = 0;
    drawn_pct_ = -1;
  }

  Output& out_;
  const std::vector<Job>& jobs_;
  bool verbose_;
  bool lines_;
  std::vector<ProgressItem> items_;
  ProgressLayout layout_;
  std::size_t next_skip_ = 0;
  std::size_t drawn_ = static_cast<std::size_t>(-1);
  std::int64_t drawn_pct_ = -1;
  std::size_t drawn_width_ = 0;
};

/// Forwards a Files batch to the Reporter; \p index maps batch positions to jobs.
class Observer : public files::TransferObserver {
 public:
  Observer(Reporter& reporter, std::vector<std::size_t> index, int base, int span, bool report_done)
      : reporter_(reporter),
        index_(std::move(index)),
        base_(base),
        span_(span),
        report_done_(report_done) {}
  std::function<void(std::size_t job, const files::FileResult&, const std::string*)> on_file;
  /// Set: downloads stream, piece by piece, to on_begin / on_chunk (then on_file gets no data).
  std::function<void(std::size_t job)> on_begin;
  std::function<void(std::size_t job, std::string_view)> on_chunk;

  void on_start(std::size_t i, std::int64_t total) override {
    if (on_begin) on_begin(index_.at(i));
    reporter_.start(index_.at(i));
    reporter_.progress(index_[i], 0, total, base_, span_);
  }
  void on_progress(std::size_t i, std::int64_t done, std::int64_t total) override {
    reporter_.progress(index_.at(i), done, total, base_, span_);
  }
  void on_done(std::size_t i, const files::FileResult& result, const std::string* data) override {
    if (on_file) on_file(index_.at(i), result, data);
    if (report_done_) reporter_.done(index_[i], result);
  }
  bool streams() const override { return static_cast<bool>(on_chunk); }
  void on_data(std::size_t i, std::string_view chunk) override { on_chunk(index_.at(i), chunk); }

 private:
  Reporter& reporter_;
  std::vector<std::size_t> index_;
  int base_, span_;
  bool report_done_;
};

class CpCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "cp";
    i.resumes_after_reset = true;  // a second run skips what already arrived
    i.rank = help_rank::kCp;
    i.summary = "Copy files between local and device.";
    i.description =
        "Paths starting with ':' are on the device. A trailing '/' on a source copies its "
        "contents; on the destination it means a directory. Files that are identical on the "
        "destination (size and SHA-256) are skipped unless -f is given. A destination of '-' "
        "writes one device file to stdout. Uploads follow symlinks to files, and to directories "
        "inside the source; a link to a directory outside it is skipped with a warning unless "
        "--follow-links; a loop is an error.";
    using K = OptionSpec::Kind;
    i.options.push_back({"force", 'f', K::kFlag, "", "copy even unchanged files", {}});
    i.options.push_back({"mpy", 'm', K::kFlag, "", "compile .py to .mpy with mpy-cross", {}});
    i.options.push_back({"compress", 'z', K::kFlag, "", "force compression", {}});
    i.options.push_back({"no-compress", 'Z', K::kFlag, "", "disable compression", {}});
    const char* chunk_help = "transfer chunk size: 512, 4K, 4KB (64..131072)";
    i.options.push_back({"chunk-size", 'c', K::kValue, "SIZE", chunk_help, {}});
    i.options.push_back({"json", 0, K::kFlag, "", "print the summary as JSON to stdout", {}});
    i.options.push_back({"follow-links",
                         0,
                         K::kFlag,
                         "",
                         "upload: follow links to directories outside the source",
                         {}});
    // The Python mpytool's completion argtype and text (`_args cp`), which its shell scripts
    // expect.
    i.positionals.push_back({"local_or_remote", "source(s) and dest (: prefix for device)",
                             PositionalSpec::Arity::kZeroOrMore});
    i.needs = Needs::kRepl;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const auto& words = args.positionals();
    if (words.size() < 2) throw UsageError("cp requires source and destination");
    std::vector<CliPath> sources;
    for (std::size_t k = 0; k + 1 < words.size(); ++k) sources.push_back(parse_cli_path(words[k]));
    const CliPath dest = parse_cli_path(words.back());

    TransferSettings opts = use_transfer_options(ctx);
    if (auto c = args.value("chunk-size")) opts.chunk_size = parse_size(*c);
    if (args.flag("no-compress")) {
      opts.compress = false;
    } else if (args.flag("compress")) {
      opts.compress = true;
    }
    force_ = args.flag("force") || ctx.globals().plugin_options.flag("force");
    json_ = args.flag("json");

    if (!dest.remote) {
      if (json_ && dest.path == "-") throw UsageError("--json and '-' both write to stdout");
      for (const auto& s : sources) {
        if (!s.remote) throw UsageError("local-to-local copy not supported: " + s.path);
      }
    } else if (sources.size() > 1 && !remote_dir_dest(dest.path)) {
      throw UsageError(kMultipleError);
    }

    files::Files files(ctx.mpy(), opts);
    FilesView view(files);
    const Excludes excludes(ctx.globals().plugin_options.values("exclude"));
    std::vector<Job> jobs;
    std::vector<std::string> dirs;
    if (dest.remote) {
      std::vector<std::string> local, remote;
      for (const auto& s : sources) (s.remote ? remote : local).push_back(s.path);
      if (!local.empty()) {
        CopyPlan plan = plan_upload(local, dest.path, excludes, view, args.flag("follow-links"));
        for (const auto& link : plan.skipped) logger().warn(LinkGuard::skip_message(link));
        add_plan(plan, false, jobs, dirs);
      }
      if (!remote.empty()) add_plan(plan_remote_copy(remote, dest.path, view), true, jobs, dirs);
      if (args.flag("mpy")) compile_mpy(ctx, jobs);
    } else {
      std::vector<std::string> remote;
      for (const auto& s : sources) remote.push_back(s.path);
      const CopyPlan plan = plan_download(remote, dest.path, excludes, view);
      add_plan(plan, true, jobs, dirs);
      refused_ = plan.refused;
    }
    // Names the board listed that would lead outside the destination: one warning each; the
    // rest is copied, and the command fails at the end.
    for (const auto& r : refused_) logger().warn("{}", refused_message(r));

    Output& out = ctx.out();
    if (out.verbosity() >= 2) {
      out.verbose(2, format_copy_header(true, files.chunk_size(), opts.compress));
    } else {
      out.verbose(1, format_copy_header(false));
    }
    const auto started = std::chrono::steady_clock::now();
    Reporter reporter(out, jobs, dest.remote, ctx.globals().debug > 0);
    if (dest.remote) {
      upload(files, jobs, dirs, reporter);
    } else {
      download(files, jobs, dirs, reporter);
    }
    reporter.flush_skips(jobs.size());

    CopySummary summary;
    summary.round_trips = files.stats().round_trips;
    summary.frames_resent = files.stats().frames_resent;
    summary.transfer = files.transfer_path();
    for (const auto& r : refused_) summary.refused.emplace_back(r.dir, r.name);
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::vector<CopyRecord> records;
    for (std::size_t k = 0; k < jobs.size(); ++k) {
      const Job& j = jobs[k];
      summary.total_bytes += j.size;
      if (j.unchanged) {
        ++summary.unchanged;
      } else {
        ++summary.transferred;
        summary.bytes += j.size;
        summary.wire_bytes += j.result.wire_bytes;
      }
      if (json_) {
        records.push_back({j.remote_src ? ":" + j.src : j.src, dest.remote ? ":" + j.dst : j.dst,
                           j.size, j.unchanged, j.result.encodings, j.result.wire_bytes});
      }
    }
    out.verbose(1, format_summary(summary, out.verbosity() >= 2), Color::kGreen);
    if (summary.transferred == 0 && summary.unchanged > 0) ctx.note_outcome("unchanged");
    if (json_) {
      out.out() << format_json_summary(summary, records) << '\n';
      out.out().flush();
    }
    if (!refused_.empty()) {
      throw DeviceError(
          fmt::format("{} (not plain file names) and not copied", refused_count(refused_.size())));
    }
    return 0;
  }

 private:
  static void add_plan(const CopyPlan& plan, bool remote_src, std::vector<Job>& jobs,
                       std::vector<std::string>& dirs) {
    for (const auto& f : plan.files) {
      Job j;
      j.src = f.src;
      j.dst = f.dst;
      j.root = f.root;
      j.size = f.size;
      j.remote_src = remote_src;
      jobs.push_back(std::move(j));
    }
    for (const auto& d : plan.dirs) {
      if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.push_back(d);
    }
  }

  /// -m: local .py sources become .mpy files on the board (boot.py and main.py stay .py).
  static void compile_mpy(CommandContext& ctx, std::vector<Job>& jobs) {
    const bool any = std::any_of(jobs.begin(), jobs.end(), [](const Job& j) {
      return !j.remote_src && MpyCross::compilable(j.src);
    });
    if (!any) return;
    MpyCross mpy_cross;
    if (!mpy_cross.init(ctx.mpy().platform())) return;
    for (auto& j : jobs) {
      if (j.remote_src || !MpyCross::compilable(j.src)) continue;
      if (auto compiled = mpy_cross.compile(j.src)) {
        j.data = read_local(compiled->string());
        j.size = static_cast<std::int64_t>(j.data.size());
        if (j.dst.size() > 3 && j.dst.compare(j.dst.size() - 3, 3, ".py") == 0) {
          j.dst.replace(j.dst.size() - 3, 3, ".mpy");
        }
        j.loaded = true;
      }
    }
  }

  /// The skip-unchanged check of an upload batch: files with local content in one
  /// Files::unchanged() round trip, board-to-board copies (source and destination hashed on the
  /// board) in one fileinfo() round trip.
  static void mark_unchanged(files::Files& files, std::vector<Job>& jobs) {
    std::vector<files::Files::Expected> expected;
    std::vector<std::size_t> asked;
    std::map<std::string, std::int64_t> on_board;
    for (std::size_t k = 0; k < jobs.size(); ++k) {
      const Job& j = jobs[k];
      if (j.remote_src) {
        on_board[j.src] = j.size;
        on_board[j.dst] = j.size;
      } else {
        expected.push_back({j.dst, j.size, files::sha256(j.data)});
        asked.push_back(k);
      }
    }
    if (!expected.empty()) {
      if (auto same = files.unchanged(expected)) {
        for (std::size_t e = 0; e < asked.size(); ++e) jobs[asked[e]].unchanged = same->at(e);
      }
    }
    if (on_board.empty()) return;
    auto info = files.fileinfo(on_board);
    if (!info) return;
    auto digest_of = [&](const std::string& path) -> std::optional<std::string> {
      auto it = info->find(path);
      if (it == info->end() || !it->second) return std::nullopt;
      return it->second->sha256;
    };
    for (auto& j : jobs) {
      if (!j.remote_src) continue;
      const auto src = digest_of(j.src);
      const auto dst = digest_of(j.dst);
      j.unchanged = src && dst && *src == *dst;
    }
  }

  void upload(files::Files& files, std::vector<Job>& jobs, const std::vector<std::string>& dirs,
              Reporter& reporter) {
    for (auto& j : jobs) {
      if (j.remote_src || j.loaded) continue;
      j.data = read_local(j.src);
      j.size = static_cast<std::int64_t>(j.data.size());
    }
    if (!force_) mark_unchanged(files, jobs);
    // Directories: the empty ones of the source, and those that will receive a file. When
    // everything is unchanged, no round trip is spent on directories that exist anyway.
    std::vector<std::string> needed;
    for (const std::string& d : dirs) {
      bool holds_file = false;
      bool receives = false;
      for (const Job& j : jobs) {
        if (j.dst.size() > d.size() && j.dst.compare(0, d.size(), d) == 0 &&
            j.dst[d.size()] == '/') {
          holds_file = true;
          receives = receives || !j.unchanged;
        }
      }
      if (!holds_file || receives) needed.push_back(d);
    }
    if (!needed.empty()) files.mkdirs(needed);

    // Board sources: download first (the first half of their progress).
    std::vector<std::size_t> fetch;
    for (std::size_t k = 0; k < jobs.size(); ++k) {
      if (jobs[k].remote_src && !jobs[k].unchanged) fetch.push_back(k);
    }
    if (!fetch.empty()) {
      std::vector<std::string> paths;
      for (auto k : fetch) paths.push_back(jobs[k].src);
      Observer obs(reporter, fetch, 0, 50, false);
      obs.on_file = [&](std::size_t k, const files::FileResult& r, const std::string* data) {
        jobs[k].data = data ? *data : std::string();
        jobs[k].size = static_cast<std::int64_t>(jobs[k].data.size());
        jobs[k].result.wire_bytes += r.wire_bytes;
      };
      files.get_many(paths, &obs, false);
    }

    std::vector<std::size_t> send;
    std::vector<files::UploadItem> items;
    for (std::size_t k = 0; k < jobs.size(); ++k) {
      if (jobs[k].unchanged) continue;
      send.push_back(k);
      items.push_back({std::move(jobs[k].data), jobs[k].dst, std::nullopt});
    }
    if (items.empty()) return;
    // Board-to-board copies show their second half; a mixed batch shows uploads in full.
    const bool all_remote = fetch.size() == send.size();
    Observer obs(reporter, send, all_remote ? 50 : 0, all_remote ? 50 : 100, true);
    std::size_t done = 0;
    obs.on_file = [&](std::size_t k, const files::FileResult& r, const std::string*) {
      const std::int64_t fetched = jobs[k].result.wire_bytes;
      jobs[k].result = r;
      jobs[k].result.wire_bytes += fetched;
      ++done;
    };
    try {
      files.put_many(items, &obs);
    } catch (const BoardReset&) {
      // The file being sent was still in its temporary file: the target is as it was.
      const std::string& at = jobs[send[std::min(done, send.size() - 1)]].dst;
      throw BoardReset(fmt::format("the board reset (at :{}); nothing was replaced", at));
    }
  }

  void download(files::Files& files, std::vector<Job>& jobs, const std::vector<std::string>& dirs,
                Reporter& reporter) {
    // The last defence before anything is written: a path made of board names stays in the
    // directory it belongs in (the planner refused the names that would not).
    for (const Job& j : jobs) {
      if (!j.root.empty() && !path_within(j.root, j.dst)) {
        throw MpyError(
            fmt::format("refusing to write '{}': it is outside '{}'", printable(j.dst), j.root));
      }
    }
    for (const auto& d : dirs) {
      std::error_code ec;
      stdfs::create_directories(d, ec);
      if (ec) {
        throw MpyError(fmt::format("cannot create directory '{}': {}", d, host_error_text(ec)));
      }
    }
    // Unchanged check: only for local files that exist with the board file's size.
    if (!force_) {
      std::vector<files::Files::Expected> expected;
      std::vector<std::size_t> asked;
      for (std::size_t k = 0; k < jobs.size(); ++k) {
        std::error_code ec;
        const Job& j = jobs[k];
        if (is_stream_path(j.dst) || !stdfs::is_regular_file(j.dst, ec)) continue;
        const auto size = stdfs::file_size(j.dst, ec);
        if (ec || static_cast<std::int64_t>(size) != j.size) continue;
        expected.push_back({j.src, j.size, files::sha256_file(j.dst)});
        asked.push_back(k);
      }
      if (!expected.empty()) {
        if (auto same = files.unchanged(expected)) {
          for (std::size_t e = 0; e < asked.size(); ++e) jobs[asked[e]].unchanged = same->at(e);
        }
      }
    }
    std::vector<std::size_t> fetch;
    std::vector<std::string> paths;
    for (std::size_t k = 0; k < jobs.size(); ++k) {
      if (jobs[k].unchanged) continue;
      fetch.push_back(k);
      paths.push_back(jobs[k].src);
    }
    if (paths.empty()) return;
    // Each file streams to disk as it comes (memory bounded by a piece, whatever size the board
    // announces): into a temporary file that replaces the destination once the file is
    // verified. A file that starts again (the text path after a damaged stream) starts a new
    // one; an error anywhere drops the temporary files (the writers' destructors) and leaves
    // the destinations as they were. Stdout is written straight through.
    std::map<std::size_t, HostFileWriter> writers;
    Observer obs(reporter, fetch, 0, 100, true);
    obs.on_begin = [&](std::size_t k) { writers[k].open(jobs[k].dst); };
    obs.on_chunk = [&](std::size_t k, std::string_view chunk) { writers.at(k).write(chunk); };
    obs.on_file = [&](std::size_t k, const files::FileResult& r, const std::string* data) {
      HostFileWriter& w = writers.at(k);
      if (data) w.write(*data);
      w.commit();
      writers.erase(k);
      jobs[k].size = r.size;
      jobs[k].result = r;
    };
    files.get_many(paths, &obs, false);
  }

  bool force_ = false;
  bool json_ = false;
  std::vector<RefusedName> refused_;
};

}  // namespace

std::unique_ptr<Command> make_cp_command() { return std::make_unique<CpCommand>(); }

}  // namespace mpytool::fs
