#include "engine/core/inspect.h"

namespace plateau::engine {

std::string_view to_string(EntityKind kind) noexcept {
  switch (kind) {
    case EntityKind::kPlan: return "plan";
    case EntityKind::kPosition: return "position";
    case EntityKind::kOrder: return "order";
    case EntityKind::kExitIntent: return "exit_intent";
    case EntityKind::kTransaction: return "transaction";
    case EntityKind::kSymbol: return "symbol";
    case EntityKind::kCacheEntry: return "cache_entry";
  }
  return "unknown";
}

}  // namespace plateau::engine
