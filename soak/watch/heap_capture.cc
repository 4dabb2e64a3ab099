#include "soak/watch/heap_capture.h"

#include <elf.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "probes/heap_profile.h"
#include "probes/symbolizer.h"

namespace plateau::soak::watch {
namespace {

namespace fs = std::filesystem;

std::optional<fs::path> find_library(const char* env_override, const std::vector<const char*>& names) {
  if (const char* path = std::getenv(env_override); path != nullptr && *path != '\0') return fs::path(path);
  for (const char* dir : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib",
                          "/usr/local/lib", "/lib/x86_64-linux-gnu"}) {
    for (const char* name : names) {
      fs::path p = fs::path(dir) / name;
      if (fs::exists(p)) return p;
    }
  }
  return std::nullopt;
}

int lg2_floor(std::uint64_t v) {
  int lg = 0;
  while (v > 1) {
    v >>= 1;
    ++lg;
  }
  return lg;
}

std::string mib(double bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.1f MiB", bytes / (1024.0 * 1024.0));
  return buf;
}

// One address as "f() at leaky.cc:42 (module)" or "0x... (module)": the
// innermost frame (as addr2line without -i), file and module by base name.
std::string frame_text(const std::vector<probes::Frame>& frames) {
  const probes::Frame& f = frames.front();
  char address[32];
  std::snprintf(address, sizeof address, "0x%llx", static_cast<unsigned long long>(f.address));
  std::string text = f.function.empty() ? std::string(address) : f.function;
  if (!f.debug_file.empty() && f.line > 0)
    text += " at " + f.debug_file.substr(f.debug_file.rfind('/') + 1) + ":" + std::to_string(f.line);
  if (!f.module.empty()) text += " (" + f.module.substr(f.module.rfind('/') + 1) + ")";
  return text;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

std::optional<fs::path> resolve_command(const std::string& name) {
  if (name.find('/') != std::string::npos)
    return fs::exists(name) ? std::optional<fs::path>(name) : std::nullopt;
  const char* path_env = std::getenv("PATH");
  std::istringstream dirs(path_env ? path_env : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    fs::path p = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return std::nullopt;
}

bool is_static_elf(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  Elf64_Ehdr eh{};
  if (!in.read(reinterpret_cast<char*>(&eh), sizeof eh)) return false;
  if (std::string_view(reinterpret_cast<char*>(eh.e_ident), 2) == "#!") {
    std::string line = read_text(file).substr(0, 256);
    line = line.substr(2, line.find('\n') - 2);
    const auto start = line.find_first_not_of(' ');
    if (start == std::string::npos) return false;
    line = line.substr(start, line.find(' ', start) - start);
    return line != file && !line.empty() && is_static_elf(line);
  }
  if (std::string_view(reinterpret_cast<char*>(eh.e_ident), 4) != ELFMAG ||
      eh.e_ident[EI_CLASS] != ELFCLASS64) {
    return false;
  }
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph{};
    in.seekg(static_cast<std::streamoff>(eh.e_phoff + i * eh.e_phentsize));
    if (!in.read(reinterpret_cast<char*>(&ph), sizeof ph)) return false;
    if (ph.p_type == PT_INTERP) return false;
  }
  return true;
}

std::optional<fs::path> find_unwind_shim() {
  static constexpr const char* kName = "libplateau_jemalloc_unwind.so";
  if (const char* path = std::getenv("PLATEAU_JEMALLOC_UNWIND_SO"); path != nullptr) {
    if (*path == '\0' || !fs::exists(path)) return std::nullopt;
    return fs::path(path);
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  const fs::path prefix = exe.parent_path().parent_path();
  for (const char* libdir : {"lib", "lib64", "lib/x86_64-linux-gnu", "lib/aarch64-linux-gnu"}) {
    const fs::path p = prefix / libdir / kName;
    if (fs::exists(p)) return p;
  }
  return std::nullopt;
}

HeapPlan plan_heap(HeapMode mode, const std::vector<std::string>& command, const fs::path& dir,
                   std::uint64_t interval_bytes, std::uint64_t sample_bytes) {
  HeapPlan plan;
  plan.dir = dir;
  if (mode == HeapMode::none) return plan;
  const auto exe = command.empty() ? std::nullopt : resolve_command(command.front());
  if (exe && is_static_elf(*exe)) {
    plan.unavailable_reason = exe->string() +
                              " is a static binary: LD_PRELOAD cannot load an allocator into it; "
                              "judging the /proc series only";
    return plan;
  }
  const auto library = mode == HeapMode::jemalloc
                           ? find_library("PLATEAU_JEMALLOC_SO", {"libjemalloc.so.2", "libjemalloc.so"})
                           : find_library("PLATEAU_TCMALLOC_SO", {"libtcmalloc.so.4", "libtcmalloc.so"});
  if (!library) {
    plan.unavailable_reason =
        std::string("no ") + (mode == HeapMode::jemalloc ? "libjemalloc.so.2" : "libtcmalloc.so.4") +
        " found (install libjemalloc2 / libgoogle-perftools4, or set PLATEAU_" +
        (mode == HeapMode::jemalloc ? "JEMALLOC" : "TCMALLOC") + "_SO); judging the /proc series only";
    return plan;
  }
  fs::create_directories(dir);
  plan.mode = mode;
  plan.library = *library;
  std::string preload = library->string();
  if (const char* existing = std::getenv("LD_PRELOAD"); existing != nullptr && *existing != '\0') {
    preload += std::string(":") + existing;
  }
  if (mode == HeapMode::jemalloc) {
    // After libjemalloc, so the shim's constructor finds jemalloc's mallctl.
    if (const auto shim = find_unwind_shim()) {
      plan.unwind_shim = *shim;
      plan.unwind_status = dir / "unwind-status";
      fs::remove(plan.unwind_status);
      preload = library->string() + ":" + shim->string() + preload.substr(library->string().size());
      plan.env["PLATEAU_JEMALLOC_UNWIND_STATUS"] = plan.unwind_status.string();
    } else {
      plan.unwind_missing_reason =
          "libplateau_jemalloc_unwind.so not found (looked for lib/ beside plateau's bin/ and "
          "$PLATEAU_JEMALLOC_UNWIND_SO)";
    }
  }
  plan.env["LD_PRELOAD"] = preload;
  if (mode == HeapMode::jemalloc) {
    plan.env["MALLOC_CONF"] =
        "prof:true,prof_active:true,lg_prof_sample:" + std::to_string(lg2_floor(sample_bytes)) +
        ",prof_accum:false,lg_prof_interval:" + std::to_string(lg2_floor(interval_bytes)) +
        ",prof_prefix:" + (dir / "jeprof").string();
  } else {
    plan.env["HEAPPROFILE"] = (dir / "gperf").string();
    plan.env["HEAP_PROFILE_ALLOCATION_INTERVAL"] = std::to_string(interval_bytes);
  }
  return plan;
}

HeapCollector::HeapCollector(HeapPlan plan, pid_t target) : plan_(std::move(plan)), target_(target) {}

std::vector<fs::path> HeapCollector::target_dumps() const {
  std::vector<fs::path> dumps;
  if (plan_.mode == HeapMode::none) return dumps;
  std::error_code ec;
  // jemalloc: jeprof.<pid>.<seq>.<kind><n>.heap; gperftools: gperf.<nnnn>.heap
  const std::string prefix =
      plan_.mode == HeapMode::jemalloc ? "jeprof." + std::to_string(target_) + "." : "gperf.0";
  for (const auto& entry : fs::directory_iterator(plan_.dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(prefix) && name.ends_with(".heap")) dumps.push_back(entry.path());
  }
  // Newest last: by sequence number (jemalloc's global dump counter, gperftools' file counter).
  auto seq = [&](const fs::path& p) {
    const std::string name = p.filename().string();
    return std::strtoull(name.c_str() + prefix.size() - (plan_.mode == HeapMode::jemalloc ? 0 : 1), nullptr,
                         10);
  };
  std::sort(dumps.begin(), dumps.end(),
            [&](const fs::path& a, const fs::path& b) { return seq(a) < seq(b); });
  return dumps;
}

void HeapCollector::checkpoint(double t_s) {
  std::vector<fs::path> dumps = target_dumps();
  if (dumps.empty()) return;
  // The newest may still be being written; the one before it is complete.
  std::size_t pick = dumps.size() - 1;
  try {
    probes::parse_heap_profile_file(dumps[pick]);
  } catch (const std::exception&) {
    if (pick == 0) return;
    --pick;
  }
  const std::set<fs::path> kept(kept_.begin(), kept_.end());
  if (kept.count(dumps[pick]) == 0) {
    kept_.push_back(dumps[pick]);
    kept_t_s_.push_back(t_s);
  }
  // Intermediate dumps nobody will read: bounded disk on a long watch.
  for (std::size_t i = 0; i < pick; ++i) {
    if (kept.count(dumps[i]) == 0) fs::remove(dumps[i]);
  }
}

std::string HeapCollector::unwinder_note() const {
  if (plan_.mode != HeapMode::jemalloc) return {};
  const std::string cost = "; each sample costs more (docs/watch.md \"Cost and memory\")";
  if (plan_.unwind_shim.empty()) {
    return "heap: sampled backtraces by jemalloc's default unwinder: " + plan_.unwind_missing_reason + cost;
  }
  std::string status = read_text(plan_.unwind_status);
  while (!status.empty() && (status.back() == '\n' || status.back() == '\r')) status.pop_back();
  if (status == "libunwind") return {};
  if (status.empty()) {
    return "heap: the backtrace shim " + plan_.unwind_shim.string() +
           " did not report (not loaded in the target?); samples may use jemalloc's default unwinder" + cost;
  }
  if (status.starts_with("default: ")) status = status.substr(9);
  return "heap: sampled backtraces by jemalloc's default unwinder: " + status + cost;
}

reports::HeapProfile HeapCollector::finish(double t_s, const fs::path& target_binary) {
  reports::HeapProfile out;
  if (plan_.mode == HeapMode::none) {
    out.backend = reports::HeapBackend::none;
    out.reason =
        plan_.unavailable_reason.empty() ? "heap profiling off (--heap none)" : plan_.unavailable_reason;
    return out;
  }
  checkpoint(t_s);
  out.backend =
      plan_.mode == HeapMode::jemalloc ? reports::HeapBackend::jemalloc : reports::HeapBackend::tcmalloc;
  for (const fs::path& p : kept_) out.dump_files.push_back(p.string());
  if (kept_.size() < 2) {
    out.reason = kept_.empty()
                     ? "no heap dump was written: the target may use its own allocator, be static, or "
                       "have allocated less than heap_interval_bytes in the measured phase"
                     : "only one heap dump in the measured phase: nothing to diff";
    return out;
  }
  const std::string tool = plan_.mode == HeapMode::jemalloc ? "jeprof" : "google-pprof";
  out.diff_base = kept_.front().string();
  out.diff_target = kept_.back().string();
  out.open_commands.push_back(tool + " --text --base " + out.diff_base + " " + target_binary.string() + " " +
                              out.diff_target);
  const std::string current_text = read_text(kept_.back());
  const probes::HeapProfile base = probes::parse_heap_profile(read_text(kept_.front()), out.diff_base);
  const probes::HeapProfile current = probes::parse_heap_profile(current_text, out.diff_target);

  // Growth per stack: current minus base (sites matched by their full stack).
  std::map<std::vector<std::uintptr_t>, std::pair<double, double>> base_by_stack;
  for (const probes::HeapSite& s : base.sites) base_by_stack[s.stack] = {s.bytes, s.objects};
  struct Grown {
    const probes::HeapSite* site;
    double bytes_added;
    double objects_added;
  };
  std::vector<Grown> grown;
  for (const probes::HeapSite& s : current.sites) {
    const auto b = base_by_stack.find(s.stack);
    const double bytes = s.bytes - (b == base_by_stack.end() ? 0 : b->second.first);
    const double objects = s.objects - (b == base_by_stack.end() ? 0 : b->second.second);
    if (bytes >= 1.0) grown.push_back({&s, bytes, objects});
  }
  std::sort(grown.begin(), grown.end(),
            [](const Grown& a, const Grown& b) { return a.bytes_added > b.bytes_added; });
  if (grown.size() > 10) grown.resize(10);

  probes::Symbolizer symbolizer(probes::parse_mapped_libraries(current_text));
  for (const Grown& g : grown) {
    reports::HeapSite site;
    site.bytes_added = static_cast<std::int64_t>(g.bytes_added);
    site.objects_added = static_cast<std::int64_t>(g.objects_added);
    for (std::uintptr_t a : g.site->stack) {
      const std::string text = frame_text(symbolizer.resolve(a));
      site.stack.push_back(text);
      // The target is any program: its first frame outside the allocator,
      // libc and libstdc++ is the site (not plateau's project-frame rule).
      const probes::Frame& f = symbolizer.resolve(a).front();
      if (site.our_frame.empty() && !f.function.empty() && !probes::is_allocator_or_std_frame(f.function, f.module))
        site.our_frame = text;
    }
    if (site.our_frame.empty() && !site.stack.empty()) site.our_frame = site.stack.front();
    out.top_sites.push_back(std::move(site));
  }
  if (!out.top_sites.empty()) {
    top_site_line_ = "top growing allocation site: " + out.top_sites.front().our_frame + " (" +
                     mib(static_cast<double>(out.top_sites.front().bytes_added)) +
                     " between t=" + std::to_string(static_cast<long long>(kept_t_s_.front())) +
                     "s and t=" + std::to_string(static_cast<long long>(kept_t_s_.back())) + "s)";
  }
  return out;
}

}  // namespace plateau::soak::watch
