// Options, statistics and key helpers shared by every BoundedCache<K, V>.
//
// BoundedCacheOptions is what a component declares for one cache: its entry
// capacity, the TTL it asks for by default, the maximum TTL any entry may get
// (seed 002 §1 capped every TTL at 30 minutes), the interval at which its
// owner sweeps it from maintain(now), and an optional approximate-bytes
// budget. validate() refuses an inconsistent set with the field, the value
// and why. BoundedCacheStats is a plain snapshot returned by stats().
//
// Thread safety: value types and pure functions only.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "engine/core/clock.h"
#include "engine/core/types.h"

namespace plateau::engine {

struct BoundedCacheOptions {
  // Entries held at most; inserting a new key at capacity evicts the least
  // recently used entry.
  std::size_t capacity = 1000;
  // TTL of put() without an explicit ttl. Capped at max_ttl like any other.
  Duration default_ttl = std::chrono::seconds(1800);
  // No entry lives longer than this, whatever TTL its writer asked for
  // (unless failpoint cache.uncapped_ttl is on: that is the seed bug).
  Duration max_ttl = std::chrono::seconds(1800);
  // How often the owner's maintain(now) runs a full sweep of expired entries.
  Duration sweep_interval = std::chrono::seconds(60);
  // Approximate-bytes budget; 0 means none. When a put() takes the cache over
  // it, an aggressive sweep drops expired entries, then LRU entries, until
  // the cache is at or under aggressive_sweep_target * max_bytes.
  std::size_t max_bytes = 0;
  double aggressive_sweep_target = 0.9;
  // Expiry work (entries examined plus expiry-wheel slots visited) done by
  // each get/put/erase: expiry is amortised over operations, never an O(n)
  // pass per operation.
  std::size_t expiry_work_per_operation = 8;
};

// Throws std::invalid_argument naming the field, its value and why, e.g.
// "BoundedCacheOptions.capacity = 0: must be at least 1".
void validate(const BoundedCacheOptions& options);

struct BoundedCacheStats {
  std::size_t size = 0;
  std::size_t capacity = 0;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  double hit_ratio = 0.0;  // hits / (hits + misses), 0 before any lookup
  std::uint64_t evictions = 0;    // LRU removals: capacity or byte budget
  std::uint64_t expirations = 0;  // TTL removals (lookups, amortised expiry, sweeps)
  std::uint64_t erasures = 0;     // explicit erase()/take() that removed an entry
  std::uint64_t aggressive_sweeps = 0;  // times the byte budget was exceeded
  std::size_t approx_bytes = 0;
  std::size_t max_bytes = 0;
  Duration oldest_entry_age{0};  // now - stored_at of the oldest entry; 0 if empty
};

// Heap bytes a key or value owns beyond its own size, for the default entry
// size estimate: std::string's heap buffer, nothing for other types.
template <class T>
std::size_t approx_owned_heap_bytes(const T& value) noexcept {
  if constexpr (std::is_same_v<T, std::string>) {
    return approx_heap_bytes(value);
  } else {
    (void)value;
    return 0;
  }
}

// The printable form of a cache key, for audit reports: strings as they are,
// integers in decimal, anything else through an ADL to_string(key).
template <class K>
std::string cache_key_text(const K& key) {
  if constexpr (std::is_convertible_v<const K&, std::string_view>) {
    return std::string(std::string_view(key));
  } else if constexpr (std::is_integral_v<K>) {
    return std::to_string(key);
  } else {
    return to_string(key);
  }
}

}  // namespace plateau::engine
