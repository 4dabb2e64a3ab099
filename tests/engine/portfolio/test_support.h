// Test support shared by the portfolio and exec tests: sinks that record what
// a component reports through inventory() and audit(), so tests can ask
// "which keys does container X still hold?" and "what is counter Y?", and the
// printers Boost.Test needs to show engine values in failure messages.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <utility>

#include "engine/core/fixed.h"
#include "engine/core/inspect.h"
#include "engine/core/types.h"

namespace plateau::engine {

// Found by Boost.Test through ADL.
inline std::ostream& boost_test_print_type(std::ostream& out, const Fixed& value) {
  return out << value.to_string();
}

}  // namespace plateau::engine

namespace plateau::engine::testing {

class RecordingAudit final : public AuditSink {
 public:
  void held(const AuditContainer& container, std::string_view key,
            std::optional<TimePoint> stored_at) override {
    keys_[std::string(container.container)].insert(std::string(key));
    kinds_[std::string(container.container)] = container.kind;
    max_ages_[std::string(container.container)] = container.max_age;
    if (stored_at) stored_at_[std::string(key)] = *stored_at;
  }
  const std::set<std::string>& keys(const std::string& container) const {
    static const std::set<std::string> kEmpty;
    auto it = keys_.find(container);
    return it == keys_.end() ? kEmpty : it->second;
  }
  bool holds(const std::string& container, const std::string& key) const {
    return keys(container).contains(key);
  }
  std::optional<EntityKind> kind(const std::string& container) const {
    auto it = kinds_.find(container);
    return it == kinds_.end() ? std::nullopt : std::optional(it->second);
  }
  std::optional<Duration> max_age(const std::string& container) const {
    auto it = max_ages_.find(container);
    return it == max_ages_.end() ? std::nullopt : it->second;
  }

 private:
  std::map<std::string, std::set<std::string>> keys_;
  std::map<std::string, EntityKind> kinds_;
  std::map<std::string, std::optional<Duration>> max_ages_;
  std::map<std::string, TimePoint> stored_at_;
};

class RecordingInventory final : public InventorySink {
 public:
  void container(const ContainerReport& report) override {
    containers_[std::string(report.container)] = {report.entries, report.approx_bytes};
  }
  void counter(const CounterReport& report) override {
    counters_[std::string(report.name)] = {report.value, report.kind};
  }
  std::size_t entries(const std::string& container) const { return containers_.at(container).first; }
  std::size_t bytes(const std::string& container) const { return containers_.at(container).second; }
  std::uint64_t counter_value(const std::string& name) const { return counters_.at(name).first; }
  CounterKind counter_kind(const std::string& name) const { return counters_.at(name).second; }
  bool has_container(const std::string& container) const { return containers_.contains(container); }

 private:
  std::map<std::string, std::pair<std::size_t, std::size_t>> containers_;
  std::map<std::string, std::pair<std::uint64_t, CounterKind>> counters_;
};

inline TimePoint at_seconds(std::int64_t s) { return TimePoint{std::chrono::seconds(s)}; }

}  // namespace plateau::engine::testing
