#include "soak/watch/watch_options.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

#include "soak/scenario/scenario.h"

namespace plateau::soak::watch {
namespace {

using json = nlohmann::json;

[[noreturn]] void bad(std::string_view source, std::string_view field, const std::string& value,
                      std::string_view rule) {
  throw WatchInputError(std::string(source) + ": " + std::string(field) + " = " + value + ": " +
                        std::string(rule));
}

std::string show(const json& value) { return value.dump(); }

Duration duration_field(std::string_view source, std::string_view field, const json& value) {
  if (!value.is_string())
    bad(source, field, show(value), "must be a duration string such as \"90s\" or \"250ms\"");
  try {
    return plateau::soak::parse_duration(value.get<std::string>());
  } catch (const std::invalid_argument& e) {
    bad(source, field, show(value), e.what());
  }
}

double number_field(std::string_view source, std::string_view field, const json& value, double min,
                    double max) {
  if (!value.is_number()) bad(source, field, show(value), "must be a number");
  const double v = value.get<double>();
  if (!std::isfinite(v) || v < min || v > max) {
    bad(source, field, show(value), "must be between " + show(json(min)) + " and " + show(json(max)));
  }
  return v;
}

std::uint64_t count_field(std::string_view source, std::string_view field, const json& value) {
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0) {
    bad(source, field, show(value), "must be a positive whole number");
  }
  return value.get<std::uint64_t>();
}

}  // namespace

std::string_view to_string(HeapMode mode) noexcept {
  switch (mode) {
    case HeapMode::none:
      return "none";
    case HeapMode::jemalloc:
      return "jemalloc";
    case HeapMode::tcmalloc:
      return "tcmalloc";
  }
  return "none";
}

std::optional<HeapMode> parse_heap_mode(std::string_view text) noexcept {
  if (text == "none") return HeapMode::none;
  if (text == "jemalloc") return HeapMode::jemalloc;
  if (text == "tcmalloc") return HeapMode::tcmalloc;
  return std::nullopt;
}

Duration parse_watch_duration(std::string_view field, std::string_view text) {
  try {
    return plateau::soak::parse_duration(text);
  } catch (const std::invalid_argument& e) {
    throw WatchInputError(std::string(field) + " " + std::string(text) + ": " + e.what());
  }
}

void apply_config_text(WatchOptions& o, std::string_view text, std::string_view source) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    throw WatchInputError(std::string(source) + ": not valid JSON: " + e.what());
  }
  if (!doc.is_object()) bad(source, "$", show(doc).substr(0, 40), "a watch config must be a JSON object");
  for (const auto& [key, value] : doc.items()) {
    const std::string field = "$." + key;
    if (key == "duration") {
      o.duration = duration_field(source, field, value);
    } else if (key == "warm_up") {
      o.warm_up = duration_field(source, field, value);
    } else if (key == "window") {
      o.window = duration_field(source, field, value);
    } else if (key == "sample_interval") {
      o.sample_interval = duration_field(source, field, value);
    } else if (key == "horizon") {
      o.horizon = duration_field(source, field, value);
    } else if (key == "alpha") {
      o.alpha = number_field(source, field, value, 1e-9, 0.5);
    } else if (key == "relative_tolerance") {
      o.relative_tolerance = number_field(source, field, value, 0, 100);
    } else if (key == "absolute_tolerance") {
      if (!value.is_object())
        bad(source, field, show(value), "must be an object such as {\"bytes\": 4194304}");
      for (const auto& [unit, v] : value.items()) {
        if (unit != "bytes" && unit != "threads" && unit != "fds" && unit != "processes") {
          bad(source, field + "." + unit, show(v), "unknown unit; known: bytes, threads, fds, processes");
        }
        o.absolute_by_unit[unit] = number_field(source, field + "." + unit, v, 0, 1e18);
      }
    } else if (key == "children") {
      if (!value.is_boolean()) bad(source, field, show(value), "must be true or false");
      o.children = value.get<bool>();
    } else if (key == "load") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        bad(source, field, show(value), "must be a non-empty shell command string");
      }
      o.load = value.get<std::string>();
    } else if (key == "heap") {
      const auto mode = value.is_string() ? parse_heap_mode(value.get<std::string>()) : std::nullopt;
      if (!mode) bad(source, field, show(value), "must be \"none\", \"jemalloc\" or \"tcmalloc\"");
      o.heap = *mode;
    } else if (key == "heap_interval_bytes") {
      o.heap_interval_bytes = count_field(source, field, value);
    } else if (key == "heap_sample_bytes") {
      o.heap_sample_bytes = count_field(source, field, value);
    } else if (key == "max_keys") {
      o.max_keys = static_cast<std::size_t>(count_field(source, field, value));
    } else if (key == "command") {
      if (!value.is_array() || value.empty())
        bad(source, field, show(value), "must be a non-empty array of strings");
      std::vector<std::string> command;
      for (const json& arg : value) {
        if (!arg.is_string()) bad(source, field, show(value), "every element must be a string");
        command.push_back(arg.get<std::string>());
      }
      o.command = std::move(command);
    } else if (key == "pid") {
      if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0 ||
          value.get<std::uint64_t>() > 4194304) {
        bad(source, field, show(value), "must be a process id (1..4194304)");
      }
      o.pid = static_cast<int>(value.get<std::uint64_t>());
    } else {
      bad(source, field, show(value),
          "unknown field; known: duration, warm_up, window, sample_interval, horizon, alpha, "
          "relative_tolerance, absolute_tolerance, children, load, heap, heap_interval_bytes, "
          "heap_sample_bytes, "
          "max_keys, "
          "command, pid");
    }
  }
}

void apply_config_file(WatchOptions& options, const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw WatchInputError("--config " + file.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  apply_config_text(options, text.str(), file.string());
  options.config_path = file;
}

void validate(const WatchOptions& o) {
  auto fmt = [](Duration d) { return plateau::soak::format_duration(d); };
  if (o.command.empty() == !o.pid.has_value()) {
    throw WatchInputError(o.pid ? "--pid " + std::to_string(*o.pid) +
                                      " and a command after --: give one, not both"
                                : "no target: give a command after -- (launch) or --pid PID (attach)");
  }
  if (o.duration <= Duration::zero())
    throw WatchInputError("--duration " + fmt(o.duration) + ": must be positive");
  if (o.sample_interval < std::chrono::milliseconds(10)) {
    throw WatchInputError("--sample-interval " + fmt(o.sample_interval) + ": must be at least 10ms");
  }
  if (o.sample_interval > o.duration) {
    throw WatchInputError("--sample-interval " + fmt(o.sample_interval) + ": must not exceed --duration " +
                          fmt(o.duration));
  }
  const Duration warm_up = o.effective_warm_up();
  if (warm_up < Duration::zero() || warm_up >= o.duration) {
    throw WatchInputError("--warm-up " + fmt(warm_up) + ": must be shorter than --duration " +
                          fmt(o.duration));
  }
  const Duration window = o.effective_window();
  if (window < o.sample_interval) {
    throw WatchInputError("--window " + fmt(window) + ": must be at least one --sample-interval (" +
                          fmt(o.sample_interval) + ")");
  }
  if (window > o.duration - warm_up) {
    throw WatchInputError(
        "--window " + fmt(window) +
        ": must fit the measured phase (--duration minus --warm-up = " + fmt(o.duration - warm_up) + ")");
  }
  if (o.horizon && *o.horizon <= Duration::zero()) {
    throw WatchInputError("--horizon " + fmt(*o.horizon) + ": must be positive");
  }
  if (o.max_keys == 0 || o.max_keys > 1000) {
    throw WatchInputError("--max-keys " + std::to_string(o.max_keys) + ": must be between 1 and 1000");
  }
  if (o.load && o.load->empty()) throw WatchInputError("--load: must be a non-empty shell command");
  const VerdictSettings settings = verdict_settings_for(o);
  plateau::soak::validate(settings);
  const auto fit =
      static_cast<std::size_t>(plateau::soak::seconds(o.duration - warm_up) / plateau::soak::seconds(window));
  const std::size_t needed = windows_needed(settings);
  if (fit < needed) {
    throw WatchInputError(
        "--window " + fmt(window) + ": only " + std::to_string(fit) +
        " windows fit the measured phase (--duration minus --warm-up = " + fmt(o.duration - warm_up) +
        "), a trend needs " + std::to_string(needed) + " at --alpha " + std::to_string(o.alpha) +
        ": shorten --window or lengthen --duration");
  }
}

VerdictSettings verdict_settings_for(const WatchOptions& o) {
  VerdictSettings v;
  v.warm_up_end_s = plateau::soak::seconds(o.effective_warm_up());
  v.window_s = plateau::soak::seconds(o.effective_window());
  v.horizon_s = plateau::soak::seconds(o.effective_horizon());
  v.alpha = o.alpha;
  v.relative_tolerance = o.relative_tolerance;
  v.absolute_by_unit = o.absolute_by_unit;
  return v;
}

}  // namespace plateau::soak::watch
