// EntityLedger: what the harness knows about entity lifecycles, for the audit.
//
// The harness reports `activated(kind, key, now)` when an entity (plan,
// position, order, exit intent, transaction, symbol) becomes live and
// `terminated(kind, key, now, grace)` when it reaches a terminal state; after
// `grace` (its TTL or the owning component's cleanup interval) no engine
// container may still hold it. The AuditProbe asks is_residue() for every
// held key. Only terminal entities are recorded: activation just clears a
// terminal record (the key was reused), so memory follows the terminal rate,
// not the number of entities ever seen.
//
// Bounded memory over a long soak: an audit pass opens with begin_audit(),
// marks every held key it looks up (mark_held), and closes with forget(now),
// which drops a terminal record once its deadline (terminated_at + grace)
// lies more than `forget_after` in the past and no container held the key in
// that pass. Held keys stay recorded (they are the residue being reported),
// so the ledger holds about (terminal rate x (grace + forget_after +
// forget_every)) records plus the residue itself. forget() walks every
// record, so it sweeps at most once per `forget_every` of `now`; the calls
// in between return 0 at once (a minute's audits would otherwise spend as
// much on forgetting as on looking up). One AuditProbe drives the audit passes of a ledger.
//
// The records are plateau's memory, not the program's: they are allocated in
// plateau's arena whichever thread reports (InstrumentationAllocator), so the
// judged allocator series do not carry them (about 4.5 MB on a gate run,
// filling over its first hours and wandering with the terminal rate).
//
// Thread safety: all methods may be called from any thread (one mutex); the
// harness's close storms report terminations concurrently.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/core/mutex.h"
#include "engine/core/clock.h"
#include "engine/core/inspect.h"
#include "engine/core/thread_annotations.h"
#include "probes/instrumentation_arena.h"

namespace plateau::probes {

struct EntityLedgerOptions {
  // How long past its deadline an unheld terminal record is kept (so a key
  // that shows up again soon after is still recognised).
  engine::Duration forget_after = std::chrono::hours(1);
  // Least time between two sweeps of forget().
  engine::Duration forget_every = std::chrono::minutes(15);
  // Sampling per kind: with n > 1 for a kind, only the keys with
  // hash(key) % n == 0 are followed (follows()); the others are neither
  // recorded nor looked up. For kinds whose keys arrive faster than every
  // one needs following (transaction hashes): a leak keeps all of them, so
  // the followed share shows it just the same.
  std::map<engine::EntityKind, std::uint32_t> follow_one_in;
};

struct TerminalRecord {
  engine::TimePoint terminated_at{};
  engine::Duration grace{};
  engine::TimePoint deadline() const noexcept { return terminated_at + grace; }
};

class EntityLedger {
 public:
  explicit EntityLedger(EntityLedgerOptions options = {});
  EntityLedger(const EntityLedger&) = delete;
  EntityLedger& operator=(const EntityLedger&) = delete;

  // Whether the ledger follows `key` (see EntityLedgerOptions::follow_one_in);
  // reports of other keys are ignored. Lock-free.
  bool follows(engine::EntityKind kind, std::string_view key) const;

  void activated(engine::EntityKind kind, std::string_view key, engine::TimePoint now);
  // A later termination of the same key replaces the earlier record.
  void terminated(engine::EntityKind kind, std::string_view key, engine::TimePoint now,
                  engine::Duration grace);

  // The terminal record of `key` if it was terminated more than its grace
  // before `now` and not re-activated since.
  std::optional<TerminalRecord> overdue(engine::EntityKind kind, std::string_view key,
                                        engine::TimePoint now) const;

  // Audit pass: begin_audit(), then mark_held() for every key a container
  // holds (returns the record if the key is overdue at `now`), then
  // forget(now), which returns how many records it dropped.
  void begin_audit();
  std::optional<TerminalRecord> mark_held(engine::EntityKind kind, std::string_view key,
                                          engine::TimePoint now);
  std::size_t forget(engine::TimePoint now);

  // The same pass under one lock: begin_audit() on construction, mark_held()
  // per key without locking again (an audit looks up tens of thousands of
  // keys a minute), forget(now) on finish(). Other threads' reports wait
  // for the pass. Not to be nested with the ledger's other calls.
  class AuditPass {
   public:
    explicit AuditPass(EntityLedger& ledger);
    std::optional<TerminalRecord> mark_held(engine::EntityKind kind, std::string_view key, engine::TimePoint now);
    std::size_t finish(engine::TimePoint now);

   private:
    EntityLedger& ledger_;
    std::unique_lock<engine::Mutex> lock_;  // ledger_.mu_, held from construction to finish()
  };

  std::size_t size() const;  // terminal records currently kept

 private:
  // Not noexcept on purpose: libstdc++ caches the hash code in each node only
  // for hashers it may not call cheaply, and with cached codes a lookup
  // compares codes before keys (the ledger's keys share lengths and
  // prefixes, so key compares cost a memcmp each).
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Entry {
    TerminalRecord record;
    std::uint64_t held_in_audit = 0;  // last audit pass that saw the key held
  };
  // plateau's memory, on whichever thread reports an entity (most reports
  // come from the load's own thread): instrumentation_arena.h.
  using Key = std::basic_string<char, std::char_traits<char>, InstrumentationAllocator<char>>;
  using Records = std::unordered_map<Key, Entry, KeyHash, std::equal_to<>,
                                     InstrumentationAllocator<std::pair<const Key, Entry>>>;
  static constexpr std::size_t kKinds = 7;  // engine::EntityKind values
  static std::size_t index(engine::EntityKind kind);
  std::optional<TerminalRecord> mark_held_locked(engine::EntityKind kind, std::string_view key,
                                                 engine::TimePoint now) REQUIRES(mu_);
  std::size_t forget_locked(engine::TimePoint now) REQUIRES(mu_);

  const EntityLedgerOptions options_;
  std::array<std::uint32_t, kKinds> one_in_{};  // from options_.follow_one_in; 1 = every key
  mutable engine::Mutex mu_;
  std::array<Records, kKinds> records_ GUARDED_BY(mu_);
  std::uint64_t audit_pass_ GUARDED_BY(mu_) = 0;
  std::optional<engine::TimePoint> last_sweep_ GUARDED_BY(mu_);
};

}  // namespace plateau::probes
