#include "probes/heap_in_use.h"

#include <dlfcn.h>
#include <malloc.h>

#include <cstddef>

namespace plateau::probes {
namespace {

using SanitizerAllocated = std::size_t (*)();
using Mallctl = int (*)(const char* name, void* oldp, std::size_t* oldlenp, void* newp, std::size_t newlen);
using NumericProperty = int (*)(const char* property, std::size_t* value);
using Mallinfo2 = struct mallinfo2 (*)();

void* symbol(const char* name) { return ::dlsym(RTLD_DEFAULT, name); }

// Whether `exported` comes from the same object as the process's malloc.
bool serves_malloc(void* exported) {
  void* const malloc_address = symbol("malloc");
  Dl_info of_malloc{}, of_exported{};
  if (exported == nullptr || malloc_address == nullptr) return false;
  if (::dladdr(malloc_address, &of_malloc) == 0 || ::dladdr(exported, &of_exported) == 0) return false;
  return of_malloc.dli_fbase == of_exported.dli_fbase;
}

std::optional<std::uint64_t> read_sanitizer() {
  static const auto allocated =
      reinterpret_cast<SanitizerAllocated>(symbol("__sanitizer_get_current_allocated_bytes"));
  if (allocated == nullptr) return std::nullopt;
  return allocated();
}

std::optional<std::uint64_t> read_jemalloc() {
  static const auto mallctl = reinterpret_cast<Mallctl>(symbol("mallctl"));
  if (mallctl == nullptr) return std::nullopt;
  // Statistics are refreshed when the epoch is written.
  std::uint64_t epoch = 1;
  std::size_t size = sizeof epoch;
  if (mallctl("epoch", &epoch, &size, &epoch, size) != 0) return std::nullopt;
  std::size_t allocated = 0;
  size = sizeof allocated;
  if (mallctl("stats.allocated", &allocated, &size, nullptr, 0) != 0) return std::nullopt;
  return allocated;
}

std::optional<std::uint64_t> read_tcmalloc() {
  static const auto property = reinterpret_cast<NumericProperty>(symbol("MallocExtension_GetNumericProperty"));
  std::size_t allocated = 0;
  if (property == nullptr || property("generic.current_allocated_bytes", &allocated) == 0) return std::nullopt;
  return allocated;
}

std::optional<std::uint64_t> read_glibc() {
  static const auto info = reinterpret_cast<Mallinfo2>(symbol("mallinfo2"));
  if (info == nullptr) return std::nullopt;
  const struct mallinfo2 m = info();
  return static_cast<std::uint64_t>(m.uordblks) + static_cast<std::uint64_t>(m.hblkhd);
}

// A candidate counts only when its figure can be read now.
std::optional<HeapInUseReader> readable(HeapInUseReader reader) {
  if (!reader.read()) return std::nullopt;
  return reader;
}

}  // namespace

std::optional<HeapInUseReader> heap_in_use_reader() {
  if (symbol("__sanitizer_get_current_allocated_bytes") != nullptr) return readable({"sanitizer", &read_sanitizer});
  if (serves_malloc(symbol("mallctl"))) return readable({"jemalloc", &read_jemalloc});
  if (serves_malloc(symbol("MallocExtension_GetNumericProperty"))) return readable({"tcmalloc", &read_tcmalloc});
  if (serves_malloc(symbol("mallinfo2"))) return readable({"glibc", &read_glibc});
  return std::nullopt;
}

}  // namespace plateau::probes
