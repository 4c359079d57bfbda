// SPDX-License-Identifier: MIT
// MpyComm (and the device-level Mpy on top of it) against FakeLink, a byte-level scripted
// board: REPL state machine, exec framing, raw-paste windowing and both fallbacks, errors.
#include "mpytool/repl/mpy_comm.hpp"

#include <zlib.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "fake_link.hpp"
#include "mpytool/base/digest.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/board/helpers.hpp"
#include "mpytool/board/mpy.hpp"

BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<bool>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(mpytool::testing::FakeLink::Mode)

using mpytool::CmdError;
using mpytool::CodeGuard;
using mpytool::ConnError;
using mpytool::MpyComm;
using mpytool::MpyError;
using mpytool::PyValue;
using mpytool::Timeout;
using mpytool::testing::FakeLink;
using mpytool::testing::FakeReply;

namespace {

bool has_substr(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const std::string kTraceback =
    "Traceback (most recent call last):\r\n  File \"<stdin>\", line 1, in <module>\r\n"
    "ZeroDivisionError: divide by zero\r\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(mpy_comm_test)

BOOST_AUTO_TEST_CASE(idle_board_answers_first_probe) {
  FakeLink board;
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  BOOST_TEST(comm.stop_current_operation());
  BOOST_TEST(board.written == "\x03");
  BOOST_TEST(comm.repl_mode() == std::optional<bool>(false));
  // Known state: no probing at all.
  BOOST_TEST(comm.stop_current_operation());
  BOOST_TEST(board.written == "\x03");
}

BOOST_AUTO_TEST_CASE(busy_board_gets_c_c_b_probes_and_vfs_ack_from_fifth) {
  FakeLink board;
  board.busy_probes = 5;  // attempts 0..4 are swallowed, attempt 5 (Ctrl-B + 0x18) is answered
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  BOOST_TEST(comm.stop_current_operation());
  // After C, C and B went unanswered, the 4th probe also carries the first part of the release
  // for a transfer agent stuck inside a frame (1040 Ctrl-C bytes).
  BOOST_TEST(board.written ==
             std::string("\x03\x03\x02\x03") + std::string(1040, '\x03') + "\x03\x18\x02\x18");
  BOOST_TEST(comm.repl_mode() == std::optional<bool>(false));
}

BOOST_AUTO_TEST_CASE(dead_board_fails_after_fifteen_probes) {
  FakeLink board;
  board.dead = true;
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  BOOST_CHECK_EXCEPTION(comm.enter_raw_repl(1), ConnError, [](const ConnError& e) {
    return std::string(e.what()) == "no MicroPython REPL answers on fake: silent to every probe";
  });
  // 15 probes, four of them followed by 1040 Ctrl-C bytes for a stuck transfer agent.
  BOOST_TEST(board.count_written('\x03') + board.count_written('\x02') == 15 + 4 * 1040);
  BOOST_TEST(board.count_written('\x18') == 11);
  BOOST_TEST(!comm.repl_mode().has_value());
}

BOOST_AUTO_TEST_CASE(silent_peer_gets_one_round_of_probes_not_three) {
  FakeLink board;
  board.dead = true;
  MpyComm comm(board);
  comm.guard().set_enabled(false);
  // Nothing answered a whole round (the stuck agent's release included): more rounds would
  // only say so later.
  BOOST_CHECK_THROW(comm.enter_raw_repl(3), ConnError);
  BOOST_TEST(board.count_written('\x03') + board.count_written('\x02') == 15 + 4 * 1040);
}

BOOST_AUTO_TEST_CASE(enter_and_exit_raw_repl) {
  FakeLink board;
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  comm.enter_raw_repl();
  BOOST_TEST(board.written == "\x03\x01");
  BOOST_TEST(comm.repl_mode() == std::optional<bool>(true));
  BOOST_TEST(board.mode == FakeLink::Mode::kRaw);
  comm.enter_raw_repl();  // no-op
  BOOST_TEST(board.written == "\x03\x01");
  comm.exit_raw_repl();
  BOOST_TEST(board.mode == FakeLink::Mode::kFriendly);
  BOOST_TEST(comm.repl_mode() == std::optional<bool>(false));
}

BOOST_AUTO_TEST_CASE(board_left_in_raw_repl_is_recovered) {
  FakeLink board(FakeLink::Mode::kRaw);  // a crashed session left it there
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  comm.enter_raw_repl();
  BOOST_TEST(comm.repl_mode() == std::optional<bool>(true));
  BOOST_TEST(board.mode == FakeLink::Mode::kRaw);
  BOOST_TEST(has_substr(board.written, "\x03\x03\x02"));
}

BOOST_AUTO_TEST_CASE(exec_returns_stdout) {
  FakeLink board;
  board.replies["print(1+1)"] = {"2\r\n", ""};
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  BOOST_TEST(comm.exec("print(1+1)") == "2\r\n");
  BOOST_TEST(board.executed == std::vector<std::string>{"print(1+1)"});
  BOOST_TEST(has_substr(board.written, "print(1+1)\x04"));
  // A second exec reuses the raw REPL without probing.
  std::size_t before = board.written.size();
  BOOST_TEST(comm.exec("print(1+1)") == "2\r\n");
  BOOST_TEST(board.written.substr(before) == "print(1+1)\x04");
}

BOOST_AUTO_TEST_CASE(exec_traceback_becomes_cmd_error) {
  FakeLink board;
  board.replies["print('a');1/0"] = {"a\r\n", kTraceback};
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  try {
    comm.exec("print('a');1/0");
    BOOST_FAIL("no CmdError");
  } catch (const CmdError& e) {
    BOOST_TEST(e.command() == "print('a');1/0");
    BOOST_TEST(e.result() == "a\r\n");
    BOOST_TEST(e.error() == kTraceback);
    BOOST_TEST(e.exception_line() == "ZeroDivisionError: divide by zero");
    BOOST_TEST(e.errno_value() == 0);
    BOOST_TEST(has_substr(e.what(), "Command:\n  print('a');1/0"));
    BOOST_TEST(has_substr(e.what(), "Result:\n  a"));
  }
  // The board is back at the raw prompt; the next exec works.
  board.replies["x=1"] = {"", ""};
  BOOST_TEST(comm.exec("x=1") == "");
}

BOOST_AUTO_TEST_CASE(exec_oserror_is_friendly) {
  FakeLink board;
  board.replies["os.stat('/nope')"] = {
      "",
      "Traceback (most recent call last):\r\n  File \"<stdin>\", line 1, in <module>\r\n"
      "OSError: [Errno 2] ENOENT\r\n"};
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  BOOST_CHECK_EXCEPTION(comm.exec("os.stat('/nope')"), CmdError, [](const CmdError& e) {
    return std::string(e.what()) == "OSError: No such file or directory (errno 2)" &&
           e.errno_value() == 2;
  });
}

BOOST_AUTO_TEST_CASE(exec_eval_parses_the_printed_literal) {
  FakeLink board;
  board.replies["print(os.statvfs('/'))"] = {"(4096, 4096, 512, 100, 100, 0, 0, 0, 0, 255)\r\n",
                                             ""};
  board.replies["print(repr('a\\'b'))"] = {"\"a'b\"\r\n", ""};
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  PyValue v = comm.exec_eval("os.statvfs('/')");
  BOOST_TEST(v.size() == 10u);
  BOOST_TEST(v[3].as_int() == 100);
  BOOST_TEST(comm.exec_eval("repr('a\\'b')").as_str() == "a'b");
}

BOOST_AUTO_TEST_CASE(exec_eval_garbage_is_mpy_error) {
  FakeLink board;
  board.replies["print(x)"] = {"<function x at 0x3ff>\r\n", ""};
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  BOOST_CHECK_EXCEPTION(comm.exec_eval("x"), MpyError, [](const MpyError& e) {
    return has_substr(e.what(), "cannot parse board reply");
  });
}

BOOST_AUTO_TEST_CASE(silence_becomes_timeout_and_state_is_forgotten) {
  FakeLink board;
  board.replies["while 1: pass"] = {"", "", true};
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  BOOST_CHECK_THROW(comm.exec("while 1: pass", 0.2), Timeout);
  BOOST_TEST(!comm.repl_mode().has_value());
  // The next exec probes, interrupts the program and works.
  board.replies["print(5)"] = {"5\r\n", ""};
  BOOST_TEST(comm.exec("print(5)") == "5\r\n");
}

BOOST_AUTO_TEST_CASE(timeout_zero_submits_only) {
  FakeLink board;
  board.replies["main()"] = {"started\r\n", "", true};
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  BOOST_TEST(comm.exec("main()", 0.0) == "");
  BOOST_TEST(board.executed == std::vector<std::string>{"main()"});
  BOOST_TEST(board.mode == FakeLink::Mode::kRunning);  // still running, output not consumed
  BOOST_TEST(comm.repl_mode() == std::optional<bool>(false));
  // Once the program has ended, the next command's Ctrl-A works straight away.
  board.finish_program();
  board.replies["print(7)"] = {"7\r\n", ""};
  BOOST_TEST(comm.exec("print(7)") == "7\r\n");
}

BOOST_AUTO_TEST_CASE(timeout_zero_then_exec_while_program_still_runs_recovers) {
  FakeLink board;
  board.replies["main()"] = {"", "", true};
  board.replies["print(8)"] = {"8\r\n", ""};
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  comm.exec("main()", 0.0);
  // Ctrl-A is ignored by the running program; the recovery probes and interrupts it.
  BOOST_TEST(comm.exec("print(8)") == "8\r\n");
}

BOOST_AUTO_TEST_CASE(streaming_exec_delivers_chunks) {
  FakeLink board;
  board.max_chunk = 3;
  board.replies["run()"] = {"line one\r\nline two\r\n", ""};
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  std::string got;
  int chunks = 0;
  comm.exec("run()", 5.0, [&](std::string_view c) {
    got += c;
    ++chunks;
  });
  BOOST_TEST(got == "line one\r\nline two\r\n");
  BOOST_TEST(chunks > 1);
  BOOST_TEST(comm.repl_mode() == std::optional<bool>(true));
}

BOOST_AUTO_TEST_CASE(streaming_exec_error_and_total_timeout) {
  FakeLink board;
  board.max_chunk = 4;
  board.replies["bad()"] = {"partial\r\n", kTraceback};
  board.replies["forever()"] = {"tick\r\n", "", true};
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  std::string got;
  auto sink = [&](std::string_view c) { got += c; };
  BOOST_CHECK_EXCEPTION(comm.exec("bad()", 5.0, sink), CmdError, [](const CmdError& e) {
    return e.result() == "partial\r\n" && e.exception_line() == "ZeroDivisionError: divide by zero";
  });
  BOOST_TEST(got == "partial\r\n");
  got.clear();
  BOOST_CHECK_EXCEPTION(comm.exec("forever()", 0.3, sink), Timeout, [](const Timeout& e) {
    return std::string(e.what()) == "Execution timeout";
  });
  BOOST_TEST(got == "tick\r\n");
  BOOST_TEST(!comm.repl_mode().has_value());
}

// Memory: what is held to be parsed is bounded by kMaxAnswer; past it the board is sent Ctrl-C
// and the state forgotten, and the next call recovers. Streamed output is not held at all.
namespace {
const std::string kFlood(mpytool::kMaxAnswer + 1024 * 1024, 'x');  // more than the bound

bool too_large(const mpytool::AnswerTooLarge& e) {
  return std::string(e.what()) == "the board's answer exceeded 16 MiB";
}
}  // namespace

BOOST_AUTO_TEST_CASE(an_answer_past_the_bound_interrupts_the_board) {
  for (const bool guard : {false, true}) {  // read_until(), and the guard's read_answer()
    FakeLink board;
    board.on_exec = [](const std::string& code) {
      if (code.find("1+1") != std::string::npos) return FakeReply{"2\r\n", ""};
      return FakeReply{kFlood, "", true};  // prints and never ends
    };
    MpyComm comm(board);
    comm.guard().set_enabled(guard);
    BOOST_CHECK_EXCEPTION(comm.exec("flood()", 5.0), mpytool::AnswerTooLarge, too_large);
    BOOST_TEST(board.written.back() == '\x03');
    BOOST_TEST(!comm.repl_mode().has_value());
    comm.guard().set_enabled(false);
    BOOST_TEST(comm.exec("print(1+1)", 5.0) == "2\r\n");
  }
}

BOOST_AUTO_TEST_CASE(a_traceback_past_the_bound_interrupts_the_board) {
  for (const bool streamed : {false, true}) {
    FakeLink board;
    board.max_chunk = 256 * 1024;
    board.replies["flood()"] = {"out\x04" + kFlood, "", true};  // the traceback never ends
    board.replies["print(1+1)"] = {"2\r\n", ""};
    MpyComm comm(board);
    comm.guard().set_enabled(false);
    std::string shown;
    if (streamed) {
      BOOST_CHECK_EXCEPTION(comm.exec("flood()", 5.0, [&](std::string_view c) { shown += c; }),
                            mpytool::AnswerTooLarge, too_large);
      BOOST_TEST(shown == "out");
    } else {
      BOOST_CHECK_EXCEPTION(comm.exec("flood()", 5.0), mpytool::AnswerTooLarge, too_large);
    }
    BOOST_TEST(board.written.back() == '\x03');
    BOOST_TEST(!comm.repl_mode().has_value());
    BOOST_TEST(comm.exec("print(1+1)", 5.0) == "2\r\n");
  }
}

BOOST_AUTO_TEST_CASE(streamed_output_is_not_held_nor_bounded) {
  FakeLink board;
  board.max_chunk = 256 * 1024;
  board.replies["big()"] = {kFlood + kFlood, ""};
  board.replies["bad()"] = {kFlood + "last words\r\n", kTraceback};
  MpyComm comm(board);
  comm.guard().set_enabled(false);
  std::size_t bytes = 0;
  std::size_t largest = 0;
  auto count = [&](std::string_view c) {
    bytes += c.size();
    largest = std::max(largest, c.size());
  };
  comm.exec("big()", 30.0, count);
  BOOST_TEST(bytes == 2 * kFlood.size());
  BOOST_TEST(largest <= 256 * 1024);  // handed on as it came
  BOOST_TEST(comm.repl_mode() == std::optional<bool>(true));
  // The error keeps the end of what was shown, not all of it.
  BOOST_CHECK_EXCEPTION(comm.exec("bad()", 30.0, count), CmdError, [](const CmdError& e) {
    return e.result().size() == 4096 && e.result().ends_with("last words\r\n") &&
           e.exception_line() == "ZeroDivisionError: divide by zero";
  });
}

BOOST_AUTO_TEST_CASE(raw_paste_respects_the_window) {
  FakeLink board;
  board.window = 16;
  std::string code;
  for (int i = 0; i < 20; ++i) code += "x" + std::to_string(i) + " = " + std::to_string(i) + "\n";
  board.replies[code] = {"done\r\n", ""};
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  BOOST_TEST(comm.exec_raw_paste(code) == "done\r\n");
  BOOST_TEST(board.executed == std::vector<std::string>{code});
  BOOST_TEST(!board.window_violated);
  BOOST_TEST(comm.raw_paste_supported() == std::optional<bool>(true));
  BOOST_TEST(board.mode == FakeLink::Mode::kRaw);
}

BOOST_AUTO_TEST_CASE(raw_paste_code_shorter_than_window_and_exact_multiple) {
  for (std::size_t len : {5u, 32u, 64u, 65u}) {
    FakeLink board;
    board.window = 32;
    std::string code(len, 'a');
    board.replies[code] = {"ok\r\n", ""};
    MpyComm comm(board);
    comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
    BOOST_TEST(comm.try_raw_paste(code) == "ok\r\n");
    BOOST_TEST(!board.window_violated);
    BOOST_TEST(board.executed == std::vector<std::string>{code});
  }
}

BOOST_AUTO_TEST_CASE(raw_paste_traceback_and_streaming) {
  FakeLink board;
  board.window = 8;
  board.max_chunk = 5;
  board.replies["print('abc');1/0"] = {"abc\r\n", kTraceback};
  board.replies["print('streamed output')"] = {"streamed output\r\n", ""};
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  BOOST_CHECK_THROW(comm.exec_raw_paste("print('abc');1/0"), CmdError);
  std::string got;
  mpytool::OutputCallback sink = [&](std::string_view c) { got += c; };
  comm.exec_raw_paste("print('streamed output')", 5.0, &sink);
  BOOST_TEST(got == "streamed output\r\n");
  BOOST_TEST(!board.window_violated);
}

BOOST_AUTO_TEST_CASE(raw_paste_abort_by_board_gives_cmd_error) {
  FakeLink board;
  board.window = 8;
  board.paste_abort_after = 10;
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  BOOST_CHECK_EXCEPTION(comm.exec_raw_paste(std::string(40, 'z')), CmdError, [](const CmdError& e) {
    return e.exception_line() == "SyntaxError: invalid syntax";
  });
  BOOST_TEST(board.mode == FakeLink::Mode::kRaw);
  board.replies["print(3)"] = {"3\r\n", ""};
  BOOST_TEST(comm.exec("print(3)") == "3\r\n");
}

// Firmware sends one \x01 right after the window size: two windows are free at the start. A board
// that grants nothing more proves it: the host must send both windows without waiting. The
// \x01 arrives together with the header (whole reads) or on its own (one-byte reads).
BOOST_AUTO_TEST_CASE(raw_paste_sends_two_windows_on_the_initial_grant) {
  for (std::size_t chunk : {std::size_t{1} << 20, std::size_t{3}, std::size_t{1}}) {
    FakeLink board;
    board.window = 16;
    board.regrant = false;
    board.max_chunk = chunk;
    const std::string code(32, 'b');
    board.replies[code] = {"two\r\n", ""};
    MpyComm comm(board);
    comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
    BOOST_TEST(comm.exec_raw_paste(code, 2.0) == "two\r\n");
    BOOST_TEST(board.executed == std::vector<std::string>{code});
    BOOST_TEST(!board.window_violated);
  }
}

// A board without the initial \x01 grants one window at the start, and the host keeps to it.
BOOST_AUTO_TEST_CASE(raw_paste_without_the_initial_grant) {
  {
    FakeLink board;
    board.window = 16;
    board.initial_grant = false;
    std::string code(70, 'c');
    board.replies[code] = {"ok\r\n", ""};
    MpyComm comm(board);
    comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
    BOOST_TEST(comm.exec_raw_paste(code) == "ok\r\n");
    BOOST_TEST(!board.window_violated);
    BOOST_TEST(board.executed == std::vector<std::string>{code});
  }
  {
    // One window only and no further grants: the 17th byte waits for a grant that never comes.
    FakeLink board;
    board.window = 16;
    board.initial_grant = false;
    board.regrant = false;
    MpyComm comm(board);
    comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
    BOOST_CHECK_THROW(comm.exec_raw_paste(std::string(17, 'd'), 0.5), Timeout);
    BOOST_TEST(!board.window_violated);
  }
}

// \x04 right after the header: the board aborted before any code was sent.
BOOST_AUTO_TEST_CASE(raw_paste_abort_right_after_the_header) {
  FakeLink board;
  board.window = 8;
  board.paste_abort_after = 0;
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  BOOST_CHECK_EXCEPTION(comm.exec_raw_paste(std::string(20, 'z')), CmdError, [](const CmdError& e) {
    return e.exception_line() == "SyntaxError: invalid syntax";
  });
  BOOST_TEST(board.written.find('z') == std::string::npos);
  BOOST_TEST(board.mode == FakeLink::Mode::kRaw);
}

BOOST_AUTO_TEST_CASE(raw_paste_timeout_zero_submits_only) {
  FakeLink board;
  board.replies["main()"] = {"", "", true};
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  BOOST_TEST(comm.exec_raw_paste("main()", 0.0) == "");
  BOOST_TEST(board.executed == std::vector<std::string>{"main()"});
  BOOST_TEST(comm.repl_mode() == std::optional<bool>(false));
}

BOOST_AUTO_TEST_CASE(raw_paste_r00_is_unsupported) {
  FakeLink board;
  board.raw_paste = FakeLink::RawPaste::kNo;
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  BOOST_CHECK_EXCEPTION(comm.exec_raw_paste("x=1"), MpyError, [](const MpyError& e) {
    return std::string(e.what()) == "Raw-paste mode not supported by device";
  });
  BOOST_TEST(comm.raw_paste_supported() == std::optional<bool>(false));
  // Cached: no second request.
  BOOST_CHECK_THROW(comm.exec_raw_paste("x=1"), MpyError);
  BOOST_TEST(board.paste_requests == 1);
}

// Plain exec after each kind of refusal must run exactly the code, without leftover junk.
void check_fallback(FakeLink::RawPaste kind) {
  FakeLink board;
  board.raw_paste = kind;
  board.replies["a=1\nprint(a)"] = {"1\r\n", ""};
  board.replies["print(2)"] = {"2\r\n", ""};
  board.on_exec = [](const std::string& code) {
    FakeReply r;
    r.err = "Traceback (most recent call last):\r\nSyntaxError: junk in " + code + "\r\n";
    return r;
  };
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  BOOST_TEST(comm.try_raw_paste("a=1\nprint(a)") == "1\r\n");
  BOOST_TEST(comm.raw_paste_supported() == std::optional<bool>(false));
  BOOST_TEST(comm.try_raw_paste("print(2)") == "2\r\n");
  BOOST_TEST(board.paste_requests == 1);  // the answer is cached
  BOOST_TEST(board.executed == (std::vector<std::string>{"a=1\nprint(a)", "print(2)"}));
  // reset_state() forgets it: the next call probes again.
  comm.reset_state();
  BOOST_TEST(comm.try_raw_paste("print(2)") == "2\r\n");
  BOOST_TEST(board.paste_requests == 2);
}

BOOST_AUTO_TEST_CASE(fallback_when_board_answers_r00) { check_fallback(FakeLink::RawPaste::kNo); }

BOOST_AUTO_TEST_CASE(fallback_on_old_firmware_that_reprints_banner) {
  check_fallback(FakeLink::RawPaste::kOld);
}

BOOST_AUTO_TEST_CASE(fallback_on_silent_board_clears_the_code_buffer) {
  check_fallback(FakeLink::RawPaste::kSilent);
}

BOOST_AUTO_TEST_CASE(forced_raw_paste_decision) {
  FakeLink board;
  board.replies["print(4)"] = {"4\r\n", ""};
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  comm.set_raw_paste_supported(false);
  BOOST_TEST(comm.try_raw_paste("print(4)") == "4\r\n");
  BOOST_TEST(board.paste_requests == 0);
}

BOOST_AUTO_TEST_CASE(soft_resets) {
  FakeLink board;
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  comm.soft_reset_raw();
  BOOST_TEST(board.soft_resets == 1);
  BOOST_TEST(comm.repl_mode() == std::optional<bool>(true));
  BOOST_TEST(board.mode == FakeLink::Mode::kRaw);
  comm.soft_reset();
  BOOST_TEST(board.soft_resets == 2);
  BOOST_TEST(board.mode == FakeLink::Mode::kFriendly);
  BOOST_TEST(!comm.repl_mode().has_value());
}

BOOST_AUTO_TEST_CASE(monitor_stops_at_split_prompt) {
  FakeLink board;
  board.max_chunk = 2;
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  comm.enter_raw_repl();
  comm.soft_reset();  // leaves the boot banner and its prompt to the monitor
  std::string got;
  comm.monitor([&](std::string_view c) { got += c; });
  BOOST_TEST(has_substr(got, "MicroPython v1.99.0"));
  BOOST_TEST(got.size() >= 6u);
  BOOST_TEST(got.substr(got.size() - 6) == "\r\n>>> ");
  BOOST_TEST(comm.repl_mode() == std::optional<bool>(false));
}

BOOST_AUTO_TEST_CASE(monitor_follow_runs_until_told_to_stop) {
  FakeLink board;
  MpyComm comm(board);
  comm.guard().set_enabled(false);  // the scripted board answers the code itself, not a guard
  board.emit("hello\r\n>>> more");
  std::string got;
  int rounds = 0;
  comm.monitor([&](std::string_view c) { got += c; }, true, [&] { return ++rounds < 5; });
  BOOST_TEST(got == "hello\r\n>>> more");
}

BOOST_AUTO_TEST_CASE(mpy_platform_one_round_trip) {
  FakeLink board;
  int runs = 0;
  board.on_exec = [&](const std::string& code) {
    ++runs;
    FakeReply r;
    if (has_substr(code, "sys.implementation")) {
      r.out =
          "('rp2', '3.4.0; MicroPython v1.22.0', 'micropython', (1, 22, 0, ''), "
          "'Raspberry Pi Pico with RP2040', 10246)\r\n";
    } else {
      r.err = "NameError\r\n";
    }
    return r;
  };
  mpytool::Mpy mpy(board);
  mpy.comm().guard().set_enabled(false);
  const mpytool::PlatformInfo& p = mpy.platform();
  BOOST_TEST(p.platform == "rp2");
  BOOST_TEST(p.impl_name == "micropython");
  BOOST_TEST(p.impl_version == (std::vector<std::int64_t>{1, 22, 0}));
  BOOST_TEST(p.machine == "Raspberry Pi Pico with RP2040");
  BOOST_TEST(*p.mpy_ver == (10246 & 0xff));
  BOOST_TEST(*p.mpy_sub == ((10246 >> 8) & 3));
  BOOST_TEST(*p.mpy_arch == ((10246 >> 10) & 0xf));
  mpy.platform();
  BOOST_TEST(runs == 1);  // cached
}

BOOST_AUTO_TEST_CASE(mpy_helpers_are_sent_once_with_dependencies) {
  FakeLink board;
  board.on_exec = [](const std::string&) { return FakeReply{}; };
  mpytool::Mpy mpy(board);
  mpy.comm().guard().set_enabled(false);
  BOOST_TEST(mpytool::find_helper("stat") != nullptr);
  mpy.load_helper("finfo");
  mpy.load_helper("finfo");
  mpy.load_helper("hash");
  // One program: the helper after the one it needs.
  BOOST_TEST(board.executed.size() == 1u);
  const std::string& both = board.executed[0];
  BOOST_TEST(has_substr(both, "def _mt_hash"));
  BOOST_TEST(both.find("def _mt_hash") < both.find("def _mt_finfo"));
  BOOST_CHECK_THROW(mpy.load_helper("no_such_helper"), MpyError);
  mpy.register_helper("mine", "def _mt_mine(): pass\n");
  mpy.load_helper("mine");
  BOOST_TEST(board.executed.back() == "def _mt_mine(): pass\n");
  mpy.reset_state();
  mpy.load_helper("hash");
  BOOST_TEST(board.executed.size() == 3u);
  // A session helper declares what it calls: that goes first, in the same program.
  mpy.register_helper("outer", "def _mt_outer(): _mt_mine()\n", {"mine"});
  mpy.load_helper("outer");
  BOOST_TEST(board.executed.size() == 4u);
  BOOST_TEST(board.executed[3] == "def _mt_mine(): pass\ndef _mt_outer(): _mt_mine()\n");
  // Several at once: one program for those not loaded yet.
  mpy.register_helper("a", "def _mt_a(): pass\n");
  mpy.register_helper("b", "def _mt_b(): pass\n");
  mpy.load_helpers({"a", "outer", "b"});
  BOOST_TEST(board.executed.size() == 5u);
  BOOST_TEST(board.executed[4] == "def _mt_a(): pass\ndef _mt_b(): pass\n");
  mpy.load_helpers({"a", "b"});
  BOOST_TEST(board.executed.size() == 5u);
}

BOOST_AUTO_TEST_CASE(mpy_chdir_failure_is_dir_not_found) {
  FakeLink board;
  board.replies["import os"] = {};
  mpytool::Mpy mpy(board);
  mpy.comm().guard().set_enabled(false);
  BOOST_CHECK_EXCEPTION(mpy.chdir("/no'pe"), mpytool::DirNotFound,
                        [](const mpytool::DirNotFound& e) {
                          return std::string(e.what()) == "Dir '/no'pe' was not found";
                        });
  BOOST_TEST(board.executed.back() == "os.chdir(\"/no'pe\")");
}

BOOST_AUTO_TEST_CASE(mpy_sys_path_edits) {
  FakeLink board;
  std::string path = "['', '/lib', '.frozen']";
  board.on_exec = [&](const std::string& code) {
    FakeReply r;
    if (code == "print(sys.path)") {
      r.out = path + "\r\n";
    } else if (code.rfind("sys.path = ", 0) == 0) {
      path = code.substr(11);
    }
    return r;
  };
  mpytool::Mpy mpy(board);
  mpy.comm().guard().set_enabled(false);
  mpy.prepend_sys_path({"/app", "/lib"});
  BOOST_TEST(path == "['/app', '/lib', '', '.frozen']");
  mpy.append_sys_path({"/x", "/app"});
  BOOST_TEST(path == "['/app', '/lib', '', '.frozen', '/x']");
  mpy.remove_from_sys_path({"/lib", "/x"});
  BOOST_TEST(path == "['/app', '', '.frozen']");
  BOOST_TEST(mpy.get_sys_path() == (std::vector<std::string>{"/app", "", ".frozen"}));
}

BOOST_AUTO_TEST_CASE(mpy_hard_reset_wraps_conn_error) {
  FakeLink board;
  mpytool::Mpy mpy(board);
  mpy.comm().guard().set_enabled(false);
  BOOST_CHECK_EXCEPTION(mpy.hard_reset(), MpyError, [](const MpyError& e) {
    return std::string(e.what()) == "Hardware reset failed: Hardware reset not supported on fake" &&
           dynamic_cast<const mpytool::ConnError*>(&e) == nullptr;
  });
  BOOST_CHECK_EXCEPTION(mpy.reset_to_bootloader(), MpyError, [](const MpyError& e) {
    return has_substr(e.what(), "Bootloader reset failed: ");
  });
}

BOOST_AUTO_TEST_CASE(mpy_memory_and_escape_path) {
  FakeLink board;
  board.replies["import gc\ngc.collect()\nprint((gc.mem_free(),gc.mem_alloc()))"] = {
      "(100000, 28000)\r\n", ""};
  mpytool::Mpy mpy(board);
  mpy.comm().guard().set_enabled(false);
  mpytool::MemoryInfo m = mpy.memory();
  BOOST_TEST(m.free == 100000);
  BOOST_TEST(m.alloc == 28000);
  BOOST_TEST(m.total == 128000);
  BOOST_TEST(mpytool::Mpy::escape_path("a\\b'c") == "a\\\\b\\'c");
}

BOOST_AUTO_TEST_CASE(program_that_soft_reboots_the_board_ends_cleanly) {
  // SystemExit / machine.soft_reset() in the raw REPL: "\x04\x04MPY: soft reboot ... >" instead
  // of a traceback and "\x04>"; the board is back in the raw REPL and Mpy forgets its caches.
  for (bool streamed : {false, true}) {
    FakeLink link;
    link.replies["import machine; machine.soft_reset()"] = {"bye\r\n", "", false, true};
    link.replies["print(1)"] = {"1\r\n", ""};
    link.replies["import os"] = {"", ""};
    mpytool::Mpy mpy(link);
    mpy.comm().guard().set_enabled(false);
    mpy.import_module("os");
    std::string seen;
    mpytool::OutputCallback out = [&](std::string_view c) { seen += c; };
    if (streamed) {
      mpy.comm().exec("import machine; machine.soft_reset()", 5.0, out);
    } else {
      seen = mpy.comm().exec("import machine; machine.soft_reset()", 5.0);
    }
    BOOST_TEST(seen == "bye\r\n");
    BOOST_TEST(mpy.comm().repl_mode() == std::optional<bool>(true));
    BOOST_TEST(mpy.comm().exec("print(1)", 5.0) == "1\r\n");
    mpy.import_module("os");  // sent again: the reboot emptied the board's RAM
    BOOST_TEST(std::count(link.executed.begin(), link.executed.end(), "import os") == 2);
  }
}

BOOST_AUTO_TEST_SUITE_END()

// The guard's wrapper: the code's CRC-32 (zlib) and the code as an escaped bytes literal that
// the board's parser turns back into exactly the same bytes.
BOOST_AUTO_TEST_CASE(guard_wrap_escapes_and_checksums) {
  const std::string code = "print('a\\b')\nx = 1\t# \xc3\xa9\x01";
  const std::string w = CodeGuard::wrap(code);
  const auto crc =
      crc32(0L, reinterpret_cast<const Bytef*>(code.data()), static_cast<uInt>(code.size()));
  BOOST_TEST(w == "_mt_g(" + std::to_string(crc) +
                      ",b'print(\\'a\\\\b\\')\\nx = 1\\x09# \\xc3\\xa9\\x01')");
  BOOST_TEST(CodeGuard::wrap("") == "_mt_g(0,b'')");
}

// Guarded code that did not run (sent again) versus code that ran and raised (the user's or
// the tool's own error, never run twice): the traceback has a frame of the code's top level.
BOOST_AUTO_TEST_CASE(guard_failure_is_told_from_an_error_of_the_code) {
  const auto failed = [](const std::string& traceback) {
    return CodeGuard::is_failure(CmdError("c", "", traceback));
  };
  BOOST_TEST(
      failed("Traceback (most recent call last):\r\n  File \"<stdin>\", line 1, in "
             "<module>\r\n  File \"<string>\", line 9, in _mt_g\r\nOSError: (0, 'mpytool "
             "guard')\r\n"));
  BOOST_TEST(
      failed("Traceback (most recent call last):\r\n  File \"<stdin>\", line 1\r\n"
             "SyntaxError: invalid syntax\r\n"));
  BOOST_TEST(
      failed("Traceback (most recent call last):\r\n  File \"<stdin>\", line 1, in "
             "<module>\r\nNameError: name '_mt_c' isn't defined\r\n"));
  BOOST_TEST(
      !failed("Traceback (most recent call last):\r\n  File \"<stdin>\", line 1, in "
              "<module>\r\n  File \"<string>\", line 16, in _mt_g\r\n  File \"<string>\", "
              "line 1, in <module>\r\nNameError: name 'x' isn't defined\r\n"));
  BOOST_TEST(
      !failed("Traceback (most recent call last):\r\n  File \"<stdin>\", line 1, in "
              "<module>\r\n  File \"<string>\", line 16, in _mt_g\r\n  File \"<string>\", "
              "line 2, in <module>\r\nOSError: [Errno 2] ENOENT\r\n"));
}

// Long code on a noisy link travels in pieces that name their index; the args go after the
// literal.
BOOST_AUTO_TEST_CASE(guard_wrap_takes_extra_arguments) {
  const auto crc = mpytool::crc32_of("x=1");
  BOOST_TEST(CodeGuard::wrap("x=1", ",3") == "_mt_g(" + std::to_string(crc) + ",b'x=1',3)");
  BOOST_TEST(CodeGuard::bytes_literal("a'\n\x7f") == "b'a\\'\\n\\x7f'");
}
