#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "probes/heap_profiler.h"

namespace plateau::probes {

bool reexec_with_heap_sampling(char** argv, std::uint64_t period_bytes) {
#if defined(PLATEAU_ALLOCATOR_TCMALLOC)
  // tcmalloc reads TCMALLOC_SAMPLE_PARAMETER once, when it initialises, so
  // the only way to turn sampling on is to start again with it set.
  const char* current = std::getenv("TCMALLOC_SAMPLE_PARAMETER");
  if (current != nullptr && *current != '\0') return false;
  if (::setenv("TCMALLOC_SAMPLE_PARAMETER", std::to_string(period_bytes).c_str(), 1) != 0) {
    throw std::runtime_error(std::string("cannot set TCMALLOC_SAMPLE_PARAMETER: ") + std::strerror(errno));
  }
  ::execv("/proc/self/exe", argv);
  throw std::runtime_error(std::string("re-exec with TCMALLOC_SAMPLE_PARAMETER failed: execv "
                                       "/proc/self/exe: ") +
                           std::strerror(errno));
#else
  (void)argv;
  (void)period_bytes;
  return false;
#endif
}

}  // namespace plateau::probes
