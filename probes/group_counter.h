// GroupCounter: a resource's groups (probes/process_groups.h) published
// as series through a probe's SampleWriter: `<prefix><group>` in `unit`,
// component "process", at most GroupCap's names, each published on every
// pass once seen (0 when none is left).
//
// Thread safety: belongs to one probe, sampled from one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "probes/probe.h"
#include "probes/process_groups.h"

namespace plateau::probes {

class GroupCounter {
 public:
  // Series are named `<prefix><group>` (e.g. "process.threads." + "exit-retry")
  // in `unit`, component "process".
  GroupCounter(std::string prefix, std::string unit, std::size_t max_groups = GroupCap::kDefaultMaxGroups)
      : prefix_(std::move(prefix)), unit_(std::move(unit)), cap_(max_groups) {}

  void begin_pass();
  void count(const std::string& group);
  // Publishes every group seen so far, this pass's count or 0.
  void publish(SampleWriter& out);

  // The group names kept, "other" included once used (for tests).
  std::vector<std::string> groups() const { return cap_.order(); }

 private:
  struct Group {
    SeriesId id = 0;
    bool interned = false;
    std::uint64_t count = 0;
  };

  const std::string prefix_;
  const std::string unit_;
  GroupCap cap_;
  std::unordered_map<std::string, Group> groups_;
};

}  // namespace plateau::probes
