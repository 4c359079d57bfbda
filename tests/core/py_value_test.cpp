// SPDX-License-Identifier: MIT
// parse_literal() over every literal type boards print, malformed replies, and repr() round
// trips.
#include "mpytool/repl/py_value.hpp"

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <string>

#include "mpytool/base/error.hpp"

using mpytool::MpyError;
using mpytool::parse_json;
using mpytool::parse_literal;
using mpytool::PyValue;
using mpytool::repr_bytes;
using mpytool::repr_str;
using Type = PyValue::Type;

BOOST_TEST_DONT_PRINT_LOG_VALUE(PyValue::Type)

namespace mpytool {
// Failed comparisons show the repr() of the values.
inline std::ostream& boost_test_print_type(std::ostream& os, const PyValue& v) {
  return os << v.repr();
}
}  // namespace mpytool

namespace {

bool parse_fails(std::string_view text) {
  try {
    parse_literal(text);
  } catch (const MpyError& e) {
    return std::string(e.what()).rfind("cannot parse board reply: ", 0) == 0;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(py_value_test)

BOOST_AUTO_TEST_CASE(scalars) {
  BOOST_TEST(parse_literal("None").is_none());
  BOOST_TEST(parse_literal("True").as_bool() == true);
  BOOST_TEST(parse_literal("False").as_bool() == false);
  BOOST_TEST(parse_literal("0").as_int() == 0);
  BOOST_TEST(parse_literal("-42").as_int() == -42);
  BOOST_TEST(parse_literal("+7").as_int() == 7);
  BOOST_TEST(parse_literal("  123\r\n").as_int() == 123);
  BOOST_TEST(parse_literal("9223372036854775807").as_int() == INT64_MAX);
  BOOST_TEST(parse_literal("-9223372036854775808").as_int() == INT64_MIN);
}

BOOST_AUTO_TEST_CASE(big_ints_keep_their_text) {
  PyValue v = parse_literal("123456789012345678901234567890");
  BOOST_TEST(v.is_int());
  BOOST_TEST(v.int_text() == "123456789012345678901234567890");
  BOOST_CHECK_THROW(v.as_int(), MpyError);
  BOOST_TEST(parse_literal("-99999999999999999999").int_text() == "-99999999999999999999");
  BOOST_TEST(v.repr() == "123456789012345678901234567890");
  BOOST_TEST(parse_literal("1e30").as_float() == 1e30);
  BOOST_TEST(PyValue::big_integer("-0") == PyValue::integer(0));
  BOOST_TEST(PyValue::big_integer("007") == PyValue::integer(7));
  BOOST_CHECK_THROW(PyValue::big_integer("12a"), MpyError);
}

BOOST_AUTO_TEST_CASE(floats) {
  BOOST_TEST(parse_literal("1.5").as_float() == 1.5);
  BOOST_TEST(parse_literal("-0.25").as_float() == -0.25);
  BOOST_TEST(parse_literal("1e-05").as_float() == 1e-5);
  BOOST_TEST(parse_literal("2.5E+10").as_float() == 2.5e10);
  BOOST_TEST(parse_literal("3.").as_float() == 3.0);
  BOOST_TEST(parse_literal("1e999").as_float() == INFINITY);
  BOOST_TEST(parse_literal("inf").as_float() == INFINITY);
  BOOST_TEST(parse_literal("-inf").as_float() == -INFINITY);
  BOOST_TEST(std::isnan(parse_literal("nan").as_float()));
  BOOST_TEST(parse_literal("(inf, -inf, nan)").size() == 3u);
  BOOST_TEST(parse_literal("7").as_float() == 7.0);  // ints convert
  BOOST_TEST(parse_literal("1.0").type() == Type::kFloat);
}

BOOST_AUTO_TEST_CASE(float_repr_matches_python) {
  BOOST_TEST(PyValue::floating(1.0).repr() == "1.0");
  BOOST_TEST(PyValue::floating(0.1).repr() == "0.1");
  BOOST_TEST(PyValue::floating(-2.5).repr() == "-2.5");
  BOOST_TEST(PyValue::floating(1e16).repr() == "1e+16");
  BOOST_TEST(PyValue::floating(1e15).repr() == "1000000000000000.0");
  BOOST_TEST(PyValue::floating(1e-5).repr() == "1e-05");
  BOOST_TEST(PyValue::floating(0.0001).repr() == "0.0001");
  BOOST_TEST(PyValue::floating(1.5e300).repr() == "1.5e+300");
  BOOST_TEST(PyValue::floating(123.456).repr() == "123.456");
  BOOST_TEST(PyValue::floating(INFINITY).repr() == "inf");
  BOOST_TEST(PyValue::floating(-INFINITY).repr() == "-inf");
  BOOST_TEST(PyValue::floating(NAN).repr() == "nan");
}

BOOST_AUTO_TEST_CASE(strings_and_escapes) {
  BOOST_TEST(parse_literal("'abc'").as_str() == "abc");
  BOOST_TEST(parse_literal("\"it's\"").as_str() == "it's");
  BOOST_TEST(parse_literal("''").as_str() == "");
  BOOST_TEST(parse_literal(R"('a\\b\'c\"d')").as_str() == "a\\b'c\"d");
  BOOST_TEST(parse_literal(R"('\n\r\t\a\b\f\v\0')").as_str() == std::string("\n\r\t\a\b\f\v\0", 8));
  BOOST_TEST(parse_literal(R"('\101\7\0101')").as_str() == std::string("A\a\b1"));
  BOOST_TEST(parse_literal(R"('\x41\xe9')").as_str() == "A\xc3\xa9");
  BOOST_TEST(parse_literal(R"('\u00e9\u20ac')").as_str() == "\xc3\xa9\xe2\x82\xac");
  BOOST_TEST(parse_literal(R"('\U0001F600')").as_str() == "\xf0\x9f\x98\x80");
  BOOST_TEST(parse_literal("'h\xc3\xa9llo \xe2\x82\xac'").as_str() == "h\xc3\xa9llo \xe2\x82\xac");
  BOOST_TEST(parse_literal(R"('\q')").as_str() == "\\q");  // unknown escapes stay, as in Python
  BOOST_TEST(parse_literal(R"(r'a\n')").as_str() == "a\\n");
  BOOST_TEST(parse_literal("'x'").size() == 1u);
}

BOOST_AUTO_TEST_CASE(bytes_literals) {
  BOOST_TEST(parse_literal("b'abc'").as_bytes() == "abc");
  BOOST_TEST(parse_literal("b\"a'b\"").as_bytes() == "a'b");
  BOOST_TEST(parse_literal(R"(b'\x00\xff\n\\')").as_bytes() == std::string("\0\xff\n\\", 4));
  BOOST_TEST(parse_literal(R"(b'\u1234')").as_bytes() == "\\u1234");  // no \u in bytes
  BOOST_TEST(parse_literal("b''").as_bytes().empty());
  BOOST_TEST(parse_literal("b'x'").is_bytes());
  BOOST_TEST(!parse_literal("b'x'").is_str());
}

BOOST_AUTO_TEST_CASE(containers) {
  PyValue t = parse_literal("(1, 'a', None)");
  BOOST_TEST(t.type() == Type::kTuple);
  BOOST_TEST(t.size() == 3u);
  BOOST_TEST(t[1].as_str() == "a");
  BOOST_CHECK_THROW(t[3], MpyError);
  BOOST_TEST(parse_literal("()").type() == Type::kTuple);
  BOOST_TEST(parse_literal("()").size() == 0u);
  BOOST_TEST(parse_literal("(5,)").type() == Type::kTuple);
  BOOST_TEST(parse_literal("(5,)").size() == 1u);
  BOOST_TEST(parse_literal("(5)").type() == Type::kInt);  // just parentheses
  BOOST_TEST(parse_literal("[]").type() == Type::kList);
  BOOST_TEST(parse_literal("[1, 2, 3,]").size() == 3u);
  PyValue d = parse_literal("{'a': 1, 'b': [2, 3]}");
  BOOST_TEST(d.is_dict());
  BOOST_TEST(d.find("b")->size() == 2u);
  BOOST_TEST(d.find("zz") == nullptr);
  BOOST_TEST(d.entries()[0].first.as_str() == "a");
  BOOST_TEST(parse_literal("{}").is_dict());
  PyValue s = parse_literal("{1, 2}");
  BOOST_TEST(s.type() == Type::kSet);
  BOOST_TEST(s.size() == 2u);
  BOOST_TEST(parse_literal("{3}").type() == Type::kSet);
  BOOST_TEST(parse_literal("{1: None, (1, 2): b'x',}").size() == 2u);
  BOOST_TEST(parse_literal(" [ ( 1 , 2 ) ,\r\n ( 3 , ) ] ").size() == 2u);
}

BOOST_AUTO_TEST_CASE(nested_board_replies) {
  // A _mt_tree reply and an ilistdir tuple, as boards print them.
  PyValue tree =
      parse_literal("('/', 35, [('lib', 12, [('a.py', 12, None)]), ('main.py', 23, None)])\r\n");
  BOOST_TEST(tree[0].as_str() == "/");
  BOOST_TEST(tree[2][0][2][0][0].as_str() == "a.py");
  BOOST_TEST(tree[2][1][2].is_none());
  PyValue ls = parse_literal("(('boot.py', 32768, 0, 139), ('lib', 16384, 0, 0))");
  BOOST_TEST(ls[0][3].as_int() == 139);
  std::string deep(150, '[');
  deep += std::string(150, ']');
  BOOST_TEST(parse_literal(deep).type() == Type::kList);
}

BOOST_AUTO_TEST_CASE(malformed_replies_are_errors) {
  for (const char* bad : {"",
                          "   ",
                          "(",
                          "(1, 2",
                          "[1, 2",
                          "{1: 2",
                          "{1: }",
                          "{1, 2: 3}",
                          "[1 2]",
                          "(,)",
                          "'abc",
                          "b'abc",
                          "'a\nb'",
                          R"('\x4')",
                          R"('\xZZ')",
                          R"('\u12')",
                          R"('\U00110000')",
                          "b'\xc3\xa9'",
                          "1 2",
                          "None None",
                          "nope",
                          "<function f at 0x3ff>",
                          "-",
                          "1e",
                          "1.2.3",
                          "0x10",
                          "1_000",
                          "Truee",
                          "]",
                          ")",
                          "{'a' 1}",
                          "[1,,2]",
                          "\x04",
                          "'\\"}) {
    BOOST_TEST(parse_fails(bad), "should fail: " << bad);
  }
  // Deep nesting is refused rather than overflowing the stack.
  BOOST_TEST(parse_fails(std::string(100000, '[')));
  BOOST_TEST(parse_fails(std::string(201, '[') + std::string(201, ']')));
  BOOST_TEST(parse_literal(std::string(200, '[') + std::string(200, ']')).size() == 1u);
  BOOST_TEST(parse_fails(std::string(5000, '(') + "1" + std::string(5000, ')')));
}

BOOST_AUTO_TEST_CASE(accessors_check_types) {
  PyValue v = parse_literal("'s'");
  BOOST_CHECK_THROW(v.as_int(), MpyError);
  BOOST_CHECK_THROW(v.as_bool(), MpyError);
  BOOST_CHECK_THROW(v.as_bytes(), MpyError);
  BOOST_CHECK_THROW(v.items(), MpyError);
  BOOST_CHECK_THROW(v.entries(), MpyError);
  BOOST_CHECK_THROW(v.find("x"), MpyError);
  BOOST_CHECK_THROW(PyValue().size(), MpyError);
  BOOST_CHECK_THROW(PyValue().as_float(), MpyError);
  BOOST_TEST(parse_literal("[1]").is_sequence());
  BOOST_TEST(parse_literal("{1}").is_sequence());
  BOOST_TEST(!parse_literal("{}").is_sequence());
}

BOOST_AUTO_TEST_CASE(repr_str_quoting) {
  BOOST_TEST(repr_str("abc") == "'abc'");
  BOOST_TEST(repr_str("it's") == "\"it's\"");
  BOOST_TEST(repr_str("a'b\"c") == R"('a\'b"c')");
  BOOST_TEST(repr_str("say \"hi\"") == R"('say "hi"')");
  BOOST_TEST(repr_str("a\\b") == R"('a\\b')");
  BOOST_TEST(repr_str("\n\r\t") == R"('\n\r\t')");
  BOOST_TEST(repr_str(std::string("\0\x1b\x7f", 3)) == R"('\x00\x1b\x7f')");
  BOOST_TEST(repr_str("h\xc3\xa9 \xe2\x82\xac") == "'h\xc3\xa9 \xe2\x82\xac'");
  BOOST_TEST(repr_str("") == "''");
}

BOOST_AUTO_TEST_CASE(repr_bytes_quoting) {
  BOOST_TEST(repr_bytes("abc") == "b'abc'");
  BOOST_TEST(repr_bytes(std::string("\0\xff\x80", 3)) == R"(b'\x00\xff\x80')");
  BOOST_TEST(repr_bytes("a'b") == "b\"a'b\"");
  BOOST_TEST(repr_bytes("a'b\"") == R"(b'a\'b"')");
  BOOST_TEST(repr_bytes("\\\t\n\r") == R"(b'\\\t\n\r')");
  BOOST_TEST(repr_bytes("") == "b''");
}

BOOST_AUTO_TEST_CASE(repr_of_values) {
  BOOST_TEST(PyValue().repr() == "None");
  BOOST_TEST(PyValue::boolean(true).repr() == "True");
  BOOST_TEST(PyValue::integer(-5).repr() == "-5");
  BOOST_TEST(PyValue::tuple({PyValue::integer(1)}).repr() == "(1,)");
  BOOST_TEST(PyValue::tuple({}).repr() == "()");
  BOOST_TEST(PyValue::set({}).repr() == "set()");
  BOOST_TEST(PyValue::dict({{PyValue::str("a"), PyValue::list({PyValue::bytes("x")})}}).repr() ==
             "{'a': [b'x']}");
}

BOOST_AUTO_TEST_CASE(repr_round_trips) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  BOOST_TEST(parse_literal(repr_bytes(all)).as_bytes() == all);
  std::string text = "quote ' and \" back\\slash\n\t\r\x01 h\xc3\xa9 \xf0\x9f\x98\x80";
  BOOST_TEST(parse_literal(repr_str(text)).as_str() == text);
  for (const char* lit :
       {"None", "(1, 'a', b'\\x00', [True, False], {'k': (None,)}, {1, 2}, -3)", "1.5", "inf",
        "1e+16", "()", "(1,)", "set()", "{}", "99999999999999999999999"}) {
    if (std::string(lit) == "set()") continue;  // set() is a call, not a literal
    PyValue v = parse_literal(lit);
    BOOST_TEST(v.repr() == lit);
    BOOST_TEST(parse_literal(v.repr()) == v);
  }
  BOOST_TEST(parse_literal("nan") == parse_literal("nan"));  // value equality
  BOOST_TEST(!(parse_literal("1") == parse_literal("1.0")));
}

BOOST_AUTO_TEST_CASE(json_with_the_same_reader) {
  const PyValue v =
      parse_json(R"({"a": [1, 2.5, true, false, null], "s": "x\/y\u00e9\ud83d\ude00"})");
  BOOST_REQUIRE(v.is_dict());
  const PyValue& a = *v.find("a");
  BOOST_TEST(a.size() == 5u);
  BOOST_TEST(a[0].as_int() == 1);
  BOOST_TEST(a[1].as_float() == 2.5);
  BOOST_TEST(a[2].as_bool());
  BOOST_TEST(!a[3].as_bool());
  BOOST_TEST((a[4].type() == Type::kNone));
  BOOST_TEST(v.find("s")->as_str() == "x/y\xc3\xa9\xf0\x9f\x98\x80");
  // JSON's words are not Python's; a high surrogate needs its low half.
  BOOST_CHECK_THROW(parse_literal("true"), MpyError);
  BOOST_CHECK_EXCEPTION(parse_json(R"("\ud83d\u0041")"), MpyError, [](const MpyError& e) {
    return std::string(e.what()).find("cannot parse JSON: unpaired surrogate") == 0;
  });
}

BOOST_AUTO_TEST_SUITE_END()
