// The strict JSON reader behind parse_scenario. Each object is read through
// a FieldReader that records the keys it consumed, so any key left over at
// the end is refused as unknown, with its path.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "reports/limited_json.h"
#include "soak/scenario/scenario.h"

namespace plateau::soak {
namespace {

using nlohmann::json;

// A JSON value as it appears in a message, shortened if long; objects and
// arrays are summarised, never dumped (a deep value would recurse).
std::string shown(const json& value) { return reports::preview_json(value, 57); }

const char* type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    default:
      return "an unsupported value";
  }
}

class FieldReader {
 public:
  FieldReader(const json& object, std::string path, const std::string& source)
      : object_(object), path_(std::move(path)), source_(source) {
    if (!object_.is_object())
      fail(path_.empty() ? "/" : path_, object_, std::string("must be an object, not ") + type_name(object_));
  }

  [[noreturn]] void fail(const std::string& path, const json& value, const std::string& rule) const {
    throw ScenarioError(source_, path, shown(value), rule);
  }

  std::string path_of(const std::string& key) const { return path_ + "/" + key; }

  // The value under key, or nullptr when absent (the caller keeps its default).
  const json* find(const std::string& key) {
    consumed_.insert(key);
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  const json& require(const std::string& key) {
    const json* value = find(key);
    if (!value) throw ScenarioError(source_, path_of(key), "", "is required");
    return *value;
  }

  double number_at(const std::string& path, const json& v, double min, double max,
                   const std::string& rule) const {
    if (!v.is_number()) fail(path, v, std::string("must be a number, not ") + type_name(v));
    const double d = v.get<double>();
    if (!std::isfinite(d) || d < min || d > max) fail(path, v, rule);
    return d;
  }

  void number(const std::string& key, double& out, double min, double max, const std::string& rule) {
    if (const json* v = find(key)) out = number_at(path_of(key), *v, min, max, rule);
  }

  void share(const std::string& key, double& out) { number(key, out, 0, 1, "must be between 0 and 1"); }

  void rate(const std::string& key, double& out) {
    number(key, out, 0, 1e6, "must be a rate per virtual second between 0 and 1000000");
  }

  std::uint64_t unsigned_at(const std::string& path, const json& v, std::uint64_t min,
                            std::uint64_t max) const {
    const std::string rule =
        "must be a whole number between " + std::to_string(min) + " and " + std::to_string(max);
    if (v.is_number_unsigned()) {
      const auto u = v.get<std::uint64_t>();
      if (u < min || u > max) fail(path, v, rule);
      return u;
    }
    // Negative integers and numbers with a fraction or a decimal point.
    if (v.is_number()) fail(path, v, rule);
    fail(path, v, std::string("must be a whole number, not ") + type_name(v));
  }

  void whole(const std::string& key, std::uint32_t& out, std::uint32_t min, std::uint32_t max) {
    if (const json* v = find(key)) out = static_cast<std::uint32_t>(unsigned_at(path_of(key), *v, min, max));
  }

  Duration duration_at(const std::string& path, const json& v) const {
    if (v.is_number()) {
      const double s = v.get<double>();
      if (!std::isfinite(s) || s < 0 || s > 1e9)
        fail(path, v, "must be a number of seconds between 0 and 1e9");
      return std::chrono::round<Duration>(std::chrono::duration<double>(s));
    }
    if (!v.is_string())
      fail(path, v, std::string("must be seconds or a duration string such as \"6h\", not ") + type_name(v));
    try {
      return parse_duration(v.get<std::string>());
    } catch (const std::invalid_argument& e) {
      fail(path, v, e.what());
    }
  }

  void duration(const std::string& key, Duration& out) {
    if (const json* v = find(key)) out = duration_at(path_of(key), *v);
  }

  std::string string_at(const std::string& path, const json& v) const {
    if (!v.is_string()) fail(path, v, std::string("must be a string, not ") + type_name(v));
    return v.get<std::string>();
  }

  void string(const std::string& key, std::string& out) {
    if (const json* v = find(key)) out = string_at(path_of(key), *v);
  }

  FieldReader object(const std::string& key, const json& empty) {
    const json* v = find(key);
    return FieldReader(v ? *v : empty, path_of(key), source_);
  }

  // Refuses the first key no reader asked for.
  void finish() const {
    for (auto it = object_.begin(); it != object_.end(); ++it) {
      if (!consumed_.count(it.key())) {
        std::string known;
        for (const std::string& k : consumed_) known += (known.empty() ? "" : ", ") + k;
        fail(path_of(it.key()), it.value(), "is not a known field here (known: " + known + ")");
      }
    }
  }

  const std::string& path() const { return path_; }
  const std::string& source() const { return source_; }

 private:
  const json& object_;
  std::string path_;
  const std::string& source_;
  std::set<std::string> consumed_;
};

bool is_name(const std::string& s, bool allow_upper) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' ||
                    (allow_upper && ((c >= 'A' && c <= 'Z') || c == '/'));
    if (!ok) return false;
  }
  return true;
}

// SYM000, SYM001, ...: names for a symbol count.
std::vector<std::string> generated_symbols(std::uint64_t count) {
  std::vector<std::string> symbols;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string digits = std::to_string(i);
    while (digits.size() < 3) digits.insert(digits.begin(), '0');
    symbols.push_back("SYM" + digits);
  }
  return symbols;
}

std::vector<std::string> read_symbols(FieldReader& top) {
  const json* v = top.find("symbols");
  const std::string path = top.path_of("symbols");
  if (!v) return generated_symbols(10);
  if (v->is_number()) return generated_symbols(top.unsigned_at(path, *v, 1, 10000));
  if (!v->is_array())
    top.fail(path, *v, std::string("must be a count or a list of symbols, not ") + type_name(*v));
  if (v->empty()) top.fail(path, *v, "must name at least one symbol");
  std::vector<std::string> symbols;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const std::string item_path = path + "/" + std::to_string(i);
    std::string symbol = top.string_at(item_path, (*v)[i]);
    if (!is_name(symbol, true)) {
      top.fail(item_path, (*v)[i], "must be 1 to 64 letters, digits or . _ - /");
    }
    if (!seen.insert(symbol).second) top.fail(item_path, (*v)[i], "must appear only once");
    symbols.push_back(std::move(symbol));
  }
  return symbols;
}

void read_rates(FieldReader& top, Rates& rates) {
  static const json kEmpty = json::object();
  FieldReader r = top.object("rates", kEmpty);
  r.rate("price_ticks_per_symbol", rates.price_ticks_per_symbol_per_second);
  r.rate("position_opens", rates.position_opens_per_second);
  {
    FieldReader p = r.object("plans", kEmpty);
    p.rate("rate", rates.plans.per_second);
    p.duration("expiry_min", rates.plans.expiry_min);
    p.duration("expiry_max", rates.plans.expiry_max);
    p.share("cancel_share", rates.plans.cancel_share);
    p.share("new_symbol_share", rates.plans.new_symbol_share);
    p.share("unknown_symbol_share", rates.plans.unknown_symbol_share);
    p.finish();
  }
  {
    FieldReader w = r.object("wallet_transactions", kEmpty);
    w.rate("rate", rates.wallet_transactions.per_second);
    w.share("duplicate_share", rates.wallet_transactions.duplicate_share);
    w.finish();
  }
  {
    FieldReader c = r.object("close_storms", kEmpty);
    c.duration("interval", rates.close_storms.interval);
    c.whole("threads", rates.close_storms.threads, 1, 64);
    c.whole("positions_per_storm", rates.close_storms.positions_per_storm, 1, 10000);
    c.finish();
  }
  {
    FieldReader e = r.object("exits", kEmpty);
    e.rate("rate", rates.exits.per_second);
    e.share("failure_share", rates.exits.failure_share);
    e.finish();
  }
  r.finish();
}

void read_paper(FieldReader& top, PaperLimits& paper) {
  static const json kEmpty = json::object();
  FieldReader p = top.object("paper", kEmpty);
  if (const json* v = p.find("max_positions")) {
    paper.max_positions = static_cast<std::uint32_t>(p.unsigned_at(p.path_of("max_positions"), *v, 1, 100000));
  }
  if (const json* v = p.find("cooldown_after_opens")) {
    paper.cooldown_after_opens =
        static_cast<std::uint32_t>(p.unsigned_at(p.path_of("cooldown_after_opens"), *v, 1, 100000));
  }
  if (const json* v = p.find("cooldown_window")) {
    paper.cooldown_window = p.duration_at(p.path_of("cooldown_window"), *v);
  }
  if (const json* v = p.find("capital")) {
    paper.capital = p.number_at(p.path_of("capital"), *v, 1, 1e12, "must be a number between 1 and 1e12");
  }
  p.finish();
}

std::map<std::string, double> read_tolerance_map(FieldReader& parent, const std::string& key,
                                                 bool series_prefix) {
  std::map<std::string, double> out;
  const json* v = parent.find(key);
  if (!v) return out;
  const std::string path = parent.path_of(key);
  if (!v->is_object()) parent.fail(path, *v, std::string("must be an object, not ") + type_name(*v));
  for (auto it = v->begin(); it != v->end(); ++it) {
    const std::string item_path = path + "/" + it.key();
    if (!is_name(it.key(), series_prefix)) {
      parent.fail(item_path, it.value(),
                  series_prefix ? "key must be a series name prefix (letters, digits, . _ -)"
                                : "key must be a unit name (lower-case letters, digits, _)");
    }
    out[it.key()] = parent.number_at(item_path, it.value(), 0, std::numeric_limits<double>::max(),
                                     "must be a number >= 0");
  }
  return out;
}

void read_fixtures(FieldReader& top, Fixtures& f) {
  static const json kEmpty = json::object();
  FieldReader r = top.object("fixtures", kEmpty);
  if (const json* v = r.find("slow_leak_bytes_per_hour")) {
    f.slow_leak_bytes_per_hour = r.number_at(r.path_of("slow_leak_bytes_per_hour"), *v, 0, 1e12,
                                             "must be a number of bytes per virtual hour between 0 and 1e12");
  }
  if (const json* v = r.find("error_note_bytes")) {
    f.error_note_bytes = r.unsigned_at(r.path_of("error_note_bytes"), *v, 0, 1u << 20);
  }
  if (const json* v = r.find("thread_leak_every")) {
    f.thread_leak_every = static_cast<std::uint32_t>(r.unsigned_at(r.path_of("thread_leak_every"), *v, 1, 1000000));
  }
  if (const json* v = r.find("block_bytes")) {
    f.block_bytes = r.unsigned_at(r.path_of("block_bytes"), *v, 1, std::uint64_t{1} << 34);
  }
  if (const json* v = r.find("step_at")) f.step_at = r.duration_at(r.path_of("step_at"), *v);
  r.finish();
}

// /verdict/absolute/series: prefix -> bytes (a number), or prefix -> {unit:
// tolerance} for series of any unit (bytes included).
void read_prefix_tolerances(FieldReader& abs, VerdictTolerances& v) {
  const json* s = abs.find("series");
  if (!s) return;
  const std::string path = abs.path_of("series");
  if (!s->is_object()) abs.fail(path, *s, std::string("must be an object, not ") + type_name(*s));
  for (auto it = s->begin(); it != s->end(); ++it) {
    const std::string item_path = path + "/" + it.key();
    if (!is_name(it.key(), true)) {
      abs.fail(item_path, it.value(), "key must be a series name prefix (letters, digits, . _ -)");
    }
    if (it.value().is_number()) {
      v.absolute_by_prefix[it.key()] = abs.number_at(item_path, it.value(), 0, std::numeric_limits<double>::max(),
                                                     "must be a number of bytes >= 0");
      continue;
    }
    if (!it.value().is_object()) {
      abs.fail(item_path, it.value(),
               std::string("must be a number of bytes or an object {unit: tolerance}, not ") + type_name(it.value()));
    }
    if (it.value().empty()) abs.fail(item_path, it.value(), "must name at least one unit");
    for (auto u = it.value().begin(); u != it.value().end(); ++u) {
      const std::string unit_path = item_path + "/" + u.key();
      if (!is_name(u.key(), false)) abs.fail(unit_path, u.value(), "key must be a unit name (lower-case letters, digits, _)");
      v.absolute_by_prefix_unit[it.key()][u.key()] = abs.number_at(
          unit_path, u.value(), 0, std::numeric_limits<double>::max(), "must be a number >= 0");
    }
  }
}

// verdict.sites: { "enabled": bool, "absolute": bytes, "relative": share,
// "min_samples": count, "sample_bytes": power of two,
// "floor": bytes }, every key optional.
void read_site_tolerances(FieldReader& verdict, SiteVerdictTolerances& sites) {
  static const json kEmpty = json::object();
  FieldReader r = verdict.object("sites", kEmpty);
  if (const json* e = r.find("enabled")) {
    if (!e->is_boolean()) r.fail(r.path_of("enabled"), *e, std::string("must be true or false, not ") + type_name(*e));
    sites.enabled = e->get<bool>();
  }
  r.number("absolute", sites.absolute_bytes, 0, std::numeric_limits<double>::max(),
           "must be a number of bytes >= 0 (projected growth of one site over the horizon)");
  r.number("relative", sites.relative, 0, 100, "must be between 0 and 100 (a share of the site's steady level)");
  r.number("floor", sites.floor_bytes, 0, std::numeric_limits<double>::max(),
           "must be a number of bytes >= 0 (sites whose live bytes stay below it are not judged)");
  r.number("min_samples", sites.min_samples, 0, 1e9,
           "must be a number from 0 to 1e9 (sites with fewer sampled objects at their peak are not judged)");
  if (const json* b = r.find("sample_bytes")) {
    const std::string path = r.path_of("sample_bytes");
    const double v = r.number_at(path, *b, 64, 1048576,
                                 "must be a power of two from 64 to 1048576 (mean bytes between heap samples)");
    const auto bytes = static_cast<std::uint64_t>(v);
    if (static_cast<double>(bytes) != v || (bytes & (bytes - 1)) != 0)
      r.fail(path, *b, "must be a power of two from 64 to 1048576 (mean bytes between heap samples)");
    sites.sample_bytes = bytes;
  }
  r.finish();
}

// Returns whether the window was given.
bool read_verdict(FieldReader& top, VerdictTolerances& v) {
  static const json kEmpty = json::object();
  FieldReader r = top.object("verdict", kEmpty);
  r.number("alpha", v.alpha, std::numeric_limits<double>::min(), 0.5, "must be above 0 and at most 0.5");
  r.number("growth_confidence", v.growth_confidence, 0.5, 0.9999,
           "must be between 0.5 and 0.9999 (the confidence with which growth must exceed the tolerances)");
  r.number("relative", v.relative, 0, 100, "must be between 0 and 100 (a share of the steady level)");
  const bool window_given = r.find("window") != nullptr;
  r.duration("window", v.window);
  if (const json* a = r.find("absolute")) {
    const std::string path = r.path_of("absolute");
    if (a->is_number()) {
      v.absolute_default =
          r.number_at(path, *a, 0, std::numeric_limits<double>::max(), "must be a number >= 0");
    } else {
      if (!a->is_object())
        r.fail(path, *a, std::string("must be a number or an object, not ") + type_name(*a));
      FieldReader abs(*a, path, r.source());
      abs.number("default", v.absolute_default, 0, std::numeric_limits<double>::max(),
                 "must be a number >= 0");
      v.absolute_by_unit = read_tolerance_map(abs, "units", false);
      read_prefix_tolerances(abs, v);
      abs.finish();
    }
  }
  read_site_tolerances(r, v.sites);
  r.finish();
  return window_given;
}

}  // namespace

Scenario parse_scenario(std::string_view json_text, std::string_view source_view) {
  const std::string source(source_view);
  json document;
  try {
    // Depth, size, duplicate keys, NUL bytes, trailing text and numbers out
    // of range are refused here, before any field is read.
    document = reports::parse_limited_json(json_text, reports::kScenarioJsonLimits);
  } catch (const reports::JsonInputError& e) {
    throw ScenarioError(source, e.path(), "", e.rule());
  }
  static const json kEmpty = json::object();
  FieldReader top(document, "", source);
  Scenario sc;
  sc.name = std::filesystem::path(source).stem().string();
  top.string("name", sc.name);
  top.string("description", sc.description);
  sc.duration = top.duration_at(top.path_of("duration"), top.require("duration"));
  sc.warm_up = std::chrono::round<Duration>(sc.duration / 10.0);
  top.duration("warm_up", sc.warm_up);
  if (const json* seed = top.find("seed")) {
    sc.seed = top.unsigned_at(top.path_of("seed"), *seed, 0, std::numeric_limits<std::uint64_t>::max());
  }
  if (const json* clock = top.find("clock")) {
    const std::string mode = top.string_at(top.path_of("clock"), *clock);
    try {
      sc.clock = parse_clock(mode);
    } catch (const std::invalid_argument& e) {
      top.fail(top.path_of("clock"), *clock, e.what());
    }
  }
  sc.symbols = read_symbols(top);
  read_rates(top, sc.rates);
  read_paper(top, sc.paper);
  {
    FieldReader p = top.object("price_source", kEmpty);
    p.share("failure_share", sc.price_source.failure_share);
    p.duration("latency", sc.price_source.latency);
    p.finish();
  }
  if (const json* m = top.find("maintain")) {
    const std::string path = top.path_of("maintain");
    if (!m->is_object()) top.fail(path, *m, std::string("must be an object, not ") + type_name(*m));
    for (auto it = m->begin(); it != m->end(); ++it) {
      const std::string item_path = path + "/" + it.key();
      if (!is_name(it.key(), false))
        top.fail(item_path, it.value(), "key must be a component name (a-z, 0-9, _ . -)");
      sc.maintain_intervals[it.key()] = top.duration_at(item_path, it.value());
    }
  }
  top.duration("sample_interval", sc.sample_interval);
  top.duration("audit_interval", sc.audit_interval);
  top.duration("restart_interval", sc.restart_interval);
  if (const json* c = top.find("heap_profile_checkpoints")) {
    const std::string path = top.path_of("heap_profile_checkpoints");
    if (!c->is_array())
      top.fail(path, *c, std::string("must be a list of virtual times, not ") + type_name(*c));
    for (std::size_t i = 0; i < c->size(); ++i) {
      sc.heap_profile_checkpoints.push_back(top.duration_at(path + "/" + std::to_string(i), (*c)[i]));
    }
  }
  if (const json* f = top.find("failpoints")) {
    const std::string path = top.path_of("failpoints");
    if (!f->is_array())
      top.fail(path, *f, std::string("must be a list of failpoint names, not ") + type_name(*f));
    std::set<std::string> seen;
    for (std::size_t i = 0; i < f->size(); ++i) {
      const std::string item_path = path + "/" + std::to_string(i);
      std::string name = top.string_at(item_path, (*f)[i]);
      if (!is_name(name, false))
        top.fail(item_path, (*f)[i], "must be a failpoint name such as \"plans.leak_execution_locks\"");
      if (!seen.insert(name).second) top.fail(item_path, (*f)[i], "must appear only once");
      sc.failpoints.push_back(std::move(name));
    }
  }
  read_fixtures(top, sc.fixtures);
  sc.verdict.window_given = read_verdict(top, sc.verdict);
  if (!sc.verdict.window_given) sc.verdict.window = default_verdict_window(sc.duration, sc.warm_up);
  top.finish();
  validate_scenario(sc, source);
  return sc;
}

}  // namespace plateau::soak
