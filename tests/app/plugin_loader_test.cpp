// SPDX-License-Identifier: MIT
// PluginSet against the fixture plugins in build/tests/fixtures: a good plugin, an ABI
// mismatch, a plugin whose register_commands() throws, a .so without the descriptor and a text
// file named like a plugin.
#include "loader/plugin_loader.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "mpytool/base/error.hpp"
#include "mpytool/base/version.hpp"
#include "mpytool/plugin/command.hpp"

namespace fs = std::filesystem;
using mpytool::PluginRecord;
using mpytool::PluginSet;
using mpytool::PluginStatus;

namespace {

const fs::path kFixtures = MPYTOOL_TEST_FIXTURE_DIR;

fs::path fixture(const std::string& name) { return kFixtures / ("mpytool-" + name + ".so"); }

/// Loads \p files and collects the warnings.
struct Loaded {
  PluginSet set;
  std::vector<std::string> warnings;
  explicit Loaded(const std::vector<fs::path>& files) {
    for (const auto& f : files) {
      set.load_file(f, [this](const std::string& m) { warnings.push_back(m); });
    }
  }
};

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

// The fixture plugin is built for the next ABI version (tests/fixtures/abi_mismatch_plugin.cpp).
inline std::string abi_mismatch_text() {
  return "built for plugin ABI " + std::to_string(mpytool::kPluginAbiVersion + 1) +
         ", this mpytool has " + std::to_string(mpytool::kPluginAbiVersion);
}

BOOST_AUTO_TEST_SUITE(plugin_loader_test)

BOOST_AUTO_TEST_CASE(good_plugin_loads_with_its_commands) {
  Loaded l({fixture("echo")});
  BOOST_TEST(l.warnings.empty());
  const PluginRecord* r = l.set.find_loaded("echo");
  BOOST_REQUIRE(r != nullptr);
  BOOST_TEST(r->version == "1.2.3");
  BOOST_TEST(r->path == fixture("echo"));
  BOOST_TEST(r->commands == std::vector<std::string>{"echo"});
  BOOST_TEST(r->provides == std::vector<std::string>{"test.echo"});
  BOOST_TEST(l.set.provides("test.echo"));
  mpytool::Command* c = l.set.find_command("echo", "echo");
  BOOST_REQUIRE(c != nullptr);
  BOOST_TEST(c->info().name == "echo");
  BOOST_TEST((c->info().needs == mpytool::Needs::kNothing));
  BOOST_TEST(l.set.commands().size() == 1u);
}

BOOST_AUTO_TEST_CASE(abi_mismatch_is_warned_and_skipped) {
  Loaded l({fixture("abi-mismatch")});
  BOOST_REQUIRE(l.warnings.size() == 1u);
  BOOST_TEST(contains(l.warnings[0], "skipping '" + fixture("abi-mismatch").string() + "'"));
  BOOST_TEST(contains(l.warnings[0], abi_mismatch_text()));
  BOOST_TEST(l.set.find_loaded("abi-mismatch") == nullptr);
  const PluginRecord* r = l.set.find_failed("abi-mismatch");
  BOOST_REQUIRE(r != nullptr);
  BOOST_TEST(r->version == "9.9.9");
  BOOST_TEST((r->status == PluginStatus::kFailed));
}

BOOST_AUTO_TEST_CASE(non_plugin_library_is_skipped) {
  Loaded l({fixture("not-a-plugin")});
  BOOST_REQUIRE(l.warnings.size() == 1u);
  BOOST_TEST(contains(l.warnings[0], "not an mpytool plugin"));
  BOOST_TEST(l.set.commands().empty());
  BOOST_REQUIRE(l.set.records().size() == 1u);
  BOOST_TEST(l.set.records()[0].name == "not-a-plugin");
}

BOOST_AUTO_TEST_CASE(garbage_file_is_skipped) {
  // library_info throws std::ios_failure on a text file; the loader must turn that into a
  // warning, not an exception.
  Loaded l({fixture("garbage")});
  BOOST_REQUIRE(l.warnings.size() == 1u);
  BOOST_TEST(contains(l.warnings[0], "not a shared library"));
  BOOST_TEST((l.set.records().at(0).status == PluginStatus::kFailed));
}

BOOST_AUTO_TEST_CASE(throwing_plugin_fails_and_its_command_raises_plugin_error) {
  Loaded l({fixture("throwing")});
  BOOST_REQUIRE(l.warnings.size() == 1u);
  BOOST_TEST(contains(l.warnings[0], "registration exploded"));
  BOOST_TEST(l.set.find_loaded("throwing") == nullptr);
  BOOST_TEST(l.set.find_command("throwing", "boom") == nullptr);
  const PluginRecord* r = l.set.find_failed_command("boom");
  BOOST_REQUIRE(r != nullptr);
  BOOST_TEST(r->name == "throwing");
  try {
    PluginSet::throw_failed(*r);
    BOOST_FAIL("no exception");
  } catch (const mpytool::PluginError& e) {
    BOOST_TEST(contains(e.what(), "plugin 'throwing' could not be loaded: "));
    BOOST_TEST(static_cast<int>(e.exit_code()) == 6);
  }
}

BOOST_AUTO_TEST_CASE(first_plugin_of_a_name_wins) {
  // The same file twice stands in for two directories holding a plugin of one name.
  fs::path copy = fs::temp_directory_path() / "mpytool-loader-test-echo-copy.so";
  fs::copy_file(fixture("echo"), copy, fs::copy_options::overwrite_existing);
  Loaded l({fixture("echo"), copy});
  fs::remove(copy);
  BOOST_REQUIRE(l.warnings.size() == 1u);
  BOOST_TEST(contains(l.warnings[0],
                      "plugin 'echo' already loaded from '" + fixture("echo").string() + "'"));
  BOOST_TEST(l.set.find_loaded("echo")->path == fixture("echo"));
  BOOST_TEST(l.set.commands().size() == 1u);
  BOOST_TEST((l.set.records().at(1).status == PluginStatus::kDuplicate));
}

BOOST_AUTO_TEST_CASE(directory_scan_loads_good_and_records_the_rest) {
  PluginSet set;
  std::vector<std::string> warnings;
  set.load_directories({kFixtures}, [&](const std::string& m) { warnings.push_back(m); });
  BOOST_TEST(set.find_loaded("echo") != nullptr);
  BOOST_TEST(set.find_loaded("route-a") != nullptr);
  BOOST_TEST(set.find_loaded("route-b") != nullptr);
  BOOST_TEST(warnings.size() == 4u);  // abi-mismatch, garbage, not-a-plugin, throwing
  BOOST_TEST(set.records().size() == 7u);
}

BOOST_AUTO_TEST_CASE(search_path_puts_plugin_dirs_first_and_skips_missing) {
  auto dirs = mpytool::plugin_search_path({kFixtures.string(), "/nonexistent/mpytool"}, false);
  BOOST_REQUIRE(dirs.size() == 1u);
  BOOST_TEST(dirs[0] == fs::weakly_canonical(kFixtures));
  auto all = mpytool::plugin_search_path({kFixtures.string()});
  BOOST_REQUIRE(!all.empty());
  BOOST_TEST(all[0] == fs::weakly_canonical(kFixtures));
}

BOOST_AUTO_TEST_SUITE_END()
