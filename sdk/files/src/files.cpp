// SPDX-License-Identifier: MIT
// Files: settings, the choice of transfer path, and the streaming uploads and downloads.
#include "mpytool/files/files.hpp"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cstdlib>
#include <deque>

#include "incoming.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/files/hash.hpp"
#include "mpytool/link/conn.hpp"
#include "mpytool/repl/py_value.hpp"
#include "mpytool/transfer/deflate.hpp"
#include "mpytool/transfer/frame.hpp"
#include "mpytool/transfer/session.hpp"
#include "upload_batch.hpp"

namespace mpytool::files {

using namespace stream;  // NOLINT: the transfer agent's vocabulary

namespace detail {
std::string_view helper_source(std::string_view name);
}

namespace op {
// The files library's operations of the transfer agent (helpers/agent.py).
constexpr char kOpen = 'O';    ///< host: start an upload "mode\0size\0path[\0size\0path...]"
constexpr char kGet = 'G';     ///< host: start a download "mode\0path"
constexpr char kSize = 'S';    ///< board: download size
constexpr char kFailed = 'I';  ///< board: index in the batch of the file whose writing failed
}  // namespace op

void TransferObserver::on_start(std::size_t, std::int64_t) {}
void TransferObserver::on_progress(std::size_t, std::int64_t, std::int64_t) {}
void TransferObserver::on_done(std::size_t, const FileResult&, const std::string*) {}
bool TransferObserver::streams() const { return false; }
void TransferObserver::on_data(std::size_t, std::string_view) {}

namespace {

// Files smaller than this go raw: the zlib header and trailer would eat the gain.
constexpr std::size_t kMinCompress = 64;

// "28 OSError(28,)" -> DeviceError "cannot write ':/a.py': No space left on device (errno 28)".
[[noreturn]] void throw_board_error(std::string_view verb, std::string_view path,
                                    std::string_view payload) {
  int err = 0;
  std::size_t i = 0;
  while (i < payload.size() && payload[i] >= '0' && payload[i] <= '9') {
    err = err * 10 + (payload[i] - '0');
    ++i;
  }
  if (err == 2 && verb == "read") throw FileNotFound(std::string(path));
  const std::string action = fmt::format("{} ':{}'", verb, path);
  if (auto known = DeviceError::from_errno(action, err)) throw *known;
  const std::string_view rest = payload.substr(std::min(payload.size(), i + 1));
  throw DeviceError(fmt::format("cannot {}: {}", action,
                                rest == "OSError(0, 'verify')" ? "verification on the board failed"
                                                               : std::string(rest)),
                    err);
}

// Board paths are UTF-8 text on the board; a local name that is not (possible on Linux) is
// refused before anything is sent.
void require_utf8(std::string_view path) {
  std::size_t i = 0;
  while (i < path.size()) {
    const auto c = static_cast<unsigned char>(path[i]);
    const std::size_t n = c < 0x80         ? 1
                          : (c >> 5) == 6  ? 2
                          : (c >> 4) == 14 ? 3
                          : (c >> 3) == 30 ? 4
                                           : 0;
    bool ok = n > 0 && i + n <= path.size();
    for (std::size_t k = 1; ok && k < n; ++k) {
      ok = (static_cast<unsigned char>(path[i + k]) >> 6) == 2;
    }
    if (!ok) throw UsageError(fmt::format("path is not valid UTF-8: '{}'", path));
    i += n;
  }
}

// One file's progress callback as an observer (get() and put()).
class ProgressAdapter : public TransferObserver {
 public:
  explicit ProgressAdapter(const ProgressFn& fn) : fn_(fn) {}
  void on_progress(std::size_t, std::int64_t done, std::int64_t total) override {
    if (fn_) fn_(done, total);
  }

 private:
  const ProgressFn& fn_;
};

}  // namespace

Files::Files(Mpy& mpy, TransferSettings options)
    : mpy_(mpy), options_(std::move(options)), exchanges_base_(mpy.comm().exchanges()) {}

TransferStats Files::stats() const noexcept {
  TransferStats s = stats_;
  s.round_trips += mpy_.comm().exchanges() - exchanges_base_;
  return s;
}

void Files::reset_stats() noexcept {
  stats_ = {};
  exchanges_base_ = mpy_.comm().exchanges();
}
Files::~Files() = default;

std::string Files::temp_path(std::string_view path) {
  const auto slash = path.rfind('/');
  const std::string_view dir = slash == std::string_view::npos ? "" : path.substr(0, slash + 1);
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  // As the agent does: a fixed name when ".<name>.mpytmp" would exceed the 255-byte limit.
  if (name.size() >= 240) return fmt::format("{}.mpytool.mpytmp", dir);
  return fmt::format("{}.{}.mpytmp", dir, name);
}

int Files::chunk_size() {
  if (options_.chunk_size) return *options_.chunk_size;
  if (!chunk_) {
    std::int64_t free_bytes = 0;
    try {
      free_bytes =
          mpy_.comm()
              .exec_eval("__import__('gc').mem_free() if __import__('gc').collect() is None else 0")
              .as_int();
    } catch (const CmdError&) {
    }
    const std::int64_t kib = free_bytes / 1024;
    chunk_ = static_cast<int>(std::clamp<std::int64_t>(kib * kib / 2, 256, 32768));
  }
  return *chunk_;
}

int Files::window() {
  if (options_.window) return std::max(16, *options_.window);
  // What every board's stdin buffer holds (esp32 260 bytes). Not more for native USB either:
  // some USB-CDC stacks (esp32-s2/s3 before 1.24) drop what does not fit instead of holding
  // the host back. A board profile's transfer.stdin_buffer raises it.
  return 256;
}

std::string Files::transfer_path() const {
  if (webrepl_used_) return "webrepl";
  if (!stream_ok_) return "";
  return *stream_ok_ ? "stream" : "text";
}

// Board paths the host serves over this link (a mount): the streaming agent would read the
// board's own file requests as its data, so those transfers take the text path.
bool Files::on_host_paths(const std::vector<std::string>& remotes) const {
  const std::string cwd = mpy_.chosen_cwd().value_or("/");
  for (const auto& r : remotes) {
    std::string abs = r;  // cwd joined with a relative path
    if (r.empty())
      abs = cwd;
    else if (r.front() != '/')
      abs = cwd.ends_with('/') ? cwd + r : cwd + "/" + r;
    if (is_host_path(mpy_, abs)) {
      logger().info("'{}' is served by the host over this link: using the text path", abs);
      return true;
    }
  }
  return false;
}

// The streaming agent, probed on first use (the probe shares the session that then carries
// the transfer); nullptr means the text path.
std::unique_ptr<Session> Files::open_session() {
  StreamStart start;
  start.path = options_.path;
  start.prepare = [this] {
    mpy_.register_helper("fs_agent", std::string(detail::helper_source("agent")));
    mpy_.load_helpers({"stream", "fs_agent"});
    SessionOptions o;
    o.window = window();
    o.chunk = chunk_size();
    o.ops = {{op::kOpen, "_mt_up"}, {op::kGet, "_mt_dn"}};
    o.cancelled = options_.cancelled;
    return o;
  };
  start.stats = &stats_;
  start.known = &stream_ok_;
  return open_stream_session(mpy_, std::move(start));
}

void Files::preload_upload(const std::vector<std::string_view>& extra, bool check_unchanged) {
  std::vector<std::string_view> names;
  if (check_unchanged) {
    mpy_.register_helper("same", std::string(detail::helper_source("same")));
    names.push_back("same");
  }
  const bool stream = options_.path != TransferPath::kText &&
                      options_.path != TransferPath::kWebrepl && stream_probe_result(mpy_) != false;
  if (stream) {
    mpy_.register_helper("fs_agent", std::string(detail::helper_source("agent")));
    names.insert(names.end(), {"stream", "fs_agent"});
  }
  names.insert(names.end(), extra.begin(), extra.end());
  mpy_.load_helpers(names);
}

std::string Files::get(std::string_view path, const ProgressFn& progress) {
  ProgressAdapter obs(progress);
  return get_many({std::string(path)}, &obs).at(0);
}

FileResult Files::put(std::string_view data, std::string_view path, const ProgressFn& progress,
                      std::optional<bool> compress) {
  ProgressAdapter obs(progress);
  return put_many({UploadItem{std::string(data), std::string(path), compress}}, &obs).at(0);
}

std::vector<FileResult> Files::put_many(const std::vector<UploadItem>& items,
                                        TransferObserver* observer) {
  if (items.empty()) return {};
  TransferObserver none;
  TransferObserver& obs = observer ? *observer : none;
  std::vector<std::string> remotes;
  for (const auto& item : items) remotes.push_back(item.remote);
  // A mount's paths are served over the link itself: they stay on the text path.
  if (on_host_paths(remotes)) return put_text(items, &obs);
  if (options_.path == TransferPath::kWebrepl) return put_webrepl(items, &obs);
  std::unique_ptr<Session> s = open_session();
  return s ? put_stream(*s, items, &obs) : put_text(items, &obs);
}

std::vector<std::string> Files::get_many(const std::vector<std::string>& remotes,
                                         TransferObserver* observer, bool keep) {
  if (remotes.empty()) return {};
  TransferObserver none;
  TransferObserver& obs = observer ? *observer : none;
  if (on_host_paths(remotes)) return get_text(remotes, &obs, keep);
  if (options_.path == TransferPath::kWebrepl) return get_webrepl(remotes, &obs, keep);
  std::unique_ptr<Session> s = open_session();
  if (!s) return get_text(remotes, &obs, keep);
  // The stream does not resend the board's frames: a link that damaged one gets the files
  // still to come over the text path, in small pieces whose answers the guard checks (and
  // asks for again), read by position so that a piece read twice is the same piece.
  // Passes the callbacks on with the caller's indexes (shifted by the files the stream had
  // done), counting the files done.
  struct Relay : TransferObserver {
    TransferObserver& inner;
    std::size_t by = 0;
    std::size_t done = 0;
    explicit Relay(TransferObserver& o) : inner(o) {}
    void on_start(std::size_t i, std::int64_t t) override { inner.on_start(i + by, t); }
    void on_progress(std::size_t i, std::int64_t d, std::int64_t t) override {
      inner.on_progress(i + by, d, t);
    }
    void on_done(std::size_t i, const FileResult& r, const std::string* d) override {
      ++done;
      inner.on_done(i + by, r, d);
    }
    bool streams() const override { return inner.streams(); }
    void on_data(std::size_t i, std::string_view chunk) override { inner.on_data(i + by, chunk); }
  } relay(obs);
  const std::int64_t skipped = stats_.bytes_skipped;
  try {
    return get_stream(*s, remotes, &relay, keep);
  } catch (const MpyError& e) {
    if (dynamic_cast<const ConnError*>(&e) || dynamic_cast<const Interrupted*>(&e) ||
        stats_.bytes_skipped == skipped) {
      throw;
    }
    logger().info("the link damaged the board's frames ({}); the rest goes over the text path",
                  e.what());
  }
  s.reset();
  if (keep) {
    // What the stream delivered before is lost with it: fetch everything kept again.
    return get_text(remotes, &obs, keep, kNoisyTextChunk);
  }
  relay.by = relay.done;
  get_text(std::vector<std::string>(remotes.begin() + static_cast<std::ptrdiff_t>(relay.by),
                                    remotes.end()),
           &relay, keep, kNoisyTextChunk);
  return {};
}

// Uploads: every file is O, D..., E; the board answers K (or X) per file while the host goes
// on with the next one, so there is no round trip per file. Credit keeps the board's stdin
// buffer from overflowing while it inflates and writes. Runs of small compressible files go as
// one batch: one O listing them all, one deflate stream of their contents one after the other
// (what one file says, the next can refer to), one E with the SHA-256 of all of them, and a K
// per file once the board has checked them all and renamed each.
std::vector<FileResult> Files::put_stream(Session& s, const std::vector<UploadItem>& items,
                                          TransferObserver* obs) {
  const Features& feat = s.features();
  const int wbits = window_bits_for(feat.mem_free);
  // Pieces fill a frame after the 4-byte raw-size prefix.
  const std::size_t piece = s.max_payload() - 4;
  std::vector<FileResult> results(items.size());
  std::deque<std::size_t> waiting;  // files sent, verdict pending
  std::size_t failed_at = 0;        // I: the batch's file whose writing failed

  auto handle = [&](const Frame& f) {
    if (waiting.empty()) throw MpyError("transfer agent: unexpected answer");
    if (f.type == frame::kOk) {
      const std::size_t idx = waiting.front();
      waiting.pop_front();
      obs->on_done(idx, results[idx], nullptr);
    } else if (f.type == op::kFailed) {
      failed_at = static_cast<std::size_t>(std::strtoul(f.payload.c_str(), nullptr, 10));
    } else if (f.type == frame::kError) {
      s.finish_after_error();
      throw_board_error("write", items[waiting[std::min(failed_at, waiting.size() - 1)]].remote,
                        f.payload);
    } else {
      throw MpyError("transfer agent: unexpected frame");
    }
  };
  auto drain = [&] {
    while (auto f = s.poll_frame()) handle(*f);
  };
  auto want = [&](const UploadItem& it) { return it.compress ? it.compress : options_.compress; };

  // Sends items [first, last) as one stream of \p data (their contents one after the other),
  // deflated in \p segs or raw.
  auto send = [&](std::size_t first, std::size_t last, std::string_view data,
                  const std::optional<std::vector<DeflateSegment>>& segs) {
    for (std::size_t i = first; i < last; ++i) require_utf8(items[i].remote);
    const std::string open = open_payload(items, first, last, segs.has_value());
    if (open.size() > s.max_payload()) {
      throw UsageError(fmt::format("path too long for the board: ':{}'", items[first].remote));
    }
    for (std::size_t i = first; i < last; ++i) {
      results[i].size = static_cast<std::int64_t>(items[i].data.size());
      if (segs) results[i].encodings.insert("compressed");
      waiting.push_back(i);
    }
    s.send_frame(op::kOpen, open);
    const std::int64_t before = stats_.bytes_out;
    // Progress per file: the one whose bytes the stream carries now, and where it starts.
    std::size_t at = first;
    std::size_t base = 0;
    obs->on_start(at, results[at].size);
    auto advance = [&](std::size_t sent) {
      for (;;) {
        const std::size_t size = items[at].data.size();
        obs->on_progress(at, static_cast<std::int64_t>(std::min(sent - base, size)),
                         static_cast<std::int64_t>(size));
        if (sent < base + size || at + 1 == last) return;
        base += size;
        ++at;
        obs->on_start(at, results[at].size);
      }
    };
    s.send_data(data, segs ? &*segs : nullptr, [&](std::size_t sent) {
      advance(sent);
      drain();
    });
    advance(data.size());
    s.send_frame(frame::kEnd, feat.sha256 ? sha256(data) : std::string());
    // The stream's bytes, shared out by content size.
    const std::int64_t wire = stats_.bytes_out - before;
    const auto raw = static_cast<std::int64_t>(std::max<std::size_t>(data.size(), 1));
    std::int64_t given = 0;
    for (std::size_t i = first; i < last; ++i) {
      results[i].wire_bytes = i + 1 == last ? wire - given : wire * results[i].size / raw;
      given += results[i].wire_bytes;
    }
    drain();
  };
  auto send_one = [&](std::size_t i) {
    const std::string& data = items[i].data;
    send(
        i, i + 1, data,
        segments_if_worth(data, piece, wbits, feat.inflate ? want(items[i]) : false, kMinCompress));
  };
  for (std::size_t i = 0; i < items.size();) {
    const std::size_t last =
        feat.inflate ? batch_end(items, i, s.max_payload(), options_.compress) : i;
    if (last - i < 2) {
      send_one(i++);
      continue;
    }
    std::string data;
    for (std::size_t k = i; k < last; ++k) data += items[k].data;
    auto segs = segments_if_worth(data, piece, wbits, std::nullopt);
    if (segs) {
      send(i, last, data, segs);
      i = last;
    } else {
      while (i < last) send_one(i++);  // they do not compress together: one by one
    }
  }
  // Quit only once every verdict is in: a verdict damaged on the way comes again only while
  // the agent runs (the host's sync asks for it), and the agent leaves as soon as it reads Q.
  while (!waiting.empty()) handle(s.next_frame());
  s.quit();
  return results;
}

// Downloads: all requests go out at once (G per file), the board streams S, D..., E per file
// in order; compressed when the board's deflate can compress.
std::vector<std::string> Files::get_stream(Session& s, const std::vector<std::string>& remotes,
                                           TransferObserver* obs, bool keep) {
  const bool compress = s.features().deflate && options_.compress != false;
  std::vector<std::string> out;
  // Requests run two files ahead: the board never waits between files, and an abort has at
  // most one more file to get through (the agent reads no input while it streams a file).
  std::size_t requested = 0;
  auto request_more = [&](std::size_t upto) {
    for (; requested < std::min(upto, remotes.size()); ++requested) {
      const std::string& path = remotes[requested];
      std::string req(1, compress ? 'z' : 'r');
      req += '\0';
      req += path;
      if (req.size() > s.max_payload()) {
        throw UsageError(fmt::format("path too long for the board: ':{}'", path));
      }
      s.send_frame(op::kGet, req);
    }
    if (requested == remotes.size()) s.send_frame(frame::kQuit);
  };
  for (const std::string& path : remotes) require_utf8(path);
  request_more(2);
  for (std::size_t i = 0; i < remotes.size(); ++i) {
    Frame f = s.next_frame();
    if (f.type == frame::kError) {
      s.quit();
      throw_board_error("read", remotes[i], f.payload);
    }
    if (f.type != op::kSize) throw MpyError("transfer agent: unexpected frame");
    request_more(i + 3);
    const std::int64_t total = std::stoll(f.payload);
    obs->on_start(i, total);
    FileResult r;
    r.size = total;
    if (compress) r.encodings.insert("compressed");
    // Each piece is checked and passed on as it comes; the content is held only when needed.
    Incoming in(*obs, i, remotes[i], total, keep);
    std::optional<Inflater> inflater;
    if (compress) inflater.emplace();
    for (;;) {
      f = s.next_frame();
      if (f.type == frame::kEnd) break;
      if (f.type == frame::kError) {
        s.quit();
        throw_board_error("read", remotes[i], f.payload);
      }
      if (f.type != frame::kData) throw MpyError("transfer agent: unexpected frame");
      r.wire_bytes += static_cast<std::int64_t>(f.payload.size() + kFrameHeaderSize);
      if (inflater) {
        // In bounded pieces, checked one by one: a frame may inflate a thousandfold.
        inflater->feed(f.payload, [&](std::string_view part) { in.take(part); });
      } else {
        in.take(f.payload);
      }
      obs->on_progress(i, in.got(), total);
    }
    // An empty file gives no compressed stream at all (the board's DeflateIO writes nothing).
    if (in.got() != total || (inflater && total > 0 && !inflater->finished())) {
      throw MpyError(fmt::format("download of ':{}' incomplete", remotes[i]));
    }
    if (!f.payload.empty() && f.payload != in.digest()) {
      throw MpyError(fmt::format("download of ':{}' failed verification", remotes[i]));
    }
    obs->on_done(i, r, in.content());
    if (keep) out.push_back(in.take_content());
  }
  s.quit();
  return out;
}

}  // namespace mpytool::files
