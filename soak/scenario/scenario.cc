#include "soak/scenario/scenario.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <ostream>
#include <set>
#include <sstream>

namespace plateau::soak {
namespace {

std::string what_message(const std::string& source, const std::string& path, const std::string& value,
                         const std::string& rule) {
  std::string m = source + ": ";
  if (!path.empty()) m += path + ": ";
  if (!value.empty()) m += value + " ";
  return m + rule;
}

std::string number_text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Longest accepted duration; keeps nanosecond arithmetic far from overflow.
constexpr double kMaxDurationSeconds = 1e9;

void refuse(std::string_view source, std::string path, Duration value, std::string rule) {
  throw ScenarioError(std::string(source), std::move(path), "\"" + format_duration(value) + "\"",
                      std::move(rule));
}

}  // namespace

ScenarioError::ScenarioError(std::string source, std::string json_path, std::string value, std::string rule)
    : std::runtime_error(what_message(source, json_path, value, rule)),
      json_path_(std::move(json_path)),
      value_(std::move(value)),
      rule_(std::move(rule)) {}

std::string_view to_string(ClockMode mode) noexcept { return mode == ClockMode::wall ? "wall" : "sim"; }
std::ostream& operator<<(std::ostream& out, ClockMode mode) { return out << to_string(mode); }

Duration parse_duration(std::string_view text) {
  const auto fail = [&] {
    throw std::invalid_argument(
        "must be seconds or a duration such as \"90s\", \"10m\", \"6h\", \"1d\", \"250ms\" or \"1h30m\"");
  };
  if (text.empty()) fail();
  double total_s = 0;
  std::size_t i = 0;
  bool any_unit = false;
  while (i < text.size()) {
    const std::size_t number_start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (i == number_start) fail();
    const std::string digits(text.substr(number_start, i - number_start));
    if (std::count(digits.begin(), digits.end(), '.') > 1 || digits.front() == '.' || digits.back() == '.')
      fail();
    const double amount = std::stod(digits);
    const std::size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    double unit_s = 0;
    if (unit.empty()) {
      // A bare number is seconds, and only on its own: "1h30" is a typo.
      if (number_start != 0 || i != text.size()) fail();
      unit_s = 1;
    } else if (unit == "ms") {
      unit_s = 1e-3;
    } else if (unit == "s") {
      unit_s = 1;
    } else if (unit == "m") {
      unit_s = 60;
    } else if (unit == "h") {
      unit_s = 3600;
    } else if (unit == "d") {
      unit_s = 86400;
    } else {
      fail();
    }
    any_unit = any_unit || !unit.empty();
    total_s += amount * unit_s;
  }
  if (!std::isfinite(total_s) || total_s > kMaxDurationSeconds) {
    throw std::invalid_argument("must be at most 1e9 seconds");
  }
  return std::chrono::round<Duration>(std::chrono::duration<double>(total_s));
}

std::string format_duration(Duration d) {
  if (d < Duration::zero()) return "-" + format_duration(-d);
  if (d == Duration::zero()) return "0s";
  namespace chr = std::chrono;
  std::ostringstream out;
  const auto days_part = chr::duration_cast<chr::hours>(d).count() / 24;
  auto rest = d - chr::hours(days_part * 24);
  if (days_part > 0) out << days_part << 'd';
  const auto h = chr::duration_cast<chr::hours>(rest);
  rest -= h;
  if (h.count() > 0) out << h.count() << 'h';
  const auto m = chr::duration_cast<chr::minutes>(rest);
  rest -= m;
  if (m.count() > 0) out << m.count() << 'm';
  const auto s = chr::duration_cast<chr::seconds>(rest);
  rest -= s;
  if (s.count() > 0) out << s.count() << 's';
  const auto ms = chr::duration_cast<chr::milliseconds>(rest);
  rest -= ms;
  if (ms.count() > 0) out << ms.count() << "ms";
  if (rest.count() > 0) {
    // Below a millisecond: fall back to fractional seconds of the whole.
    std::ostringstream exact;
    exact.precision(12);
    exact << seconds(d) << "s";
    return exact.str();
  }
  return out.str();
}

void validate_scenario(const Scenario& sc, std::string_view source) {
  if (sc.duration <= Duration::zero()) refuse(source, "/duration", sc.duration, "must be longer than 0s");
  if (sc.warm_up < Duration::zero() || sc.warm_up >= sc.duration) {
    refuse(source, "/warm_up", sc.warm_up,
           "must be at least 0s and shorter than duration (" + format_duration(sc.duration) + ")");
  }
  const Duration measured = sc.duration - sc.warm_up;
  if (sc.verdict.window <= Duration::zero() || sc.verdict.window > measured) {
    refuse(source, "/verdict/window", sc.verdict.window,
           "must be longer than 0s and fit in the measured phase (duration - warm_up = " +
               format_duration(measured) + ")");
  }
  if (sc.sample_interval <= Duration::zero() || sc.sample_interval >= sc.verdict.window) {
    refuse(source, "/sample_interval", sc.sample_interval,
           "must be longer than 0s and shorter than /verdict/window (" + format_duration(sc.verdict.window) +
               ")");
  }
  if (sc.audit_interval <= Duration::zero()) {
    refuse(source, "/audit_interval", sc.audit_interval, "must be longer than 0s");
  }
  if (sc.restart_interval < Duration::zero()) {
    refuse(source, "/restart_interval", sc.restart_interval, "must be at least 0s (0s = never)");
  }
  if (sc.rates.plans.expiry_min <= Duration::zero()) {
    refuse(source, "/rates/plans/expiry_min", sc.rates.plans.expiry_min, "must be longer than 0s");
  }
  if (sc.rates.plans.expiry_max < sc.rates.plans.expiry_min) {
    refuse(source, "/rates/plans/expiry_max", sc.rates.plans.expiry_max,
           "must be at least /rates/plans/expiry_min (" + format_duration(sc.rates.plans.expiry_min) + ")");
  }
  if (sc.rates.plans.new_symbol_share + sc.rates.plans.unknown_symbol_share > 1) {
    throw ScenarioError(std::string(source), "/rates/plans/unknown_symbol_share",
                        number_text(sc.rates.plans.unknown_symbol_share),
                        "plus /rates/plans/new_symbol_share (" + number_text(sc.rates.plans.new_symbol_share) +
                            ") must be at most 1");
  }
  if (sc.paper.cooldown_window && *sc.paper.cooldown_window <= Duration::zero()) {
    refuse(source, "/paper/cooldown_window", *sc.paper.cooldown_window, "must be longer than 0s");
  }
  if (sc.rates.close_storms.interval < Duration::zero()) {
    refuse(source, "/rates/close_storms/interval", sc.rates.close_storms.interval,
           "must be at least 0s (0s = none)");
  }
  if (sc.price_source.latency < Duration::zero()) {
    refuse(source, "/price_source/latency", sc.price_source.latency, "must be at least 0s");
  }
  for (std::size_t i = 0; i < sc.heap_profile_checkpoints.size(); ++i) {
    const Duration t = sc.heap_profile_checkpoints[i];
    const std::string path = "/heap_profile_checkpoints/" + std::to_string(i);
    if (t < Duration::zero() || t > sc.duration) {
      refuse(source, path, t, "must lie within the run (0s to " + format_duration(sc.duration) + ")");
    }
    if (i > 0 && t <= sc.heap_profile_checkpoints[i - 1]) {
      refuse(source, path, t, "must be later than the checkpoint before it (list them in increasing order)");
    }
  }
  if (sc.fixtures.step_at && (*sc.fixtures.step_at < Duration::zero() || *sc.fixtures.step_at >= sc.duration)) {
    refuse(source, "/fixtures/step_at", *sc.fixtures.step_at,
           "must lie within the run (0s up to, not including, duration " + format_duration(sc.duration) + ")");
  }
  for (const auto& [component, interval] : sc.maintain_intervals) {
    if (interval <= Duration::zero())
      refuse(source, "/maintain/" + component, interval, "must be longer than 0s");
  }
  if (sc.symbols.empty()) {
    throw ScenarioError(std::string(source), "/symbols", "[]", "must name at least one symbol");
  }
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < sc.symbols.size(); ++i) {
    if (sc.symbols[i].empty() || !seen.insert(sc.symbols[i]).second) {
      throw ScenarioError(std::string(source), "/symbols/" + std::to_string(i), "\"" + sc.symbols[i] + "\"",
                          "must be a non-empty symbol named only once");
    }
  }
}

Scenario load_scenario(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ScenarioError(file.string(), "", "", "cannot be read (missing file or no permission)");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ScenarioError(file.string(), "", "", "read failed");
  Scenario sc = parse_scenario(text.str(), file.string());
  return sc;
}

}  // namespace plateau::soak
