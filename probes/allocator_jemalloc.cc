// jemalloc backend of AllocatorProbe (PLATEAU_ALLOCATOR=jemalloc).
#include <jemalloc/jemalloc.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

#include "probes/allocator_probe.h"
#include "probes/instrumentation_arena.h"

namespace plateau::probes {
namespace {

// MIBs are resolved once, so a pass is mallctlbymib calls and no string
// lookups (seven reads, plus one purge per arena of the program).
class Mib {
 public:
  explicit Mib(const char* name) : name_(name) {
    if (const int err = mallctlnametomib(name, mib_.data(), &length_); err != 0) {
      throw std::runtime_error(std::string("jemalloc probe: mallctlnametomib(\"") + name +
                               "\") failed: " + std::strerror(err));
    }
  }
  std::size_t read_size() const { return read<std::size_t>(); }
  unsigned read_unsigned() const { return read<unsigned>(); }
  // Runs an arena's control ("arena.0.purge" resolved once) for arena
  // `index`; its error code (an arena not yet initialised: EFAULT).
  int run_for_arena(unsigned index) const {
    std::array<std::size_t, 8> mib = mib_;
    mib[1] = index;
    return mallctlbymib(mib.data(), length_, nullptr, nullptr, nullptr, 0);
  }
  void write_epoch() const {
    std::uint64_t epoch = 1;
    std::size_t size = sizeof epoch;
    if (const int err = mallctlbymib(mib_.data(), length_, &epoch, &size, &epoch, size); err != 0) {
      throw std::runtime_error(std::string("jemalloc probe: writing epoch failed: ") + std::strerror(err));
    }
  }

 private:
  template <typename T>
  T read() const {
    T value{};
    std::size_t size = sizeof value;
    if (const int err = mallctlbymib(mib_.data(), length_, &value, &size, nullptr, 0); err != 0) {
      throw std::runtime_error(std::string("jemalloc probe: reading ") + name_ +
                               " failed: " + std::strerror(err));
    }
    return value;
  }

  const char* name_;
  std::array<std::size_t, 8> mib_{};
  std::size_t length_ = mib_.size();
};

class JemallocProbe final : public AllocatorProbe {
 public:
  std::string_view name() const noexcept override { return "alloc.jemalloc"; }
  std::string_view backend() const noexcept override { return "jemalloc"; }

  std::size_t allocated_bytes() override {
    epoch_.write_epoch();
    const std::size_t total = allocated_.read_size();
    const std::size_t own = instrumentation_figures().value_or(InstrumentationFigures{}).allocated_bytes;
    return total > own ? total - own : 0;
  }

  void sample(engine::TimePoint /*now*/, SampleWriter& out) override {
    if (!interned_) {
      auto intern = [&](const char* name) {
        return out.intern(name, "bytes", "allocator", SeriesFamily::kAllocator);
      };
      ids_ = {intern("alloc.allocated_bytes"),        intern("alloc.heap_bytes"),
              intern("alloc.jemalloc.active_bytes"),  intern("alloc.jemalloc.resident_bytes"),
              intern("alloc.jemalloc.mapped_bytes"),  intern("alloc.jemalloc.retained_bytes"),
              intern("alloc.jemalloc.metadata_bytes")};
      interned_ = true;
    }
    purge_program_arenas();
    epoch_.write_epoch();  // statistics are a snapshot taken at the last epoch
    // plateau's own arena (instrumentation_arena.h) is the measurer, not the
    // system: subtracted from the program's figures, published on its own.
    const InstrumentationFigures own = instrumentation_figures().value_or(InstrumentationFigures{});
    auto minus = [](std::size_t total, std::size_t part) { return static_cast<double>(total > part ? total - part : 0); };
    const double mapped = minus(mapped_.read_size(), own.mapped_bytes);
    out.put(ids_[0], minus(allocated_.read_size(), own.allocated_bytes));
    out.put(ids_[1], mapped);
    out.put(ids_[2], minus(active_.read_size(), own.active_bytes));
    out.put(ids_[3], minus(resident_.read_size(), own.resident_bytes));
    out.put(ids_[4], mapped);
    if (instrumentation_figures()) {
      if (!own_interned_) {
        own_allocated_ = out.intern("alloc.instrumentation_bytes", "bytes", "plateau", SeriesFamily::kAllocator);
        own_resident_ =
            out.intern("alloc.instrumentation_resident_bytes", "bytes", "plateau", SeriesFamily::kAllocator);
        own_interned_ = true;
      }
      out.put(own_allocated_, static_cast<double>(own.allocated_bytes));
      out.put(own_resident_, static_cast<double>(own.resident_bytes));
    }
    out.put(ids_[5], static_cast<double>(retained_.read_size()));
    out.put(ids_[6], static_cast<double>(metadata_.read_size()));
  }

 private:
  // The program's dirty pages are returned before each pass is read, so
  // resident bytes and RSS measure live pages. jemalloc decays dirty pages on
  // the wall clock (10 s by default); on a virtual clock running hundreds of
  // times faster, what is still dirty at a sample depends on the machine's
  // speed, not on the program. plateau's own arena is left alone (it is
  // never purged: its pages are reused by the next pass).
  void purge_program_arenas() {
    const unsigned narenas = narenas_.read_unsigned();
    const std::optional<unsigned> own = instrumentation_arena_index();
    for (unsigned i = 0; i < narenas; ++i) {
      if (own != i) purge_.run_for_arena(i);  // an arena not yet initialised: EFAULT, nothing to purge
    }
  }

  Mib narenas_{"arenas.narenas"};
  Mib purge_{"arena.0.purge"};
  Mib epoch_{"epoch"};
  Mib allocated_{"stats.allocated"};
  Mib active_{"stats.active"};
  Mib resident_{"stats.resident"};
  Mib mapped_{"stats.mapped"};
  Mib retained_{"stats.retained"};
  Mib metadata_{"stats.metadata"};
  bool interned_ = false;
  std::array<SeriesId, 7> ids_{};
  bool own_interned_ = false;
  SeriesId own_allocated_ = 0, own_resident_ = 0;
};

}  // namespace

std::unique_ptr<AllocatorProbe> make_allocator_probe() { return std::make_unique<JemallocProbe>(); }
std::string_view compiled_allocator() noexcept { return "jemalloc"; }

}  // namespace plateau::probes
