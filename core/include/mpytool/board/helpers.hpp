// SPDX-License-Identifier: MIT
/// \file
/// The catalogue of MicroPython helpers: small `.py` files a library ships (embedded at build
/// time) that Mpy::load_helper() sends to the board once per session. A library's helpers enter
/// the catalogue when the library is loaded, each with the helpers it calls declared, so that
/// loading one loads those first. `mpytool_embed_helpers(... REGISTER ...)` (CMake) writes the
/// registration from each file's `# needs: a b` line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mpytool/base/export.hpp"

namespace mpytool {

/// One helper: its name (the file's stem, "finfo"), its source and the helpers it calls.
struct HelperSpec {
  std::string_view name;
  std::string_view source;
  std::vector<std::string_view> needs;
};

/// Adds \p specs to the catalogue. A name already there keeps its first source (two libraries
/// that ship the same helper ship the same file).
MPYTOOL_CORE_API void add_helpers(const std::vector<HelperSpec>& specs);

/// Takes \p specs out of the catalogue again (entries another library added stay).
MPYTOOL_CORE_API void remove_helpers(const std::vector<HelperSpec>& specs);

/// The catalogue's helper \p name, or nullptr. Valid while the library that added it stays
/// loaded.
MPYTOOL_CORE_API const HelperSpec* find_helper(std::string_view name);

/// Registers helpers while a library loads, `const HelperRegistration r({{"stat", src, {}}});` at
/// namespace scope, and takes them out when it is unloaded (a plugin's dlclose).
class HelperRegistration {
 public:
  explicit HelperRegistration(std::vector<HelperSpec> specs) : specs_(std::move(specs)) {
    add_helpers(specs_);
  }
  ~HelperRegistration() { remove_helpers(specs_); }
  HelperRegistration(const HelperRegistration&) = delete;
  HelperRegistration& operator=(const HelperRegistration&) = delete;

 private:
  std::vector<HelperSpec> specs_;
};

}  // namespace mpytool
