// libplateau_jemalloc_unwind.so: a preload shim that installs the libunwind
// backtrace hook (jemalloc_backtrace_hook.h) into whatever jemalloc the
// process runs with. `plateau watch --heap jemalloc` preloads it after
// libjemalloc.so.2 (soak/watch/heap_capture.cc), so a program plateau did
// not build gets cheap sampled backtraces too.
//
// It links no jemalloc: mallctl is looked up at load time (RTLD_DEFAULT),
// so preloaded without jemalloc it does nothing. If PLATEAU_JEMALLOC_UNWIND_STATUS
// names a file, the constructor writes one line there — "libunwind" or
// "default: <why>" — so the watch can report which unwinder the target used.
// Thread safety: the constructor runs once, before main(), in the loader.
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "probes/jemalloc_backtrace_hook.h"

namespace {

void write_status(const char* line) {
  const char* path = std::getenv("PLATEAU_JEMALLOC_UNWIND_STATUS");
  if (path == nullptr || *path == '\0') return;
  const int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  ssize_t ignored = ::write(fd, line, std::strlen(line));
  ignored = ::write(fd, "\n", 1);
  (void)ignored;
  ::close(fd);
}

__attribute__((constructor)) void plateau_install_jemalloc_unwind() {
  auto mallctl = reinterpret_cast<plateau_mallctl_fn>(::dlsym(RTLD_DEFAULT, "mallctl"));
  const plateau::probes::BacktraceHookResult result =
      plateau::probes::install_libunwind_backtrace_hook(mallctl);
  if (result.installed) {
    write_status("libunwind");
    return;
  }
  char line[512] = "default: ";
  std::strncat(line, result.reason, sizeof line - std::strlen(line) - 1);
  write_status(line);
}

}  // namespace
