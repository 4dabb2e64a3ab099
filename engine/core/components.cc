#include "engine/core/components.h"

#include <array>

namespace plateau::engine {
namespace {

// The longest matching prefix wins (see components.h). Names match the
// kComponent constants of each component's inventory and the failpoint table.
constexpr std::array<ComponentSource, 17> kSources{{
    {"engine/exec/order_router", "router"},
    {"engine/exec/order", "router"},
    {"engine/exec/exit_manager", "exits"},
    {"engine/exec/exit_venue", "exits"},
    {"engine/exec/portfolio_fills", "portfolio"},
    {"engine/portfolio/priority_symbols", "priority_symbols"},
    {"engine/portfolio/", "portfolio"},
    {"engine/plans/", "plans"},
    {"engine/market/", "market"},
    {"engine/wallet/", "wallet"},
    {"engine/executor/", "executor"},
    {"engine/paper/", "paper"},
    {"engine/cache/", "cache"},
    {"engine/core/", "engine"},
    {"engine/engine.", "engine"},
    {"engine/engine_config", "engine"},
    {"engine/exec/", "exits"},
}};

}  // namespace

std::span<const ComponentSource> component_sources() noexcept { return kSources; }

std::string_view component_for_source(std::string_view project_relative_path) noexcept {
  while (project_relative_path.starts_with("./")) project_relative_path.remove_prefix(2);
  std::string_view best;
  std::size_t best_length = 0;
  for (const ComponentSource& source : kSources) {
    if (project_relative_path.starts_with(source.path_prefix) && source.path_prefix.size() > best_length) {
      best = source.component;
      best_length = source.path_prefix.size();
    }
  }
  return best;
}

bool is_shared_building_block(std::string_view project_relative_path) noexcept {
  while (project_relative_path.starts_with("./")) project_relative_path.remove_prefix(2);
  return project_relative_path.starts_with("engine/cache/") || project_relative_path.starts_with("engine/core/");
}

}  // namespace plateau::engine
