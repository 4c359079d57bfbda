// SPDX-License-Identifier: MIT
// Telnet framing: the stream decoder and the encoders (telnet.hpp).
#include "telnet.hpp"

namespace mpytool::links::telnet {

void Decoder::reset() {
  state_ = State::kData;
  sb_.clear();
  sb_overflow_ = false;
}

void Decoder::feed(std::string_view in, std::string& data, const Handlers& h) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto byte = static_cast<std::uint8_t>(in[i]);
    switch (state_) {
      case State::kData: {
        // Copy the run of plain data at once.
        const std::size_t end = in.find(static_cast<char>(kIac), i);
        const std::size_t stop = end == std::string_view::npos ? in.size() : end;
        data.append(in.substr(i, stop - i));
        i = stop;
        if (i < in.size()) state_ = State::kIac;
        break;
      }
      case State::kIac:
        if (byte == kIac) {
          data += static_cast<char>(kIac);
          state_ = State::kData;
        } else if (byte >= kWill && byte <= kDont) {
          verb_ = byte;
          state_ = State::kOption;
        } else if (byte == kSb) {
          sb_.clear();
          sb_overflow_ = false;
          state_ = State::kSb;
        } else {
          state_ = State::kData;
          if (h.command) h.command(byte);
        }
        break;
      case State::kOption:
        state_ = State::kData;
        if (h.option) h.option(verb_, byte);
        break;
      case State::kSb:
        if (byte == kIac) {
          state_ = State::kSbIac;
        } else if (sb_.size() < kMaxSubnegotiation) {
          sb_ += static_cast<char>(byte);
        } else {
          sb_overflow_ = true;
        }
        break;
      case State::kSbIac:
        if (byte == kIac) {  // a doubled 0xFF inside the payload
          if (sb_.size() < kMaxSubnegotiation) sb_ += static_cast<char>(kIac);
          state_ = State::kSb;
          break;
        }
        // IAC SE ends it; any other command ends it too (a sender that forgot the SE), and is
        // then taken as the command it is.
        state_ = State::kData;
        if (!sb_overflow_ && !sb_.empty() && h.subnegotiation) {
          h.subnegotiation(static_cast<std::uint8_t>(sb_[0]), std::string_view(sb_).substr(1));
        }
        sb_.clear();
        if (byte != kSe) {
          state_ = State::kIac;
          --i;  // reread it after an IAC
        }
        break;
    }
  }
}

std::string escape(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 8);
  std::size_t start = 0;
  for (;;) {
    const std::size_t pos = data.find(static_cast<char>(kIac), start);
    if (pos == std::string_view::npos) {
      out.append(data.substr(start));
      return out;
    }
    out.append(data.substr(start, pos + 1 - start));
    out += static_cast<char>(kIac);
    start = pos + 1;
  }
}

std::string option(std::uint8_t verb, std::uint8_t opt) {
  return {static_cast<char>(kIac), static_cast<char>(verb), static_cast<char>(opt)};
}

std::string subnegotiation(std::uint8_t opt, std::string_view payload) {
  std::string out{static_cast<char>(kIac), static_cast<char>(kSb), static_cast<char>(opt)};
  out += escape(payload);
  out += static_cast<char>(kIac);
  out += static_cast<char>(kSe);
  return out;
}

}  // namespace mpytool::links::telnet
