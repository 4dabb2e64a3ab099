#include "probes/inventory_probe.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace plateau::probes {

namespace {

// invariant.<component>.<counter> or health.<component>.<counter>: the one
// spelling, for a counter's own series and for a container naming it.
std::string counter_series(engine::CounterKind kind, std::string_view component, std::string_view counter) {
  std::string name(kind == engine::CounterKind::kInvariant ? "invariant." : "health.");
  name.append(component).append(".").append(counter);
  return name;
}

}  // namespace

// Forwards each report to the probe, numbering reports in call order so the
// probe can reuse last pass's series ids without hashing.
class InventoryProbe::Sink final : public engine::InventorySink {
 public:
  Sink(InventoryProbe& probe, SampleWriter& out) : probe_(probe), out_(out) {}

  void container(const engine::ContainerReport& report) override {
    const Slot& slot = probe_.resolve(position_++, report.component, report.container, false,
                                      engine::CounterKind::kHealth, out_, report.arrivals);
    std::optional<double> bound;
    if (report.bound_entries) bound = static_cast<double>(*report.bound_entries);
    out_.put(slot.first, static_cast<double>(report.entries), bound);
    out_.put(slot.second, static_cast<double>(report.approx_bytes));
  }

  void counter(const engine::CounterReport& report) override {
    const Slot& slot = probe_.resolve(position_++, report.component, report.name, true, report.kind, out_);
    out_.put(slot.first, static_cast<double>(report.value));
  }

 private:
  InventoryProbe& probe_;
  SampleWriter& out_;
  std::size_t position_ = 0;
};

InventoryProbe::InventoryProbe(InventorySource source) : source_(std::move(source)) {
  if (!source_) throw std::invalid_argument("InventoryProbe: the inventory source is empty");
}

void InventoryProbe::sample(engine::TimePoint /*now*/, SampleWriter& out) {
  Sink sink(*this, out);
  source_(sink);
}

const InventoryProbe::Slot& InventoryProbe::resolve(std::size_t position, std::string_view component,
                                                    std::string_view item, bool is_counter,
                                                    engine::CounterKind kind, SampleWriter& out,
                                                    std::string_view arrivals) {
  // Fast path: the same report at the same position as last pass.
  if (position < slots_.size()) {
    const Slot& cached = slots_[position];
    if (cached.is_counter == is_counter && cached.kind == kind && cached.item == item &&
        cached.component == component) {
      return cached;
    }
  }

  key_buffer_.assign(!is_counter ? "c|" : kind == engine::CounterKind::kInvariant ? "i|" : "h|");
  key_buffer_.append(component);
  key_buffer_.push_back('\x1f');
  key_buffer_.append(item);
  auto it = known_.find(std::string_view(key_buffer_));
  if (it == known_.end()) {
    Slot slot{std::string(component), std::string(item), is_counter, kind, 0, 0};
    std::string name;
    if (is_counter) {
      const bool invariant = kind == engine::CounterKind::kInvariant;
      slot.first = out.intern(counter_series(kind, component, item), "count", component,
                              invariant ? SeriesFamily::kInvariant : SeriesFamily::kHealth);
    } else {
      name.append("inventory.").append(component).append(".").append(item);
      const std::size_t stem = name.size();
      name.append(".entries");
      const std::string arrivals_series =
          arrivals.empty() ? std::string() : counter_series(engine::CounterKind::kHealth, component, arrivals);
      slot.first = out.intern(name, "entries", component, SeriesFamily::kInventory, SeriesRole::kJudged, false,
                              arrivals_series);
      name.resize(stem);
      name.append(".bytes");
      // Not the bytes: Little's law takes the time held from the count of
      // entries, which a series of bytes does not have.
      slot.second = out.intern(name, "bytes", component, SeriesFamily::kInventory);
    }
    it = known_.emplace(key_buffer_, std::move(slot)).first;
  }

  if (position >= slots_.size()) slots_.resize(position + 1);
  slots_[position] = it->second;
  return slots_[position];
}

}  // namespace plateau::probes
