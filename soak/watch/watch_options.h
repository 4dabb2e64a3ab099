// WatchOptions: what `plateau watch` is asked to do, from flags and/or a
// small strict JSON file of its own kind (docs/watch.md has the schema).
//
// Durations are wall-clock. Every optional left empty takes the default
// documented on its field. Bad input (an unknown JSON field, a value of the
// wrong type, a window longer than the measured phase, ...) throws
// WatchInputError with the field, the value and the rule; the CLI turns it
// into exit code 2.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "soak/verdict/verdict.h"

namespace plateau::soak::watch {

using Duration = std::chrono::nanoseconds;

class WatchInputError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

enum class HeapMode { none, jemalloc, tcmalloc };
std::string_view to_string(HeapMode mode) noexcept;
std::optional<HeapMode> parse_heap_mode(std::string_view text) noexcept;

struct WatchOptions {
  // Exactly one of command (launch mode) and pid (attach mode).
  std::vector<std::string> command;
  std::optional<int> pid;

  Duration duration = std::chrono::minutes(10);
  std::optional<Duration> warm_up;  // default: a tenth of the duration
  std::optional<Duration> window;   // default: a twentieth of the duration
  Duration sample_interval = std::chrono::seconds(1);
  std::optional<Duration> horizon;  // growth projected over it; default: the duration

  double alpha = 0.01;
  double relative_tolerance = 0.05;
  // Absolute tolerances per unit: projected growth below these is not a leak.
  std::map<std::string, double> absolute_by_unit = {
      {"bytes", 4.0 * 1024 * 1024}, {"threads", 1.0}, {"fds", 2.0}, {"processes", 1.0}};
  // Judge the target and all its live descendants (summed), or the target
  // pid only (--no-children, JSON "children": false).
  bool children = true;

  std::optional<std::string> load;  // sh -c command run alongside
  HeapMode heap = HeapMode::none;
  // jemalloc: a dump per 2^n bytes allocated (rounded down to a power of 2).
  std::uint64_t heap_interval_bytes = std::uint64_t{1} << 30;
  // jemalloc: one sampled backtrace per this many bytes on average
  // (lg_prof_sample; 2^19 is jemalloc's default, the cheap one).
  std::uint64_t heap_sample_bytes = std::uint64_t{1} << 19;
  std::size_t max_keys = 32;  // distinct thread names / fd targets kept, per kind

  std::optional<std::filesystem::path> out_dir;
  std::optional<std::filesystem::path> config_path;  // for the report
  std::FILE* progress_stream = stderr;

  Duration effective_warm_up() const { return warm_up ? *warm_up : duration / 10; }
  Duration effective_window() const { return window ? *window : duration / 20; }
  Duration effective_horizon() const { return horizon ? *horizon : duration; }
};

// Reads a watch config file into `options` (fields present override it).
// Fields: duration, warm_up, window, sample_interval, horizon (strings such
// as "90s", "250ms"), alpha, relative_tolerance, absolute_tolerance
// ({"bytes": n, "threads": n, "fds": n, "processes": n}), children (bool), load, heap
// ("none"|"jemalloc"|"tcmalloc"), heap_interval_bytes, heap_sample_bytes, max_keys, command
// (array of strings), pid.
void apply_config_text(WatchOptions& options, std::string_view json_text, std::string_view source);
void apply_config_file(WatchOptions& options, const std::filesystem::path& file);

// Cross-field rules; throws WatchInputError naming the field.
void validate(const WatchOptions& options);

// The verdict settings of a watch: warm-up, window, horizon, tolerances.
VerdictSettings verdict_settings_for(const WatchOptions& options);

// How many windows a watch needs is the verdict's windows_needed()
// (soak/verdict/verdict.h): a watch with fewer is "too short", never "bounded".

// "90s" etc. -> Duration, or WatchInputError naming `field`.
Duration parse_watch_duration(std::string_view field, std::string_view text);

}  // namespace plateau::soak::watch
