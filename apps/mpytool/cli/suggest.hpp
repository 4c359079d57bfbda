// SPDX-License-Identifier: MIT
/// \file
/// "Did you mean" suggestions by edit distance (git help_unknown_cmd, ninja SpellcheckString).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mpytool::cli {

/// Optimal-string-alignment distance: insertions, deletions, substitutions and transpositions of
/// adjacent characters each cost 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidates closest to \p word (distance at most 2 and less than the word's length, or
/// starting with a word of 3+ characters), best first, without duplicates.
std::vector<std::string> suggestions(std::string_view word,
                                     const std::vector<std::string>& candidates);

/// "did you mean 'x'?" / "did you mean one of 'x', 'y'?", or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace mpytool::cli
