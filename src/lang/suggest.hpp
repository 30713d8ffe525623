// "Did you mean" (language.md §14.3): the closest candidate by Levenshtein distance of the upper-cased spellings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace progmp::lang {

// The candidate with the smallest distance if it is ≤ max(1, ⌊n/3⌋), n = unknown.size(); ties go to the smallest
// spelling in byte order. Candidates equal to `unknown` are never suggested.
std::optional<std::string> suggest(std::string_view unknown, const std::vector<std::string_view>& candidates);

// Levenshtein distance of the upper-cased strings, or a value > limit when it exceeds `limit`.
std::size_t bounded_distance(std::string_view a, std::string_view b, std::size_t limit);

}  // namespace progmp::lang
