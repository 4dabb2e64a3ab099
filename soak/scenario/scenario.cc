#include "soak/scenario/scenario.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <ostream>
#include <set>
#include <sstream>

#include "reports/limited_json.h"

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

// What a run costs grows with its passes and windows, not with its length:
// refused here so that a typo ("1ms") is an error, not an hour of probing.
void check_cost_limits(const Scenario& sc, std::string_view source) {
  const auto passes = [&](Duration interval) {
    return static_cast<std::uint64_t>(sc.duration / interval);
  };
  if (sc.sample_interval < kMinSampleInterval) {
    refuse(source, "/sample_interval", sc.sample_interval,
           "must be at least " + format_duration(kMinSampleInterval) +
               " (faster sampling measures the probes more than the engine)");
  }
  if (passes(sc.sample_interval) > kMaxPassesPerRun) {
    refuse(source, "/sample_interval", sc.sample_interval,
           "gives " + std::to_string(passes(sc.sample_interval)) + " probe passes over " +
               format_duration(sc.duration) + "; at most " + std::to_string(kMaxPassesPerRun) +
               " are allowed (sample less often or run shorter)");
  }
  if (sc.audit_interval < kMinAuditInterval) {
    refuse(source, "/audit_interval", sc.audit_interval,
           "must be at least " + format_duration(kMinAuditInterval));
  }
  if (passes(sc.audit_interval) > kMaxPassesPerRun) {
    refuse(source, "/audit_interval", sc.audit_interval,
           "gives " + std::to_string(passes(sc.audit_interval)) + " audit passes over " +
               format_duration(sc.duration) + "; at most " + std::to_string(kMaxPassesPerRun) + " are allowed");
  }
  const Duration measured = sc.duration - sc.warm_up;
  if (static_cast<std::uint64_t>(measured / sc.verdict.window) > kMaxVerdictWindows) {
    refuse(source, "/verdict/window", sc.verdict.window,
           "gives " + std::to_string(measured / sc.verdict.window) + " windows in the measured phase (" +
               format_duration(measured) + "); at most " + std::to_string(kMaxVerdictWindows) +
               " are allowed (use a window of at least " +
               format_duration(default_verdict_window(sc.duration, sc.warm_up)) + ")");
  }
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
    // from_chars, not stod: an over-long digit string is a refusal naming the
    // rule, not an out_of_range escaping as an unexpected error.
    double amount = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), amount);
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && !std::isfinite(amount))) {
      throw std::invalid_argument("must be at most 1e9 seconds");
    }
    if (ec != std::errc() || end != digits.data() + digits.size()) fail();
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

Duration default_verdict_window(Duration duration, Duration warm_up) {
  const Duration measured = duration - warm_up;
  Duration window = std::min<Duration>(std::chrono::hours(2), measured / 4);
  // Ceiling division: measured / window <= kMaxVerdictWindows.
  const Duration longest_allowed_count =
      (measured + Duration(static_cast<Duration::rep>(kMaxVerdictWindows) - 1)) /
      static_cast<Duration::rep>(kMaxVerdictWindows);
  return std::max(window, longest_allowed_count);
}

std::uint64_t parse_seed(std::string_view text) {
  const auto rule = [] {
    return std::invalid_argument("must be a whole number between 0 and " +
                                 std::to_string(std::numeric_limits<std::uint64_t>::max()));
  };
  if (text.empty() || text.size() > 20) throw rule();
  for (char c : text) {
    if (c < '0' || c > '9') throw rule();
  }
  std::uint64_t seed = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seed);
  if (ec != std::errc() || end != text.data() + text.size()) throw rule();
  return seed;
}

ClockMode parse_clock(std::string_view text) {
  if (text == "sim") return ClockMode::sim;
  if (text == "wall") return ClockMode::wall;
  throw std::invalid_argument("must be \"sim\" or \"wall\"");
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
  check_cost_limits(sc, source);
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
  std::string text;
  try {
    // Bounded: a huge file, /dev/zero or a silent FIFO is refused, not read forever.
    text = reports::read_limited_file(file, reports::kScenarioJsonLimits);
  } catch (const reports::JsonInputError& e) {
    throw ScenarioError(file.string(), "", "", e.rule());
  }
  return parse_scenario(text, file.string());
}

}  // namespace plateau::soak
