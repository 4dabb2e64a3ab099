#include "soak/runner/heap_session.h"

#include <bit>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <utility>

#include "probes/heap_diff.h"
#include "probes/heap_profile.h"
#include "probes/symbolizer.h"

namespace plateau::soak {

namespace {

reports::HeapBackend backend_of(std::string_view name) {
  if (name == "jemalloc") return reports::HeapBackend::jemalloc;
  if (name == "tcmalloc") return reports::HeapBackend::tcmalloc;
  return reports::HeapBackend::none;
}

}  // namespace

std::vector<std::string> HeapSession::instrumentation_paths() {
  return {"probes/", "harness/", "soak/", "reports/"};
}

HeapSession::HeapSession(std::filesystem::path dir, std::filesystem::path binary, bool timelines,
                         std::uint64_t sample_bytes)
    : dir_(std::move(dir)),
      binary_(std::move(binary)),
      sample_bytes_(sample_bytes),
      profiler_(probes::make_heap_profiler()) {
  if (timelines) timelines_.emplace(symbolizer_, instrumentation_paths());
  section_.backend = backend_of(profiler_->backend());
  if (!profiler_->available()) {
    section_.backend = reports::HeapBackend::none;
    section_.reason = profiler_->unavailable_reason();
  }
}

HeapSession::~HeapSession() {
  if (active_) {
    try {
      profiler_->stop();
    } catch (...) {
    }
  }
}

void HeapSession::fail(const std::string& why) {
  if (section_.reason.empty()) section_.reason = why;
  if (active_) {
    try {
      profiler_->stop();
    } catch (...) {
    }
  }
  active_ = false;
}

std::optional<std::filesystem::path> HeapSession::dump(const std::string& label) {
  if (!active_) return std::nullopt;
  try {
    std::filesystem::create_directories(dir_);
    const std::filesystem::path file = dir_ / ("heap-" + label + ".heap");
    profiler_->dump(file);
    section_.dump_files.push_back(file.string());
    section_.open_commands.push_back(probes::open_profile_command(profiler_->format(), binary_, file, base_));
    return file;
  } catch (const std::exception& e) {
    fail(std::string("heap dump failed: ") + e.what());
    return std::nullopt;
  }
}

probes::HeapTimelines* HeapSession::timelines() {
  return timelines_ && !timelines_->times().empty() ? &*timelines_ : nullptr;
}

// Parsed as soon as written, so only the per-site figures stay in memory.
void HeapSession::fold(const std::filesystem::path& file, double t_s) {
  if (!timelines_) return;
  if (!timelines_->times().empty() && t_s <= timelines_->times().back()) return;
  try {
    timelines_->add(t_s, probes::parse_heap_profile_file(file));
  } catch (const std::exception& e) {
    if (section_.reason.empty()) section_.reason = std::string("heap timeline stopped: ") + e.what();
    timelines_.reset();
  }
}

// The scenario's sample rate, where the allocator can still take it: on
// jemalloc (unless PLATEAU_LG_PROF_SAMPLE asks otherwise); tcmalloc's period
// was fixed at process start, and the dumps carry the period in force,
// which is what un-sampling and the site verdict's noise term use.
void HeapSession::start_profiler() {
  std::optional<unsigned> lg;
  const char* env = std::getenv("PLATEAU_LG_PROF_SAMPLE");
  const bool env_set = env != nullptr && *env != '\0';
  if (sample_bytes_ > 0 && profiler_->backend() == "jemalloc" && !env_set) {
    lg = static_cast<unsigned>(std::countr_zero(sample_bytes_));
  }
  profiler_->start(lg);
  if (const std::string why = profiler_->limitation(); !why.empty() && section_.reason.empty()) {
    section_.reason = "heap profiler: " + why;
  }
}

void HeapSession::begin_run() {
  if (!timelines_ || !profiler_->available() || active_) return;
  try {
    start_profiler();
    active_ = true;
  } catch (const std::exception& e) {
    fail(std::string("heap profiling could not start: ") + e.what());
  }
}

void HeapSession::begin_measured_phase(double t_s) {
  if (!profiler_->available() || base_) return;
  if (!active_) {
    try {
      start_profiler();
      active_ = true;
    } catch (const std::exception& e) {
      fail(std::string("heap profiling could not start: ") + e.what());
      return;
    }
  }
  base_ = dump("start");
  if (base_) fold(*base_, t_s);
}

void HeapSession::checkpoint(double t_s) {
  if (auto file = dump(std::to_string(static_cast<long long>(std::llround(t_s))) + "s")) fold(*file, t_s);
}

reports::HeapProfile HeapSession::finish(double t_s) {
  std::optional<std::filesystem::path> end = dump("end");
  if (end) fold(*end, t_s);
  if (active_) {
    try {
      profiler_->stop();
    } catch (...) {
    }
    active_ = false;
  }
  if (!base_ || !end) return section_;
  try {
    const probes::HeapProfile base = probes::parse_heap_profile_file(*base_);
    const probes::HeapProfile current = probes::parse_heap_profile_file(*end);
    probes::HeapDiffOptions options;
    // The measuring tool shares the process: its growth is not the engine's.
    options.excluded_frame_prefixes = {"plateau::probes::", "plateau::harness::", "plateau::soak::",
                                       "plateau::reports::"};
    const probes::HeapDiff diff = probes::diff_heap_profiles(base, current, symbolizer_, options);
    section_.instrumentation_bytes_added = static_cast<std::int64_t>(std::llround(diff.excluded_bytes_added));
    section_.diff_base = base_->string();
    section_.diff_target = end->string();
    for (const probes::GrowingSite& site : diff.top) {
      reports::HeapSite out;
      out.bytes_added = static_cast<std::int64_t>(std::llround(site.bytes_added));
      out.objects_added = static_cast<std::int64_t>(std::llround(site.objects_added));
      out.our_frame = site.site_name();
      if (site.our_frame) {
        if (const std::string at = site.stack[*site.our_frame].location(); !at.empty()) out.our_frame += " at " + at;
      }
      for (const probes::Frame& frame : site.stack) out.stack.push_back(frame.describe());
      section_.top_sites.push_back(std::move(out));
    }
  } catch (const std::exception& e) {
    if (section_.reason.empty()) section_.reason = std::string("heap diff failed: ") + e.what();
  }
  return section_;
}

}  // namespace plateau::soak
