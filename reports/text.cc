#include "reports/text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace plateau::reports {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 && c != '\t' && c != '\n' && c != '\r') break;  // not allowed in XML 1.0
        out += c;
      }
    }
  }
  return out;
}

std::string markdown_cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '|': out += "\\|"; break;
      case '\\': out += "\\\\"; break;
      case '`': out += "\\`"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\n':
      case '\r': out += ' '; break;
      default: out += c;
    }
  }
  return out;
}

std::string markdown_code_cell(std::string_view text) {
  std::string out = "`";
  for (char c : text) {
    switch (c) {
      case '|': out += "\\|"; break;
      case '`': out += '\''; break;
      case '\n':
      case '\r': out += ' '; break;
      default: out += c;
    }
  }
  return out + "`";
}

std::string format_number(double value) {
  if (!std::isfinite(value)) return std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf");
  if (value == 0) return "0";  // also folds -0
  char buffer[64];
  // Whole numbers (counts, bytes, peaks) in full rather than as 5.24288e+07.
  if (std::fabs(value) < 1e15 && value == std::trunc(value)) {
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
  }
  return buffer;
}

std::string format_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double magnitude = std::fabs(bytes);
  std::size_t unit = 0;
  while (magnitude >= 1024 && unit + 1 < std::size(kUnits)) {
    magnitude /= 1024;
    bytes /= 1024;
    ++unit;
  }
  char buffer[64];
  if (unit == 0) {
    std::snprintf(buffer, sizeof buffer, "%.0f B", bytes);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.3g %s", bytes, kUnits[unit]);
  }
  return buffer;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds)) return format_number(seconds);
  const char* sign = seconds < 0 ? "-" : "";
  auto total = static_cast<long long>(std::llround(std::fabs(seconds)));
  long long hours = total / 3600;
  long long minutes = (total % 3600) / 60;
  long long secs = total % 60;
  char buffer[64];
  if (hours > 0) {
    std::snprintf(buffer, sizeof buffer, "%s%lldh %02lldm %02llds", sign, hours, minutes, secs);
  } else if (minutes > 0) {
    std::snprintf(buffer, sizeof buffer, "%s%lldm %02llds", sign, minutes, secs);
  } else {
    std::snprintf(buffer, sizeof buffer, "%s%llds", sign, secs);
  }
  return buffer;
}

std::string format_optional_duration(const std::optional<double>& seconds) {
  return seconds ? format_duration(*seconds) : "—";
}

std::string format_value(double value, std::string_view unit) {
  if (unit == "bytes") return format_bytes(value);
  if (unit.empty()) return format_number(value);
  return format_number(value) + " " + std::string(unit);
}

std::string format_human(double value, std::string_view unit) {
  if (unit == "bytes" || unit == "B") return format_bytes(value);
  if (!std::isfinite(value)) return format_number(value);
  char buffer[64];
  if (value == 0) {
    std::snprintf(buffer, sizeof buffer, "0");
  } else if (std::fabs(value) >= 1000 || value == std::trunc(value)) {
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
  } else if (std::fabs(value) >= 0.001) {
    std::snprintf(buffer, sizeof buffer, "%.3g", value);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.2e", value);  // tiny figures (p-values) keep their magnitude
  }
  std::string out = buffer;
  if (out == "-0") out = "0";
  return unit.empty() ? out : out + " " + std::string(unit);
}

std::string format_rate_per_hour(double per_s, std::string_view unit) {
  return format_human(per_s * 3600, unit) + "/h";
}

std::string format_percent(double fraction) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", fraction * 100);
  return buffer;
}

std::string seed_text(const Report& report) {
  if (report.shards.empty()) return "seed " + std::to_string(report.context.seed);
  std::set<std::uint64_t> seeds;
  for (const ShardSummary& s : report.shards) seeds.insert(s.seed);
  std::string out = seeds.size() == 1 ? "seed " : "seeds ";
  bool first = true;
  for (std::uint64_t seed : seeds) {
    out += (first ? "" : ", ") + std::to_string(seed);
    first = false;
  }
  return out;
}

std::string virtual_span_text(const Report& report) {
  if (!report.incomplete || !report.shards.empty()) return format_duration(report.scenario.duration_s) + " virtual";
  double reached_s = 0;
  for (const Series& s : report.series) {
    if (!s.samples.empty()) reached_s = std::max(reached_s, s.samples.back().t_s);
  }
  return format_duration(reached_s) + " of " + format_duration(report.scenario.duration_s) + " virtual reached";
}

}  // namespace plateau::reports
