// Text helpers shared by the writers: escaping for XML/HTML and Markdown
// tables, and fixed, locale-independent number formatting so every writer's
// output is byte-for-byte deterministic.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plateau::reports {

// Escapes & < > " ' and drops characters XML 1.0 forbids (C0 controls other
// than tab, newline, carriage return), so any engine string is safe in an
// attribute or element.
std::string xml_escape(std::string_view text);
// Escapes | and newlines (and backslash, backtick, < >) for a Markdown table cell.
std::string markdown_cell(std::string_view text);
// A code span for a Markdown table cell: `text`, with | escaped as GFM tables
// require and backticks and newlines (which would end the span) replaced.
std::string markdown_code_cell(std::string_view text);

// Whole numbers in full (12, 52428800), others as %.6g (0.5, 1.25e-07); never
// locale dependent.
std::string format_number(double value);
// Bytes with a binary unit: "512 B", "1.5 KiB", "3.25 MiB".
std::string format_bytes(double bytes);
// Virtual time as hours, minutes, seconds: "2h 05m 10s", "45s".
std::string format_duration(double seconds);
std::string format_optional_duration(const std::optional<double>& seconds);  // "—" when absent
// A value with its unit: bytes use format_bytes, others "12 entries".
std::string format_value(double value, std::string_view unit);

}  // namespace plateau::reports
