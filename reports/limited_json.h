// The one JSON reader for untrusted files: scenarios (soak/scenario) and
// report.json files (`report`, `compare`, `merge`, the canary matrix).
//
// Everything plateau reads was written by a person or by another run and may
// be hostile or broken, so reading is bounded before it is parsed:
//   - size: a file larger than JsonLimits::max_bytes is refused from its
//     stat() size before it is read; a device or pipe (/dev/zero, a FIFO) is
//     read at most max_bytes + 1 bytes and, when nothing arrives, gives up
//     after read_timeout_ms instead of waiting forever;
//   - depth: nesting deeper than max_depth is refused as it is met, by an
//     iterative SAX parse (no recursion, no DOM built for the rest);
//   - numbers: a number that does not fit a double (1e400) is refused;
//   - duplicate keys in one object are refused (JSON leaves them undefined;
//     nlohmann keeps the last, so "duration" given twice ran the second);
//   - a NUL byte anywhere is refused (the lexer takes it as end of input and
//     silently ignored what followed), as is any text after the document.
// Every refusal is a JsonInputError naming the JSON path (as far as parsing
// got), and the rule. Messages never print a whole attacker-controlled value.
//
// Thread safety: free functions on values; safe to call concurrently.
// Invariants: a returned document is at most max_depth deep, has no
// duplicate keys and only finite numbers.
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace plateau::reports {

struct JsonLimits {
  std::size_t max_bytes = 0;
  std::size_t max_depth = 0;     // an empty document is depth 0, {} or [] depth 1
  int read_timeout_ms = 10'000;  // pipes and devices only: no data for this long
};

// Scenarios are hand-written and a few kilobytes; their deepest path is 4.
inline constexpr JsonLimits kScenarioJsonLimits{1u << 20, 16};
// A report holds at most ~1,500 points per series and per window-minima list;
// 64 MiB leaves room for a few hundred series. Its deepest path is 5.
inline constexpr JsonLimits kReportJsonLimits{64u << 20, 32};

// How paths are written in messages: "/rates/plans/0" (JSON pointer, as in
// scenario messages) or "$.rates.plans[0]" (as in report messages).
enum class JsonPathStyle { pointer, dollar };

class JsonInputError : public std::runtime_error {
 public:
  // path may be empty (a refusal about the whole file: size, NUL, unreadable).
  JsonInputError(std::string path, std::string rule);
  const std::string& path() const noexcept { return path_; }
  const std::string& rule() const noexcept { return rule_; }

 private:
  std::string path_;
  std::string rule_;
};

// Parses text under the limits. Throws JsonInputError.
nlohmann::json parse_limited_json(std::string_view text, const JsonLimits& limits,
                                  JsonPathStyle style = JsonPathStyle::pointer);
nlohmann::ordered_json parse_limited_ordered_json(std::string_view text, const JsonLimits& limits,
                                                  JsonPathStyle style = JsonPathStyle::dollar);

// Reads a whole file, refusing it (JsonInputError with an empty path) when it
// is missing, a directory, larger than limits.max_bytes, or a pipe or device
// that sends nothing for limits.read_timeout_ms.
std::string read_limited_file(const std::filesystem::path& file, const JsonLimits& limits);

// A JSON value for a message: scalars as JSON text cut to max_chars, objects
// and arrays as a summary ("an object of 3 fields"); never recursive.
std::string preview_json(const nlohmann::json& value, std::size_t max_chars = 60);
std::string preview_json(const nlohmann::ordered_json& value, std::size_t max_chars = 60);

}  // namespace plateau::reports
