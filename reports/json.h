// report.json: the versioned JSON form of the report model, and its reader.
//
// One format version (kSchemaVersion in model.h) is written and the same one
// is the only one read: from_json refuses a document whose "schema" is missing
// or different, naming what it found, rather than guessing at a format it does
// not know (heaptrack's rule). Every other required field missing or of the
// wrong type is refused with its JSON path. Unknown fields are ignored so a
// newer writer's additions within the same version do not break old readers.
// The field-by-field schema is documented in docs/report-schema.md.
//
// Thread safety: free functions over values; safe to call concurrently on
// different reports.
//
// Round trip: from_json(to_json(r)) == r for every report whose doubles are
// finite; to_json refuses a non-finite double (JSON has no NaN) by naming its
// path.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "reports/model.h"

namespace plateau::reports {

// A report.json that cannot be read: unknown version, missing or mistyped
// field, malformed JSON. what() names the JSON path, the value and the rule.
class ReportFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Keys keep the model's order (schema and verdict first, series last), hence
// ordered_json. Throws std::invalid_argument naming the field if a double is
// not finite.
nlohmann::ordered_json to_json(const Report& report);
// Throws ReportFormatError.
Report from_json(const nlohmann::ordered_json& document);

// report.json text: two-space indented, trailing newline, stable key order.
std::string render_json(const Report& report);
// Throws ReportFormatError (malformed text included).
Report parse_report(std::string_view text);
// Throws ReportFormatError naming the file, including when it cannot be read.
Report read_report_file(const std::filesystem::path& path);

}  // namespace plateau::reports
