// SPDX-License-Identifier: MIT
// Telnet framing for the links that speak it (RFC 854/855; RFC 2217 rides on it): the decoder
// that splits a received stream into data bytes and telnet commands, whatever the reads cut,
// and the encoders for data and commands. Internal to libmpytool-links.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace mpytool::links::telnet {

inline constexpr std::uint8_t kIac = 255;
inline constexpr std::uint8_t kDont = 254;
inline constexpr std::uint8_t kDo = 253;
inline constexpr std::uint8_t kWont = 252;
inline constexpr std::uint8_t kWill = 251;
inline constexpr std::uint8_t kSb = 250;
inline constexpr std::uint8_t kSe = 240;

inline constexpr std::uint8_t kBinary = 0;
inline constexpr std::uint8_t kEcho = 1;
inline constexpr std::uint8_t kSga = 3;
inline constexpr std::uint8_t kComPort = 44;

/// Longest subnegotiation kept; longer ones are skipped to their end.
inline constexpr std::size_t kMaxSubnegotiation = 4096;

/// What the decoder found besides data.
struct Handlers {
  /// WILL/WONT/DO/DONT and the option.
  std::function<void(std::uint8_t verb, std::uint8_t option)> option;
  /// IAC SB option payload IAC SE (payload with IAC IAC undoubled).
  std::function<void(std::uint8_t option, std::string_view payload)> subnegotiation;
  /// Any other command (NOP, GA, AYT, ...).
  std::function<void(std::uint8_t command)> command;
};

/// Splits a telnet stream. Keeps its state between feed() calls, so a command or an IAC IAC cut
/// by a read is recognised when the rest comes.
class Decoder {
 public:
  /// Appends the data bytes of \p in to \p data and reports everything else through \p h, in
  /// order. A handler may call anything but feed().
  void feed(std::string_view in, std::string& data, const Handlers& h);
  /// Forgets a half-received command (a new connection).
  void reset();

 private:
  enum class State { kData, kIac, kOption, kSb, kSbIac };
  State state_ = State::kData;
  std::uint8_t verb_ = 0;
  std::string sb_;
  bool sb_overflow_ = false;
};

/// \p data with every 0xFF doubled.
std::string escape(std::string_view data);
/// IAC verb option.
std::string option(std::uint8_t verb, std::uint8_t option);
/// IAC SB option payload IAC SE, 0xFF in the payload doubled.
std::string subnegotiation(std::uint8_t option, std::string_view payload);

}  // namespace mpytool::links::telnet
