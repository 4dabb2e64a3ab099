// tcmalloc (gperftools) backend of HeapProfiler (PLATEAU_ALLOCATOR=tcmalloc):
// the sampled heap, which costs little and needs no heap-profiler start-up.
#include <gperftools/malloc_extension.h>

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
};

}  // namespace

std::unique_ptr<HeapProfiler> make_heap_profiler() { return std::make_unique<TcmallocHeapProfiler>(); }

}  // namespace plateau::probes
