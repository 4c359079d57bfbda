// SPDX-License-Identifier: MIT
// The simple file operations of Files (docs/compatibility.md, "Board helpers"): one exec round trip
// each once the core helper they use is on the board (the first use of a helper costs one more).
#include <fmt/format.h>

#include "base64.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/files/files.hpp"
#include "mpytool/repl/py_value.hpp"

namespace mpytool::files {
namespace {

/// Removing a directory tree and creating directories touch the flash, whose garbage collection
/// can block for more than 5 s (the Python mpytool's FLASH_IO_TIMEOUT).
constexpr double kFlashTimeout = 20.0;
/// Hashing reads the whole file on the board.
constexpr double kHashTimeout = 20.0;

/// Runs \p code (which prints one literal) with `os` imported in the same round trip, and parses
/// what it printed.
PyValue run_os(Mpy& mpy, std::string_view code, Seconds timeout = 5.0) {
  return parse_literal(mpy.comm().exec(fmt::format("import os\n{}", code), timeout));
}

/// The digest from a `_mt_hash` reply (bytes or str holding base64).
std::string digest_of(const PyValue& v) {
  return base64_decode(v.is_bytes() ? v.as_bytes() : v.as_str());
}

/// True for an OSError traceback: the board could not do it to this path. Other exceptions
/// (MemoryError, KeyboardInterrupt, a helper bug) are not "not found".
bool is_os_error(const CmdError& e) { return e.exception_line().rfind("OSError", 0) == 0; }

/// `[repr, repr, ...]` of paths.
std::string repr_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ",";
    out += repr_str(items[i]);
  }
  return out + "]";
}

}  // namespace

std::vector<Entry> Files::ls(std::string_view path) {
  // Directory entries carry the size on littlefs/FAT (e[3]); VfsPosix needs a stat per file.
  const std::string p = repr_str(path);
  const std::string prefix =
      repr_str(path.empty() || path == "/" ? std::string(path) : std::string(path) + "/");
  const std::string code = fmt::format(
      "print([(e[0],e[1]&0xF000,e[3] if len(e)>3 and e[3]>=0 else os.stat({}+e[0])[6])"
      " for e in os.ilistdir({})])",
      prefix, p);
  PyValue reply;
  try {
    reply = run_os(mpy_, code);
  } catch (const CmdError& e) {
    if (is_os_error(e)) throw DirNotFound(std::string(path));
    throw;
  }
  std::vector<Entry> dirs, files;
  for (const PyValue& e : reply.items()) {
    const std::int64_t type = e[1].as_int();
    if (type == 0x4000) {
      dirs.push_back({e[0].as_str(), std::nullopt});
    } else if (type == 0x8000) {
      files.push_back({e[0].as_str(), e[2].as_int()});
    }
  }
  dirs.insert(dirs.end(), std::make_move_iterator(files.begin()),
              std::make_move_iterator(files.end()));
  return dirs;
}

namespace {

TreeNode tree_node(const PyValue& v) {
  TreeNode node;
  node.name = v[0].as_str();
  node.size = v[1].as_int();
  if (!v[2].is_none()) {
    node.children.emplace();
    for (const PyValue& child : v[2].items()) node.children->push_back(tree_node(child));
  }
  return node;
}

/// Runs \p code with helper \p name defined first in the same program when it is not on the
/// board yet (one round trip instead of two).
Bytes exec_with(Mpy& mpy, std::string_view name, const std::string& code, Seconds timeout) {
  const std::string helper = mpy.take_helper(name);
  try {
    return mpy.comm().exec(helper + code, timeout);
  } catch (...) {
    if (!helper.empty()) mpy.forget_helper(name);
    throw;
  }
}

}  // namespace

TreeNode Files::tree(std::string_view path) {
  const std::string p = repr_str(path);
  std::string code;
  if (path.empty() || path == "." || path == "/") {
    code = fmt::format("print(_mt_tree({}))", p);
  } else {
    // A file is a single node and a missing path None: still one round trip.
    code = fmt::format(
        "try:\n s=os.stat({0})\nexcept OSError:\n s=None\n"
        "print(None if s is None else _mt_tree({0}) if s[0]&0xF000==0x4000 else"
        " ({0},s[6],None))",
        p);
  }
  PyValue reply;
  try {
    reply = parse_literal(exec_with(mpy_, "tree", "import os\n" + code, kFlashTimeout));
  } catch (const CmdError& e) {
    if (is_os_error(e)) throw DirNotFound(std::string(path));
    throw;
  }
  if (reply.is_none()) throw DirNotFound(std::string(path));
  return tree_node(reply);
}

std::optional<std::int64_t> Files::stat(std::string_view path) {
  PyValue v = parse_literal(
      exec_with(mpy_, "stat", fmt::format("print(_mt_stat({}))", repr_str(path)), 5.0));
  if (v.is_none()) return std::nullopt;
  return v.as_int();
}

void Files::mkdir(std::string_view path) { mkdirs({std::string(path)}); }

void Files::mkdirs(const std::vector<std::string>& paths) {
  if (paths.empty()) return;
  // Stops at the first path blocked by a file and prints it with the file in the way.
  const std::string code = fmt::format(
      "for p in {}:\n f = _mt_mkdir(p)\n if f:\n  print(repr([p, f]))\n  break", repr_list(paths));
  const std::string out = exec_with(mpy_, "mkdir", code, kFlashTimeout);
  if (out.find_first_not_of(" \r\n") != std::string::npos) {
    const PyValue v = parse_literal(out);
    const auto& pf = v.items();
    if (pf.size() != 2) throw MpyError("mkdir: unexpected answer from the board");
    // The reference's message, naming the file in the way (not the directory asked for).
    throw DeviceError(fmt::format("Error creating directory, this is file: {}", pf[1].as_str()),
                      20);
  }
}

void Files::remove_many(const std::vector<std::string>& paths) {
  if (paths.empty()) return;
  mpy_.load_helper("rmdir");
  // One round trip: directories go with everything in them; what is gone already is skipped.
  const std::string code = fmt::format(
      "for p in {}:\n try:\n  t=os.stat(p)[0]&0xF000\n except OSError:\n  continue\n"
      " if t==0x4000:\n  _mt_rmdir(p)\n else:\n  os.remove(p)\nprint(1)",
      repr_list(paths));
  run_os(mpy_, code, kFlashTimeout + static_cast<double>(paths.size()));
}

void Files::remove(std::string_view path) {
  mpy_.load_helper("rmdir");
  const std::string p = repr_str(path);
  // 0: missing; a directory goes with everything in it, anything else is os.remove()d.
  const std::string code = fmt::format(
      "try:\n t=os.stat({0})[0]&0xF000\nexcept OSError:\n t=0\n"
      "if t==0x4000:\n _mt_rmdir({0})\nelif t:\n os.remove({0})\nprint(t)",
      p);
  if (run_os(mpy_, code, kFlashTimeout).as_int() == 0) throw PathNotFound(std::string(path));
}

void Files::rename(std::string_view from, std::string_view to) {
  try {
    mpy_.comm().exec(fmt::format("import os\nos.rename({},{})", repr_str(from), repr_str(to)),
                     kFlashTimeout);
  } catch (const CmdError& e) {
    if (auto known = DeviceError::from_errno(fmt::format("rename ':{}' to ':{}'", from, to),
                                             e.errno_value())) {
      throw *known;
    }
    throw;
  }
}

std::optional<std::string> Files::hashfile(std::string_view path) {
  try {
    mpy_.load_helper("hash");
    return digest_of(
        mpy_.comm().exec_eval(fmt::format("_mt_hash({})", repr_str(path)), kHashTimeout));
  } catch (const CmdError&) {
    return std::nullopt;  // missing, a directory, or no hashlib
  }
}

std::optional<std::map<std::string, std::optional<FileInfo>>> Files::fileinfo(
    const std::map<std::string, std::int64_t>& expected) {
  std::map<std::string, std::optional<FileInfo>> result;
  if (expected.empty()) return result;
  // The dict literal: every key escaped exactly once (the Python mpytool escaped twice [BUG]).
  std::string dict = "{";
  for (const auto& [path, size] : expected) {
    if (dict.size() > 1) dict += ",";
    dict += fmt::format("{}:{}", repr_str(path), size);
  }
  dict += "}";
  PyValue reply;
  try {
    mpy_.load_helper("finfo");
    reply = mpy_.comm().exec_eval("_mt_finfo(" + dict + ")",
                                  5.0 + 0.5 * static_cast<double>(expected.size()));
  } catch (const CmdError&) {
    return std::nullopt;  // no hashlib (or no os.stat): callers treat every file as changed
  }
  for (const auto& [key, value] : reply.entries()) {
    std::optional<FileInfo> info;
    if (!value.is_none()) {
      info.emplace();
      info->size = value[0].as_int();
      if (!value[1].is_none()) info->sha256 = digest_of(value[1]);
    }
    result[key.as_str()] = std::move(info);
  }
  return result;
}

}  // namespace mpytool::files
