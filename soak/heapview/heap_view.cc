#include "soak/heapview/heap_view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>

#include "probes/heap_profile.h"
#include "reports/frames.h"
#include "reports/text.h"
#include "probes/symbolizer.h"

namespace plateau::soak {
namespace {

struct Dump {
  probes::HeapProfile profile;
  std::vector<probes::Mapping> regions;
};

Dump load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("heap: " + path + ": cannot be read (no such file, or no permission)");
  std::ostringstream text;
  text << in.rdbuf();
  Dump dump;
  try {
    dump.profile = probes::parse_heap_profile(text.str(), path);
  } catch (const probes::HeapProfileError& e) {
    throw std::invalid_argument(std::string("heap: ") + e.what());
  }
  dump.regions = probes::parse_mapped_libraries(text.str());
  return dump;
}

struct Delta {
  double bytes = 0;
  double objects = 0;
};

struct Group {
  std::string key;
  double bytes = 0;
  double objects = 0;
  std::size_t sites = 0;
  std::vector<std::string> callers;  // project frames above our frame, of the largest site
  double largest_site = 0;
};

// The measuring tool's own code, kept out of the table as the report does:
// a leak hunt is about the code under test.
bool is_instrumentation(const std::string& function) {
  for (const char* prefix : {"plateau::probes::", "plateau::harness::", "plateau::soak::"}) {
    if (function.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

std::string signed_bytes(double bytes) { return (bytes >= 0 ? "+" : "-") + reports::format_bytes(std::fabs(bytes)); }

// "function at file:line (module)", "function (module)" or "0xaddr (module)":
// the frame text reports/frames.h reads; the file as the debug info has it.
std::string frame_text(const probes::Frame& frame) {
  char address[32];
  std::snprintf(address, sizeof address, "0x%zx", static_cast<std::size_t>(frame.address));
  std::string text = frame.function.empty() ? std::string(address) : frame.function;
  if (!frame.debug_file.empty() && frame.line > 0) text += " at " + frame.debug_file + ":" + std::to_string(frame.line);
  if (!frame.module.empty()) text += " (" + frame.module + ")";
  return text;
}

std::string short_path(std::string file) {
  // "/src/build/default/../../engine/x.cc" -> "/src/engine/x.cc"; paths
  // inside the current directory print relative, as a developer types them.
  file = std::filesystem::path(file).lexically_normal().string();
  std::error_code ec;
  const std::string cwd = std::filesystem::current_path(ec).string() + "/";
  if (!ec && file.rfind(cwd, 0) == 0) return file.substr(cwd.size());
  // ccache's CCACHE_BASEDIR compiles with paths relative to the build folder
  // ("../../engine/plans/x.cc"): shown from the checkout root instead.
  while (file.rfind("../", 0) == 0 || file.rfind("./", 0) == 0) file.erase(0, file.find('/') + 1);
  return file;
}

}  // namespace

std::string render_heap_view(const HeapViewOptions& options) {
  const Dump target = load(options.dump);
  std::optional<Dump> base;
  if (options.base) {
    base = load(*options.base);
    if (base->profile.format != target.profile.format) {
      throw std::invalid_argument("heap: --base " + *options.base + " is a " +
                                  std::string(probes::to_string(base->profile.format)) + " dump but " +
                                  options.dump + " is " + std::string(probes::to_string(target.profile.format)) +
                                  ": compare dumps of one allocator");
    }
  }

  std::map<std::vector<std::uintptr_t>, Delta> deltas;
  for (const probes::HeapSite& site : target.profile.sites) {
    deltas[site.stack].bytes += site.bytes;
    deltas[site.stack].objects += site.objects;
  }
  if (base) {
    for (const probes::HeapSite& site : base->profile.sites) {
      deltas[site.stack].bytes -= site.bytes;
      deltas[site.stack].objects -= site.objects;
    }
  }
  double net = 0;
  double grown = 0;
  for (const auto& [stack, delta] : deltas) {
    net += delta.bytes;
    if (delta.bytes > 0) grown += delta.bytes;
  }

  probes::Symbolizer symbols(target.regions, options.binary);

  std::map<std::string, Group> groups;
  double instrumentation = 0;
  for (const auto& [stack, delta] : deltas) {
    if (!(delta.bytes > 0)) continue;
    std::vector<reports::FrameText> frames;
    for (std::uintptr_t address : stack) {
      for (const probes::Frame& frame : symbols.resolve(address)) frames.push_back(reports::parse_frame(frame_text(frame)));
    }
    std::size_t ours = 0;
    while (ours < frames.size() && frames[ours].kind == reports::FrameKind::runtime) ++ours;
    std::string key = "(allocator / runtime only)";
    std::string shown = key;
    if (ours < frames.size()) {
      const reports::FrameText& f = frames[ours];
      if (!options.all && is_instrumentation(f.function)) {
        instrumentation += delta.bytes;
        continue;
      }
      // Grouped by the full name (overloads stay apart), shown short.
      key = f.function.empty() ? f.full : f.function;
      shown = reports::short_frame_name(f);
      if (options.lines && !f.location.empty()) {
        key += "  " + f.location;
        shown += "  " + short_path(f.location);
      }
    }
    Group& group = groups[key];
    group.key = shown;
    group.bytes += delta.bytes;
    group.objects += delta.objects;
    ++group.sites;
    if (delta.bytes > group.largest_site) {
      group.largest_site = delta.bytes;
      group.callers.clear();
      for (std::size_t i = ours + 1; i < frames.size() && group.callers.size() < 3; ++i) {
        if (frames[i].kind != reports::FrameKind::project) continue;
        std::string caller = reports::short_frame_name(frames[i]);
        if (options.lines && !frames[i].location.empty()) caller += "  " + short_path(frames[i].location);
        group.callers.push_back(caller);
      }
    }
  }
  std::vector<const Group*> order;
  for (const auto& [key, group] : groups) order.push_back(&group);
  std::stable_sort(order.begin(), order.end(), [](const Group* a, const Group* b) { return a->bytes > b->bytes; });

  std::ostringstream out;
  const auto& p = target.profile;
  out << "plateau heap: " << (base ? "growth from " + *options.base + " to " + options.dump : options.dump) << "\n";
  out << std::string(probes::to_string(p.format))
      << (p.sample_period_bytes > 0 ? ", sampled every " + reports::format_bytes(static_cast<double>(p.sample_period_bytes)) +
                                          " (figures are estimates)"
                                    : std::string(", every allocation"))
      << "\n";
  if (base) {
    out << "net change " << signed_bytes(net) << "; sites that grew: " << signed_bytes(grown) << "\n\n";
  } else {
    out << "live " << reports::format_bytes(p.total_bytes()) << " in " << p.sites.size() << " sites\n\n";
  }
  if (order.empty()) {
    out << (base ? "No allocation site grew.\n" : "The dump holds no live allocation.\n");
  } else {
    char header[160];
    std::snprintf(header, sizeof header, "%12s %7s %10s  %s\n", base ? "bytes added" : "live bytes", "share",
                  base ? "objects" : "objects", options.lines ? "function  file:line" : "function");
    out << header;
    const std::size_t shown = std::min(order.size(), options.top);
    for (std::size_t i = 0; i < shown; ++i) {
      const Group& g = *order[i];
      char row[96];
      std::snprintf(row, sizeof row, "%12s %7s %10.0f  ",
                    (base ? signed_bytes(g.bytes) : reports::format_bytes(g.bytes)).c_str(),
                    reports::format_percent(grown > 0 ? g.bytes / grown : 0).c_str(), g.objects);
      out << row << g.key << "\n";
      for (const std::string& caller : g.callers) out << std::string(33, ' ') << "<- " << caller << "\n";
    }
    if (order.size() > shown) out << "… and " << (order.size() - shown) << " more (--top N)\n";
  }
  if (instrumentation > 0) {
    out << "\nplateau's own sites (probes, harness, soak) " << (base ? "grew by " : "hold ")
        << reports::format_bytes(instrumentation) << " and are not listed (--all lists them).\n";
  }
  for (const std::string& problem : symbols.problems()) out << "note: " << problem << "\n";
  // A binary rebuilt after the dump has other addresses: its symbols would be wrong.
  std::error_code ec;
  const auto dump_time = std::filesystem::last_write_time(options.dump, ec);
  std::set<std::string> warned;
  for (const probes::Mapping& region : target.regions) {
    const std::string path = options.binary && region.path.find(".so") == std::string::npos ? *options.binary
                                                                                            : region.path;
    if (ec || !warned.insert(path).second) continue;
    std::error_code module_ec;
    const auto module_time = std::filesystem::last_write_time(path, module_ec);
    if (!module_ec && module_time > dump_time) {
      out << "note: " << path << " changed after the dump was written: if it was rebuilt, its symbols are "
          << "wrong for this dump (pass the binary the dump came from with --binary)\n";
    }
  }
  return out.str();
}

Subcommand add_heap_command(CLI::App& app) {
  auto options = std::make_shared<HeapViewOptions>();
  CLI::App* cmd = app.add_subcommand(
      "heap", "Show one heap dump, or the growth between two, symbolised offline (libdw) with file:line");
  cmd->add_option("dump", options->dump, "Heap dump (jemalloc .heap or gperftools heap profile)")->required();
  cmd->add_option("--base", options->base, "Earlier dump of the same process: show what grew since");
  cmd->add_flag("--lines", options->lines, "Group by function and file:line (needs debug info)");
  cmd->add_option("--binary", options->binary,
                  "The executable the dump came from, when it is no longer at the path the dump records");
  cmd->add_option("--top", options->top, "Rows to show (default 20)");
  cmd->add_flag("--all", options->all, "Also list plateau's own sites (probes, harness, soak)");
  cmd->footer(
      "Exit codes: 0 shown, 2 bad input (unreadable or malformed dump, dumps of different allocators), "
      "4 unexpected error.");
  return Subcommand{cmd, [options] {
                      std::cout << render_heap_view(*options);
                      return 0;
                    }};
}

}  // namespace plateau::soak
