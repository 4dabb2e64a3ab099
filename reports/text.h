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

#include "reports/model.h"

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

// The one helper for figures people read in text (messages, tables, the
// terminal): never scientific notation for everyday magnitudes. Bytes get a
// binary unit ("12.4 MiB"); other values are whole above 1000 ("13050000
// entries"), three significant digits below ("0.25 entries"), with the unit
// appended when not empty.
std::string format_human(double value, std::string_view unit);
// A rate given per second, shown per hour: "12.4 MiB/h", "42 entries/h".
std::string format_rate_per_hour(double per_s, std::string_view unit);
// A share as a percentage with one decimal: "82.9%".
std::string format_percent(double fraction);

// "seed 7", or for a merge its shards' own seeds ("seeds 1, 2, 3"): a
// merged context has no single seed and must not read as "seed 0".
std::string seed_text(const Report& report);
// "24h 00m 00s virtual", or for an interrupted single run how far its
// samples got: "1h 30m 00s of 24h 00m 00s virtual reached".
std::string virtual_span_text(const Report& report);

}  // namespace plateau::reports
