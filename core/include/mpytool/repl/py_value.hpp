// SPDX-License-Identifier: MIT
/// \file
/// Python literal values exchanged with the board: the parser for what a board prints with
/// print()/repr() (exec_eval replies) and the repr() encoder used to build code sent to it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mpytool/base/export.hpp"

namespace mpytool {

/// A Python value of the literal subset: None, bool, int (any size), float (incl. inf/nan),
/// str, bytes, tuple, list, dict and set. A plain value type; cheap enough for board replies.
class MPYTOOL_CORE_API PyValue {
 public:
  /// The Python type of the value.
  enum class Type { kNone, kBool, kInt, kFloat, kStr, kBytes, kTuple, kList, kDict, kSet };
  using Items = std::vector<PyValue>;
  using Entries = std::vector<std::pair<PyValue, PyValue>>;

  PyValue() = default;  ///< None
  static PyValue none() { return {}; }
  static PyValue boolean(bool v);
  static PyValue integer(std::int64_t v);
  /// An int from its decimal text ("-123", arbitrarily long).
  static PyValue big_integer(std::string decimal);
  static PyValue floating(double v);
  static PyValue str(std::string utf8);
  static PyValue bytes(std::string data);
  static PyValue tuple(Items items);
  static PyValue list(Items items);
  static PyValue set(Items items);
  static PyValue dict(Entries entries);

  Type type() const noexcept { return type_; }
  bool is_none() const noexcept { return type_ == Type::kNone; }
  bool is_int() const noexcept { return type_ == Type::kInt; }
  bool is_str() const noexcept { return type_ == Type::kStr; }
  bool is_bytes() const noexcept { return type_ == Type::kBytes; }
  /// True for tuple, list and set.
  bool is_sequence() const noexcept;
  bool is_dict() const noexcept { return type_ == Type::kDict; }

  /// The bool. Throws MpyError if the value is not a bool.
  bool as_bool() const;
  /// The int as int64. Throws MpyError if not an int or out of range.
  std::int64_t as_int() const;
  /// Decimal text of an int of any size. Throws MpyError if not an int.
  const std::string& int_text() const;
  /// The float (ints convert). Throws MpyError otherwise.
  double as_float() const;
  /// UTF-8 text of a str. Throws MpyError if not a str.
  const std::string& as_str() const;
  /// Raw bytes of a bytes value. Throws MpyError if not bytes.
  const std::string& as_bytes() const;
  /// Elements of a tuple, list or set. Throws MpyError otherwise.
  const Items& items() const;
  /// Entries of a dict, in board order. Throws MpyError otherwise.
  const Entries& entries() const;
  /// Element \p i of a tuple/list/set. Throws MpyError if out of range.
  const PyValue& operator[](std::size_t i) const;
  /// Number of elements of a tuple/list/set/dict, or length of str/bytes.
  std::size_t size() const;
  /// Dict lookup by str key; nullptr when absent. Throws MpyError if not a dict.
  const PyValue* find(std::string_view key) const;

  /// Python repr() of the value (CPython rules for str and bytes).
  std::string repr() const;

  friend bool operator==(const PyValue& a, const PyValue& b);

 private:
  Type type_ = Type::kNone;
  bool bool_ = false;
  double float_ = 0;
  std::string text_;  // str, bytes, or the decimal digits of an int
  Items items_;
  Entries entries_;
};

/// Parses one Python literal as a board prints it (surrounding whitespace allowed). Throws
/// MpyError "cannot parse board reply: <reason>" on malformed input; never crashes.
MPYTOOL_CORE_API PyValue parse_literal(std::string_view text);

/// Parses one JSON value with the same reader (objects become dicts, arrays lists, null None;
/// Python's literal forms are accepted too). Throws MpyError "cannot parse JSON: <reason>".
MPYTOOL_CORE_API PyValue parse_json(std::string_view text);

/// repr() of a str given as UTF-8: quotes as CPython does, escapes \\, quotes and controls.
MPYTOOL_CORE_API std::string repr_str(std::string_view utf8);

/// repr() of bytes: b'...' with \xNN escapes, as CPython does.
MPYTOOL_CORE_API std::string repr_bytes(std::string_view data);

/// JSON text of \p v for the `--json` outputs: None null, bool, int (any size), float (nan and
/// inf as null), str, tuple/list/set as arrays, a dict with str keys as an object (other keys:
/// an array of [key, value] pairs), bytes as {"bytes": "<hex>"}.
MPYTOOL_CORE_API std::string to_json(const PyValue& v);

}  // namespace mpytool
