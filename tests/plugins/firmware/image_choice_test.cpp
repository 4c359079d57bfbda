// SPDX-License-Identifier: MIT
// `firmware write --file-for KEY=FILE`: the pairs parsed, a board's keys from its profile chain
// (most specific first), and the file of the most specific key chosen.
#include "mpytool/firmware/image_choice.hpp"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "mpytool/base/error.hpp"

using namespace mpytool;
using namespace mpytool::firmware;

namespace {

BoardProfile profile(std::string id, std::string extends, std::string platform,
                     std::string chip = "") {
  BoardProfile p;
  p.id = std::move(id);
  p.extends = std::move(extends);
  p.match_platform = std::move(platform);
  if (!chip.empty()) p.settings["firmware.chip"] = chip;
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(image_choice_test)

BOOST_AUTO_TEST_CASE(pairs_are_parsed_and_bad_words_refused) {
  const auto pairs = parse_file_for({"rp2=a.uf2", "esp32=dir/b=c.bin"});
  BOOST_REQUIRE_EQUAL(pairs.size(), 2u);
  BOOST_TEST(pairs[0].first == "rp2");
  BOOST_TEST(pairs[1].second == "dir/b=c.bin");
  BOOST_CHECK_THROW(parse_file_for({"rp2"}), UsageError);
  BOOST_CHECK_THROW(parse_file_for({"=a.uf2"}), UsageError);
  BOOST_CHECK_THROW(parse_file_for({"rp2="}), UsageError);
}

BOOST_AUTO_TEST_CASE(keys_run_from_the_profile_to_the_platform) {
  const std::vector<BoardProfile> all = {profile("rp2", "", "rp2"),
                                         profile("pico-w", "rp2", "rp2", "RP2040")};
  const auto keys = board_keys(&all[1], all, "rp2");
  BOOST_TEST(keys == (std::vector<std::string>{"pico-w", "rp2", "rp2040"}),
             boost::test_tools::per_element());
  // No profile (a blank ESP32 reached only by its ROM): the platform alone.
  BOOST_TEST(board_keys(nullptr, all, "esp32") == std::vector<std::string>{"esp32"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_most_specific_key_wins_whatever_the_order) {
  const auto pairs = parse_file_for({"RP2=generic.uf2", "pico-w=picow.uf2", "esp32=esp.bin"});
  BOOST_TEST(choose_file(pairs, {"pico-w", "rp2", "rp2040"}) == "picow.uf2");
  BOOST_TEST(choose_file(pairs, {"pico", "rp2", "rp2040"}) == "generic.uf2");
  BOOST_TEST(choose_file(pairs, {"esp32"}) == "esp.bin");
  try {
    choose_file(pairs, {"samd"});
    BOOST_FAIL("no file for samd");
  } catch (const UsageError& e) {
    BOOST_TEST(std::string(e.what()).find("no file for this board (it is samd)") !=
               std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
