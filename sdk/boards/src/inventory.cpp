// SPDX-License-Identifier: MIT
// The board inventory file: discovery and strict validation (inventory.hpp has the format).
#include "mpytool/boards/inventory.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <system_error>

#include "mpytool/base/error.hpp"

namespace mpytool {

namespace fs = std::filesystem;

namespace {

class InventoryReader {
 public:
  explicit InventoryReader(fs::path file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& key,
                         const std::string& problem) const {
    const YAML::Mark m = at.Mark();
    const std::string where =
        m.line >= 0 ? fmt::format(" (line {}, column {})", m.line + 1, m.column + 1) : "";
    throw UsageError(fmt::format("inventory '{}'{}: {}: {}", file_.string(), where, key, problem));
  }

  std::string string(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) fail(n, key, "expected a string");
    return n.Scalar();
  }

  Inventory read() const {
    YAML::Node root;
    try {
      root = YAML::LoadFile(file_.string());
    } catch (const YAML::BadFile&) {
      throw UsageError(fmt::format("inventory '{}': cannot read the file", file_.string()));
    } catch (const YAML::ParserException& e) {
      throw UsageError(fmt::format("inventory '{}' (line {}, column {}): invalid YAML: {}",
                                   file_.string(), e.mark.line + 1, e.mark.column + 1, e.msg));
    }
    Inventory inv;
    inv.path = file_;
    if (!root.IsMap()) fail(root, "(top level)", "expected a mapping with 'boards:'");
    for (const auto& kv : root) {
      if (kv.first.Scalar() != "boards") fail(kv.first, kv.first.Scalar(), "unknown key");
    }
    const YAML::Node boards = root["boards"];
    if (!boards) fail(root, "boards", "missing");
    if (!boards.IsMap()) fail(boards, "boards", "expected a mapping of board names");
    for (const auto& kv : boards) {
      InventoryBoard b;
      b.name = string(kv.first, "boards");
      const std::string key = "boards." + b.name;
      if (b.name.empty() || b.name.find_first_of(" @:/") != std::string::npos) {
        fail(kv.first, key, "a name is one word without ' ', '@', ':' or '/'");
      }
      const YAML::Node& n = kv.second;
      if (!n.IsMap()) fail(n, key, "expected a mapping (port, address, password, profile, labels)");
      for (const auto& e : n) {
        const std::string& k = e.first.Scalar();
        if (k == "port") {
          b.port = string(e.second, key + ".port");
          if (b.port.starts_with("@")) fail(e.second, key + ".port", "a board cannot name a board");
        } else if (k == "address") {
          b.address = string(e.second, key + ".address");
        } else if (k == "password") {
          b.password = string(e.second, key + ".password");
        } else if (k == "profile") {
          b.profile = string(e.second, key + ".profile");
        } else if (k == "description") {
          b.description = string(e.second, key + ".description");
        } else if (k == "labels") {
          if (!e.second.IsSequence()) fail(e.second, key + ".labels", "expected a list");
          for (const auto& l : e.second) b.labels.push_back(string(l, key + ".labels"));
        } else {
          fail(e.first, key + "." + k, "unknown key");
        }
      }
      if (b.port.empty() == b.address.empty()) {
        fail(n, key, "needs exactly one of 'port' and 'address'");
      }
      inv.boards.push_back(std::move(b));
    }
    return inv;
  }

 private:
  fs::path file_;
};

}  // namespace

bool InventoryBoard::has_label(std::string_view label) const {
  return std::find(labels.begin(), labels.end(), label) != labels.end();
}

const InventoryBoard* Inventory::find(std::string_view name) const {
  for (const auto& b : boards) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

std::optional<fs::path> find_inventory_file() {
  if (const char* env = std::getenv("MPYTOOL_INVENTORY"); env && *env) return fs::path(env);
  std::error_code ec, cwd_ec;
  for (fs::path dir = fs::current_path(cwd_ec); !cwd_ec && !dir.empty(); dir = dir.parent_path()) {
    if (fs::is_regular_file(dir / "mpytool.yaml", ec)) return dir / "mpytool.yaml";
    if (dir == dir.parent_path()) break;
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    fs::path f = fs::path(home) / ".config/mpytool/inventory.yaml";
    if (fs::is_regular_file(f, ec)) return f;
  }
  return std::nullopt;
}

Inventory load_inventory(const fs::path& file) { return InventoryReader(file).read(); }

Inventory load_inventory() {
  auto file = find_inventory_file();
  if (!file) {
    throw UsageError("no board inventory",
                     "create mpytool.yaml with 'boards:' (or ~/.config/mpytool/inventory.yaml, "
                     "or set MPYTOOL_INVENTORY)");
  }
  return load_inventory(*file);
}

}  // namespace mpytool
