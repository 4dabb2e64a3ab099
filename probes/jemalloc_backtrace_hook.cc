#include "probes/jemalloc_backtrace_hook.h"

// Local unwinding only: the hook never inspects another process.
#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <cstring>

extern "C" void plateau_prof_backtrace_libunwind(void** vec, unsigned* len, unsigned max_len) {
  *len = 0;
  if (max_len == 0) return;
  // unw_backtrace starts at its caller, this function; the caller of this
  // function is jemalloc. Cut at that return address rather than at a fixed
  // count, so inlining or a wrapper frame cannot shift the stack by a level.
  const int n = unw_backtrace(vec, static_cast<int>(max_len));
  if (n <= 0) return;
  void* const jemalloc_return = __builtin_extract_return_addr(__builtin_return_address(0));
  int first = 0;
  for (int i = 0; i < n && i < 4; ++i) {
    if (vec[i] == jemalloc_return) {
      first = i;
      break;
    }
  }
  const int kept = n - first;
  if (first > 0) std::memmove(vec, vec + first, static_cast<std::size_t>(kept) * sizeof(void*));
  *len = static_cast<unsigned>(kept);
}

namespace plateau::probes {

plateau_prof_backtrace_fn current_prof_backtrace_hook(plateau_mallctl_fn mallctl) noexcept {
  if (mallctl == nullptr) return nullptr;
  plateau_prof_backtrace_fn hook = nullptr;
  std::size_t size = sizeof hook;
  if (mallctl(kProfBacktraceHookCtl, &hook, &size, nullptr, 0) != 0) return nullptr;
  return hook;
}

BacktraceHookResult install_libunwind_backtrace_hook(plateau_mallctl_fn mallctl) noexcept {
  if (mallctl == nullptr) return {false, "no jemalloc mallctl in this process: default unwinder kept"};
  bool config_prof = false;
  std::size_t size = sizeof config_prof;
  if (mallctl("config.prof", &config_prof, &size, nullptr, 0) != 0 || !config_prof) {
    return {false, "this jemalloc was built without profiling: no backtraces to take"};
  }
  plateau_prof_backtrace_fn hook = &plateau_prof_backtrace_libunwind;
  if (mallctl(kProfBacktraceHookCtl, nullptr, nullptr, &hook, sizeof hook) != 0) {
    return {false,
            "this jemalloc has no experimental.hooks.prof_backtrace (jemalloc 5.3 has it): sampled "
            "backtraces use its built-in unwinder, which costs more per sample (docs/probes.md \"Cost\")"};
  }
  if (current_prof_backtrace_hook(mallctl) != hook) {
    return {false,
            "experimental.hooks.prof_backtrace did not keep the libunwind hook: default unwinder kept"};
  }
  return {true, ""};
}

}  // namespace plateau::probes
