// Test doubles for the inventory and audit pull interfaces: they copy what a
// component reports so a test can look it up by name. Used by the market and
// paper tests. Single-threaded, as sinks are.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/inspect.h"

namespace plateau::engine::testing {

struct RecordedContainer {
  std::size_t entries = 0;
  std::size_t approx_bytes = 0;
  std::optional<std::size_t> bound_entries;
};

class RecordingInventory final : public InventorySink {
 public:
  void container(const ContainerReport& r) override {
    containers[std::string(r.container)] = {r.entries, r.approx_bytes, r.bound_entries};
  }
  void counter(const CounterReport& r) override { counters[std::string(r.name)] = {r.value, r.kind}; }
  std::map<std::string, RecordedContainer> containers;
  std::map<std::string, std::pair<std::uint64_t, CounterKind>> counters;
};

class RecordingAudit final : public AuditSink {
 public:
  void held(const AuditContainer& c, std::string_view key, std::optional<TimePoint>) override {
    keys[std::string(c.container)].emplace_back(key);
    kinds[std::string(c.container)] = c.kind;
  }
  std::map<std::string, std::vector<std::string>> keys;
  std::map<std::string, EntityKind> kinds;
};

}  // namespace plateau::engine::testing
