// SPDX-License-Identifier: MIT
// esptool's custom-reset grammar: the commands, round trips, the presets, and every kind of bad
// input with the column it points at; profiles take a sequence or a preset for reset.hard and
// reset.bootloader and report a bad one with the profile's line and column.
#include "mpytool/link/reset_sequence.hpp"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "mpytool/base/error.hpp"
#include "mpytool/profile/board_profile.hpp"

using mpytool::ResetSequenceError;
using mpytool::ResetStep;
using K = mpytool::ResetStep::Kind;

namespace {

std::size_t error_column(const std::string& text) {
  try {
    mpytool::parse_reset_sequence(text);
  } catch (const ResetSequenceError& e) {
    return e.column();
  }
  return 0;
}

mpytool::BoardProfile profile_with(const std::string& reset_yaml) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("mpytool-reset-" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream f(path);
    f << "id: acme\ndescription: test\nreset:\n" << reset_yaml;
  }
  struct Remove {
    std::filesystem::path p;
    ~Remove() { std::filesystem::remove(p); }
  } remove{path};
  return mpytool::load_profile(path);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reset_sequence_test)

BOOST_AUTO_TEST_CASE(parses_every_command) {
  const auto seq = mpytool::parse_reset_sequence("D0|R1|W0.1|D1| R0 |U0,1|W0");
  BOOST_REQUIRE_EQUAL(seq.size(), 7u);
  BOOST_TEST((seq[0] == ResetStep{K::kDtr, false, false, 0}));
  BOOST_TEST((seq[1] == ResetStep{K::kRts, false, true, 0}));
  BOOST_TEST((seq[2] == ResetStep{K::kWait, false, false, 0.1}));
  BOOST_TEST((seq[3] == ResetStep{K::kDtr, true, false, 0}));
  BOOST_TEST((seq[4] == ResetStep{K::kRts, false, false, 0}));
  BOOST_TEST((seq[5] == ResetStep{K::kBoth, false, true, 0}));
  BOOST_TEST((seq[6] == ResetStep{K::kWait, false, false, 0}));
  BOOST_TEST(mpytool::format_reset_sequence(seq) == "D0|R1|W0.1|D1|R0|U0,1|W0");
}

BOOST_AUTO_TEST_CASE(presets_are_the_documented_sequences) {
  BOOST_TEST(mpytool::format_reset_sequence(mpytool::rts_reset_sequence()) == "D0|R1|W0.1|R0");
  BOOST_TEST(mpytool::format_reset_sequence(mpytool::bootloader_reset_sequence()) ==
             "D0|R1|W0.1|D1|R0|W0.05|D0");
}

BOOST_AUTO_TEST_CASE(bad_sequences_name_the_place) {
  BOOST_TEST(error_column("") == 1u);
  BOOST_TEST(error_column("D0||R1") == 4u);  // empty command
  BOOST_TEST(error_column("D0|X1") == 4u);   // unknown command
  BOOST_TEST(error_column("D2") == 2u);      // bad level
  BOOST_TEST(error_column("R1|W") == 5u);    // wait without seconds
  BOOST_TEST(error_column("W-1") == 2u);     // negative wait
  BOOST_TEST(error_column("W11") == 2u);     // more than 10 s
  BOOST_TEST(error_column("W0.1s") == 2u);   // trailing garbage
  BOOST_TEST(error_column("U1") == 1u);      // U needs two levels
  BOOST_TEST(error_column("U1,2") == 4u);
  BOOST_CHECK_THROW(mpytool::parse_reset_sequence("D0|"), ResetSequenceError);
}

BOOST_AUTO_TEST_CASE(profiles_take_a_sequence_or_a_preset) {
  auto p = profile_with("  hard: \"D0|R1|W0.2|R0\"\n  bootloader: machine\n");
  BOOST_REQUIRE(p.hard_reset_sequence);
  BOOST_TEST(mpytool::format_reset_sequence(*p.hard_reset_sequence) == "D0|R1|W0.2|R0");
  BOOST_TEST(!p.hard_reset);
  BOOST_TEST(p.bootloader_sequences.empty());
  BOOST_TEST((p.bootloader_reset == mpytool::BootloaderReset::kMachine));
  p = profile_with("  hard: none\n  bootloader: \"U0,1|W0.1|D1|R0\"\n");
  BOOST_TEST((p.hard_reset == mpytool::HardReset::kNone));
  BOOST_REQUIRE(p.bootloader_sequences.size() == 1u);
  BOOST_TEST(p.bootloader_sequences[0].size() == 4u);
  try {
    profile_with("  hard: \"D0|R1|Z\"\n");
    BOOST_FAIL("no error");
  } catch (const mpytool::UsageError& e) {
    const std::string m = e.what();
    BOOST_TEST(m.find("(line 4, column 9): reset.hard: ") != std::string::npos, m);
    BOOST_TEST(m.find("unknown command 'Z'") != std::string::npos, m);
    BOOST_TEST(m.find("(at character 7)") != std::string::npos, m);
  }
}

BOOST_AUTO_TEST_SUITE_END()
