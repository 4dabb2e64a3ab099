// Text searches the writer tests make in rendered reports (HTML, flame
// graphs): how often a fragment occurs and the slice between two markers.
// Header-only, pure functions; shared so each test file does not carry its
// own copy.
#pragma once

#include <cstddef>
#include <string>

namespace plateau::reports::testing {

// Non-overlapping occurrences of `part` in `text`.
inline std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
  return n;
}

// From the first `begin` up to (not including) the next `end`; "" when
// either is missing.
inline std::string between(const std::string& text, const std::string& begin, const std::string& end) {
  const std::size_t from = text.find(begin);
  const std::size_t to = text.find(end, from);
  if (from == std::string::npos || to == std::string::npos) return "";
  return text.substr(from, to - from);
}

}  // namespace plateau::reports::testing
