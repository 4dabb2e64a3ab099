// plateau_symbolize_dump: a measuring command, not a test. Symbolises every
// distinct return address of heap dumps with the Symbolizer the reports use
// (libdw, file:line, inlined calls) and prints the time it took, and with
// --frames every frame, one per line, for comparing two builds of the
// Symbolizer address by address.
//
//   build/default/bin/plateau_symbolize_dump [--frames] [--binary EXE] DUMP...
//
// The dumps' own MAPPED_LIBRARIES say where each module was loaded; --binary
// replaces the main executable's path (a dump of a binary since moved).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "probes/heap_profile.h"
#include "probes/mapped_libraries.h"
#include "probes/symbolizer.h"

int main(int argc, char** argv) {
  namespace probes = plateau::probes;
  bool print_frames = false;
  std::optional<std::string> binary;
  std::vector<std::string> dumps;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--frames") {
      print_frames = true;
    } else if (arg == "--binary" && i + 1 < argc) {
      binary = argv[++i];
    } else if (!arg.empty() && arg[0] == '-') {
      std::cerr << "plateau_symbolize_dump: unknown option " << arg
                << "; usage: plateau_symbolize_dump [--frames] [--binary EXE] DUMP...\n";
      return 2;
    } else {
      dumps.push_back(arg);
    }
  }
  if (dumps.empty()) {
    std::cerr << "plateau_symbolize_dump: no dump given; usage: plateau_symbolize_dump [--frames] "
                 "[--binary EXE] DUMP...\n";
    return 2;
  }
  std::set<std::uintptr_t> addresses;
  std::vector<probes::Mapping> mappings;
  try {
    for (const std::string& path : dumps) {
      for (const probes::HeapSite& site : probes::parse_heap_profile_file(path).sites)
        addresses.insert(site.stack.begin(), site.stack.end());
      if (mappings.empty()) {
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        mappings = probes::parse_mapped_libraries(text.str());
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "plateau_symbolize_dump: " << e.what() << "\n";
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  probes::Symbolizer symbolizer(mappings, binary);
  std::size_t frames = 0;
  std::ostringstream out;
  for (std::uintptr_t address : addresses) {
    for (const probes::Frame& f : symbolizer.resolve(address)) {
      ++frames;
      if (print_frames) out << std::hex << address << std::dec << (f.inlined ? " inl " : " fn ") << f.describe() << "\n";
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << out.str();
  std::fprintf(stderr, "%zu addresses, %zu frames symbolised in %.3f s\n", addresses.size(), frames, seconds);
  return 0;
}
