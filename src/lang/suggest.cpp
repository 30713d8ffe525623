// Levenshtein distance bounded by the acceptance limit: candidates are first screened with the bag distance (a
// cheap lower bound: characters that cannot be matched), then only the diagonal band |i - j| <= limit is filled,
// stopping as soon as a whole row exceeds the limit.
#include "suggest.hpp"

#include <algorithm>
#include <array>

namespace progmp::lang {
namespace {

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

using Counts = std::array<int, 256>;

Counts count(std::string_view s) {
  Counts c{};
  for (char ch : s) ++c[static_cast<unsigned char>(upper(ch))];
  return c;
}

// max(characters of a missing from b, characters of b missing from a) <= edit distance.
std::size_t bag_distance(const Counts& a, std::string_view b) {
  Counts diff = a;
  for (char ch : b) --diff[static_cast<unsigned char>(upper(ch))];
  std::size_t pos = 0, neg = 0;
  for (int d : diff) {
    if (d > 0) pos += static_cast<std::size_t>(d);
    if (d < 0) neg += static_cast<std::size_t>(-d);
  }
  return std::max(pos, neg);
}

}  // namespace

std::size_t bounded_distance(std::string_view a, std::string_view b, std::size_t limit) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  const std::size_t over = limit + 1;
  if ((n > m ? n - m : m - n) > limit) return over;
  // Cells outside the band hold `over`, which is never better than a real path within the limit.
  std::vector<std::size_t> prev(m + 1, over), row(m + 1, over);
  for (std::size_t j = 0; j <= std::min(m, limit); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    const std::size_t lo = i > limit ? i - limit : 1;
    const std::size_t hi = std::min(m, i + limit);
    std::fill(row.begin(), row.end(), over);
    if (i <= limit) row[0] = i;
    std::size_t best = row[0];
    const char ca = upper(a[i - 1]);
    for (std::size_t j = lo; j <= hi; ++j) {
      std::size_t cost = ca == upper(b[j - 1]) ? 0 : 1;
      row[j] = std::min({prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost, over});
      best = std::min(best, row[j]);
    }
    if (best > limit) return over;
    std::swap(prev, row);
  }
  return std::min(prev[m], over);
}

std::optional<std::string> suggest(std::string_view unknown, const std::vector<std::string_view>& candidates) {
  const std::size_t limit = std::max<std::size_t>(1, unknown.size() / 3);
  const Counts counts = count(unknown);
  std::optional<std::string_view> best;
  std::size_t best_distance = limit + 1;
  for (std::string_view c : candidates) {
    if (c == unknown) continue;
    // Ties are still possible at best_distance, so candidates are kept up to it.
    const std::size_t bound = std::min(limit, best_distance);
    std::size_t len_diff = c.size() > unknown.size() ? c.size() - unknown.size() : unknown.size() - c.size();
    if (len_diff > bound || bag_distance(counts, c) > bound) continue;
    std::size_t d = bounded_distance(unknown, c, bound);
    if (d > bound) continue;
    if (d < best_distance || (d == best_distance && best && c < *best)) {
      best = c;
      best_distance = d;
    }
  }
  if (!best) return std::nullopt;
  return std::string(*best);
}

}  // namespace progmp::lang
