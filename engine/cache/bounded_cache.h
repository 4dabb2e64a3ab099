// BoundedCache<K, V>: a key-value cache bounded by entries, age and bytes.
//
// Seed 002 §1's cache leaked because TTLs were whatever the writer asked and
// cleanup was an O(n) pass on every get/set. This one holds at most
// `capacity` entries (LRU eviction), gives every entry a TTL capped at
// `max_ttl`, expires entries through an expiry wheel that each operation
// advances by a bounded amount of work (O(1) amortised get/put/erase), lets
// the owner remove everything expired with sweep(now) from its maintain(now)
// every `sweep_interval`, and keeps an approximate-bytes total that, past the
// optional `max_bytes` budget, triggers an aggressive sweep (expired first,
// then LRU) down to 90% of the budget. Failpoint cache.uncapped_ttl puts the
// seed bug back: a TTL longer than max_ttl is then honoured.
//
// Thread safety: every public method may be called from any thread; one
// internal mutex serialises them. Factories passed to get_or_put() and the
// sinks passed to inventory()/audit() run under that mutex and must not call
// back into the same cache. Values are returned by copy.
//
// Invariants (between calls): size() <= capacity; no entry's expires_at -
// stored_at exceeds max_ttl unless the failpoint was on when it was written;
// lookups never return an entry with expires_at <= now; approx_bytes is the
// sum of the entries' estimates and, right after any put(), is at most
// max_bytes (when a budget is set). Time comes only from the `now` arguments;
// callers should pass a non-decreasing now (an older now is tolerated: entries
// expire at worst one wheel tick late, never early).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/core/mutex.h"
#include "engine/cache/bounded_cache_options.h"
#include "engine/core/clock.h"
#include "engine/core/failpoints.h"
#include "engine/core/inspect.h"
#include "engine/core/thread_annotations.h"
#include "engine/core/types.h"

namespace plateau::engine {

template <class K, class V, class Hash = std::hash<K>, class KeyEqual = std::equal_to<K>>
class BoundedCache {
 public:
  // Heap bytes an entry owns beyond the cache's fixed per-entry overhead
  // (which is always added). The default counts std::string keys and values.
  using EntrySizeFn = std::function<std::size_t(const K&, const V&)>;

  // `component` and `container` name the cache in inventory and audit
  // reports (e.g. "wallet", "processed_transactions"). Throws
  // std::invalid_argument on bad options (see validate()). `failpoints` must
  // outlive the cache.
  BoundedCache(BoundedCacheOptions options, const Failpoints& failpoints, std::string component,
               std::string container, EntrySizeFn entry_size = {})
      : options_((validate(options), options)),
        failpoints_(failpoints),
        component_(std::move(component)),
        container_(std::move(container)),
        entry_size_(std::move(entry_size)),
        tick_(wheel_tick(options_.max_ttl)),
        slots_(kWheelSlots + 1, nullptr) {
    map_.reserve(std::min<std::size_t>(options_.capacity, 1024));
  }

  BoundedCache(const BoundedCache&) = delete;
  BoundedCache& operator=(const BoundedCache&) = delete;

  // The value if present and unexpired (counts a hit and makes it most
  // recently used), else nullopt (counts a miss; an expired entry is removed).
  std::optional<V> get(const K& key, TimePoint now) {
    MutexLock lock(mu_);
    expire_some(now);
    Entry* entry = find_live(key, now);
    if (entry == nullptr) {
      ++misses_;
      return std::nullopt;
    }
    ++hits_;
    touch(entry);
    return entry->value;
  }

  // True if present and unexpired. Does not count as a hit or miss and does
  // not change the LRU order.
  bool contains(const K& key, TimePoint now) const {
    MutexLock lock(mu_);
    auto it = map_.find(key);
    return it != map_.end() && now < it->second.expires_at;
  }

  // Inserts or replaces with the default TTL (capped at max_ttl).
  void put(const K& key, V value, TimePoint now) { put(key, std::move(value), now, options_.default_ttl); }

  // Inserts or replaces; `ttl` must be positive and is capped at max_ttl
  // (unless failpoint cache.uncapped_ttl is on). A replaced entry's age
  // restarts at `now`. Throws std::invalid_argument on a non-positive ttl.
  void put(const K& key, V value, TimePoint now, Duration ttl) {
    MutexLock lock(mu_);
    expire_some(now);
    store(key, std::move(value), now, effective_ttl(ttl));
  }

  // Inserts only if the key is absent or expired, atomically: the dedup
  // primitive. Returns true if inserted (counts a miss), false if a live
  // entry was already there (counts a hit; the entry is left unchanged).
  bool insert_if_absent(const K& key, V value, TimePoint now) {
    return insert_if_absent(key, std::move(value), now, options_.default_ttl);
  }
  bool insert_if_absent(const K& key, V value, TimePoint now, Duration ttl) {
    MutexLock lock(mu_);
    expire_some(now);
    const Duration capped = effective_ttl(ttl);
    if (Entry* entry = find_live(key, now)) {
      ++hits_;
      touch(entry);
      return false;
    }
    ++misses_;
    store(key, std::move(value), now, capped);
    return true;
  }

  // The live value for `key`, or `make()`'s result stored with the default
  // TTL; atomic, so racing callers get the same value. `make` runs under the
  // cache's mutex.
  template <class Factory>
  V get_or_put(const K& key, TimePoint now, Factory&& make) {
    MutexLock lock(mu_);
    expire_some(now);
    if (Entry* entry = find_live(key, now)) {
      ++hits_;
      touch(entry);
      return entry->value;
    }
    ++misses_;
    const Duration capped = effective_ttl(options_.default_ttl);
    V made = std::forward<Factory>(make)();
    store(key, made, now, capped);  // may drop it at once if it alone busts the byte budget
    return made;
  }

  // Removes the key at once; true if it was held (expired or not).
  bool erase(const K& key) {
    MutexLock lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return false;
    remove(&it->second);
    ++erasures_;
    return true;
  }

  // Removes the key and returns its value if it was live at `now`.
  std::optional<V> take(const K& key, TimePoint now) {
    MutexLock lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    Entry* entry = &it->second;
    std::optional<V> value;
    if (now < entry->expires_at) value = std::move(entry->value);
    remove(entry);
    ++erasures_;
    return value;
  }

  // Removes every entry expired at `now` (expires_at <= now); returns how
  // many. Costs the expired entries plus at most one pass over the wheel's
  // slots, never a pass over the live entries.
  std::size_t sweep(TimePoint now) {
    MutexLock lock(mu_);
    return sweep_locked(now);
  }

  // The owner's periodic hook: sweeps if sweep_interval has passed since the
  // last maintain() sweep (the first call always sweeps). Returns the
  // entries removed.
  std::size_t maintain(TimePoint now) {
    MutexLock lock(mu_);
    if (next_sweep_at_ && now < *next_sweep_at_) return 0;
    next_sweep_at_ = now + options_.sweep_interval;
    return sweep_locked(now);
  }

  Duration sweep_interval() const noexcept { return options_.sweep_interval; }
  const BoundedCacheOptions& options() const noexcept { return options_; }
  const std::string& component() const noexcept { return component_; }
  const std::string& container() const noexcept { return container_; }

  // Entries held, expired-but-not-yet-removed ones included.
  std::size_t size() const {
    MutexLock lock(mu_);
    return map_.size();
  }

  void clear() {
    MutexLock lock(mu_);
    while (lru_tail_ != nullptr) {
      remove(lru_tail_);
      ++erasures_;
    }
  }

  BoundedCacheStats stats(TimePoint now) const {
    MutexLock lock(mu_);
    BoundedCacheStats s;
    s.size = map_.size();
    s.capacity = options_.capacity;
    s.hits = hits_;
    s.misses = misses_;
    const std::uint64_t lookups = hits_ + misses_;
    s.hit_ratio = lookups == 0 ? 0.0 : static_cast<double>(hits_) / static_cast<double>(lookups);
    s.evictions = evictions_;
    s.expirations = expirations_;
    s.erasures = erasures_;
    s.aggressive_sweeps = aggressive_sweeps_;
    s.approx_bytes = approx_bytes_;
    s.max_bytes = options_.max_bytes;
    if (age_head_ != nullptr && now > age_head_->stored_at) s.oldest_entry_age = now - age_head_->stored_at;
    return s;
  }

  // One ContainerReport (bound_entries = capacity) and the health counters
  // <container>.hits/.misses/.evictions/.expirations/.aggressive_sweeps.
  void inventory(InventorySink& sink) const {
    MutexLock lock(mu_);
    sink.container(ContainerReport{component_, container_, map_.size(), approx_bytes_, options_.capacity});
    const std::pair<const char*, std::uint64_t> counters[] = {
        {".hits", hits_},
        {".misses", misses_},
        {".evictions", evictions_},
        {".expirations", expirations_},
        {".aggressive_sweeps", aggressive_sweeps_},
    };
    for (const auto& [suffix, value] : counters) {
      const std::string name = container_ + suffix;
      sink.counter(CounterReport{component_, name, value, CounterKind::kHealth});
    }
  }

  // Every key held, oldest first, with its stored_at. max_age is max_ttl +
  // sweep_interval: an entry older than that should have been swept, so the
  // probes read it as residue (this is how cache.uncapped_ttl is caught).
  void audit(AuditSink& sink, EntityKind kind = EntityKind::kCacheEntry) const {
    MutexLock lock(mu_);
    const AuditContainer container{component_, container_, kind, options_.max_ttl + options_.sweep_interval};
    for (const Entry* entry = age_head_; entry != nullptr; entry = entry->age_next) {
      if constexpr (std::is_convertible_v<const K&, std::string_view>) {
        sink.held(container, std::string_view(*entry->key), entry->stored_at);
      } else {
        sink.held(container, cache_key_text(*entry->key), entry->stored_at);
      }
    }
  }

 private:
  // The wheel: slot i holds entries whose expiry tick is congruent to i.
  // A TTL up to max_ttl spans at most kWheelSlots ticks, so one rotation
  // covers it; longer TTLs (failpoint) just wait for a later rotation.
  static constexpr std::size_t kWheelSlots = 1024;
  static constexpr std::size_t kOverdueSlot = kWheelSlots;  // extra list after the wheel
  static constexpr Duration kMaxRequestableTtl = std::chrono::hours(24 * 365 * 100);

  struct Entry {
    explicit Entry(V v) : value(std::move(v)) {}  // V need not be default-constructible
    const K* key = nullptr;  // points into the map node, stable across rehash
    V value;
    TimePoint stored_at;
    TimePoint expires_at;
    std::int64_t expiry_tick = 0;
    std::size_t bytes = 0;
    std::size_t slot = 0;
    Entry* lru_prev = nullptr;  // towards more recently used
    Entry* lru_next = nullptr;
    Entry* age_prev = nullptr;  // towards older stored_at
    Entry* age_next = nullptr;
    Entry* slot_prev = nullptr;
    Entry* slot_next = nullptr;
  };
  using Map = std::unordered_map<K, Entry, Hash, KeyEqual>;
  static constexpr std::size_t kEntryOverheadBytes =
      sizeof(typename Map::value_type) + kHashNodeOverhead + sizeof(void*);  // node + bucket

  static Duration wheel_tick(Duration max_ttl) {
    const auto slots = static_cast<Duration::rep>(kWheelSlots);
    return std::max(Duration(1), Duration((max_ttl.count() + slots - 1) / slots));
  }
  std::int64_t tick_of(TimePoint t) const {
    const auto n = t.time_since_epoch().count();
    const auto d = tick_.count();
    return n >= 0 ? n / d : -((-n + d - 1) / d);  // floor division
  }
  std::size_t slot_of(std::int64_t tick) const {
    const auto m = tick % static_cast<std::int64_t>(kWheelSlots);
    return static_cast<std::size_t>(m < 0 ? m + static_cast<std::int64_t>(kWheelSlots) : m);
  }

  Duration effective_ttl(Duration requested) const {
    if (requested <= Duration::zero()) {
      throw std::invalid_argument("BoundedCache " + component_ + "." + container_ + ": ttl = " +
                                  std::to_string(to_seconds(requested)) + " s: must be positive");
    }
    if (requested > options_.max_ttl && !failpoints_.on(Failpoint::kCacheUncappedTtl)) {
      return options_.max_ttl;
    }
    return std::min(requested, kMaxRequestableTtl);
  }

  Entry* find_live(const K& key, TimePoint now) REQUIRES(mu_) {
    auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    Entry* entry = &it->second;
    if (now < entry->expires_at) return entry;
    remove(entry);
    ++expirations_;
    return nullptr;
  }

  void store(const K& key, V value, TimePoint now, Duration ttl) REQUIRES(mu_) {
    auto it = map_.find(key);
    Entry* entry = nullptr;
    if (it != map_.end()) {
      entry = &it->second;
      approx_bytes_ -= entry->bytes;
      entry->value = std::move(value);
      unlink_lru(entry);
      unlink_age(entry);
      unlink_slot(entry);
    } else {
      if (map_.size() >= options_.capacity && lru_tail_ != nullptr) {
        remove(lru_tail_);
        ++evictions_;
      }
      auto inserted = map_.try_emplace(key, std::move(value)).first;
      entry = &inserted->second;
      entry->key = &inserted->first;
    }
    entry->stored_at = now;
    entry->expires_at = now + ttl;
    entry->bytes = kEntryOverheadBytes + approx_owned_heap_bytes(*entry->key) +
                   approx_owned_heap_bytes(entry->value) +
                   (entry_size_ ? entry_size_(*entry->key, entry->value) : 0);
    approx_bytes_ += entry->bytes;
    link_lru_front(entry);
    link_age_back(entry);
    link_slot(entry, now);
    if (options_.max_bytes != 0 && approx_bytes_ > options_.max_bytes) aggressive_sweep(now);
  }

  // Over the byte budget: drop everything expired, then LRU entries, until
  // at or under the target share of the budget.
  void aggressive_sweep(TimePoint now) REQUIRES(mu_) {
    ++aggressive_sweeps_;
    sweep_locked(now);
    const auto target = static_cast<std::size_t>(static_cast<double>(options_.max_bytes) *
                                                 options_.aggressive_sweep_target);
    while (approx_bytes_ > target && lru_tail_ != nullptr) {
      remove(lru_tail_);
      ++evictions_;
    }
  }

  void start_cursor(TimePoint now) REQUIRES(mu_) {
    if (!cursor_started_) {
      cursor_ = tick_of(now);
      cursor_started_ = true;
    }
  }

  // Bounded expiry work: entries written with an already-passed tick first,
  // then the wheel cursor through completed ticks, removing entries whose
  // tick has passed, until the budget is spent.
  void expire_some(TimePoint now) REQUIRES(mu_) {
    start_cursor(now);
    std::size_t budget = options_.expiry_work_per_operation;
    if (slots_[kOverdueSlot] != nullptr) drain_overdue(now, budget);
    const std::int64_t now_tick = tick_of(now);
    while (cursor_ < now_tick && budget > 0) {
      if (!drain_cursor_slot(budget)) return;
      ++cursor_;
      --budget;
    }
  }

  // Removes the entries of the cursor's slot whose tick is the cursor's or
  // earlier (later ones wait for another rotation), resuming where the last
  // call ran out of budget so kept entries are not re-examined forever.
  // Spends one unit of `budget` per entry; false if it ran out first.
  bool drain_cursor_slot(std::size_t& budget) REQUIRES(mu_) {
    Entry* entry = drain_in_progress_ ? drain_next_ : slots_[slot_of(cursor_)];
    while (entry != nullptr) {
      if (budget == 0) {
        drain_in_progress_ = true;
        drain_next_ = entry;
        return false;
      }
      --budget;
      Entry* next = entry->slot_next;
      if (entry->expiry_tick <= cursor_) {
        remove(entry);
        ++expirations_;
      }
      entry = next;
    }
    drain_in_progress_ = false;
    drain_next_ = nullptr;
    return true;
  }

  void drain_overdue(TimePoint now, std::size_t& budget) REQUIRES(mu_) {
    for (Entry* entry = slots_[kOverdueSlot]; entry != nullptr && budget > 0; --budget) {
      Entry* next = entry->slot_next;
      if (entry->expires_at <= now) {
        remove(entry);
        ++expirations_;
      }
      entry = next;
    }
  }

  std::size_t sweep_locked(TimePoint now) REQUIRES(mu_) {
    start_cursor(now);
    const std::uint64_t before = expirations_;
    const std::int64_t now_tick = tick_of(now);
    std::size_t unlimited = SIZE_MAX;
    drain_overdue(now, unlimited);
    if (now_tick - cursor_ >= static_cast<std::int64_t>(kWheelSlots)) {
      // Far behind: one visit per slot covers every tick in between.
      for (std::size_t slot = 0; slot < kWheelSlots; ++slot) {
        for (Entry* entry = slots_[slot]; entry != nullptr;) {
          Entry* next = entry->slot_next;
          if (entry->expiry_tick < now_tick) {
            remove(entry);
            ++expirations_;
          }
          entry = next;
        }
      }
      drain_in_progress_ = false;
      drain_next_ = nullptr;
      cursor_ = now_tick;
    } else {
      for (; cursor_ < now_tick; ++cursor_) drain_cursor_slot(unlimited);
    }
    if (cursor_ == now_tick) {
      // Entries expiring within the current, unfinished tick.
      for (Entry* entry = slots_[slot_of(now_tick)]; entry != nullptr;) {
        Entry* next = entry->slot_next;
        if (entry->expires_at <= now) {
          remove(entry);
          ++expirations_;
        }
        entry = next;
      }
    }
    return static_cast<std::size_t>(expirations_ - before);
  }

  void remove(Entry* entry) REQUIRES(mu_) {
    unlink_lru(entry);
    unlink_age(entry);
    unlink_slot(entry);
    approx_bytes_ -= entry->bytes;
    map_.erase(*entry->key);
  }

  void touch(Entry* entry) REQUIRES(mu_) {
    if (entry == lru_head_) return;
    unlink_lru(entry);
    link_lru_front(entry);
  }

  void link_lru_front(Entry* entry) REQUIRES(mu_) {
    entry->lru_prev = nullptr;
    entry->lru_next = lru_head_;
    if (lru_head_ != nullptr) lru_head_->lru_prev = entry;
    lru_head_ = entry;
    if (lru_tail_ == nullptr) lru_tail_ = entry;
  }
  void unlink_lru(Entry* entry) REQUIRES(mu_) {
    (entry->lru_prev ? entry->lru_prev->lru_next : lru_head_) = entry->lru_next;
    (entry->lru_next ? entry->lru_next->lru_prev : lru_tail_) = entry->lru_prev;
    entry->lru_prev = entry->lru_next = nullptr;
  }

  void link_age_back(Entry* entry) REQUIRES(mu_) {
    entry->age_next = nullptr;
    entry->age_prev = age_tail_;
    if (age_tail_ != nullptr) age_tail_->age_next = entry;
    age_tail_ = entry;
    if (age_head_ == nullptr) age_head_ = entry;
  }
  void unlink_age(Entry* entry) REQUIRES(mu_) {
    (entry->age_prev ? entry->age_prev->age_next : age_head_) = entry->age_next;
    (entry->age_next ? entry->age_next->age_prev : age_tail_) = entry->age_prev;
    entry->age_prev = entry->age_next = nullptr;
  }

  // An entry whose tick the cursor already passed (written with an older
  // `now` than an earlier call's) goes to the overdue list, which every
  // operation looks at first, so it is never stranded for a rotation.
  void link_slot(Entry* entry, TimePoint now) REQUIRES(mu_) {
    start_cursor(now);
    entry->expiry_tick = tick_of(entry->expires_at);
    const bool passed = entry->expiry_tick < cursor_ || (entry->expiry_tick == cursor_ && drain_in_progress_);
    entry->slot = passed ? kOverdueSlot : slot_of(entry->expiry_tick);
    entry->slot_prev = nullptr;
    entry->slot_next = slots_[entry->slot];
    if (entry->slot_next != nullptr) entry->slot_next->slot_prev = entry;
    slots_[entry->slot] = entry;
  }
  void unlink_slot(Entry* entry) REQUIRES(mu_) {
    if (drain_in_progress_ && entry == drain_next_) drain_next_ = entry->slot_next;
    (entry->slot_prev ? entry->slot_prev->slot_next : slots_[entry->slot]) = entry->slot_next;
    if (entry->slot_next != nullptr) entry->slot_next->slot_prev = entry->slot_prev;
    entry->slot_prev = entry->slot_next = nullptr;
  }

  const BoundedCacheOptions options_;
  const Failpoints& failpoints_;
  const std::string component_;
  const std::string container_;
  const EntrySizeFn entry_size_;
  const Duration tick_;

  mutable Mutex mu_;
  Map map_ GUARDED_BY(mu_);
  Entry* lru_head_ GUARDED_BY(mu_) = nullptr;  // most recently used
  Entry* lru_tail_ GUARDED_BY(mu_) = nullptr;  // next to evict
  Entry* age_head_ GUARDED_BY(mu_) = nullptr;  // oldest stored_at
  Entry* age_tail_ GUARDED_BY(mu_) = nullptr;
  std::vector<Entry*> slots_ GUARDED_BY(mu_);
  std::int64_t cursor_ GUARDED_BY(mu_) = 0;  // every tick before it has been drained
  bool cursor_started_ GUARDED_BY(mu_) = false;
  bool drain_in_progress_ GUARDED_BY(mu_) = false;  // the cursor's slot is half drained
  Entry* drain_next_ GUARDED_BY(mu_) = nullptr;     // where that drain resumes
  std::optional<TimePoint> next_sweep_at_ GUARDED_BY(mu_);
  std::size_t approx_bytes_ GUARDED_BY(mu_) = 0;
  std::uint64_t hits_ GUARDED_BY(mu_) = 0;
  std::uint64_t misses_ GUARDED_BY(mu_) = 0;
  std::uint64_t evictions_ GUARDED_BY(mu_) = 0;
  std::uint64_t expirations_ GUARDED_BY(mu_) = 0;
  std::uint64_t erasures_ GUARDED_BY(mu_) = 0;
  std::uint64_t aggressive_sweeps_ GUARDED_BY(mu_) = 0;
};

}  // namespace plateau::engine
