// ProcessTree: the live process tree under one or more root pids, read from
// /proc on every pass of `plateau watch` (the target and all its live
// descendants are judged together: a wrapper script, a pre-fork server or a
// program that spawns helpers leaks in its children).
//
// Children are found through /proc/<pid>/task/<tid>/children where the
// kernel has it (CONFIG_PROC_CHILDREN), else by one scan of /proc/*/stat for
// PPid per pass. Nothing is cached between passes: processes that come and
// go are seen while alive. A member is a process that is (or was, this
// pass) in the tree; zombies (state Z: exited, not reaped by their parent)
// are members too, since an unreaped child is a leak. A pid is listed once
// even if two roots reach it. Entries that vanish while being read are
// skipped. Thread safety: pure functions of /proc.
#pragma once

#include <string>
#include <vector>

namespace plateau::soak::watch {

struct TreeMember {
  int pid = 0;
  int ppid = 0;
  int pgid = 0;
  char state = '?';  // stat field 3: R, S, D, Z, T, ...
  std::string comm;  // stat field 2, without the parentheses
  bool zombie() const noexcept { return state == 'Z' || state == 'X'; }
};

// The process `pid`'s stat, or false when it is gone.
bool read_member(int pid, TreeMember& out);

// The direct children of `pid` (every thread's children file, or the PPid
// scan where that file does not exist).
std::vector<int> children_of(int pid);

// Roots first (in the order given), then their descendants breadth-first.
std::vector<TreeMember> walk_tree(const std::vector<int>& roots);

}  // namespace plateau::soak::watch
