// SPDX-License-Identifier: MIT
#include "suggest.hpp"

#include <algorithm>
#include <utility>

namespace mpytool::cli {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

std::vector<std::string> suggestions(std::string_view word,
                                     const std::vector<std::string>& candidates) {
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& c : candidates) {
    if (c == word) continue;
    std::size_t dist = edit_distance(word, c);
    bool close = dist <= 2 && dist < word.size();
    bool prefix = word.size() >= 3 && c.rfind(word, 0) == 0;
    if (close || prefix) scored.emplace_back(prefix ? 0 : dist, c);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (auto& [dist, c] : scored) {
    if (!out.empty() && dist > scored.front().first) break;  // only the best distance
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  auto best = suggestions(word, candidates);
  if (best.empty()) return {};
  if (best.size() == 1) return "did you mean '" + best.front() + "'?";
  std::string s = "did you mean one of ";
  for (std::size_t i = 0; i < best.size() && i < 5; ++i) {
    if (i) s += ", ";
    s += "'" + best[i] + "'";
  }
  return s + "?";
}

}  // namespace mpytool::cli
