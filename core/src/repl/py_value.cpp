// SPDX-License-Identifier: MIT
// Python literal values: a recursive-descent parser for what boards print (exec_eval replies)
// and the repr() encoder used to build code sent to them. The parser accepts exactly the
// literal grammar (no expressions) and reports malformed input as MpyError; recursion is capped
// so hostile or corrupted replies cannot exhaust the stack.
#include "mpytool/repl/py_value.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"

namespace mpytool {

namespace {

const char* type_name(PyValue::Type t) {
  // In the order of PyValue::Type.
  static constexpr const char* kNames[] = {"None",  "bool",  "int",  "float", "str",
                                           "bytes", "tuple", "list", "dict",  "set"};
  return kNames[static_cast<int>(t)];
}

[[noreturn]] void wrong_type(PyValue::Type have, const char* want) {
  throw MpyError(fmt::format("board value is {}, expected {}", type_name(have), want));
}

// Strips a '+', leading zeros and the sign of zero so equal ints compare equal as text.
std::string normalize_decimal(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) throw MpyError("invalid integer text ''");
  for (char c : text) {
    if (c < '0' || c > '9') throw MpyError(fmt::format("invalid integer text '{}'", text));
  }
  while (text.size() > 1 && text.front() == '0') text.remove_prefix(1);
  if (text == "0") return "0";
  return (negative ? "-" : "") + std::string(text);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Python's float repr. fmt's shortest round-trip form follows the same rules (fixed notation for
// exponents in [-4, 16), else a two-digit exponent); Python adds ".0" to whole numbers.
std::string float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  std::string text = fmt::format("{}", v);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

class Parser {
 public:
  /// \p json: JSON's words (true, false, null) and escapes ('\/', surrogate pairs) too.
  Parser(std::string_view text, bool json) : text_(text), json_(json) {}

  PyValue parse_all() {
    PyValue v = parse_value(0);
    skip_ws();
    if (pos_ != text_.size()) fail("unexpected text after the value");
    return v;
  }

 private:
  static constexpr int kMaxDepth = 200;  // nested containers allowed

  [[noreturn]] void fail(std::string_view why) const {
    // Quote a short excerpt around the failure; replies can be megabytes of bytes literal.
    std::size_t from = pos_ > 20 ? pos_ - 20 : 0;
    std::string excerpt;
    for (char c : text_.substr(from, 40)) {
      auto u = static_cast<unsigned char>(c);
      excerpt += (u >= 0x20 && u < 0x7f) ? std::string(1, c) : fmt::format("\\x{:02x}", u);
    }
    throw MpyError(fmt::format("cannot parse {}: {} at offset {}: '{}'",
                               json_ ? "JSON" : "board reply", why, pos_, excerpt));
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  void skip_ws() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\r' || peek() == '\n')) {
      ++pos_;
    }
  }

  bool consume_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    std::size_t end = pos_ + word.size();
    if (end < text_.size()) {
      char c = text_[end];
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') return false;
    }
    pos_ = end;
    return true;
  }

  PyValue parse_value(int depth) {
    if (depth >= kMaxDepth) fail("nesting too deep");
    skip_ws();
    if (at_end()) fail("unexpected end of reply");
    char c = peek();
    switch (c) {
      case '(':
        return parse_tuple(depth);
      case '[':
        return parse_list(depth);
      case '{':
        return parse_brace(depth);
      case '\'':
      case '"':
        return PyValue::str(parse_quoted(false, false));
      default:
        break;
    }
    if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) return parse_number();
    if (json_ && consume_word("null")) return PyValue::none();
    if (json_ && consume_word("true")) return PyValue::boolean(true);
    if (json_ && consume_word("false")) return PyValue::boolean(false);
    if (consume_word("None")) return PyValue::none();
    if (consume_word("True")) return PyValue::boolean(true);
    if (consume_word("False")) return PyValue::boolean(false);
    if (consume_word("inf")) return PyValue::floating(std::numeric_limits<double>::infinity());
    if (consume_word("nan")) return PyValue::floating(std::numeric_limits<double>::quiet_NaN());
    // String prefixes: b/B bytes, r/R raw, u/U plain; in any combination Python allows.
    std::size_t p = pos_;
    bool is_bytes = false, is_raw = false;
    for (int i = 0; i < 2 && p < text_.size(); ++i, ++p) {
      char l = static_cast<char>(std::tolower(static_cast<unsigned char>(text_[p])));
      if (l == 'b' && !is_bytes) {
        is_bytes = true;
      } else if (l == 'r' && !is_raw) {
        is_raw = true;
      } else if (l == 'u' && i == 0) {
        ++p;
        break;
      } else {
        break;
      }
    }
    if (p > pos_ && p < text_.size() && (text_[p] == '\'' || text_[p] == '"')) {
      pos_ = p;
      std::string s = parse_quoted(is_bytes, is_raw);
      return is_bytes ? PyValue::bytes(std::move(s)) : PyValue::str(std::move(s));
    }
    fail("unexpected character");
  }

  PyValue parse_number() {
    std::size_t start = pos_;
    bool negative = false;
    if (peek() == '-' || peek() == '+') {
      negative = peek() == '-';
      ++pos_;
    }
    if (consume_word("inf")) {
      return PyValue::floating(negative ? -std::numeric_limits<double>::infinity()
                                        : std::numeric_limits<double>::infinity());
    }
    if (consume_word("nan")) return PyValue::floating(std::numeric_limits<double>::quiet_NaN());
    std::size_t digits_start = pos_;
    bool is_float = false, any_digit = false;
    while (!at_end() && std::isdigit(static_cast<unsigned char>(peek()))) ++pos_, any_digit = true;
    if (peek() == '.') {
      is_float = true;
      ++pos_;
      while (!at_end() && std::isdigit(static_cast<unsigned char>(peek())))
        ++pos_, any_digit = true;
    }
    if (!any_digit) fail("malformed number");
    if (peek() == 'e' || peek() == 'E') {
      is_float = true;
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("malformed exponent");
      while (!at_end() && std::isdigit(static_cast<unsigned char>(peek()))) ++pos_;
    }
    char next = peek();
    if (std::isalpha(static_cast<unsigned char>(next)) || next == '_') fail("malformed number");
    if (!is_float) return PyValue::big_integer(std::string(text_.substr(start, pos_ - start)));
    // from_chars rejects a leading '+', so parse the unsigned part and apply the sign.
    std::string_view body = text_.substr(digits_start, pos_ - digits_start);
    double v = 0;
    auto res = std::from_chars(body.data(), body.data() + body.size(), v);
    if (res.ec == std::errc::result_out_of_range) {
      // Overflow is inf, underflow is 0, as in Python's float().
      v = std::strtod(std::string(body).c_str(), nullptr);
    } else if (res.ec != std::errc() || res.ptr != body.data() + body.size()) {
      fail("malformed float");
    }
    return PyValue::floating(negative ? -v : v);
  }

  std::uint32_t read_hex(int count) {
    std::uint32_t v = 0;
    for (int i = 0; i < count; ++i) {
      int d = at_end() ? -1 : hex_digit(peek());
      if (d < 0) fail("truncated hex escape");
      v = v * 16 + static_cast<std::uint32_t>(d);
      ++pos_;
    }
    return v;
  }

  // Parses a quoted literal at pos_ (on the quote) and returns its value: UTF-8 for str, raw
  // bytes for bytes.
  std::string parse_quoted(bool is_bytes, bool is_raw) {
    char quote = text_[pos_++];
    std::string out;
    for (;;) {
      if (at_end()) fail("unterminated string");
      char c = text_[pos_];
      auto u = static_cast<unsigned char>(c);
      if (c == quote) {
        ++pos_;
        return out;
      }
      if (c == '\n' || c == '\r') fail("unterminated string");
      if (is_bytes && u >= 0x80) fail("non-ASCII character in bytes");
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      ++pos_;  // the backslash
      if (at_end()) fail("unterminated string");
      char e = text_[pos_];
      if (is_raw) {
        // Raw strings keep the backslash; it only stops the next character from ending them.
        out += '\\';
        out += e;
        ++pos_;
        continue;
      }
      ++pos_;
      // The one-character escapes of both grammars; JSON adds '\/'.
      static constexpr std::string_view kEscapes = "\\'\"nrtabfv", kValues = "\\'\"\n\r\t\a\b\f\v";
      if (const auto k = kEscapes.find(e); k != std::string_view::npos) {
        out += kValues[k];
        continue;
      }
      if (json_ && e == '/') {
        out += '/';
        continue;
      }
      switch (e) {
        case '\n':
          break;  // line continuation
        case 'x': {
          std::uint32_t v = read_hex(2);
          if (is_bytes) {
            out += static_cast<char>(v);
          } else {
            append_utf8(out, v);
          }
          break;
        }
        case 'u':
        case 'U': {
          if (is_bytes) {  // not an escape in bytes literals
            out += '\\';
            out += e;
            break;
          }
          std::uint32_t cp = read_hex(e == 'u' ? 4 : 8);
          if (json_ && cp >= 0xD800 && cp < 0xDC00 && text_.substr(pos_, 2) == "\\u") {
            pos_ += 2;  // JSON writes a code point above the BMP as a UTF-16 surrogate pair
            const std::uint32_t low = read_hex(4);
            if (low < 0xDC00 || low > 0xDFFF) fail("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          if (cp > 0x10FFFF) fail("code point out of range");
          append_utf8(out, cp);
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            std::uint32_t v = static_cast<std::uint32_t>(e - '0');
            for (int i = 0; i < 2 && peek() >= '0' && peek() <= '7'; ++i) {
              v = v * 8 + static_cast<std::uint32_t>(peek() - '0');
              ++pos_;
            }
            if (is_bytes) {
              out += static_cast<char>(v & 0xFF);
            } else {
              append_utf8(out, v);
            }
          } else {
            // Python keeps unknown escapes verbatim (with a warning).
            out += '\\';
            out += e;
          }
      }
    }
  }

  // Parses comma-separated values up to \p close; sets \p trailing_comma when the last item was
  // followed by a comma (needed to tell `(x)` from `(x,)`).
  PyValue::Items parse_items(char close, int depth, bool& trailing_comma) {
    PyValue::Items items;
    trailing_comma = false;
    ++pos_;  // the opening bracket
    for (;;) {
      skip_ws();
      if (at_end()) fail("unbalanced brackets");
      if (peek() == close) {
        ++pos_;
        return items;
      }
      items.push_back(parse_value(depth + 1));
      skip_ws();
      trailing_comma = false;
      if (peek() == ',') {
        ++pos_;
        trailing_comma = true;
      } else if (peek() != close) {
        fail(at_end() ? "unbalanced brackets" : "expected ',' or closing bracket");
      }
    }
  }

  PyValue parse_tuple(int depth) {
    bool comma = false;
    PyValue::Items items = parse_items(')', depth, comma);
    // `(x)` is just x in parentheses; `(x,)` is a 1-tuple.
    if (items.size() == 1 && !comma) return std::move(items.front());
    return PyValue::tuple(std::move(items));
  }

  PyValue parse_list(int depth) {
    bool comma = false;
    return PyValue::list(parse_items(']', depth, comma));
  }

  // `{}` is an empty dict; otherwise the first separator decides between dict and set.
  PyValue parse_brace(int depth) {
    ++pos_;
    skip_ws();
    if (peek() == '}') {
      ++pos_;
      return PyValue::dict({});
    }
    PyValue first = parse_value(depth + 1);
    skip_ws();
    if (peek() != ':') {
      PyValue::Items items;
      items.push_back(std::move(first));
      for (;;) {
        skip_ws();
        if (peek() == '}') {
          ++pos_;
          return PyValue::set(std::move(items));
        }
        if (peek() != ',') fail(at_end() ? "unbalanced brackets" : "expected ',' or '}'");
        ++pos_;
        skip_ws();
        if (peek() == '}') continue;
        items.push_back(parse_value(depth + 1));
      }
    }
    PyValue::Entries entries;
    for (;;) {
      skip_ws();
      if (peek() != ':') fail(at_end() ? "unbalanced brackets" : "expected ':'");
      ++pos_;
      PyValue value = parse_value(depth + 1);
      entries.emplace_back(std::move(first), std::move(value));
      skip_ws();
      if (peek() == '}') {
        ++pos_;
        return PyValue::dict(std::move(entries));
      }
      if (peek() != ',') fail(at_end() ? "unbalanced brackets" : "expected ',' or '}'");
      ++pos_;
      skip_ws();
      if (peek() == '}') {
        ++pos_;
        return PyValue::dict(std::move(entries));
      }
      first = parse_value(depth + 1);
    }
  }

  std::string_view text_;
  bool json_;
  std::size_t pos_ = 0;
};

std::string repr_quoted(std::string_view data, bool is_bytes) {
  bool has_single = data.find('\'') != std::string_view::npos;
  bool has_double = data.find('"') != std::string_view::npos;
  char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out = is_bytes ? "b" : "";
  out.reserve(data.size() + 3);
  out += quote;
  for (char c : data) {
    auto u = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f || (is_bytes && u >= 0x80)) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;  // printable ASCII, and UTF-8 sequences of a str pass through
    }
  }
  out += quote;
  return out;
}

}  // namespace

PyValue PyValue::boolean(bool v) {
  PyValue p;
  p.type_ = Type::kBool;
  p.bool_ = v;
  return p;
}

PyValue PyValue::integer(std::int64_t v) {
  PyValue p;
  p.type_ = Type::kInt;
  p.text_ = std::to_string(v);
  return p;
}

PyValue PyValue::big_integer(std::string decimal) {
  PyValue p;
  p.type_ = Type::kInt;
  p.text_ = normalize_decimal(decimal);
  return p;
}

PyValue PyValue::floating(double v) {
  PyValue p;
  p.type_ = Type::kFloat;
  p.float_ = v;
  return p;
}

PyValue PyValue::str(std::string utf8) {
  PyValue p;
  p.type_ = Type::kStr;
  p.text_ = std::move(utf8);
  return p;
}

PyValue PyValue::bytes(std::string data) {
  PyValue p;
  p.type_ = Type::kBytes;
  p.text_ = std::move(data);
  return p;
}

PyValue PyValue::tuple(Items items) {
  PyValue p;
  p.type_ = Type::kTuple;
  p.items_ = std::move(items);
  return p;
}

PyValue PyValue::list(Items items) {
  PyValue p;
  p.type_ = Type::kList;
  p.items_ = std::move(items);
  return p;
}

PyValue PyValue::set(Items items) {
  PyValue p;
  p.type_ = Type::kSet;
  p.items_ = std::move(items);
  return p;
}

PyValue PyValue::dict(Entries entries) {
  PyValue p;
  p.type_ = Type::kDict;
  p.entries_ = std::move(entries);
  return p;
}

bool PyValue::is_sequence() const noexcept {
  return type_ == Type::kTuple || type_ == Type::kList || type_ == Type::kSet;
}

bool PyValue::as_bool() const {
  if (type_ != Type::kBool) wrong_type(type_, "bool");
  return bool_;
}

std::int64_t PyValue::as_int() const {
  if (type_ != Type::kInt) wrong_type(type_, "int");
  std::int64_t v = 0;
  auto res = std::from_chars(text_.data(), text_.data() + text_.size(), v);
  if (res.ec != std::errc() || res.ptr != text_.data() + text_.size()) {
    throw MpyError(fmt::format("board int {} does not fit in 64 bits", text_));
  }
  return v;
}

const std::string& PyValue::int_text() const {
  if (type_ != Type::kInt) wrong_type(type_, "int");
  return text_;
}

double PyValue::as_float() const {
  if (type_ == Type::kFloat) return float_;
  if (type_ == Type::kInt) return std::strtod(text_.c_str(), nullptr);
  wrong_type(type_, "float");
}

const std::string& PyValue::as_str() const {
  if (type_ != Type::kStr) wrong_type(type_, "str");
  return text_;
}

const std::string& PyValue::as_bytes() const {
  if (type_ != Type::kBytes) wrong_type(type_, "bytes");
  return text_;
}

const PyValue::Items& PyValue::items() const {
  if (!is_sequence()) wrong_type(type_, "tuple, list or set");
  return items_;
}

const PyValue::Entries& PyValue::entries() const {
  if (type_ != Type::kDict) wrong_type(type_, "dict");
  return entries_;
}

const PyValue& PyValue::operator[](std::size_t i) const {
  const Items& all = items();
  if (i >= all.size()) {
    throw MpyError(
        fmt::format("index {} out of range for a {} of {}", i, type_name(type_), all.size()));
  }
  return all[i];
}

std::size_t PyValue::size() const {
  switch (type_) {
    case Type::kStr:
    case Type::kBytes:
      return text_.size();
    case Type::kTuple:
    case Type::kList:
    case Type::kSet:
      return items_.size();
    case Type::kDict:
      return entries_.size();
    default:
      throw MpyError(fmt::format("board value {} has no size", type_name(type_)));
  }
}

const PyValue* PyValue::find(std::string_view key) const {
  for (const auto& [k, v] : entries()) {
    if (k.type_ == Type::kStr && k.text_ == key) return &v;
  }
  return nullptr;
}

std::string PyValue::repr() const {
  auto join = [](const Items& items) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i) out += ", ";
      out += items[i].repr();
    }
    return out;
  };
  switch (type_) {
    case Type::kNone:
      return "None";
    case Type::kBool:
      return bool_ ? "True" : "False";
    case Type::kInt:
      return text_;
    case Type::kFloat:
      return float_repr(float_);
    case Type::kStr:
      return repr_str(text_);
    case Type::kBytes:
      return repr_bytes(text_);
    case Type::kTuple:
      return "(" + join(items_) + (items_.size() == 1 ? ",)" : ")");
    case Type::kList:
      return "[" + join(items_) + "]";
    case Type::kSet:
      return items_.empty() ? "set()" : "{" + join(items_) + "}";
    case Type::kDict: {
      std::string out = "{";
      for (std::size_t i = 0; i < entries_.size(); ++i) {
        if (i) out += ", ";
        out += entries_[i].first.repr() + ": " + entries_[i].second.repr();
      }
      return out + "}";
    }
  }
  return {};
}

// The in-class friend declaration carries no export attribute; this redeclaration exports it.
MPYTOOL_CORE_API bool operator==(const PyValue& a, const PyValue& b);

bool operator==(const PyValue& a, const PyValue& b) {
  if (a.type_ != b.type_) return false;
  using T = PyValue::Type;
  switch (a.type_) {
    case T::kNone:
      return true;
    case T::kBool:
      return a.bool_ == b.bool_;
    // NaN equals NaN here: this is value equality for tests and caches, not IEEE comparison.
    case T::kFloat:
      return a.float_ == b.float_ || (std::isnan(a.float_) && std::isnan(b.float_));
    case T::kInt:
    case T::kStr:
    case T::kBytes:
      return a.text_ == b.text_;
    case T::kTuple:
    case T::kList:
    case T::kSet:
      return a.items_ == b.items_;
    case T::kDict:
      return a.entries_ == b.entries_;
  }
  return false;
}

PyValue parse_literal(std::string_view text) { return Parser(text, false).parse_all(); }

PyValue parse_json(std::string_view text) { return Parser(text, true).parse_all(); }

std::string repr_str(std::string_view utf8) { return repr_quoted(utf8, false); }

std::string repr_bytes(std::string_view data) { return repr_quoted(data, true); }

std::string to_json(const PyValue& v) {
  using T = PyValue::Type;
  switch (v.type()) {
    case T::kNone:
      return "null";
    case T::kBool:
      return v.as_bool() ? "true" : "false";
    case T::kInt:
      return v.int_text();
    case T::kFloat: {
      const double d = v.as_float();
      return std::isfinite(d) ? fmt::format("{}", d) : "null";
    }
    case T::kStr:
      return json_quote(v.as_str());
    case T::kBytes: {
      std::string hex;
      for (unsigned char c : v.as_bytes()) hex += fmt::format("{:02x}", c);
      return "{\"bytes\":\"" + hex + "\"}";
    }
    case T::kTuple:
    case T::kList:
    case T::kSet: {
      std::string out = "[";
      for (const auto& item : v.items()) out += (out.size() > 1 ? "," : "") + to_json(item);
      return out + "]";
    }
    case T::kDict: {
      bool str_keys = true;
      for (const auto& [k, val] : v.entries()) str_keys = str_keys && k.is_str();
      std::string out = str_keys ? "{" : "[";
      for (const auto& [k, val] : v.entries()) {
        if (out.size() > 1) out += ",";
        out += str_keys ? json_quote(k.as_str()) + ":" + to_json(val)
                        : "[" + to_json(k) + "," + to_json(val) + "]";
      }
      return out + (str_keys ? "}" : "]");
    }
  }
  return "null";
}

}  // namespace mpytool
