#include "probes/series.h"

#include <stdexcept>
#include <string>

namespace plateau::probes {

std::string_view to_string(SeriesFamily family) noexcept {
  switch (family) {
    case SeriesFamily::kInventory:
      return "inventory";
    case SeriesFamily::kAllocator:
      return "alloc";
    case SeriesFamily::kProcess:
      return "process";
    case SeriesFamily::kInvariant:
      return "invariant";
    case SeriesFamily::kHealth:
      return "health";
    case SeriesFamily::kResidue:
      return "residue";
  }
  return "unknown";
}

SeriesId SeriesTable::intern(std::string_view name, std::string_view unit, std::string_view component,
                             SeriesFamily family, SeriesRole role, bool never_zero,
                             std::string_view arrivals) {
  if (auto it = by_name_.find(name); it != by_name_.end()) {
    const SeriesInfo& existing = series_[it->second];
    if (existing.unit != unit || existing.family != family || existing.role != role) {
      const auto role_text = [](SeriesRole r) { return r == SeriesRole::kJudged ? "judged" : "context"; };
      throw std::logic_error("series '" + std::string(name) + "' re-registered with unit '" +
                             std::string(unit) + "', family '" + std::string(to_string(family)) + "' and role " +
                             role_text(role) + " but it has unit '" + existing.unit + "', family '" +
                             std::string(to_string(existing.family)) + "' and role " + role_text(existing.role) +
                             ": two probes publish the same name");
    }
    return it->second;
  }
  const auto id = static_cast<SeriesId>(series_.size());
  series_.push_back(
      SeriesInfo{std::string(name), std::string(unit), std::string(component), family, role, never_zero,
                 std::string(arrivals)});
  by_name_.emplace(series_.back().name, id);
  return id;
}

std::optional<SeriesId> SeriesTable::find(std::string_view name) const {
  if (auto it = by_name_.find(name); it != by_name_.end()) return it->second;
  return std::nullopt;
}

}  // namespace plateau::probes
