#include "probes/registry.h"

#include <stdexcept>
#include <string>

#include "probes/instrumentation_arena.h"

namespace plateau::probes {

Probe& ProbeRegistry::add(std::unique_ptr<Probe> probe) {
  if (!probe) throw std::invalid_argument("ProbeRegistry::add: probe is null");
  probes_.push_back(std::move(probe));
  return *probes_.back();
}

const SampleBatch& ProbeRegistry::sample_all(engine::TimePoint now) {
  const InstrumentationScope own_memory;  // the pass's allocations are plateau's
  batch_.at = now;
  batch_.samples.clear();  // keeps capacity: no allocation once warmed up
  SampleWriter writer(table_, batch_.samples);
  for (auto& probe : probes_) {
    try {
      probe->sample(now, writer);
    } catch (const std::exception& e) {
      throw std::runtime_error("probe '" + std::string(probe->name()) + "' failed: " + e.what());
    }
  }
  return batch_;
}

std::optional<double> ProbeRegistry::last_value(std::string_view name) const {
  const auto id = table_.find(name);
  if (!id) return std::nullopt;
  for (const Sample& s : batch_.samples) {
    if (s.series == *id) return s.value;
  }
  return std::nullopt;
}

}  // namespace plateau::probes
