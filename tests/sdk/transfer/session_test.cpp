// SPDX-License-Identifier: MIT
// stream::Session against FakeAgentBoard (tests/support/fake_agent.hpp), the transfer agent's
// board side ported from sdk/transfer/helpers/stream.py: the start and the hello, the probe,
// credit (nothing sent beyond it, waits counted), a damaged host frame answered by a nak and
// sent again in smaller frames after a sync, a damaged board answer and a damaged length
// repaired after a silence, quit, an operation's error, a ValueError on the board, a board
// reset, and abort() while the board streams.
#include "mpytool/transfer/session.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "fake_agent.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/board/mpy.hpp"

namespace stream = mpytool::stream;
using mpytool::testing::FakeAgentBoard;
using mpytool::testing::FakeReply;

namespace {

// Data without 0xA5 bytes, so that a damaged frame never holds a false frame start.
std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 13) % 26);
  return s;
}

// The W operation of a plugin: takes data up to E and answers K with the byte count.
void write_op(FakeAgentBoard& a, const std::string&) {
  a.rx();
  a.tx('K', std::to_string(a.received.size()));
}

struct Rig {
  FakeAgentBoard board;
  std::unique_ptr<mpytool::Mpy> mpy;
  stream::Stats stats;

  Rig() { board.ops['W'] = write_op; }
  std::unique_ptr<stream::Session> open(int window = 256, int chunk = 1024) {
    mpy = std::make_unique<mpytool::Mpy>(board);
    mpy->comm().guard().set_enabled(false);  // the scripted board answers the code itself
    stream::SessionOptions o;
    o.window = window;
    o.chunk = chunk;
    o.ops = {{'W', "_mt_fw"}};
    return std::make_unique<stream::Session>(*mpy, std::move(o), &stats);
  }
  // W, the data as D frames, E; the board's verdict.
  stream::Frame write(stream::Session& s, const std::string& data) {
    s.send_frame('W');
    s.send_data(data, nullptr);
    s.send_frame(stream::frame::kEnd);
    return s.next_frame();
  }
};

std::vector<std::size_t> data_sizes(const FakeAgentBoard& b) {
  std::vector<std::size_t> out;
  for (const auto& t : b.taken) {
    if (t.type == 'D') out.push_back(t.payload.size());
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(session_test)

BOOST_AUTO_TEST_CASE(start_hello_probe_and_quit) {
  Rig rig;
  rig.board.flags = 1 | 2;  // sha256 and inflate, no deflate
  rig.board.mem_free = 123456;
  rig.board.exec_hook = [](const std::string& code) {
    return code == "print(7)" ? FakeReply{"7\r\n", ""} : FakeReply{};
  };
  auto s = rig.open(512, 2000);
  // The helper went first, then the agent's start with the window, frame and chunk sizes.
  BOOST_TEST(rig.board.executed.size() == 2u);
  // (compressed: the board has deflate)
  BOOST_TEST(rig.board.executed[0].rfind("exec(__import__('deflate').DeflateIO(", 0) == 0);
  BOOST_TEST(rig.board.executed[1] == "_mt_ag(512,2000,2000,10,{87:_mt_fw})");
  BOOST_TEST(s->running());
  BOOST_TEST(s->max_payload() == 2000u);
  BOOST_TEST(s->features().sha256);
  BOOST_TEST(s->features().inflate);
  BOOST_TEST(!s->features().deflate);
  BOOST_TEST(s->features().mem_free == 123456);

  s->probe();  // 256 bytes of every value, echoed intact
  s->quit();
  BOOST_TEST(!s->running());
  rig.board.join_agent();
  BOOST_TEST(rig.board.exit_why == "");
  BOOST_TEST(rig.board.taken_types() == "PQ");
  BOOST_TEST(rig.board.taken[0].payload.size() == 256u);
  BOOST_TEST(rig.board.naks == 0);
  BOOST_TEST(!rig.board.overrun);
  // The board is back in the raw REPL and the host knows it: the next exec just runs.
  BOOST_TEST(rig.mpy->comm().exec("print(7)") == "7\r\n");
}

BOOST_AUTO_TEST_CASE(nothing_is_sent_beyond_the_credit) {
  Rig rig;
  rig.board.read_delay = std::chrono::microseconds(300);  // a board slower than the link
  auto s = rig.open(256, 1024);
  const std::string data = pattern(20000);
  std::vector<std::size_t> progress;
  s->send_frame('W');
  s->send_data(data, nullptr, [&](std::size_t sent) { progress.push_back(sent); });
  s->send_frame(stream::frame::kEnd);
  const stream::Frame k = s->next_frame();
  BOOST_TEST(k.type == 'K');
  BOOST_TEST(k.payload == "20000");
  s->quit();
  rig.board.join_agent();
  BOOST_TEST(rig.board.received == data);
  // The host never had more in the board's stdin than the window, and waited for credit.
  BOOST_TEST(!rig.board.overrun);
  BOOST_TEST(rig.board.max_pending <= 256u);
  BOOST_TEST(rig.stats.credit_waits > 0);
  // Frames of the chunk size (the last one the rest), progress after each.
  const std::vector<std::size_t> sizes = data_sizes(rig.board);
  BOOST_TEST(sizes.size() == 20u);
  BOOST_TEST(sizes.front() == 1024u);
  BOOST_TEST(sizes.back() == 20000u - 19 * 1024);
  BOOST_TEST(progress.size() == 20u);
  BOOST_TEST(progress.back() == 20000u);
  BOOST_TEST(rig.stats.naks == 0);
  BOOST_TEST(rig.stats.recoveries == 0);
}

BOOST_AUTO_TEST_CASE(damaged_frame_is_sent_again_smaller_after_a_nak) {
  Rig rig;
  // The stream: W (8 bytes), D (8 + 1024), then a payload byte of the second D is hit.
  rig.board.damage_in[8 + (8 + 1024) + 8 + 10] = 0x01;
  auto s = rig.open(256, 1024);
  const std::string data = pattern(4000);
  const stream::Frame k = rig.write(*s, data);
  BOOST_TEST(k.type == 'K');
  BOOST_TEST(k.payload == "4000");
  s->quit();
  rig.board.join_agent();
  BOOST_TEST(rig.board.received == data);
  BOOST_TEST(rig.board.naks == 1);
  BOOST_TEST(rig.board.syncs == 1);
  // From the damaged frame on everything went again in halves of the frame size.
  BOOST_TEST(rig.board.taken_types() == "WDDDDDDDEQ");
  BOOST_TEST(
      data_sizes(rig.board) == (std::vector<std::size_t>{1024, 512, 512, 512, 512, 512, 416}),
      boost::test_tools::per_element());
  BOOST_TEST(rig.stats.naks == 1);
  BOOST_TEST(rig.stats.frames_resent >= 1);
  BOOST_TEST(rig.stats.recoveries == 0);
  BOOST_TEST(!rig.board.overrun);
}

BOOST_AUTO_TEST_CASE(damaged_answer_comes_again_after_a_silence) {
  Rig rig;
  rig.board.damage_first['K'] = 1;  // the verdict arrives with a broken CRC
  auto s = rig.open(256, 1024);
  const auto t0 = std::chrono::steady_clock::now();
  const stream::Frame k = rig.write(*s, pattern(100));
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST(k.type == 'K');
  BOOST_TEST(k.payload == "100");
  // The damaged frame (8 + 3 bytes) was skipped; after the noisy link's silence the host sent
  // padding and a sync; the board answered with its last answer again.
  BOOST_TEST(rig.stats.bytes_skipped == 11);
  BOOST_TEST(rig.stats.recoveries == 1);
  BOOST_TEST(waited >= stream::kNoisySilence);
  BOOST_TEST(waited < stream::kSilenceRecovery + 1.0);
  s->quit();
  rig.board.join_agent();
  BOOST_TEST(rig.board.naks == 1);  // the padding made no frame
  BOOST_TEST(rig.board.syncs == 1);
  BOOST_TEST(rig.board.taken_types() == "WDEQ");
  BOOST_TEST(rig.board.exit_why == "");
}

BOOST_AUTO_TEST_CASE(damaged_length_is_repaired_after_silences) {
  Rig rig;
  // W's length (0) becomes 512: the board waits for payload that never comes.
  rig.board.damage_in[3] = 0x02;
  auto s = rig.open(256, 1024);
  const std::string data = pattern(100);
  const stream::Frame k = rig.write(*s, data);
  BOOST_TEST(k.type == 'K');
  BOOST_TEST(k.payload == "100");
  // Three silences: the first padding only fed the board's wait for the false payload (it
  // granted credit for it), the second completed that payload with part of its sync (nak),
  // the third brought a sync the board found (resynced: everything again from W).
  BOOST_TEST(rig.stats.recoveries == 3);
  s->quit();
  rig.board.join_agent();
  BOOST_TEST(rig.board.received == data);
  BOOST_TEST(rig.board.naks == 1);
  BOOST_TEST(rig.board.syncs == 1);
  BOOST_TEST(rig.board.taken_types() == "WDEQ");
}

BOOST_AUTO_TEST_CASE(operation_error_then_finish_after_error) {
  Rig rig;
  rig.board.ops['W'] = [](FakeAgentBoard&, const std::string& payload) {
    throw FakeAgentBoard::OpError{28, "ENOSPC " + payload};
  };
  auto s = rig.open();
  s->send_frame('W', "big");
  const stream::Frame x = s->next_frame();
  BOOST_TEST(x.type == stream::frame::kError);
  BOOST_TEST(x.payload == "28 OSError(28, 'ENOSPC big')");
  BOOST_TEST(s->running());
  s->finish_after_error();  // A: the agent leaves normally, no traceback
  BOOST_TEST(!s->running());
  rig.board.join_agent();
  BOOST_TEST(rig.board.taken_types() == "WA");
  BOOST_TEST(rig.board.exit_why == "");
}

BOOST_AUTO_TEST_CASE(agent_that_raises_ends_with_cmd_error) {
  Rig rig;
  rig.board.ops['V'] = [](FakeAgentBoard&, const std::string&) {
    throw FakeAgentBoard::Exit{"seq"};
  };
  auto s = rig.open();
  s->send_frame('V');
  BOOST_CHECK_EXCEPTION(s->next_frame(), mpytool::CmdError, [](const mpytool::CmdError& e) {
    return e.exception_line() == "ValueError: seq" &&
           e.command() == "_mt_ag(256,1024,1024,10,{87:_mt_fw})";
  });
  BOOST_TEST(!s->running());
  rig.board.join_agent();
  BOOST_TEST(rig.board.exit_why == "seq");
  // Ended: nothing more to wait for.
  s->quit();
  BOOST_CHECK_THROW(s->next_frame(), mpytool::MpyError);
}

BOOST_AUTO_TEST_CASE(boot_banner_means_board_reset) {
  Rig rig;
  rig.board.ops['B'] = [](FakeAgentBoard&, const std::string&) {
    throw FakeAgentBoard::Reboot{"\r\nets Jul 29 2019 12:21:46\r\n\r\nrst:0x1 (POWERON_RESET)\r\n"};
  };
  auto s = rig.open();
  // Noticed at the host's next read: while sending (the board answers at once) or waiting.
  BOOST_CHECK_THROW(
      {
        s->send_frame('B');
        s->next_frame();
      },
      mpytool::BoardReset);
  BOOST_TEST(!s->running());
  BOOST_TEST(rig.stats.bytes_skipped > 0);
}

BOOST_AUTO_TEST_CASE(abort_stops_a_streaming_board) {
  Rig rig;
  // G: a download of 1000 frames, one per millisecond.
  rig.board.stream_delay = std::chrono::microseconds(1000);
  rig.board.ops['G'] = [](FakeAgentBoard& a, const std::string&) {
    a.sx(pattern(1000 * 1024));
    a.tx('E');
  };
  auto s = rig.open(256, 1024);
  s->send_frame('G');
  const stream::Frame first = s->next_frame();
  BOOST_TEST(first.type == stream::frame::kData);
  BOOST_TEST(first.payload == pattern(1024));
  const auto t0 = std::chrono::steady_clock::now();
  s->abort();
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST(!s->running());
  BOOST_TEST(took < stream::kAbortDrain);
  rig.board.join_agent();
  // The Ctrl-C burst (at least 64 in a row) stopped the board at its next look.
  BOOST_TEST(rig.board.exit_why == "host");
  BOOST_TEST(rig.board.streamed < 1000);
  BOOST_TEST(rig.board.written.find(std::string(64, '\x03')) != std::string::npos);
  const std::size_t sent = rig.board.written.size();
  s->abort();  // once only
  BOOST_TEST(rig.board.written.size() == sent);
}

BOOST_AUTO_TEST_SUITE_END()
