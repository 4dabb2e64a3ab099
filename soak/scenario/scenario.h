// A soak scenario: how long to run, what load to drive through the engine,
// what to sample, which failpoints to switch on, and how strictly to judge.
//
// Scenarios are JSON files (soak/scenarios/*.json, documented field by field
// in docs/scenario.md), read through the bounded reader of
// reports/limited_json.h (size, depth, duplicate keys, NUL, numbers out of
// range). parse_scenario is strict: an unknown field, a wrong
// type or an out-of-range value throws ScenarioError naming the JSON path, the
// value and the rule, because a typo silently falling back to a default would
// make a soak run test something other than what its author meant.
//
// Thread safety: Scenario is a plain value; parsing is stateless.
// Invariants of a parsed Scenario: every duration is >= 0 and every rate
// finite and >= 0; warm_up < duration; the measured phase
// (duration - warm_up) holds at least one and at most kMaxVerdictWindows
// verdict windows; kMinSampleInterval <= sample_interval < window; at most
// kMaxPassesPerRun sample (and audit) passes; shares lie in [0, 1]; expiry_min <= expiry_max; symbols are
// non-empty and unique; heap_profile_checkpoints are sorted, unique and
// within [0, duration]. Failpoint and component names are kept as strings:
// the soak runner checks them against the engine.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace plateau::soak {

// Same representation as plateau::engine::Duration, so the runner converts
// without rounding; this library does not depend on the engine.
using Duration = std::chrono::nanoseconds;

enum class ClockMode { sim, wall };
std::string_view to_string(ClockMode mode) noexcept;
std::ostream& operator<<(std::ostream& out, ClockMode mode);

struct PlanLoad {
  double per_second = 0.5;  // plans created per virtual second
  Duration expiry_min = std::chrono::minutes(5);
  Duration expiry_max = std::chrono::hours(2);
  double cancel_share = 0.2;  // share of plans cancelled before they expire
  // Symbol churn: a share of plans goes to a symbol no other plan uses, so
  // per-symbol state must go when that plan ends. A new listing is priced
  // (quoted, no trades yet); an unknown symbol (delisted or mistyped) is
  // priced by no source.
  double new_symbol_share = 0.05;
  double unknown_symbol_share = 0.02;
};

struct WalletLoad {
  double per_second = 5;         // wallet transactions per virtual second
  double duplicate_share = 0.1;  // share re-delivered with an already seen hash
};

struct CloseStorms {
  Duration interval = std::chrono::minutes(1);  // 0 = no storms
  std::uint32_t threads = 4;                    // closers racing per position
  std::uint32_t positions_per_storm = 8;
};

struct ExitLoad {
  double per_second = 0.2;     // exit requests per virtual second
  double failure_share = 0.1;  // share whose order fails
};

struct Rates {
  double price_ticks_per_symbol_per_second = 0.2;  // each symbol's tick rate
  PlanLoad plans;
  WalletLoad wallet_transactions;
  double position_opens_per_second = 0.2;
  CloseStorms close_storms;
  ExitLoad exits;
};

// The paper engine's risk limits under test; an absent field keeps the
// engine's default (engine/paper/paper_engine.h).
struct PaperLimits {
  std::optional<std::uint32_t> max_positions;
  std::optional<std::uint32_t> cooldown_after_opens;
  std::optional<Duration> cooldown_window;
  std::optional<double> capital;
};

struct PriceSourceFaults {
  double failure_share = 0.02;                       // share of fetches from a source that fail
  Duration latency = std::chrono::milliseconds(20);  // virtual latency per fetch
};

// verdict.sites: the per-allocation-site verdict (docs/scenario.md). A site
// fires when its window-minima trend is significant (alpha of the verdict)
// and its growth projected over the horizon exceeds both absolute_bytes and
// relative * its steady level; sites whose live bytes never reach
// floor_bytes are not judged (too few samples in a sampled heap profile).
struct SiteVerdictTolerances {
  bool enabled = true;            // heap dumps at every window boundary + the site verdict
  double absolute_bytes = 262144;  // projected growth over the horizon, bytes
  double relative = 0.25;          // share of the site's steady level
  double floor_bytes = 65536;      // peak live bytes below which a site is not judged
  double min_samples = 4;          // peak sampled objects below which a site is not judged
  // Mean bytes between heap-profile samples (a power of two, 64 B .. 1 MiB):
  // the finer, the slower a leak a site can show above its sampling noise,
  // and the more backtraces are taken. jemalloc applies it at the start of
  // the run; tcmalloc fixes its period at process start (noted in the report).
  std::uint64_t sample_bytes = 16384;
};

struct VerdictTolerances {
  double alpha = 0.01;                               // Mann–Kendall one-sided significance level
  double growth_confidence = 0.95;                   // of the slope bound compared with the tolerances
  double relative = 0.05;                            // share of the steady level, over the horizon
  double absolute_default = 0;                       // series unit, when nothing below matches
  std::map<std::string, double> absolute_by_unit;    // e.g. {"bytes": 1048576}
  // Series name prefix -> tolerance in bytes (a bare number in the file):
  // applies only to the prefix's series measured in bytes.
  std::map<std::string, double> absolute_by_prefix;
  // Series name prefix -> unit -> tolerance (an object in the file), for
  // series of other units, e.g. {"process.": {"threads": 2, "fds": 2}}.
  std::map<std::string, std::map<std::string, double>> absolute_by_prefix_unit;
  Duration window = std::chrono::hours(2);           // must exceed the longest cleanup period
  // False when the file gave no window: it was derived from the duration
  // (default_verdict_window) and is derived again when --duration changes it.
  bool window_given = false;
  SiteVerdictTolerances sites;                            // verdict.sites
};

// Knobs of the undeclared-leak and must-not-fire failpoints (the /fixtures
// block; engine::FixtureOptions). Absent fields keep the engine's defaults;
// they matter only while their failpoint is on.
struct Fixtures {
  std::optional<double> slow_leak_bytes_per_hour;      // wallet.undeclared_slow_leak
  std::optional<std::uint64_t> error_note_bytes;        // plans.undeclared_error_notes
  std::optional<std::uint32_t> thread_leak_every;       // exits.undeclared_thread_leak
  std::optional<std::uint64_t> block_bytes;             // engine.one_off_block, engine.step_block
  std::optional<Duration> step_at;                      // engine.step_block, since the run's start
};

struct Scenario {
  std::string name;         // from "name", else the file stem
  std::string description;  // free text for people; not interpreted
  Duration duration{};      // virtual; required
  Duration warm_up{};       // default: a tenth of duration
  std::uint64_t seed = 1;
  ClockMode clock = ClockMode::sim;
  std::vector<std::string> symbols;  // a count N expands to SYM000 .. SYM(N-1)
  Rates rates;
  PriceSourceFaults price_source;
  PaperLimits paper;
  // Optional overrides of a component's maintain interval, by component name.
  std::map<std::string, Duration> maintain_intervals;
  Duration sample_interval = std::chrono::seconds(10);
  Duration audit_interval = std::chrono::minutes(1);
  Duration restart_interval{};                     // 0 = never restart the engine
  std::vector<Duration> heap_profile_checkpoints;  // virtual times, sorted
  std::vector<std::string> failpoints;
  VerdictTolerances verdict;
  Fixtures fixtures;
};

// A refused scenario: what() reads "<source>: <path>: <value> <rule>", e.g.
// "gate.json: /rates/plans/cancel_share: 1.5 must be between 0 and 1".
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string source, std::string json_path, std::string value, std::string rule);
  const std::string& json_path() const noexcept { return json_path_; }
  const std::string& value() const noexcept { return value_; }
  const std::string& rule() const noexcept { return rule_; }

 private:
  std::string json_path_;
  std::string value_;
  std::string rule_;
};

// Parses a scenario from JSON text. source names the text in messages (a
// file name) and gives the default name. Throws ScenarioError.
Scenario parse_scenario(std::string_view json_text, std::string_view source = "scenario");

// The cross-field rules (warm-up shorter than the run, a window that fits
// the measured phase, ...), with the JSON path of the field at fault. The
// parser calls it; the runner calls it again after command-line overrides
// (--duration, --seed, --clock). Throws ScenarioError.
void validate_scenario(const Scenario& scenario, std::string_view source = "scenario");

// Reads and parses a file; an unreadable file is a ScenarioError with path "".
Scenario load_scenario(const std::filesystem::path& file);

// Limits that keep a run's cost bounded by what it keeps, not by what it
// declares (docs/scenario.md, "Limits"). The sample recorder's memory is
// bounded for any accepted scenario; these keep the probe passes, the audit
// passes and the verdict windows (which downsampling never merges across)
// within what the recorder and the verdict were sized for.
inline constexpr Duration kMinSampleInterval = std::chrono::milliseconds(100);
inline constexpr Duration kMinAuditInterval = std::chrono::milliseconds(100);
inline constexpr std::uint64_t kMaxPassesPerRun = 3'000'000;  // duration / sample (or audit) interval
inline constexpr std::uint64_t kMaxVerdictWindows = 1024;     // (duration - warm_up) / window

// The window used when a scenario names none: 2h, shortened for short runs so
// that at least four windows fit in the measured phase, and lengthened for
// very long runs so that at most kMaxVerdictWindows do.
Duration default_verdict_window(Duration duration, Duration warm_up);

// Parses a seed as the file and --seed both accept it: a whole number from 0
// to 2^64-1 in decimal digits only ("-1" is refused, not wrapped). Throws
// std::invalid_argument with the rule.
std::uint64_t parse_seed(std::string_view text);

// "sim" or "wall". Throws std::invalid_argument with the rule.
ClockMode parse_clock(std::string_view text);

// Parses "6h", "90s", "10m", "250ms", "1d", "1h30m" or a plain number of
// seconds ("3600", "0.5"). Throws
// std::invalid_argument with the rule; parse_scenario turns it into a
// ScenarioError with the path.
Duration parse_duration(std::string_view text);

// Formats a duration the way parse_duration reads it ("6h", "1h30m", "90s").
std::string format_duration(Duration d);

// Duration as fractional seconds.
inline double seconds(Duration d) noexcept { return std::chrono::duration<double>(d).count(); }

}  // namespace plateau::soak
