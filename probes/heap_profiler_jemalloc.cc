// jemalloc backend of HeapProfiler (PLATEAU_ALLOCATOR=jemalloc).
#include <jemalloc/jemalloc.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "probes/heap_profiler.h"
#include "probes/jemalloc_backtrace_hook.h"

namespace plateau::probes {
namespace {

template <class T>
bool read_ctl(const char* name, T& value) {
  std::size_t size = sizeof value;
  return mallctl(name, &value, &size, nullptr, 0) == 0;
}

template <class T>
void write_ctl(const char* name, T value) {
  if (const int err = mallctl(name, nullptr, nullptr, &value, sizeof value); err != 0) {
    throw std::runtime_error(std::string("jemalloc heap profiler: writing ") + name +
                             " failed: " + std::strerror(err));
  }
}

// PLATEAU_LG_PROF_SAMPLE, if set, overrides the build's lg_prof_sample when
// start() is not given one (see cmake/jemalloc_conf.cc).
std::optional<unsigned> lg_sample_from_env() {
  const char* text = std::getenv("PLATEAU_LG_PROF_SAMPLE");
  if (text == nullptr || *text == '\0') return std::nullopt;
  char* end = nullptr;
  const unsigned long value = std::strtoul(text, &end, 10);
  if (*end != '\0' || value > 40) {
    throw std::invalid_argument(std::string("PLATEAU_LG_PROF_SAMPLE='") + text +
                                "' is not an integer from 0 to 40 (log2 of bytes between samples)");
  }
  return static_cast<unsigned>(value);
}

class JemallocHeapProfiler final : public HeapProfiler {
 public:

  std::string_view backend() const noexcept override { return "jemalloc"; }
  HeapProfileFormat format() const noexcept override { return HeapProfileFormat::kJemalloc; }

  bool available() const override { return unavailable_reason().empty(); }

  std::string unavailable_reason() const override {
    bool config_prof = false;
    if (!read_ctl("config.prof", config_prof) || !config_prof) {
      return "this jemalloc was built without --enable-prof: no heap profiles";
    }
    bool opt_prof = false;
    if (!read_ctl("opt.prof", opt_prof) || !opt_prof) {
      return "jemalloc profiling is off: the executable must carry malloc_conf "
             "\"prof:true\" (link plateau_allocator, which adds cmake/jemalloc_conf.cc) "
             "or run with MALLOC_CONF=prof:true";
    }
    return {};
  }

  std::uint64_t sample_period_bytes() const override {
    std::size_t lg = 0;
    if (!available() || !read_ctl("prof.lg_sample", lg)) return 0;
    return std::uint64_t{1} << lg;
  }

  void start(std::optional<unsigned> lg_sample) override {
    require_available();
    install_backtrace_hook();
    if (!lg_sample) lg_sample = lg_sample_from_env();
    if (lg_sample) write_ctl<std::size_t>("prof.reset", *lg_sample);
    write_ctl<bool>("prof.active", true);
  }

  void stop() override {
    require_available();
    write_ctl<bool>("prof.active", false);
  }

  bool active() const override {
    bool value = false;
    return available() && read_ctl("prof.active", value) && value;
  }

  void dump(const std::filesystem::path& file) override {
    require_available();
    const std::string name = file.string();
    const char* c_name = name.c_str();
    if (const int err = mallctl("prof.dump", nullptr, nullptr, &c_name, sizeof c_name); err != 0) {
      throw std::runtime_error("jemalloc heap profiler: prof.dump to '" + name + "' failed: " +
                               std::strerror(err) + " (does the folder exist and is it writable?)");
    }
    if (!std::filesystem::exists(file)) {
      throw std::runtime_error("jemalloc heap profiler: prof.dump reported success but '" + name +
                               "' does not exist");
    }
  }

  std::string limitation() const override { return hook_reason_; }

 private:
  // Once per process, before the first sample of the run: jemalloc's own
  // libgcc unwinder costs ~3 µs a sample (jemalloc_backtrace_hook.h). If
  // this jemalloc has no hook mallctl, sampling goes on with its default
  // unwinder and limitation() says so for the report.
  // PLATEAU_PROF_BACKTRACE=default keeps jemalloc's unwinder (to compare
  // costs, or should libunwind misread some frames).
  void install_backtrace_hook() {
    static const BacktraceHookResult result = [] {
      const char* choice = std::getenv("PLATEAU_PROF_BACKTRACE");
      if (choice != nullptr && std::strcmp(choice, "default") == 0) {
        return BacktraceHookResult{false, "PLATEAU_PROF_BACKTRACE=default: sampled backtraces by jemalloc's "
                                          "own unwinder, not libunwind"};
      }
      return install_libunwind_backtrace_hook(&mallctl);
    }();
    hook_reason_ = result.reason;
  }

  void require_available() const {
    if (auto why = unavailable_reason(); !why.empty()) {
      throw std::runtime_error("jemalloc heap profiler unavailable: " + why);
    }
  }

  std::string hook_reason_;  // set by start(): "" when the libunwind hook is in
};

}  // namespace

std::unique_ptr<HeapProfiler> make_heap_profiler() { return std::make_unique<JemallocHeapProfiler>(); }

}  // namespace plateau::probes
