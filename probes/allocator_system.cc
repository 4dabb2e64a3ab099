// glibc backend of AllocatorProbe (PLATEAU_ALLOCATOR=system, and sanitizer
// builds). mallinfo2() walks every arena's free lists under their locks, so
// its cost grows with fragmentation; it is the only figure glibc offers.
// Under ASan/TSan malloc is the sanitizer's, which glibc cannot see: the
// sanitizer's allocator interface gives the same two common figures.
#include <malloc.h>

#include <array>
#include <cstddef>

#include "probes/allocator_probe.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PLATEAU_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PLATEAU_SANITIZER_ALLOCATOR 1
#endif
#endif

#if defined(PLATEAU_SANITIZER_ALLOCATOR)
#if __has_include(<sanitizer/allocator_interface.h>)
#include <sanitizer/allocator_interface.h>
#else
// GCC ships no allocator_interface.h; libasan and libtsan export these.
extern "C" {
std::size_t __sanitizer_get_current_allocated_bytes();
std::size_t __sanitizer_get_heap_size();
std::size_t __sanitizer_get_free_bytes();
std::size_t __sanitizer_get_unmapped_bytes();
}
#endif
#endif

namespace plateau::probes {
namespace {

#if defined(PLATEAU_SANITIZER_ALLOCATOR)

class SanitizerProbe final : public AllocatorProbe {
 public:
  std::string_view name() const noexcept override { return "alloc.sanitizer"; }
  std::string_view backend() const noexcept override { return "system"; }

  std::size_t allocated_bytes() override { return __sanitizer_get_current_allocated_bytes(); }

  void sample(engine::TimePoint /*now*/, SampleWriter& out) override {
    if (!interned_) {
      auto intern = [&](const char* name) { return intern_demand_only(out, name); };
      ids_ = {intern("alloc.allocated_bytes"), intern("alloc.heap_bytes"),
              intern("alloc.sanitizer.free_bytes"), intern("alloc.sanitizer.unmapped_bytes")};
      interned_ = true;
    }
    out.put(ids_[0], static_cast<double>(__sanitizer_get_current_allocated_bytes()));
    out.put(ids_[1], static_cast<double>(__sanitizer_get_heap_size()));
    out.put(ids_[2], static_cast<double>(__sanitizer_get_free_bytes()));
    out.put(ids_[3], static_cast<double>(__sanitizer_get_unmapped_bytes()));
  }

 private:
  bool interned_ = false;
  std::array<SeriesId, 4> ids_{};
};
using Backend = SanitizerProbe;

#else

class SystemProbe final : public AllocatorProbe {
 public:
  std::string_view name() const noexcept override { return "alloc.glibc"; }
  std::string_view backend() const noexcept override { return "system"; }

  std::size_t allocated_bytes() override {
    const struct mallinfo2 info = ::mallinfo2();
    return info.uordblks + info.hblkhd;
  }

  void sample(engine::TimePoint /*now*/, SampleWriter& out) override {
    if (!interned_) {
      auto intern = [&](const char* name) { return intern_demand_only(out, name); };
      ids_ = {intern("alloc.allocated_bytes"), intern("alloc.heap_bytes"), intern("alloc.glibc.free_bytes"),
              intern("alloc.glibc.mmap_bytes"), intern("alloc.glibc.releasable_bytes")};
      interned_ = true;
    }
    const struct mallinfo2 info = ::mallinfo2();
    // Blocks served by mmap (hblkhd) are live allocations too.
    out.put(ids_[0], static_cast<double>(info.uordblks + info.hblkhd));
    out.put(ids_[1], static_cast<double>(info.arena + info.hblkhd));
    out.put(ids_[2], static_cast<double>(info.fordblks));
    out.put(ids_[3], static_cast<double>(info.hblkhd));
    out.put(ids_[4], static_cast<double>(info.keepcost));
  }

 private:
  bool interned_ = false;
  std::array<SeriesId, 5> ids_{};
};
using Backend = SystemProbe;

#endif

}  // namespace

std::unique_ptr<AllocatorProbe> make_allocator_probe() { return std::make_unique<Backend>(); }
std::string_view compiled_allocator() noexcept { return "system"; }
// Free pages here do not decay on the wall clock: RSS is always read live.
bool allocator_rss_is_live() noexcept { return true; }
void return_freed_pages() noexcept {}

}  // namespace plateau::probes
