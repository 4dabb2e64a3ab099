// System (glibc) backend of HeapProfiler: glibc has no sampling heap
// profiler, so this one only says so, for the report.
#include <stdexcept>
#include <string>

#include "probes/heap_profiler.h"

namespace plateau::probes {
namespace {

constexpr const char* kReason =
    "no heap profile: this build uses the system allocator (PLATEAU_ALLOCATOR=system), which "
    "has no sampling heap profiler; use --preset default (jemalloc) or --preset tcmalloc for "
    "heap-profile diffs";

class SystemHeapProfiler final : public HeapProfiler {
 public:
  std::string_view backend() const noexcept override { return "system"; }
  HeapProfileFormat format() const noexcept override { return HeapProfileFormat::kJemalloc; }
  bool available() const override { return false; }
  std::string unavailable_reason() const override { return kReason; }
  std::uint64_t sample_period_bytes() const override { return 0; }
  void start(std::optional<unsigned>) override { fail(); }
  void stop() override {}
  bool active() const override { return false; }
  void dump(const std::filesystem::path&) override { fail(); }

 private:
  [[noreturn]] static void fail() { throw std::runtime_error(kReason); }
};

}  // namespace

std::unique_ptr<HeapProfiler> make_heap_profiler() { return std::make_unique<SystemHeapProfiler>(); }

}  // namespace plateau::probes
