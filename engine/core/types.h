// Small vocabulary types shared by every engine component.
//
// Entity ids are strings: they are what the audit reports and what the
// harness names when an entity reaches a terminal state, so one spelling
// serves the engine, the probes and the report. approx_heap_bytes() gives the
// heap a value owns beyond its own size, for inventory byte estimates.
//
// Thread safety: value types and pure functions only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace plateau::engine {

using Symbol = std::string;
using PlanId = std::string;
using PositionId = std::string;
using OrderId = std::string;
using TxHash = std::string;

enum class Side : std::uint8_t { kBuy, kSell };  // kBuy opens long, kSell opens short
std::string_view to_string(Side side) noexcept;

// Heap bytes owned by a std::string beyond sizeof(std::string) (0 under SSO).
inline std::size_t approx_heap_bytes(const std::string& s) noexcept {
  return s.capacity() > 15 ? s.capacity() + 1 : 0;
}

// Rough per-node overheads of the standard containers (libstdc++, 64-bit),
// used for the approximate-bytes figures of the inventory.
inline constexpr std::size_t kHashNodeOverhead = 2 * sizeof(void*) + sizeof(std::size_t);
inline constexpr std::size_t kTreeNodeOverhead = 4 * sizeof(void*);
inline constexpr std::size_t kListNodeOverhead = 2 * sizeof(void*);

}  // namespace plateau::engine
