#include "probes/group_counter.h"

namespace plateau::probes {

void GroupCounter::begin_pass() {
  for (auto& [name, group] : groups_) group.count = 0;
}

void GroupCounter::count(const std::string& group) { ++groups_[cap_.kept(group)].count; }

void GroupCounter::publish(SampleWriter& out) {
  for (const std::string& name : cap_.order()) {
    Group& g = groups_[name];
    if (!g.interned) {
      g.id = out.intern(prefix_ + name, unit_, "process", SeriesFamily::kProcess);
      g.interned = true;
    }
    out.put(g.id, static_cast<double>(g.count));
  }
}

}  // namespace plateau::probes
