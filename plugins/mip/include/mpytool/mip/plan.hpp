// SPDX-License-Identifier: MIT
/// \file
/// What an install is made of: the packages of a resolved dependency tree, their files, and
/// the options every step (resolve, fetch, lock, download) takes.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mpytool/mip/export.hpp"

namespace mpytool::http {
class Client;
}

namespace mpytool::mip {

/// One file of a package.
struct FileRef {
  std::string path;  ///< where it goes, relative to the target ("aioble/__init__.py")
  /// Where it comes from: an http(s) URL or a host path (a local index or package.json).
  std::string url;
  /// What the content must hash to: the index's short sha256 prefix (lower-case hex, 4..64
  /// chars), the full 64 hex (lock files), or "" for a `urls` entry (nothing to check).
  std::string hash;
  std::string data;      ///< the content; set by fetch_files()
  std::string sha256;    ///< the full lower-case hex sha256 of data; set by fetch_files()
  bool fetched = false;  ///< true once data holds the content
};

/// How a package was found.
enum class Source {
  kIndex,        ///< by name from an index: {index}/package/{mpy}/{name}/{version}.json
  kPackageJson,  ///< a package.json (or other .json) at a URL or a host path
  kFile          ///< a single .py/.mpy URL: one file, target/basename
};

/// One package of a plan.
struct Package {
  /// The index name; for a URL package a name derived from the URL (the last path segment
  /// before package.json, the repository name, the .json's stem, a file's stem).
  std::string name;
  /// The index's version (the resolved one for "latest"), a package.json's "version", else
  /// the @REF of a URL spec; "" when none is known.
  std::string version;
  /// The package JSON's URL or host path (kIndex, kPackageJson), the file's URL (kFile).
  std::string source;
  std::string index;              ///< the index it came from (kIndex), else ""
  bool requested = false;         ///< asked for on the command line / requirements (not only a dep)
  std::vector<std::string> deps;  ///< names of the plan's packages it depends on
  std::vector<FileRef> files;
  Source kind = Source::kIndex;  ///< how it was found
  std::string spec;              ///< the command-line spec that asked for it ("" for a dep only)
};

/// A resolved install: every package of the tree, each once.
struct Plan {
  std::string mpy;  ///< "6" (bytecode version) or "py"
  /// Dependencies before their dependants; requested packages in command-line order otherwise.
  std::vector<Package> packages;
  /// Things worth saying at -v: dependency cycles ("dependency cycle: a -> b -> a"), files
  /// taken from the cache because the network failed, deps satisfied by another version.
  std::vector<std::string> notes;
  /// The packages as asked for, in order (one per spec): their names in \ref packages.
  std::vector<std::string> requested;
  /// Hosts that could not be reached: what they would have served came from the host cache.
  std::vector<std::string> unreachable;
  /// How many files (and package JSONs) came from the host cache instead of the network.
  std::size_t cached = 0;

  /// The package named \p name, or nullptr.
  MPYTOOL_MIP_API const Package* find(const std::string& name) const;
  /// Every file of every package (in package order).
  MPYTOOL_MIP_API std::size_t file_count() const;
};

/// Called as JSONs or files arrive: how many are done, of how many, the URL just done. From
/// worker threads, one call at a time; must not throw.
using Progress = std::function<void(std::size_t done, std::size_t total, const std::string& url)>;

/// Options of resolve(), resolve_lock() and fetch_files().
struct ResolveOptions {
  /// Indexes, URLs or host directories, first match wins. Empty: default_indexes().
  std::vector<std::string> indexes;
  std::string mpy = "6";  ///< "6" (the board's sys.implementation._mpy & 0xff) or "py"
  std::string cache_dir;  ///< "" = default_cache_dir(); "-" = no cache
  bool offline = false;   ///< no network at all: host paths and the cache only
  int parallel = 8;       ///< concurrent HTTP connections
  Progress progress;      ///< JSON and file downloads, may be empty
  /// The HTTP client to use (keep-alive across resolve and fetch); null: one is made.
  std::shared_ptr<http::Client> client;
};

/// `MPYTOOL_MIP_INDEX` if set, else {"https://micropython.org/pi/v2"}.
MPYTOOL_MIP_API std::vector<std::string> default_indexes();

/// `$XDG_CACHE_HOME/mpytool/mip`, else `~/.cache/mpytool/mip`.
MPYTOOL_MIP_API std::string default_cache_dir();

}  // namespace mpytool::mip
