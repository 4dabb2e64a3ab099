#include "harness/event_driver.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace plateau::harness {

EventDriver::EventDriver(TimePoint start, TimePoint end, std::uint64_t seed)
    : start_(start), end_(end), seed_(seed) {
  if (end < start) throw std::invalid_argument("EventDriver: end is before start");
}

StreamId EventDriver::add(Stream stream, std::optional<TimePoint> first) {
  const StreamId id = streams_.size();
  streams_.push_back(std::move(stream));
  push_if_before_end(id, first);
  return id;
}

StreamId EventDriver::add_poisson(std::string name, double rate_per_second) {
  if (!(rate_per_second >= 0)) {
    throw std::invalid_argument("EventDriver: stream '" + name + "' rate " +
                                std::to_string(rate_per_second) + " must be >= 0");
  }
  Stream s{name, Arrival::kPoisson, rate_per_second, {}, {}, 0,
           Rng::for_stream(seed_, name), Rng::for_stream(seed_ ^ 0x5eedULL, name), 0};
  auto first = following(s, start_);
  return add(std::move(s), first);
}

StreamId EventDriver::add_periodic(std::string name, Duration interval, Duration first_offset) {
  if (interval <= Duration::zero()) {
    throw std::invalid_argument("EventDriver: stream '" + name + "' interval must be > 0");
  }
  Stream s{name, Arrival::kPeriodic, 0, interval, {}, 0,
           Rng::for_stream(seed_, name), Rng::for_stream(seed_ ^ 0x5eedULL, name), 0};
  return add(std::move(s), start_ + first_offset);
}

StreamId EventDriver::add_schedule(std::string name, std::vector<TimePoint> instants) {
  std::sort(instants.begin(), instants.end());
  std::erase_if(instants, [&](TimePoint t) { return t < start_ || t >= end_; });
  Stream s{name, Arrival::kSchedule, 0, {}, std::move(instants), 0,
           Rng::for_stream(seed_, name), Rng::for_stream(seed_ ^ 0x5eedULL, name), 0};
  std::optional<TimePoint> first;
  if (!s.instants.empty()) {
    first = s.instants.front();
    s.next_instant = 1;
  }
  return add(std::move(s), first);
}

std::optional<TimePoint> EventDriver::following(Stream& stream, TimePoint after) {
  switch (stream.arrival) {
    case Arrival::kPoisson: {
      if (stream.rate_per_second <= 0) return std::nullopt;
      // At least one nanosecond apart, so time strictly advances within a stream.
      Duration gap = engine::from_seconds(stream.gaps.exponential(stream.rate_per_second));
      return after + std::max(gap, Duration{1});
    }
    case Arrival::kPeriodic:
      return after + stream.interval;
    case Arrival::kSchedule:
      if (stream.next_instant >= stream.instants.size()) return std::nullopt;
      return stream.instants[stream.next_instant++];
  }
  return std::nullopt;
}

void EventDriver::push_if_before_end(StreamId id, std::optional<TimePoint> at) {
  if (at && *at < end_) pending_.push(Pending{*at, id});
}

std::optional<Event> EventDriver::next() {
  if (pending_.empty()) return std::nullopt;
  const Pending top = pending_.top();
  pending_.pop();
  Stream& stream = streams_[top.stream];
  Event event{top.at, top.stream, stream.ordinal++};
  push_if_before_end(top.stream, following(stream, top.at));
  ++emitted_;
  return event;
}

}  // namespace plateau::harness
