// Process resource groups: what the process probe's threads and file
// descriptors are, grouped into series of their own so a thread or fd leak
// names the resource (issue 9 item 5).
//
// Threads are grouped by name (/proc/self/task/<tid>/comm), descriptors by
// target kind and path (readlink /proc/self/fd/<n>): "socket", "pipe",
// "anon_inode:[eventfd]", "memfd:<name>", or the file's path. Runs of digits
// become '#' ("worker-3" and "worker-7" are one group "worker-#",
// "/tmp/x/journal-12.log" is "/tmp/x/journal-#.log"), so a pool or numbered
// files count as one resource, and " (deleted)" is dropped. A path under a
// folder of the run itself (its out folder, which holds the state dir) is
// written relative to it behind a marker ("[out]/state/plans.sqlite"): those
// folders differ between runs, and `compare` must see the same series in
// two runs of one scenario. Cardinality is
// bounded: a GroupCounter keeps at most `max_groups` named groups in the
// order first seen and folds every later one into "other", so a program
// that opens many distinct paths cannot grow plateau's own series table.
// Once seen, a group is published on every pass (0 when none is left), so
// the trend of a group that drains is seen going down.
//
// This is the one naming rule and the one /proc reader for groups: the
// engine's ProcessProbe (through GroupCounter, probes/group_counter.h),
// `plateau watch` (any process, by its /proc directory) and the soak API's
// runner all name series "process.threads.<group>" and
// "process.fds.<group>" with it (docs/probes.md, docs/watch.md). In
// plateau_proc: no engine, no allocator.
//
// Thread safety: the naming functions are pure; the run folders are a
// process-wide setting guarded by a mutex (set by the soak runner and watch
// before sampling); a GroupCap belongs to one reader, used from one thread
// at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>


namespace plateau::probes {

// The name prefixes of the group series ("process.threads.<group>",
// "process.fds.<target>"), for engine runs and plateau watch alike. A group series exists only while its group does (and its
// target may name a run's own folder), so a reader comparing two runs takes
// an absent group as zero and judges the totals (process.threads,
// process.open_fds) instead.
inline constexpr std::string_view kThreadGroupPrefix = "process.threads.";
inline constexpr std::string_view kFdGroupPrefix = "process.fds.";
// plateau watch's process tree: processes by comm ("zombie:<comm>" unreaped).
inline constexpr std::string_view kProcessGroupPrefix = "process.processes.";
inline bool is_group_series(std::string_view series_name) noexcept {
  return series_name.starts_with(kThreadGroupPrefix) || series_name.starts_with(kFdGroupPrefix) ||
         series_name.starts_with(kProcessGroupPrefix);
}

// A folder of the run itself and the marker that stands for it in group
// names ("[out]").
struct RunFolder {
  std::string path;  // absolute; made canonical by set_run_folders
  std::string marker;
};
// Replaces the run folders (process-wide); an empty list turns the rule off.
void set_run_folders(std::vector<RunFolder> folders);
std::vector<RunFolder> run_folders();

// The group of a descriptor from its readlink target; paths under one of
// `folders` (the longest that matches) start with its marker.
std::string fd_group_of(std::string_view target, const std::vector<RunFolder>& folders);
inline std::string fd_group_of(std::string_view target) { return fd_group_of(target, run_folders()); }
// The group of a thread from its comm (trailing newline allowed).
std::string thread_group_of(std::string_view comm);

// The reader for any process by its /proc directory ("/proc/1234"): group ->
// count of its threads (task/*/comm) or descriptors (readlink fd/*).
// Entries that vanish while being read are skipped.
std::map<std::string, std::uint64_t> thread_groups(const std::string& proc_dir);
std::map<std::string, std::uint64_t> fd_groups(const std::string& proc_dir);

// The cap on a resource's groups, one policy for every reader: at most
// `max_groups` names kept in the order first seen; every later one, and
// "other" itself, is counted as "other".
class GroupCap {
 public:
  static constexpr std::size_t kDefaultMaxGroups = 16;
  static constexpr std::string_view kOther = "other";

  explicit GroupCap(std::size_t max_groups = kDefaultMaxGroups) : max_groups_(max_groups) {}
  // The name `group` is counted under: itself, or "other".
  const std::string& kept(const std::string& group);
  // The names kept, first-seen order, "other" included once used.
  const std::vector<std::string>& order() const noexcept { return order_; }

 private:
  std::size_t max_groups_;
  std::vector<std::string> order_;
  std::unordered_set<std::string> kept_;
  bool other_used_ = false;
};

}  // namespace plateau::probes
