// Test sinks that copy what a component reports through inventory() and
// audit(), so tests can assert on containers, counters and held keys.
//
// Thread safety: none; one test thread uses a sink at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/inspect.h"

namespace plateau::engine::testing {

struct HeldKey {
  std::string component;
  std::string container;
  EntityKind kind;
  std::optional<Duration> max_age;
  std::string key;
  std::optional<TimePoint> stored_at;
};

class RecordingAuditSink final : public AuditSink {
 public:
  void held(const AuditContainer& container, std::string_view key,
            std::optional<TimePoint> stored_at) override {
    keys.push_back(HeldKey{std::string(container.component), std::string(container.container), container.kind,
                           container.max_age, std::string(key), stored_at});
  }
  std::vector<std::string> keys_of(std::string_view container) const {
    std::vector<std::string> result;
    for (const auto& k : keys) {
      if (k.container == container) result.push_back(k.key);
    }
    return result;
  }
  bool holds(std::string_view container, std::string_view key) const {
    for (const auto& k : keys) {
      if (k.container == container && k.key == key) return true;
    }
    return false;
  }
  // Keys stored longer ago than their container's max_age: what the probes
  // report as residue without any terminal event.
  std::vector<HeldKey> older_than_max_age(TimePoint now) const {
    std::vector<HeldKey> result;
    for (const auto& k : keys) {
      if (k.max_age && k.stored_at && now - *k.stored_at > *k.max_age) result.push_back(k);
    }
    return result;
  }
  std::vector<HeldKey> keys;
};

class RecordingInventorySink final : public InventorySink {
 public:
  struct Container {
    std::string component;
    std::string container;
    std::size_t entries;
    std::size_t approx_bytes;
    std::optional<std::size_t> bound_entries;
  };
  void container(const ContainerReport& r) override {
    containers.push_back(
        Container{std::string(r.component), std::string(r.container), r.entries, r.approx_bytes, r.bound_entries});
  }
  void counter(const CounterReport& r) override {
    counters.push_back({std::string(r.component) + "." + std::string(r.name), r.value});
  }
  const Container* find(std::string_view name) const {
    for (const auto& c : containers) {
      if (c.container == name) return &c;
    }
    return nullptr;
  }
  std::optional<std::uint64_t> counter_value(std::string_view qualified_name) const {
    for (const auto& [name, value] : counters) {
      if (name == qualified_name) return value;
    }
    return std::nullopt;
  }
  std::vector<Container> containers;
  std::vector<std::pair<std::string, std::uint64_t>> counters;
};

}  // namespace plateau::engine::testing
