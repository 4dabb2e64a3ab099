// EngineSystem: the trading engine as one system under test behind the
// public soak API (harness/system_under_test.h), so that sut::run_sut_soak /
// sut::soak_main drive it the way they drive any embedder's service.
//
// It owns a Harness built from the same HarnessOptions + EngineConfig as
// `plateau run`'s, and publishes the Harness's own streams: its Poisson load
// streams (ticks, open interest, plans, wallet transactions, paper opens,
// orders, exits) as LoadStreams and its periodic engine work (Engine::maintain
// at the maintain tick, the plans and paper monitor cycles, close storms) as
// Maintenance, each event calling the Harness's own handler
// (Harness::drive); delistings run as a Maintenance entry at the maintain
// tick that fires each instant once it has passed. Entities the handlers end
// go to the Lifecycle (kind = engine::to_string(EntityKind), grace = the
// engine's engine::grace_period, as in `plateau run`); those ended outside
// a load event (a maintain, a monitor cycle, a follow-up) are handed to the
// next load event's Lifecycle with their own end time and deadline. Inventory and
// audit are Engine::inventory / Engine::audit mapped one to one; invariant
// counters become containers bounded at 0 entries, and an entry held past
// its container's max age is ended with its deadline in the past, so the
// next audit that still sees it reports it as residue. Restarts, probe passes,
// the allocator and process layers and heap profiles are not part of it
// (docs/embedding.md says exactly what `plateau run` adds).
//
// Virtual time: sut time is seconds since the soak's start; the engine sees
// kVirtualEpoch + seconds. Thread safety: one thread (the runner's); close
// storms start their own threads inside an event, as under `plateau run`.
// Invariants: event times never go back; failpoints() lists every entry of
// engine::all_failpoints(), in order.
#pragma once

#include <string>
#include <vector>

#include "engine/engine_config.h"
#include "harness/harness.h"
#include "harness/harness_options.h"
#include "harness/system_under_test.h"

namespace plateau::harness {

class EngineSystem final : public sut::SystemUnderTest, private TerminalSink {
 public:
  // Throws as Harness does (bad options, unknown failpoint, engine build).
  explicit EngineSystem(HarnessOptions options, engine::EngineConfig config = {});

  std::string name() const override { return "trading_engine"; }
  std::vector<sut::LoadStream> load_streams() override;
  std::vector<sut::Maintenance> maintenance() override;
  std::vector<sut::Failpoint> failpoints() override;
  void inventory(sut::Inventory& out) const override;
  void audit(sut::Audit& out) const override;

  Harness& harness() noexcept { return harness_; }

  // The sut time of a virtual instant and back.
  static double seconds_of(engine::TimePoint t) noexcept;
  static engine::TimePoint instant_of(double now_s) noexcept;

 private:
  struct Ended {
    std::string kind, key;
    double ended_s = 0;  // sut seconds: when it ended
    double due_s = 0;    // sut seconds by which every container must have dropped it
  };

  void terminated(engine::EntityKind kind, std::string_view key, engine::TimePoint at,
                  engine::Duration grace) override;
  void drive(StreamId stream, double now_s);
  // Hands everything ended since the last load event to `lifecycle`.
  void flush(sut::Lifecycle& lifecycle);

  Harness harness_;
  std::vector<Ended> ended_;
  // Entries audit() found past their container's max age: ended at the next load
  // event (audit() is const for the runner; this is the one thing it notes).
  mutable std::vector<Ended> overdue_cache_entries_;
};

}  // namespace plateau::harness
