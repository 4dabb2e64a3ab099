// tcmalloc (gperftools) backend of HeapProfiler (PLATEAU_ALLOCATOR=tcmalloc):
// the sampled heap, which costs little and needs no heap-profiler start-up.
//
// The blind start (why start() allocates 17 MiB and frees it): gperftools
// reads TCMALLOC_SAMPLE_PARAMETER in a static initialiser of libtcmalloc,
// and a thread whose sampler is first used before that (the main thread:
// libstdc++ and other libraries allocate during static initialisation)
// picks its first sampling point while the period still reads 0, which
// gperftools turns into "next sample after 16 MiB" (sampler.cc,
// PickNextSamplingPoint). Until that thread has allocated 16 MiB, nothing
// it allocates is sampled. A cache filled in that blind stretch then
// "grows" in the profile as its unsampled entries are replaced by sampled
// ones: survivorship, read as a leak (issue 9: a 4 MiB cache churning at
// capacity judged growing at 329 KB/h). Allocating and freeing 17 MiB on
// the starting thread moves it past that point; threads created later
// start with the period in force.
#include <gperftools/malloc_extension.h>

#include <cstddef>
#include <cstdint>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>

#include "probes/heap_profiler.h"

namespace plateau::probes {
namespace {

std::uint64_t period_from_env() {
  const char* text = std::getenv("TCMALLOC_SAMPLE_PARAMETER");
  if (text == nullptr || *text == '\0') return 0;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  return *end == '\0' ? value : 0;
}

// gperftools' sampling gap while the period still read 0 (sampler.cc).
constexpr std::size_t kBlindStartBytes = std::size_t{16} << 20;

// Allocates and frees more than kBlindStartBytes on the calling thread, so
// its sampler has picked a point with the real period (see above).
void move_past_blind_start() {
  constexpr std::size_t kChunkBytes = 4096;
  constexpr std::size_t kChunks = (kBlindStartBytes + (std::size_t{1} << 20)) / kChunkBytes;
  for (std::size_t i = 0; i < kChunks; ++i) {
    void* p = std::malloc(kChunkBytes);
    if (p == nullptr) return;
    static_cast<volatile char*>(p)[0] = 1;
    asm volatile("" : : "r"(p) : "memory");  // the pair must not be elided
    std::free(p);
  }
}

class TcmallocHeapProfiler final : public HeapProfiler {
 public:
  std::string_view backend() const noexcept override { return "tcmalloc"; }
  HeapProfileFormat format() const noexcept override { return HeapProfileFormat::kGperftoolsSampled; }

  bool available() const override { return period_ > 0; }

  std::string unavailable_reason() const override {
    if (available()) return {};
    return "tcmalloc heap sampling is off: TCMALLOC_SAMPLE_PARAMETER must be set (e.g. 16384) "
           "in the environment before the process starts (CTest ENVIRONMENT, or "
           "reexec_with_heap_sampling(argv) at the top of main)";
  }

  std::uint64_t sample_period_bytes() const override { return period_; }

  void start(std::optional<unsigned> lg_sample) override {
    require_available();
    if (lg_sample && (std::uint64_t{1} << *lg_sample) != period_) {
      throw std::invalid_argument(
          "tcmalloc heap profiler: lg_sample " + std::to_string(*lg_sample) + " asks for one sample per " +
          std::to_string(std::uint64_t{1} << *lg_sample) +
          " bytes, but tcmalloc fixed the period at start-up to TCMALLOC_SAMPLE_PARAMETER=" +
          std::to_string(period_));
    }
    if (!primed_) {
      move_past_blind_start();
      primed_ = true;
    }
    active_ = true;
  }

  void stop() override { active_ = false; }
  bool active() const override { return active_; }

  void dump(const std::filesystem::path& file) override {
    require_available();
    std::string text;
    MallocExtension::instance()->GetHeapSample(&text);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) {
      throw std::runtime_error("tcmalloc heap profiler: cannot write '" + file.string() +
                               "': " + std::strerror(errno));
    }
  }

 private:
  void require_available() const {
    if (!available()) throw std::runtime_error("tcmalloc heap profiler unavailable: " + unavailable_reason());
  }

  const std::uint64_t period_ = period_from_env();
  bool active_ = false;
  bool primed_ = false;
};

}  // namespace

std::unique_ptr<HeapProfiler> make_heap_profiler() { return std::make_unique<TcmallocHeapProfiler>(); }

}  // namespace plateau::probes
