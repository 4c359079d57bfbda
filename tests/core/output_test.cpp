// SPDX-License-Identifier: MIT
// Output: format_size() table, verbosity filtering, colours and progress-line behaviour.
#include "mpytool/base/output.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <sstream>

#include "mpytool/base/version.hpp"

using mpytool::Color;
using mpytool::format_size;
using mpytool::Output;

BOOST_AUTO_TEST_SUITE(output_test)

BOOST_AUTO_TEST_CASE(format_size_table) {
  const std::pair<double, const char*> table[] = {{0, "0B"},
                                                  {23, "23B"},
                                                  {1023, "1023B"},
                                                  {1024, "1.00K"},
                                                  {3103, "3.03K"},
                                                  {10239, "10.00K"},
                                                  {10240, "10.0K"},
                                                  {100000, "97.7K"},
                                                  {102400, "100K"},
                                                  {145408, "142K"},
                                                  {1048575, "1024K"},
                                                  {1048576, "1.00M"},
                                                  {1447034, "1.38M"},
                                                  {1073741824, "1.00G"},
                                                  {1099511627776.0, "1.00T"},
                                                  {1099511627776.0 * 5000, "5000T"}};
  for (const auto& [n, text] : table) BOOST_TEST(format_size(n) == text, n << " -> " << text);
}

BOOST_AUTO_TEST_CASE(data_goes_to_stdout_unchanged) {
  std::ostringstream out, err;
  Output o(out, err, 0, false, false);
  o.data(std::string("a\0b\r\n", 5));
  BOOST_TEST(out.str() == std::string("a\0b\r\n", 5));
  BOOST_TEST(err.str().empty());
}

BOOST_AUTO_TEST_CASE(verbosity_levels) {
  std::ostringstream out, err;
  Output o(out, err, 1, false, false);
  o.verbose(1, "LS: /");
  o.verbose(2, "PUT FILE: x");
  o.verbose(0, "always");
  BOOST_TEST(err.str() == "LS: /\nalways\n");
  std::ostringstream err_q;
  Output quiet(out, err_q, 0, false, false);
  quiet.verbose(1, "LS: /");
  quiet.progress(0, "nope");  // not a terminal
  BOOST_TEST(err_q.str().empty());
  BOOST_TEST(out.str().empty());
}

BOOST_AUTO_TEST_CASE(progress_on_terminal_with_colour) {
  std::ostringstream out, err;
  Output o(out, err, 1, true, true);
  o.progress(1, "10%", Color::kCyan);
  o.progress(1, "20%");
  o.verbose(1, "done", Color::kGreen);
  BOOST_TEST(err.str() == "\r\033[K\033[1;36m10%\033[0m\r\033[K20%\n\033[1;32mdone\033[0m\n");
}

BOOST_AUTO_TEST_CASE(progress_on_terminal_without_colour) {
  std::ostringstream out, err;
  Output o(out, err, 1, false, true);
  o.progress(1, "a", Color::kRed);
  o.progress(1, "b");
  o.end_progress();
  o.end_progress();  // nothing pending any more
  o.verbose(1, "c");
  BOOST_TEST(err.str() == "\ra\rb\nc\n");
  o.progress(2, "hidden");  // above the verbosity
  BOOST_TEST(err.str() == "\ra\rb\nc\n");
}

BOOST_AUTO_TEST_CASE(progress_dropped_when_not_a_terminal) {
  std::ostringstream out, err;
  Output o(out, err, 2, false, false);
  o.progress(1, "10%");
  o.end_progress();
  o.verbose(1, "summary");
  BOOST_TEST(err.str() == "summary\n");
}

BOOST_AUTO_TEST_CASE(paint_codes) {
  std::ostringstream out, err;
  Output on(out, err, 1, true, true);
  Output off(out, err, 1, false, true);
  BOOST_TEST(on.paint("x", Color::kRed) == "\033[1;31mx\033[0m");
  BOOST_TEST(on.paint("x", Color::kYellow) == "\033[1;33mx\033[0m");
  BOOST_TEST(on.paint("x", Color::kGreen) == "\033[1;32mx\033[0m");
  BOOST_TEST(on.paint("x", Color::kBlue) == "\033[1;34mx\033[0m");
  BOOST_TEST(on.paint("x", Color::kMagenta) == "\033[1;35mx\033[0m");
  BOOST_TEST(on.paint("x", Color::kNone) == "x");
  BOOST_TEST(off.paint("x", Color::kRed) == "x");
  BOOST_TEST(on.color());
  BOOST_TEST(on.err_is_tty());
  BOOST_TEST(on.verbosity() == 1);
}

BOOST_AUTO_TEST_CASE(want_color_rules) {
  ::unsetenv("NO_COLOR");
  ::setenv("TERM", "xterm-256color", 1);
  BOOST_TEST(Output::want_color(true));
  BOOST_TEST(!Output::want_color(false));
  ::setenv("TERM", "dumb", 1);
  BOOST_TEST(!Output::want_color(true));
  ::setenv("TERM", "xterm", 1);
  ::setenv("NO_COLOR", "1", 1);
  BOOST_TEST(!Output::want_color(true));
  ::unsetenv("NO_COLOR");
}

BOOST_AUTO_TEST_CASE(printable_escapes_what_a_terminal_acts_on) {
  using mpytool::LineBreaks;
  using mpytool::printable;
  BOOST_TEST(printable("plain name.py") == "plain name.py");
  BOOST_TEST(printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
             "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");  // UTF-8 stays
  BOOST_TEST(printable("\x1b[2J") == "\\x1b[2J");
  BOOST_TEST(printable("a\rb\nc\td") == "a\\rb\\nc\\td");
  BOOST_TEST(printable(std::string("a\0b\x07\x7f", 5)) == "a\\x00b\\x07\\x7f");
  BOOST_TEST(printable("\xff\xc3") == "\\xff\\xc3");           // invalid UTF-8, cut short
  BOOST_TEST(printable("\xc0\xaf") == "\\xc0\\xaf");           // overlong '/'
  BOOST_TEST(printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
  BOOST_TEST(printable("\x9b"
                       "31m") ==
             "\\x9b"
             "31m");  // a lone C1 byte
  BOOST_TEST(printable("\xc2\x9b"
                       "31m") ==
             "\\u009b"
             "31m");  // C1 CSI as UTF-8
  BOOST_TEST(printable("\xe2\x80\xae"
                       "txt") ==
             "\\u202e"
             "txt");                                      // right-to-left override
  BOOST_TEST(printable("\xe2\x80\xa8") == "\\u2028");     // line separator
  BOOST_TEST(printable("back\\slash") == "back\\slash");  // stays
  const std::string messy = std::string("\x1b]0;x\x07\r\n\xff\xc2\x85\0", 12);
  BOOST_TEST(printable(printable(messy)) == printable(messy));
  // Messages of several lines keep their breaks, not the rest.
  BOOST_TEST(printable("a\nb\r\n\tc\rd\x1b", LineBreaks::kKeep) == "a\nb\r\n\tc\\rd\\x1b");
}

BOOST_AUTO_TEST_CASE(stderr_lines_are_printable) {
  std::ostringstream out, err;
  Output o(out, err, 1, false, true);
  o.verbose(1, "name \x1b[2J\nnext");
  o.progress(1, "p \x1b[31m\r");
  o.end_progress();
  BOOST_TEST(err.str() == "name \\x1b[2J\nnext\n\rp \\x1b[31m\\r\n");
}

BOOST_AUTO_TEST_CASE(version_is_set) {
  BOOST_TEST(std::string(mpytool::version_string()).size() >= 5u);
}

BOOST_AUTO_TEST_SUITE_END()
