#include "probes/process_groups.h"

namespace plateau::probes {

namespace {

// Digits runs -> '#'; characters outside a series name's safe set -> '_'.
std::string normalised(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_digits = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      if (!in_digits) out += '#';
      in_digits = true;
      continue;
    }
    in_digits = false;
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c == '-' ||
                      c == '/' || c == ':' || c == '[' || c == ']';
    out += safe ? c : '_';
  }
  return out.empty() ? std::string("unnamed") : out;
}

}  // namespace

std::string fd_group_of(std::string_view target) {
  constexpr std::string_view kDeleted = " (deleted)";
  if (target.ends_with(kDeleted)) target.remove_suffix(kDeleted.size());
  if (target.starts_with("socket:")) return "socket";
  if (target.starts_with("pipe:")) return "pipe";
  if (target.starts_with("anon_inode:")) return normalised(target);
  if (target.starts_with("/memfd:")) return normalised(target.substr(1));
  return normalised(target);
}

std::string thread_group_of(std::string_view comm) {
  while (!comm.empty() && (comm.back() == '\n' || comm.back() == ' ')) comm.remove_suffix(1);
  return normalised(comm);
}

void GroupCounter::begin_pass() {
  for (auto& [name, group] : groups_) group.count = 0;
}

GroupCounter::Group& GroupCounter::group_for(const std::string& name) {
  if (auto it = groups_.find(name); it != groups_.end()) return it->second;
  const std::string other(kOther);
  const std::size_t named = order_.size() - (groups_.contains(other) ? 1 : 0);
  if (named >= max_groups_ || name == other) {
    auto [it, inserted] = groups_.try_emplace(other);
    if (inserted) order_.push_back(other);
    return it->second;
  }
  order_.push_back(name);
  return groups_[name];
}

void GroupCounter::count(const std::string& group) { ++group_for(group).count; }

void GroupCounter::publish(SampleWriter& out) {
  for (const std::string& name : order_) {
    Group& g = groups_.at(name);
    if (!g.interned) {
      g.id = out.intern(prefix_ + name, unit_, "process", SeriesFamily::kProcess);
      g.interned = true;
    }
    out.put(g.id, static_cast<double>(g.count));
  }
}

std::vector<std::string> GroupCounter::groups() const { return order_; }

}  // namespace plateau::probes
