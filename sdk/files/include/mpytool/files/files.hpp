// SPDX-License-Identifier: MIT
/// \file
/// The board's files (the Python mpytool's `Mpy` file methods): listing, stat, directories,
/// renames, hashes, and uploads/downloads that go as fast as the link allows. Transfers stream
/// through a small agent on the board (framed, CRC-checked, flow-controlled by credits the board
/// grants, one deflate stream per compressible file or batch of small files) and fall back to a
/// text path (base64 through exec) on boards or links that cannot carry it. Every upload lands
/// under a temporary name, is verified on the board (size and SHA-256) and only then renamed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/files/export.hpp"
#include "mpytool/link/conn.hpp"
#include "mpytool/transfer/session.hpp"
#include "mpytool/transfer/settings.hpp"

namespace mpytool {
class Mpy;
}

namespace mpytool::files {

class Incoming;

using stream::Session;

/// One `ls` entry: a directory has no size.
struct Entry {
  std::string name;
  std::optional<std::int64_t> size;  ///< nullopt for a directory
  bool is_dir() const noexcept { return !size; }
};

/// One `tree` node. A directory has children (possibly empty), a file has none.
struct TreeNode {
  std::string name;
  std::int64_t size = 0;  ///< a directory's size is the sum of its files
  std::optional<std::vector<TreeNode>> children;
  bool is_dir() const noexcept { return children.has_value(); }
};

/// What `fileinfo()` knows of one path.
struct FileInfo {
  std::int64_t size = 0;
  std::optional<std::string> sha256;  ///< raw 32-byte digest; nullopt when the sizes differed
};

/// Progress of one file: bytes of content done and the total.
using ProgressFn = std::function<void(std::int64_t done, std::int64_t total)>;

/// Result of one uploaded or downloaded file.
struct FileResult {
  std::set<std::string> encodings;  ///< "compressed", "base64"; empty = raw binary
  std::int64_t size = 0;            ///< content bytes
  std::int64_t wire_bytes = 0;      ///< bytes that crossed the link for this file's content
};

/// One file to upload.
struct UploadItem {
  std::string data;              ///< content
  std::string remote;            ///< destination path on the board (its directory must exist)
  std::optional<bool> compress;  ///< per-file override of TransferSettings::compress
};

/// Follows a batch transfer (all callbacks optional).
class MPYTOOL_FILES_API TransferObserver {
 public:
  virtual ~TransferObserver() = default;
  /// File \p index starts (\p total content bytes; -1 if not known yet).
  virtual void on_start(std::size_t index, std::int64_t total);
  /// Progress within file \p index.
  virtual void on_progress(std::size_t index, std::int64_t done, std::int64_t total);
  /// File \p index is complete and verified. For downloads \p data is its content, or nullptr
  /// when this observer streams() (and the content is not kept for the caller).
  virtual void on_done(std::size_t index, const FileResult& result, const std::string* data);
  /// True when this observer takes downloads piece by piece through on_data(): the download
  /// then holds no more than a piece of the file (its size and SHA-256 are checked as it
  /// goes), whatever size the board announces. False (the default): on_done() gets the
  /// whole content.
  virtual bool streams() const;
  /// For an observer that streams(): the next piece of file \p index's content, in order. The
  /// file is verified only at on_done(); an error before it means the pieces are to be dropped.
  /// A file may start again (on_start() once more, after a damaged stream): what came before
  /// for that index is then to be dropped too.
  virtual void on_data(std::size_t index, std::string_view chunk);
};

/// Link statistics of this Files object since construction (or reset_stats()).
using TransferStats = stream::Stats;

/// File operations on a board. Holds the probed transfer path, so keep one per connection.
/// Errors: FileNotFound, DirNotFound, PathNotFound (missing paths), CmdError (board errors
/// such as ENOSPC, with the path in the message), ConnError/Timeout (link), Interrupted.
class MPYTOOL_FILES_API Files {
 public:
  /// Works on \p mpy, which must outlive this object, with transfer settings \p options
  /// (transfer/settings.hpp: a command passes use_transfer_options(ctx)).
  explicit Files(Mpy& mpy, TransferSettings options = {});
  ~Files();
  Files(const Files&) = delete;
  Files& operator=(const Files&) = delete;

  /// The board.
  Mpy& mpy() noexcept { return mpy_; }
  /// Settings (may be changed between calls).
  TransferSettings& options() noexcept { return options_; }

  /// Directories first, then files, each in the board's order. Throws DirNotFound.
  std::vector<Entry> ls(std::string_view path = "");
  /// Recursive listing; a file gives a single node. Throws DirNotFound.
  TreeNode tree(std::string_view path = "");
  /// nullopt: missing; -1: directory; otherwise the file size (the Python mpytool's stat()).
  std::optional<std::int64_t> stat(std::string_view path);
  /// Creates \p path and missing parents. Throws DeviceError "Error creating directory, this is
  /// file: F" (errno 20) when a component F is a file.
  void mkdir(std::string_view path);
  /// Creates several directories (and parents) in one round trip; same errors as mkdir().
  void mkdirs(const std::vector<std::string>& paths);
  /// Deletes a file or a directory recursively (the Python mpytool's delete()). Throws
  /// PathNotFound.
  void remove(std::string_view path);
  /// Removes every path of \p paths (files, or directories with their contents) in one round
  /// trip; paths already gone are skipped.
  void remove_many(const std::vector<std::string>& paths);
  /// os.rename().
  void rename(std::string_view from, std::string_view to);
  /// Raw SHA-256 digest of a board file, nullopt when the board cannot hash or it is missing.
  std::optional<std::string> hashfile(std::string_view path);
  /// For each path the expected size: nullopt (missing / not a file), size + hash when the size
  /// matches, size alone otherwise. One round trip for the whole map. nullopt if the board
  /// cannot answer (no hashlib): callers then treat every file as changed.
  std::optional<std::map<std::string, std::optional<FileInfo>>> fileinfo(
      const std::map<std::string, std::int64_t>& expected);

  /// One file of an unchanged() query.
  struct Expected {
    std::string path;
    std::int64_t size = 0;  ///< the expected size; negative: not known (the file is hashed)
    std::string sha256;     ///< the local content's raw SHA-256 digest
  };
  /// For each file, true if the board holds a regular file of that size whose SHA-256 matches
  /// (the board compares the first 64 bits; only same-size files are hashed). One round trip
  /// for the whole batch with a compact request (deflated when the board has `deflate`) and a
  /// one-character-per-file answer: what cp's skip-unchanged check needs at a fraction of
  /// fileinfo()'s traffic. nullopt if the board cannot hash: treat every file as changed.
  std::optional<std::vector<bool>> unchanged(const std::vector<Expected>& files);

  /// Sends, in one program, the helpers that an upload with put_many() (the streaming agent
  /// unless the transfer path is text or WebREPL's) and, with \p check_unchanged, unchanged()
  /// will need, with \p extra helpers of the caller's: for a command that knows it will
  /// upload, ahead of time (one round trip and one deflate stream instead of one per helper).
  void preload_upload(const std::vector<std::string_view>& extra = {}, bool check_unchanged = true);

  /// Downloads a file. Throws FileNotFound.
  std::string get(std::string_view path, const ProgressFn& progress = {});
  /// Uploads \p data to \p path (atomically: temporary name, verify, rename).
  /// \p compress overrides the options for this file.
  FileResult put(std::string_view data, std::string_view path, const ProgressFn& progress = {},
                 std::optional<bool> compress = std::nullopt);

  /// Uploads many files in one agent session (no round trip per file; runs of small files share
  /// one deflate stream). Stops at the first failure and throws; files completed before it
  /// stay, the failing one and those after it are left untouched.
  std::vector<FileResult> put_many(const std::vector<UploadItem>& items,
                                   TransferObserver* observer = nullptr);
  /// Downloads many files in one agent session; the contents arrive through
  /// TransferObserver::on_done, or on_data for an observer that streams (and are returned too
  /// when \p keep is true).
  std::vector<std::string> get_many(const std::vector<std::string>& remotes,
                                    TransferObserver* observer = nullptr, bool keep = true);

  /// The transfer path in use after probing: "stream", "text" or "webrepl" ("" before the first
  /// transfer).
  std::string transfer_path() const;
  /// The chunk size in use (computes it on first call).
  int chunk_size();
  /// Link statistics since construction or reset_stats(); round_trips counts every program
  /// the board ran (MpyComm::exchanges()) plus the waits for the transfer agent's answers.
  TransferStats stats() const noexcept;
  void reset_stats() noexcept;

  /// Path of the temporary file an upload to \p path uses ("dir/.name.mpytmp", or
  /// "dir/.mpytool.mpytmp" for names of 240 bytes and more).
  static std::string temp_path(std::string_view path);

 private:
  Mpy& mpy_;
  TransferSettings options_;
  TransferStats stats_;
  std::int64_t exchanges_base_ = 0;
  std::optional<int> chunk_;
  /// Result of the streaming probe: nullopt not probed yet.
  std::optional<bool> stream_ok_;
  int window();
  std::unique_ptr<Session> open_session();
  bool on_host_paths(const std::vector<std::string>& remotes) const;
  std::vector<FileResult> put_stream(Session& s, const std::vector<UploadItem>& items,
                                     TransferObserver* obs);
  std::vector<std::string> get_stream(Session& s, const std::vector<std::string>& remotes,
                                      TransferObserver* obs, bool keep);
  std::vector<FileResult> put_text(const std::vector<UploadItem>& items, TransferObserver* obs);
  /// \p chunk: bytes per read (0: chunk_size()).
  std::vector<std::string> get_text(const std::vector<std::string>& remotes, TransferObserver* obs,
                                    bool keep, int chunk = 0);
  /// The size of the board's file \p path before a text or WebREPL download: FileNotFound
  /// when there is none, DeviceError (errno 21) for a directory (text_transfer.cpp).
  std::int64_t size_to_get(const std::string& path);
  /// The end of file \p i (\p path) of a text or WebREPL download: all of it came, the board's
  /// _mt_hash of it matches what came (when \p hashed), then on_done() and, with \p keep, the
  /// content into \p out (text_transfer.cpp).
  void finish_get(std::size_t i, const std::string& path, const FileResult& r, Incoming& in,
                  bool hashed, TransferObserver* obs, bool keep, std::vector<std::string>& out);
  /// --transfer webrepl: the WebREPL's own WA/WB protocol (webrepl_transfer.cpp).
  std::vector<FileResult> put_webrepl(const std::vector<UploadItem>& items, TransferObserver* obs);
  std::vector<std::string> get_webrepl(const std::vector<std::string>& remotes,
                                       TransferObserver* obs, bool keep);
  /// A transfer went through the WebREPL's file protocol.
  bool webrepl_used_ = false;
  /// Bytes per text read on a link that damages frames.
  static constexpr int kNoisyTextChunk = 384;
};

}  // namespace mpytool::files
