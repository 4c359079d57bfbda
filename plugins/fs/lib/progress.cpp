// SPDX-License-Identifier: MIT
#include "mpytool/fs/progress.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "mpytool/base/output.hpp"

namespace mpytool::fs {
namespace {

std::string pad_left(std::string_view text, std::size_t width) {
  std::size_t w = display_width(text);
  return std::string(w < width ? width - w : 0, ' ') + std::string(text);
}

std::string pad_right(std::string_view text, std::size_t width) {
  std::size_t w = display_width(text);
  return std::string(text) + std::string(w < width ? width - w : 0, ' ');
}

std::string rstrip(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string size_column(std::int64_t size) {
  return pad_left(format_size(static_cast<double>(size)), 5);
}

}  // namespace

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string format_counter(std::size_t n, std::size_t total) {
  if (total <= 1) return "";
  const std::string t = std::to_string(total);
  return fmt::format("[{:>{}}/{}]", n, t.size(), t);
}

std::string format_percent(std::int64_t done, std::int64_t total) {
  std::int64_t pct = total > 0 ? std::clamp<std::int64_t>(done * 100 / total, 0, 100) : 100;
  return fmt::format("{:3d}%", pct);
}

std::string format_note(const std::set<std::string>& encodings, bool unchanged) {
  if (unchanged) return "  (unchanged)";
  std::vector<std::string> parts;
  // The Python mpytool's order: base64 before compressed; anything else after them.
  for (const char* known : {"base64", "compressed"}) {
    if (encodings.count(known)) parts.emplace_back(known);
  }
  for (const auto& e : encodings) {
    if (e != "base64" && e != "compressed") parts.push_back(e);
  }
  if (parts.empty()) return "";
  return fmt::format("  ({})", fmt::join(parts, ", "));
}

ProgressLayout make_layout(const std::vector<ProgressItem>& items) {
  ProgressLayout layout;
  layout.total = items.size();
  for (const auto& item : items) {
    layout.src_width = std::max(layout.src_width, display_width(item.src));
    layout.dst_width = std::max(layout.dst_width, display_width(item.dst));
  }
  return layout;
}

std::string format_verbose_line(const ProgressLayout& layout, std::size_t n,
                                std::string_view status, const ProgressItem& item,
                                std::string_view note) {
  return rstrip(fmt::format("{} {} {} {} -> {}{}", pad_left(format_counter(n, layout.total), 7),
                            status, size_column(item.size), pad_right(item.src, layout.src_width),
                            pad_right(item.dst, layout.dst_width), note));
}

std::string format_compact_line(const ProgressLayout& layout, std::size_t n,
                                std::string_view status, const ProgressItem& item) {
  return fmt::format("{} {} {} {}", pad_left(format_counter(n, layout.total), 7), status,
                     size_column(item.size), item.src);
}

std::string format_done_line(const ProgressItem& item) {
  return fmt::format(" {} {} -> {}", size_column(item.size), item.src, item.dst);
}

std::string format_summary(const CopySummary& s, bool show_wire) {
  const double secs = std::max(s.seconds, 0.001);
  std::vector<std::string> parts;
  parts.push_back(format_size(static_cast<double>(s.bytes)));
  parts.push_back(format_size(static_cast<double>(s.bytes) / secs) + "/s");
  parts.push_back(fmt::format("{:.1f}s", s.seconds));
  if (show_wire) parts.push_back("wire " + format_size(static_cast<double>(s.wire_bytes)));
  if (s.wire_bytes > 0 && s.total_bytes > s.wire_bytes) {
    parts.push_back(fmt::format(
        "speedup {:.1f}x", static_cast<double>(s.total_bytes) / static_cast<double>(s.wire_bytes)));
  }
  std::string files;
  if (s.unchanged > 0) {
    files = fmt::format("{} transferred, {} unchanged", s.transferred, s.unchanged);
  } else {
    files = fmt::format("{} {}", s.transferred, s.transferred == 1 ? "file" : "files");
  }
  std::string line = fmt::format(" {}  ({})", fmt::join(parts, "  "), files);
  // A noisy link: the copy is complete all the same, and says what it cost.
  if (s.frames_resent > 0) {
    line += fmt::format("  {} frame{} resent", s.frames_resent, s.frames_resent == 1 ? "" : "s");
  }
  return line;
}

std::string format_copy_header(bool details, std::optional<int> chunk, std::optional<bool> compress,
                               std::string_view transfer) {
  if (!details) return "COPY";
  std::vector<std::string> parts;
  if (chunk) {
    parts.push_back(*chunk >= 1024 && *chunk % 1024 == 0 ? fmt::format("chunk: {}K", *chunk / 1024)
                                                         : fmt::format("chunk: {}", *chunk));
  }
  parts.push_back(fmt::format("compress: {}", !compress ? "auto" : (*compress ? "on" : "off")));
  if (!transfer.empty()) parts.push_back(fmt::format("transfer: {}", transfer));
  return fmt::format("COPY ({})", fmt::join(parts, ", "));
}

std::string format_json_summary(const CopySummary& s, const std::vector<CopyRecord>& items) {
  std::vector<std::string> rows;
  rows.reserve(items.size());
  for (const auto& item : items) {
    std::vector<std::string> enc;
    for (const auto& e : item.encodings) enc.push_back(json_quote(e));
    rows.push_back(fmt::format(
        R"({{"src":{},"dst":{},"size":{},"status":"{}","encodings":[{}],"wire_bytes":{}}})",
        json_quote(item.src), json_quote(item.dst), item.size,
        item.unchanged ? "unchanged" : "transferred", fmt::join(enc, ","), item.wire_bytes));
  }
  std::string refused;
  if (!s.refused.empty()) {
    std::vector<std::string> names;
    for (const auto& [dir, name] : s.refused) {
      names.push_back(
          fmt::format(R"({{"dir":{},"name":{}}})", json_quote(":" + dir), json_quote(name)));
    }
    refused = fmt::format(R"("refused":[{}],)", fmt::join(names, ","));
  }
  return fmt::format(R"({{"files":{},"transferred":{},"unchanged":{},"bytes":{},"total_bytes":{},)"
                     R"("wire_bytes":{},"seconds":{:.3f},"round_trips":{},"transfer":{},)"
                     R"({}"items":[{}]}})",
                     items.size(), s.transferred, s.unchanged, s.bytes, s.total_bytes, s.wire_bytes,
                     s.seconds, s.round_trips, json_quote(s.transfer), refused,
                     fmt::join(rows, ","));
}

}  // namespace mpytool::fs
