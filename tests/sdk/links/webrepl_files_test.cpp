// SPDX-License-Identifier: MIT
// WebreplFiles against a fake board behind the BinaryChannel interface. The fake follows
// MicroPython's modwebrepl.c: it reassembles the 82-byte request from any frames, answers WB 0
// after the open and after the close, takes PUT data in any frames, answers each GET request byte
// with u16 n + up to 256 bytes, and closes the session on a failed open.
#include "mpytool/links/webrepl_files.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "mpytool/base/error.hpp"

namespace links = mpytool::links;
using links::WebreplFiles;

namespace {

class FakeBoard : public links::BinaryChannel {
 public:
  std::map<std::string, std::string> files;
  std::vector<std::string> sent;    // every frame the host sent
  std::deque<std::string> answers;  // queued binary messages to the host
  bool closed = false;
  // Knobs.
  int wb_code = 0;            // code of the final WB
  bool silent_final = false;  // never send the final WB of a PUT
  std::string get_override;   // replace the first GET chunk answer

  void send_binary(std::string_view frame) override {
    if (closed) throw mpytool::ConnLost("connection closed");
    sent.emplace_back(frame);
    for (char c : frame) byte(static_cast<unsigned char>(c));
  }

  std::string read_binary(double) override {
    if (!answers.empty()) {
      std::string a = answers.front();
      answers.pop_front();
      return a;
    }
    if (closed) throw mpytool::ConnLost("the board closed the connection");
    throw mpytool::Timeout("no binary message");
  }

 private:
  std::string hdr_;
  std::string name_;
  int type_ = 0;
  std::uint32_t left_ = 0;
  std::string data_;
  std::string reading_;
  std::size_t read_pos_ = 0;
  bool in_op_ = false;
  bool chunk_replaced_ = false;

  static std::string wb(int code) {
    return {'W', 'B', static_cast<char>(code & 0xff), static_cast<char>(code >> 8)};
  }

  void byte(unsigned char c) {
    if (!in_op_) {
      hdr_ += static_cast<char>(c);
      if (hdr_.size() == 82) start();
      return;
    }
    if (type_ == 1) {
      data_ += static_cast<char>(c);
      if (--left_ == 0) finish_put();
    } else if (type_ == 2) {
      std::string chunk = reading_.substr(read_pos_, 256);
      read_pos_ += chunk.size();
      std::string frame{static_cast<char>(chunk.size() & 0xff),
                        static_cast<char>(chunk.size() >> 8)};
      frame += chunk;
      if (!get_override.empty() && !chunk_replaced_) {
        frame = get_override;
        chunk_replaced_ = true;
      }
      answers.push_back(frame);
      if (chunk.empty()) {
        answers.push_back(wb(0));
        in_op_ = false;
      }
    }
  }

  void start() {
    type_ = static_cast<unsigned char>(hdr_[2]);
    const auto u8 = [&](int i) {
      return static_cast<std::uint32_t>(static_cast<unsigned char>(hdr_[i]));
    };
    const std::uint32_t size = u8(12) | u8(13) << 8 | u8(14) << 16 | u8(15) << 24;
    std::string raw = hdr_.substr(18, 64);
    name_ = raw.substr(0, raw.find('\0'));
    hdr_.clear();
    if (type_ == 3) {
      answers.push_back(std::string{1, 27, 0});
      return;
    }
    if (type_ == 2 && !files.count(name_)) {
      closed = true;  // the open raised: the dupterm read is deactivated, the socket closed
      return;
    }
    answers.push_back(wb(0));
    if (type_ == 1) {
      data_.clear();
      left_ = size;
      in_op_ = true;
      if (size == 0) finish_put();
    } else {
      reading_ = files[name_];
      read_pos_ = 0;
      in_op_ = true;
    }
  }

  void finish_put() {
    files[name_] = data_;
    in_op_ = false;
    if (!silent_final) answers.push_back(wb(wb_code));
  }
};

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
  return s;
}

WebreplFiles::Options fast() {
  WebreplFiles::Options o;
  o.timeout = 0.01;
  o.min_rate = 0;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(webrepl_files_test)

BOOST_AUTO_TEST_CASE(request_is_82_bytes_little_endian) {
  const std::string r = WebreplFiles::request(1, "lib/a.py", 0x01020304);
  BOOST_REQUIRE_EQUAL(r.size(), 82u);
  BOOST_TEST(r.substr(0, 2) == "WA");
  BOOST_TEST(r[2] == 1);
  BOOST_TEST(r[3] == 0);
  BOOST_TEST(r.substr(4, 8) == std::string(8, '\0'));  // offset: ignored by the board
  BOOST_TEST(r.substr(12, 4) == std::string("\x04\x03\x02\x01", 4));
  BOOST_TEST(r.substr(16, 2) == std::string("\x08\x00", 2));
  BOOST_TEST(r.substr(18, 8) == "lib/a.py");
  BOOST_TEST(r.substr(26) == std::string(56, '\0'));
}

BOOST_AUTO_TEST_CASE(version_is_three_bytes) {
  FakeBoard b;
  WebreplFiles f(b, fast());
  const auto v = f.version();
  BOOST_TEST(v.major == 1);
  BOOST_TEST(v.minor == 27);
  BOOST_TEST(v.micro == 0);
  BOOST_REQUIRE_EQUAL(b.sent.size(), 1u);
  BOOST_TEST(b.sent[0][2] == 3);
}

BOOST_AUTO_TEST_CASE(put_sends_the_header_then_1k_frames) {
  FakeBoard b;
  WebreplFiles f(b, fast());
  const std::string data = pattern(2500);
  std::vector<std::uint64_t> seen;
  f.put("/lib/x.bin", data, [&](std::uint64_t done, std::uint64_t total) {
    BOOST_TEST(total == 2500u);
    seen.push_back(done);
  });
  BOOST_TEST(b.files.at("/lib/x.bin") == data);
  BOOST_REQUIRE_EQUAL(b.sent.size(), 4u);
  BOOST_TEST(b.sent[0].size() == 82u);
  BOOST_TEST(b.sent[1].size() == 1024u);
  BOOST_TEST(b.sent[2].size() == 1024u);
  BOOST_TEST(b.sent[3].size() == 452u);
  BOOST_TEST(seen == (std::vector<std::uint64_t>{0, 1024, 2048, 2500}),
             boost::test_tools::per_element());
  BOOST_TEST(b.answers.empty());
}

BOOST_AUTO_TEST_CASE(put_of_an_empty_file_takes_both_wbs) {
  FakeBoard b;
  WebreplFiles f(b, fast());
  f.put("empty", "");
  BOOST_TEST(b.files.at("empty").empty());
  BOOST_TEST(b.sent.size() == 1u);
  BOOST_TEST(b.answers.empty());
}

BOOST_AUTO_TEST_CASE(get_is_stop_and_wait) {
  FakeBoard b;
  b.files["data.bin"] = pattern(700);
  WebreplFiles f(b, fast());
  std::vector<std::uint64_t> seen;
  const std::string got =
      f.get("data.bin", [&](std::uint64_t done, std::uint64_t) { seen.push_back(done); });
  BOOST_TEST(got == b.files["data.bin"]);
  // The header, then one request byte per answer: 256 + 256 + 188 + the empty end.
  BOOST_REQUIRE_EQUAL(b.sent.size(), 5u);
  for (std::size_t i = 1; i < b.sent.size(); ++i) BOOST_TEST(b.sent[i] == std::string(1, '\0'));
  BOOST_TEST(seen == (std::vector<std::uint64_t>{256, 512, 700}), boost::test_tools::per_element());
  BOOST_TEST(b.answers.empty());
}

BOOST_AUTO_TEST_CASE(get_of_an_empty_file) {
  FakeBoard b;
  b.files["e"] = "";
  WebreplFiles f(b, fast());
  BOOST_TEST(f.get("e").empty());
}

BOOST_AUTO_TEST_CASE(names_and_sizes_within_the_limits) {
  FakeBoard b;
  WebreplFiles f(b, fast());
  const std::string n63(63, 'n');
  f.put(n63, "z");
  BOOST_TEST(b.files.at(n63) == "z");
  const std::string n64(64, 'n');
  BOOST_CHECK_THROW(f.put(n64, "z"), mpytool::UsageError);
  BOOST_CHECK_THROW(f.get(n64), mpytool::UsageError);
  BOOST_CHECK_THROW(f.put(std::string("a\0b", 3), "z"), mpytool::UsageError);
  BOOST_CHECK_THROW(f.put("", "z"), mpytool::UsageError);
  BOOST_TEST(b.sent.size() == 2u);  // nothing sent for the refused ones
  BOOST_CHECK_NO_THROW(WebreplFiles::check_size("f", 0xFFFFFFFFull));
  BOOST_CHECK_THROW(WebreplFiles::check_size("f", 0x100000000ull), mpytool::UsageError);
  try {
    WebreplFiles::check_name(n64);
    BOOST_FAIL("no error");
  } catch (const mpytool::UsageError& e) {
    BOOST_TEST(std::string(e.what()).find("(64 bytes, at most 63)") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(a_failed_open_is_a_closed_session) {
  FakeBoard b;
  WebreplFiles f(b, fast());
  try {
    f.get("missing.py");
    BOOST_FAIL("no error");
  } catch (const mpytool::ConnLost& e) {
    BOOST_TEST(std::string(e.what()) ==
                   "the board closed the WebREPL session on GET of 'missing.py' (it could not open "
                   "it: no such file?)",
               e.what());
  }
}

BOOST_AUTO_TEST_CASE(no_final_wb_is_a_timeout) {
  FakeBoard b;
  b.silent_final = true;
  WebreplFiles f(b, fast());
  try {
    f.put("x.bin", pattern(10));
    BOOST_FAIL("no error");
  } catch (const mpytool::Timeout& e) {
    BOOST_TEST(std::string(e.what()).find("did not confirm the WebREPL upload of 'x.bin'") !=
                   std::string::npos,
               e.what());
  }
}

BOOST_AUTO_TEST_CASE(bad_answers_are_device_errors) {
  {
    FakeBoard b;
    b.wb_code = 5;
    WebreplFiles f(b, fast());
    BOOST_CHECK_THROW(f.put("x", "abc"), mpytool::DeviceError);
  }
  {
    FakeBoard b;
    b.files["g"] = pattern(300);
    b.get_override =
        std::string("\x01\x02", 2) + std::string(10, 'x');  // announces 513, carries 10
    WebreplFiles f(b, fast());
    BOOST_CHECK_THROW(f.get("g"), mpytool::DeviceError);
  }
}

BOOST_AUTO_TEST_SUITE_END()
