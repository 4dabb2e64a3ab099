// The bytes this process holds through malloc, from whichever allocator
// serves its malloc: the figure the soak API (soak/sut) judges besides RSS.
//
// RSS moves in pages and with the allocator's free lists (a freed block
// stays resident until the allocator returns its page), so its tolerance
// must be wide. The allocator's own count of the bytes the program holds
// does not move with either: a smaller leak shows there first. The soak API
// is linked into services plateau did not build, with any allocator, so the
// allocator is found at run time (dlsym), never linked:
//
//   sanitizer  __sanitizer_get_current_allocated_bytes (ASan, TSan, MSan,
//              LSan): their allocator replaces every other one;
//   jemalloc   mallctl "stats.allocated" after an "epoch" refresh;
//   tcmalloc   MallocExtension_GetNumericProperty
//              "generic.current_allocated_bytes" (gperftools' C API);
//   glibc      mallinfo2(): in-use chunks of every arena (uordblks) plus
//              chunks mapped on their own (hblkhd).
//
// jemalloc and tcmalloc count only when the object that exports their
// statistics call also exports the process's `malloc` (dladdr on both): a
// library that carries its own prefixed allocator for itself does not speak
// for the process. When none of these can be read, there is no reader and
// the caller judges RSS alone.
//
// Library plateau_proc (standard library, libc and libdl only).
// Thread safety: a reader may be called from any thread; finding one
// (heap_in_use_reader) only reads symbol tables.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace plateau::probes {

struct HeapInUseReader {
  // "sanitizer", "jemalloc", "tcmalloc" or "glibc": where the figure comes from.
  std::string_view source;
  // The bytes held now; nullopt if this reading failed.
  std::optional<std::uint64_t> (*read)() = nullptr;
};

// The reader for the allocator serving this process's malloc, or nullopt.
std::optional<HeapInUseReader> heap_in_use_reader();

}  // namespace plateau::probes
