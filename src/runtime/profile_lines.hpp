// Splitting a program text into lines, the same way for line counts and the annotated listing.
#pragma once

#include <string_view>
#include <vector>

namespace progmp::runtime {

// The lines of the text without their terminators ("a\nb" and "a\nb\n" both have two lines; "\r\n" counts as one
// terminator).
std::vector<std::string_view> split_lines(std::string_view text);

}  // namespace progmp::runtime
