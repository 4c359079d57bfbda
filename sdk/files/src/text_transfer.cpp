// SPDX-License-Identifier: MIT
// The text transfer path: base64 through raw-REPL exec, one round trip per chunk (the Python
// mpytool's way). It needs nothing but binascii on the board and survives links that are not 8-bit
// clean. Uploads still go to a temporary name, are verified and then renamed.
#include <spdlog/fmt/fmt.h>

#include <algorithm>

#include "base64.hpp"
#include "incoming.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/files/files.hpp"
#include "mpytool/files/hash.hpp"
#include "mpytool/repl/py_value.hpp"
#include "mpytool/transfer/deflate.hpp"

namespace mpytool::files {

using stream::compress_stream;
namespace {

constexpr double kFlashTimeout = 20.0;

std::string digest_b64(std::string_view data) { return base64_encode(sha256(data)); }

[[noreturn]] void rethrow_as(std::string_view verb, std::string_view path, const CmdError& e) {
  if (e.errno_value() == 2 && verb == "read") throw FileNotFound(std::string(path));
  if (auto known = DeviceError::from_errno(fmt::format("{} ':{}'", verb, path), e.errno_value())) {
    throw *known;
  }
  throw;
}

// What the text path needs on the board, once per call (cheap).
struct TextSetup {
  bool inflate = false;   ///< deflate is there: chunks may travel compressed
  bool can_hash = false;  ///< hashlib is there: files are verified by SHA-256
};

// ubinascii first: the built-in module even where a binascii.py on the path shadows it.
TextSetup prepare(Mpy& mpy) {
  TextSetup t;
  t.inflate = mpy.comm()
                  .exec_eval(
                      "True if exec('import os\\ntry:\\n import ubinascii as _mt_b\\nexcept "
                      "ImportError:\\n import binascii as _mt_b\\ntry:\\n import deflate as "
                      "_mt_d, io as _mt_io\\nexcept ImportError:\\n _mt_d = None') or _mt_d "
                      "else False")
                  .as_bool();
  mpy.load_helper("stat");
  try {
    mpy.load_helper("hash");
    t.can_hash = true;
  } catch (const CmdError&) {
  }
  return t;
}

}  // namespace

std::vector<FileResult> Files::put_text(const std::vector<UploadItem>& items,
                                        TransferObserver* obs) {
  const TextSetup setup = prepare(mpy_);
  const bool inflate = setup.inflate;
  const bool can_hash = setup.can_hash;
  const std::size_t chunk = static_cast<std::size_t>(chunk_size());
  std::vector<FileResult> results;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const UploadItem& it = items[i];
    const std::string tmp = temp_path(it.remote);
    const std::string tmp_lit = repr_str(tmp);
    const std::optional<bool> want = it.compress ? it.compress : options_.compress;
    FileResult r;
    r.size = static_cast<std::int64_t>(it.data.size());
    obs->on_start(i, r.size);
    try {
      mpy_.comm().exec(fmt::format("_mt_f=open({},'wb')", tmp_lit), kFlashTimeout);
      for (std::size_t pos = 0; pos < it.data.size(); pos += chunk) {
        const std::string_view piece = std::string_view(it.data).substr(pos, chunk);
        std::string expr = fmt::format("_mt_b.a2b_base64('{}')", base64_encode(piece));
        if (inflate && want != false) {
          std::string z =
              fmt::format("_mt_d.DeflateIO(_mt_io.BytesIO(_mt_b.a2b_base64('{}'))).read()",
                          base64_encode(compress_stream(piece, 10)));
          if (z.size() < expr.size() || want == true) {
            expr = std::move(z);
            r.encodings.insert("compressed");
          }
        }
        r.encodings.insert("base64");
        const std::string code = "_mt_f.write(" + expr + ")";
        mpy_.comm().exec(code, kFlashTimeout);
        r.wire_bytes += static_cast<std::int64_t>(code.size());
        stats_.bytes_out += static_cast<std::int64_t>(code.size());
        obs->on_progress(i, static_cast<std::int64_t>(std::min(pos + chunk, it.data.size())),
                         r.size);
      }
      mpy_.comm().exec("_mt_f.close()", kFlashTimeout);
      const PyValue size = mpy_.comm().exec_eval(fmt::format("_mt_stat({})", tmp_lit));
      bool ok = size.is_int() && size.as_int() == r.size;
      if (ok && can_hash) {
        const PyValue h = mpy_.comm().exec_eval(fmt::format("_mt_hash({})", tmp_lit), 30);
        ok = h.is_bytes() && h.as_bytes() == digest_b64(it.data);
      }
      if (!ok)
        throw DeviceError(
            fmt::format("cannot write ':{}': verification on the board failed", it.remote));
      mpy_.comm().exec(
          fmt::format("try:\n os.rename({0},{1})\nexcept OSError as e:\n if e.errno!=17:\n"
                      "  raise\n os.remove({1})\n os.rename({0},{1})",
                      tmp_lit, repr_str(it.remote)),
          kFlashTimeout);
    } catch (const MpyError& e) {
      try {
        mpy_.comm().exec(
            fmt::format("try:\n _mt_f.close()\nexcept Exception:\n pass\ntry:\n "
                        "os.remove({})\nexcept OSError:\n pass",
                        tmp_lit));
      } catch (const MpyError&) {
      }
      if (const auto* ce = dynamic_cast<const CmdError*>(&e)) rethrow_as("write", it.remote, *ce);
      throw;
    }
    obs->on_done(i, r, nullptr);
    results.push_back(std::move(r));
  }
  return results;
}

std::vector<std::string> Files::get_text(const std::vector<std::string>& remotes,
                                         TransferObserver* obs, bool keep, int chunk_bytes) {
  const bool can_hash = prepare(mpy_).can_hash;
  const int normal = chunk_bytes > 0 ? chunk_bytes : chunk_size();
  std::vector<std::string> out;
  for (std::size_t i = 0; i < remotes.size(); ++i) {
    const std::string& path = remotes[i];
    const std::string lit = repr_str(path);
    FileResult r;
    r.size = size_to_get(path);
    r.encodings.insert("base64");
    obs->on_start(i, r.size);
    // Each piece is checked and passed on as it comes; the content is held only when needed.
    Incoming in(*obs, i, path, r.size, keep);
    try {
      mpy_.comm().exec(fmt::format("_mt_f=open({},'rb')", lit), kFlashTimeout);
      for (;;) {
        // Small reads once the link has damaged something (each answer must come through
        // whole); by position, so a read whose answer came damaged may run again.
        const int chunk =
            mpy_.comm().guard().resends() > 0 ? std::min(normal, kNoisyTextChunk) : normal;
        const PyValue v = mpy_.comm().exec_eval(
            fmt::format("_mt_b.b2a_base64((_mt_f.seek({}),_mt_f.read({}))[1])", in.got(), chunk),
            kFlashTimeout);
        r.wire_bytes += static_cast<std::int64_t>(v.as_bytes().size());
        stats_.bytes_in += static_cast<std::int64_t>(v.as_bytes().size());
        std::string piece = base64_decode(v.as_bytes());
        if (piece.empty()) break;
        in.take(piece);
        obs->on_progress(i, in.got(), r.size);
      }
      mpy_.comm().exec("_mt_f.close()");
    } catch (const CmdError& e) {
      rethrow_as("read", path, e);
    }
    finish_get(i, path, r, in, can_hash, obs, keep, out);
  }
  return out;
}

std::int64_t Files::size_to_get(const std::string& path) {
  const PyValue st = mpy_.comm().exec_eval(fmt::format("_mt_stat({})", repr_str(path)));
  if (st.is_none()) throw FileNotFound(path);
  if (st.as_int() < 0) {
    throw DeviceError(fmt::format("cannot read ':{}': Is a directory (errno 21)", path), 21);
  }
  return st.as_int();
}

void Files::finish_get(std::size_t i, const std::string& path, const FileResult& r, Incoming& in,
                       bool hashed, TransferObserver* obs, bool keep,
                       std::vector<std::string>& out) {
  if (in.got() != r.size) throw MpyError(fmt::format("download of ':{}' incomplete", path));
  if (hashed) {
    const PyValue h = mpy_.comm().exec_eval(fmt::format("_mt_hash({})", repr_str(path)), 30);
    if (h.is_bytes() && h.as_bytes() != base64_encode(in.digest())) {
      throw MpyError(fmt::format("download of ':{}' failed verification", path));
    }
  }
  obs->on_done(i, r, in.content());
  if (keep) out.push_back(in.take_content());
}

}  // namespace mpytool::files
