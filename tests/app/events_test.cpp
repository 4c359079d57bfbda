// SPDX-License-Identifier: MIT
// The MPYTOOL_EVENTS writer and the flat JSON reader fleet uses on its boards' events.
#include "events.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using mpytool::cli::EventLog;
using mpytool::cli::parse_flat_json;

BOOST_AUTO_TEST_SUITE(events_test)

BOOST_AUTO_TEST_CASE(flat_json_fields) {
  auto m = parse_flat_json(
      R"({"event":"step","step":2,"ok":true,"error":"a \"b\"\n\u00e9","n":null,"x":{"y":[1]}})");
  BOOST_TEST(m["event"] == "step");
  BOOST_TEST(m["step"] == "2");
  BOOST_TEST(m["ok"] == "true");
  BOOST_TEST(m["error"] == "a \"b\"\n\xc3\xa9");
  BOOST_TEST(m["n"] == "null");
  BOOST_TEST(m.count("x") == 1u);
  BOOST_TEST(parse_flat_json("").empty());
  BOOST_TEST(parse_flat_json(R"({"a":"unterminated)").empty());
  BOOST_TEST(parse_flat_json("not json").empty());
}

BOOST_AUTO_TEST_CASE(writer_appends_one_object_per_line) {
  const auto path = std::filesystem::temp_directory_path() / "mpytool-events-test.ndjson";
  std::filesystem::remove(path);
  ::setenv("MPYTOOL_EVENTS", path.c_str(), 1);
  {
    EventLog log;
    BOOST_TEST(log.enabled());
    log.step_start(0, "cp");
    log.progress("[1/2] a.py");
    log.progress("[2/2] b.py");  // within 200 ms of the first: dropped
    log.step_end(0, "cp", "failed", 4, "OSError: \"x\"");
  }
  ::unsetenv("MPYTOOL_EVENTS");
  BOOST_TEST(!EventLog().enabled());
  std::ifstream in(path);
  std::string line;
  std::vector<std::map<std::string, std::string>> events;
  while (std::getline(in, line)) events.push_back(parse_flat_json(line));
  BOOST_REQUIRE(events.size() == 3u);
  BOOST_TEST(events[0]["state"] == "start");
  BOOST_TEST(events[1]["text"] == "[1/2] a.py");
  BOOST_TEST(events[2]["error"] == "OSError: \"x\"");
  BOOST_TEST(events[2]["exit"] == "4");
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_SUITE_END()
