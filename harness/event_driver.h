// EventDriver: the discrete-event core of the harness, on virtual time.
//
// A driver holds named streams of arrivals — Poisson streams (exponential
// gaps at a rate per virtual second), periodic streams (maintain, sample,
// audit, restart ticks) and one-shot schedules (heap-profile checkpoints) —
// and hands out their events in time order, one at a time, between a start
// and an end instant. Nothing here knows what an event means: the harness
// dispatches on the stream id. Every stream draws its gaps from its own Rng
// derived from (seed, stream name), and events at the same instant come out
// in stream-registration order, so the same streams and seed always give the
// same sequence. Each stream also carries a separate payload Rng for the
// handler's own draws (symbol, price step, ...), which never moves arrivals.
//
// Thread safety: none; the driver belongs to the harness's driver thread.
// Invariants: events come out in non-decreasing time, each strictly before
// `end`; a stream's ordinal counts its events from 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "engine/core/clock.h"
#include "harness/rng.h"

namespace plateau::harness {

using engine::Duration;
using engine::TimePoint;

using StreamId = std::size_t;

struct Event {
  TimePoint at;
  StreamId stream = 0;
  std::uint64_t ordinal = 0;  // this stream's event count before this one
};

class EventDriver {
 public:
  EventDriver(TimePoint start, TimePoint end, std::uint64_t seed);

  // Poisson arrivals at `rate_per_second` (virtual). A rate of 0 never fires.
  StreamId add_poisson(std::string name, double rate_per_second);
  // Fires at start + first_offset, then every `interval` (> 0).
  StreamId add_periodic(std::string name, Duration interval, Duration first_offset);
  // Fires once at each of `instants` (sorted here; instants outside [start, end) are dropped).
  StreamId add_schedule(std::string name, std::vector<TimePoint> instants);

  // The next event, or nullopt once every stream has passed `end`.
  std::optional<Event> next();

  Rng& payload_rng(StreamId stream) { return streams_.at(stream).payload; }
  const std::string& name(StreamId stream) const { return streams_.at(stream).name; }
  std::size_t stream_count() const noexcept { return streams_.size(); }
  // A stream's shape, for a driver that times the arrivals itself
  // (harness::EngineSystem): the Poisson rate (0 for other kinds), the
  // period (zero for other kinds) and a schedule's instants (else empty).
  double rate_per_second(StreamId stream) const { return streams_.at(stream).rate_per_second; }
  Duration interval(StreamId stream) const { return streams_.at(stream).interval; }
  const std::vector<TimePoint>& instants(StreamId stream) const { return streams_.at(stream).instants; }
  std::uint64_t events_emitted() const noexcept { return emitted_; }
  TimePoint start() const noexcept { return start_; }
  TimePoint end() const noexcept { return end_; }

 private:
  enum class Arrival : std::uint8_t { kPoisson, kPeriodic, kSchedule };
  struct Stream {
    std::string name;
    Arrival arrival;
    double rate_per_second = 0;
    Duration interval{};
    std::vector<TimePoint> instants;
    std::size_t next_instant = 0;
    Rng gaps;
    Rng payload;
    std::uint64_t ordinal = 0;
  };
  struct Pending {
    TimePoint at;
    StreamId stream;
    // Min-heap on (time, stream): ties resolve in registration order.
    bool operator>(const Pending& other) const noexcept {
      return at != other.at ? at > other.at : stream > other.stream;
    }
  };

  StreamId add(Stream stream, std::optional<TimePoint> first);
  std::optional<TimePoint> following(Stream& stream, TimePoint after);
  void push_if_before_end(StreamId id, std::optional<TimePoint> at);

  TimePoint start_;
  TimePoint end_;
  std::uint64_t seed_;
  std::vector<Stream> streams_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending_;
  std::uint64_t emitted_ = 0;
};

}  // namespace plateau::harness
