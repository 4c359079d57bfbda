// SPDX-License-Identifier: MIT
// The WebREPL path (--transfer webrepl): files through the board's own WA/WB protocol
// (links::WebreplFiles) over the binary messages of a ws:// link. The board reports no errors
// there — a full filesystem still answers WB 0 with a truncated file, and 1.27 may drop a byte of
// a PUT — so every upload lands under a temporary name, is checked over the REPL (size, and
// SHA-256 where the board has hashlib) and only then renamed; downloads are checked likewise.
// A name the board cannot open kills the WebREPL session, so each download is looked up first.
#include <spdlog/fmt/fmt.h>

#include "base64.hpp"
#include "incoming.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/files/files.hpp"
#include "mpytool/files/hash.hpp"
#include "mpytool/link/conn.hpp"
#include "mpytool/links/binary_channel.hpp"
#include "mpytool/links/webrepl_files.hpp"
#include "mpytool/repl/py_value.hpp"

namespace mpytool::files {

namespace {

constexpr double kFlashTimeout = 20.0;
// A damaged upload (the firmware's lost byte) is sent again this many times in all.
constexpr int kPutAttempts = 3;

links::BinaryChannel& webrepl_channel(Mpy& mpy) {
  auto* ch = dynamic_cast<links::BinaryChannel*>(&mpy.conn());
  if (!ch) {
    throw UsageError(
        fmt::format("--transfer webrepl needs a WebREPL link (-a ws://HOST[:PORT]); '{}' is a {} "
                    "link",
                    mpy.conn().description(), mpy.conn().type_name()));
  }
  return *ch;
}

// The name the upload of \p remote travels under: its temporary name, or a shorter one in the
// same directory when that does not fit the protocol's 63 bytes.
std::string wa_temp(std::string_view remote) {
  std::string tmp = Files::temp_path(remote);
  if (tmp.size() <= links::WebreplFiles::kMaxName) return tmp;
  const auto slash = remote.rfind('/');
  const std::string dir =
      slash == std::string_view::npos ? "" : std::string(remote.substr(0, slash + 1));
  std::string shorter = dir + ".mt.tmp";
  if (shorter.size() <= links::WebreplFiles::kMaxName) return shorter;
  throw UsageError(fmt::format(
      "':{}' is too deep for the WebREPL file protocol: its directory alone takes {} bytes and "
      "the names it carries have at most {} (use --transfer auto)",
      remote, dir.size(), links::WebreplFiles::kMaxName));
}

// Loads the stat and hash helpers; false when the board has no hashlib.
bool prepare_checks(Mpy& mpy) {
  mpy.load_helper("stat");
  try {
    mpy.load_helper("hash");
    return true;
  } catch (const CmdError&) {
    return false;
  }
}

void remove_quietly(Mpy& mpy, const std::string& lit) {
  try {
    mpy.comm().exec(fmt::format("try:\n os.remove({})\nexcept OSError:\n pass", lit));
  } catch (const MpyError&) {
  }
}

}  // namespace

std::vector<FileResult> Files::put_webrepl(const std::vector<UploadItem>& items,
                                           TransferObserver* obs) {
  links::WebreplFiles wa(webrepl_channel(mpy_));
  for (const auto& it : items) {
    links::WebreplFiles::check_size(it.remote, it.data.size());
    wa_temp(it.remote);  // every name is checked before anything is sent
  }
  const bool hashing = prepare_checks(mpy_);
  webrepl_used_ = true;
  std::vector<FileResult> results;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const UploadItem& it = items[i];
    const std::string tmp = wa_temp(it.remote);
    const std::string tmp_lit = repr_str(tmp);
    FileResult r;  // raw binary: no encodings
    r.size = static_cast<std::int64_t>(it.data.size());
    obs->on_start(i, r.size);
    const std::string digest = hashing ? base64_encode(sha256(it.data)) : std::string();
    try {
      for (int attempt = 1;; ++attempt) {
        wa.put(tmp, it.data, [&](std::uint64_t done, std::uint64_t) {
          obs->on_progress(i, static_cast<std::int64_t>(done), r.size);
        });
        r.wire_bytes += r.size;
        stats_.bytes_out += r.size;
        // WB 0 proves nothing: look at what the board stored.
        const PyValue st = mpy_.comm().exec_eval(fmt::format("_mt_stat({})", tmp_lit));
        const std::int64_t stored = st.is_int() ? st.as_int() : -2;
        bool ok = stored == r.size;
        if (ok && hashing) {
          const PyValue h = mpy_.comm().exec_eval(fmt::format("_mt_hash({})", tmp_lit), 30);
          ok = h.is_bytes() && h.as_bytes() == digest;
        }
        if (ok) break;
        remove_quietly(mpy_, tmp_lit);
        // Short by more than the byte the firmware may drop: the board could not write it (a
        // full filesystem, which the protocol does not report). Sending it again will not help.
        if (stored >= 0 && stored < r.size - 1) {
          throw DeviceError(
              fmt::format("cannot write ':{}': the board stored {} of {} bytes (is its filesystem "
                          "full? the WebREPL file protocol reports no errors)",
                          it.remote, stored, r.size),
              28);
        }
        if (attempt >= kPutAttempts) {
          throw DeviceError(
              fmt::format("cannot write ':{}': the WebREPL upload arrived damaged {} times",
                          it.remote, attempt));
        }
        logger().info("WebREPL upload of ':{}' arrived damaged ({} of {} bytes): sending it again",
                      it.remote, stored, r.size);
      }
      mpy_.comm().exec(
          fmt::format("try:\n os.rename({0},{1})\nexcept OSError as e:\n if e.errno!=17:\n"
                      "  raise\n os.remove({1})\n os.rename({0},{1})",
                      tmp_lit, repr_str(it.remote)),
          kFlashTimeout);
    } catch (const ConnError&) {
      throw;  // the session is gone (a failed open closes it): nothing to clean up over it
    } catch (const MpyError&) {
      remove_quietly(mpy_, tmp_lit);
      throw;
    }
    obs->on_done(i, r, nullptr);
    results.push_back(std::move(r));
  }
  return results;
}

std::vector<std::string> Files::get_webrepl(const std::vector<std::string>& remotes,
                                            TransferObserver* obs, bool keep) {
  links::WebreplFiles wa(webrepl_channel(mpy_));
  for (const auto& path : remotes) links::WebreplFiles::check_name(path);
  const bool hashing = prepare_checks(mpy_);
  webrepl_used_ = true;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < remotes.size(); ++i) {
    const std::string& path = remotes[i];
    // The board's failed open would end the whole session: look first.
    FileResult r;
    r.size = size_to_get(path);
    obs->on_start(i, r.size);
    Incoming in(*obs, i, path, r.size, keep);
    const std::string data = wa.get(path, [&](std::uint64_t done, std::uint64_t) {
      obs->on_progress(i, static_cast<std::int64_t>(done), r.size);
    });
    r.wire_bytes = static_cast<std::int64_t>(data.size());
    stats_.bytes_in += r.wire_bytes;
    in.take(data);
    finish_get(i, path, r, in, hashing, obs, keep, out);
  }
  return out;
}

}  // namespace mpytool::files
