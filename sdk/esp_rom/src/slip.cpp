// SPDX-License-Identifier: MIT
#include "mpytool/esp_rom/slip.hpp"

#include <algorithm>
#include <utility>

namespace mpytool::esp_rom {

namespace {
constexpr char kEnd = '\xC0';
constexpr char kEsc = '\xDB';
}  // namespace

std::string slip_encode(std::string_view packet) {
  std::string out;
  out.reserve(packet.size() + packet.size() / 64 + 2);
  out += kEnd;
  for (char c : packet) {
    if (c == kEnd) {
      out += "\xDB\xDC";
    } else if (c == kEsc) {
      out += "\xDB\xDD";
    } else {
      out += c;
    }
  }
  out += kEnd;
  return out;
}

void SlipDecoder::feed(std::string_view bytes) { pending_ += bytes; }

std::optional<std::string> SlipDecoder::next_packet() {
  while (true) {
    auto start = pending_.find(kEnd);
    if (start == std::string::npos) {  // all text: no frame has begun
      text_ += pending_;
      pending_.clear();
      return std::nullopt;
    }
    text_.append(pending_, 0, start);
    pending_.erase(0, start);
    auto end = pending_.find(kEnd, 1);
    if (end == std::string::npos) return std::nullopt;  // a frame has begun, not ended
    if (end == 1) {  // C0 C0: the second one may start the next frame
      pending_.erase(0, 1);
      continue;
    }
    std::string packet;
    packet.reserve(end - 1);
    for (std::size_t i = 1; i < end; ++i) {
      char c = pending_[i];
      if (c == kEsc && i + 1 < end) {
        char n = pending_[++i];
        c = n == '\xDC' ? kEnd : n == '\xDD' ? kEsc : n;
      }
      packet += c;
    }
    pending_.erase(0, end + 1);
    return packet;
  }
}

std::string SlipDecoder::take_text() {
  auto start = std::min(pending_.find(kEnd), pending_.size());
  text_.append(pending_, 0, start);
  pending_.erase(0, start);
  return std::exchange(text_, {});
}

void SlipDecoder::clear() {
  pending_.clear();
  text_.clear();
}

}  // namespace mpytool::esp_rom
