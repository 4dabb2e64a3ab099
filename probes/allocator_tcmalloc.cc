// tcmalloc (gperftools) backend of AllocatorProbe (PLATEAU_ALLOCATOR=tcmalloc).
#include <gperftools/malloc_extension.h>

#include <array>
#include <stdexcept>
#include <string>

#include "probes/allocator_probe.h"

namespace plateau::probes {
namespace {

std::size_t property(MallocExtension* ext, const char* name) {
  std::size_t value = 0;
  if (!ext->GetNumericProperty(name, &value)) {
    throw std::runtime_error(std::string("tcmalloc probe: MallocExtension has no numeric property ") + name);
  }
  return value;
}

class TcmallocProbe final : public AllocatorProbe {
 public:
  std::string_view name() const noexcept override { return "alloc.tcmalloc"; }
  std::string_view backend() const noexcept override { return "tcmalloc"; }

  std::size_t allocated_bytes() override {
    return property(MallocExtension::instance(), "generic.current_allocated_bytes");
  }

  void sample(engine::TimePoint /*now*/, SampleWriter& out) override {
    if (!interned_) {
      auto intern = [&](const char* name) { return intern_demand_only(out, name); };
      ids_ = {intern("alloc.allocated_bytes"), intern("alloc.heap_bytes"),
              intern("alloc.tcmalloc.pageheap_free_bytes"), intern("alloc.tcmalloc.pageheap_unmapped_bytes")};
      interned_ = true;
    }
    MallocExtension* ext = MallocExtension::instance();
    out.put(ids_[0], static_cast<double>(property(ext, "generic.current_allocated_bytes")));
    out.put(ids_[1], static_cast<double>(property(ext, "generic.heap_size")));
    out.put(ids_[2], static_cast<double>(property(ext, "tcmalloc.pageheap_free_bytes")));
    out.put(ids_[3], static_cast<double>(property(ext, "tcmalloc.pageheap_unmapped_bytes")));
  }

 private:
  bool interned_ = false;
  std::array<SeriesId, 4> ids_{};
};

}  // namespace

std::unique_ptr<AllocatorProbe> make_allocator_probe() { return std::make_unique<TcmallocProbe>(); }
std::string_view compiled_allocator() noexcept { return "tcmalloc"; }
// Free pages here do not decay on the wall clock: RSS is always read live.
bool allocator_rss_is_live() noexcept { return true; }
void return_freed_pages() noexcept {}

}  // namespace plateau::probes
