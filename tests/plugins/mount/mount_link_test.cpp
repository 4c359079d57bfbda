// SPDX-License-Identifier: MIT
// VfsLink inside Conn reads: a request in the middle of output is served and cut out of it, one
// split across reads (and one whose bytes hold 0x18) too; a 0x18 that is ordinary output passes
// through unchanged; the Conn refuses other writes only while a request is served.
#include <boost/test/unit_test.hpp>
#include <string>

#include "fake_link.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/mount/protocol.hpp"
#include "mpytool/mount/vfs_link.hpp"

namespace m = mpytool::mount;
using mpytool::testing::FakeLink;

namespace {

std::string read_all(FakeLink& link) {
  std::string out;
  for (int i = 0; i < 20; ++i) out += link.read(0.01);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mount_link_test)

BOOST_AUTO_TEST_CASE(request_in_output_is_served_and_removed) {
  FakeLink link(FakeLink::Mode::kRunning);  // the agent reads stdin
  std::vector<m::Request> seen;
  m::VfsLink vfs(link, [&](const m::Request& r) {
    seen.push_back(r);
    return m::Reply{0, 0, "pong"};
  });
  link.set_escape_handler(m::kEscape, &vfs);
  const std::string path = "/" + std::string(23, 'p');  // length 18 00
  link.emit("before" + m::encode_request({1, 2, path}) + "after");
  BOOST_TEST(read_all(link) == "beforeafter");
  BOOST_TEST_REQUIRE(seen.size() == 1u);
  BOOST_TEST(seen[0].mid == 2);
  BOOST_TEST(seen[0].payload == path);
  BOOST_TEST(link.written == m::encode_reply({0, 0, "pong"}, 0));
  BOOST_TEST(vfs.stats().requests == 1u);
  BOOST_TEST(!link.busy());
}

BOOST_AUTO_TEST_CASE(request_split_across_reads) {
  FakeLink link(FakeLink::Mode::kRunning);  // the agent reads stdin
  link.max_chunk = 3;
  int served = 0;
  m::VfsLink vfs(link, [&](const m::Request& r) {
    ++served;
    BOOST_TEST(r.payload == std::string("\x18\x18\x18\x03\x04", 5));
    return m::Reply{};
  });
  link.set_escape_handler(m::kEscape, &vfs);
  link.emit("x" + m::encode_request({7, 0, std::string("\x18\x18\x18\x03\x04", 5)}) + "y");
  BOOST_TEST(read_all(link) == "xy");
  BOOST_TEST(served == 1);
}

BOOST_AUTO_TEST_CASE(ordinary_escape_bytes_pass_through) {
  FakeLink link(FakeLink::Mode::kRunning);  // the agent reads stdin
  int served = 0;
  m::VfsLink vfs(link, [&](const m::Request&) {
    ++served;
    return m::Reply{};
  });
  link.set_escape_handler(m::kEscape, &vfs);
  const std::string out = std::string("a\x18\x05\x00z\x18\x9a\x01\x00\x02\x00xyBADCRCb", 20);
  link.emit(out);
  BOOST_TEST(read_all(link) == out);
  BOOST_TEST(served == 0);
  BOOST_TEST(link.written.empty());
  // A lone 0x18 at the very end arrives too, after a short wait.
  link.emit("end\x18");
  BOOST_TEST(read_all(link) == "end\x18");
}

BOOST_AUTO_TEST_CASE(busy_only_while_serving) {
  FakeLink link(FakeLink::Mode::kRunning);
  bool busy_inside = false;
  m::VfsLink vfs(link, [&](const m::Request&) {
    busy_inside = link.busy();
    return m::Reply{};
  });
  link.set_escape_handler(m::kEscape, &vfs);
  link.emit(m::encode_request({1, 0, "/x"}));
  read_all(link);
  BOOST_TEST(busy_inside);
  BOOST_TEST(!link.busy());
  BOOST_CHECK_NO_THROW(link.write("ok"));
}

BOOST_AUTO_TEST_CASE(writes_are_refused_while_a_handler_holds_the_link) {
  // A handler that keeps the link (returns "need more") makes every other write an error.
  struct Holding : mpytool::EscapeHandler {
    std::optional<mpytool::Bytes> feed(std::string_view) override { return std::nullopt; }
  } holding;
  FakeLink link(FakeLink::Mode::kRunning);
  link.set_escape_handler(m::kEscape, &holding);
  link.emit("\x18");
  read_all(link);
  BOOST_TEST(link.busy());
  BOOST_CHECK_THROW(link.write("key"), mpytool::MpyError);
  link.set_escape_handler(m::kEscape, nullptr);
  BOOST_CHECK_NO_THROW(link.write("key"));
}

BOOST_AUTO_TEST_SUITE_END()
