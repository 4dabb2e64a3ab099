// Sites need a name a developer acts on: file:line from debug info, the
// component from the source path (one mapping, published by the engine),
// and a short name for people.
#define BOOST_TEST_MODULE probes_site_symbols
#include <boost/test/unit_test.hpp>

#include <elf.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/core/components.h"
#include "engine/core/failpoints.h"
#include "probes/symbolizer.h"

namespace probes = plateau::probes;
namespace engine = plateau::engine;

// The call below returns to a known line of this file.
extern "C++" __attribute__((noinline)) std::uintptr_t plateau_test_return_address() {
  auto* address = __builtin_return_address(0);
  asm volatile("" : : "r"(address) : "memory");
  return reinterpret_cast<std::uintptr_t>(address);
}

int g_known_line = 0;

extern "C++" __attribute__((noinline)) std::uintptr_t plateau_test_known_call_site() {
  g_known_line = __LINE__; const std::uintptr_t address = plateau_test_return_address();
  asm volatile("" : : "r"(address) : "memory");  // no tail call: the return lands on that line
  return address;
}

BOOST_AUTO_TEST_CASE(file_and_line_of_a_known_function_come_from_debug_info) {
  const std::uintptr_t address = plateau_test_known_call_site();
  probes::Symbolizer symbolizer;
  BOOST_REQUIRE(symbolizer.has_debug_info_reader());
  const std::vector<probes::Frame>& frames = symbolizer.resolve(address);
  BOOST_REQUIRE(!frames.empty());
  const probes::Frame& outer = frames.back();
  BOOST_TEST(outer.function.find("plateau_test_known_call_site") != std::string::npos, outer.describe());
  BOOST_TEST(outer.file == "tests/probes/site_symbols_test.cc", outer.describe());
  BOOST_TEST(outer.line == static_cast<unsigned>(g_known_line), outer.describe());
  BOOST_TEST(outer.ours, outer.describe());
  BOOST_TEST(outer.location() == "tests/probes/site_symbols_test.cc:" + std::to_string(g_known_line));
}

BOOST_AUTO_TEST_CASE(source_paths_map_to_the_components_inventory_uses) {
  BOOST_TEST(engine::component_for_source("engine/exec/order_router.cc") == "router");
  BOOST_TEST(engine::component_for_source("engine/exec/order.h") == "router");
  BOOST_TEST(engine::component_for_source("engine/exec/exit_manager.cc") == "exits");
  BOOST_TEST(engine::component_for_source("engine/exec/portfolio_fills.cc") == "portfolio");
  BOOST_TEST(engine::component_for_source("engine/plans/auto_executor.cc") == "plans");
  BOOST_TEST(engine::component_for_source("engine/plans/plan_store.cc") == "plans");
  BOOST_TEST(engine::component_for_source("engine/market/market_data.cc") == "market");
  BOOST_TEST(engine::component_for_source("engine/wallet/wallet_monitor.cc") == "wallet");
  BOOST_TEST(engine::component_for_source("engine/executor/trade_executor.cc") == "executor");
  BOOST_TEST(engine::component_for_source("engine/paper/paper_engine.cc") == "paper");
  BOOST_TEST(engine::component_for_source("engine/portfolio/priority_symbols.cc") == "priority_symbols");
  BOOST_TEST(engine::component_for_source("engine/portfolio/portfolio.cc") == "portfolio");
  BOOST_TEST(engine::component_for_source("engine/cache/bounded_cache.h") == "cache");
  BOOST_TEST(engine::component_for_source("engine/engine.cc") == "engine");
  BOOST_TEST(engine::component_for_source("./engine/engine.cc") == "engine");
  // Not engine code: no component.
  BOOST_TEST(engine::component_for_source("probes/heap_diff.cc").empty());
  BOOST_TEST(engine::component_for_source("harness/harness.cc").empty());
  BOOST_TEST(engine::component_for_source("/usr/include/c++/12/bits/stl_vector.h").empty());
  BOOST_TEST(engine::component_for_source("").empty());
}

BOOST_AUTO_TEST_CASE(every_mapped_component_is_one_the_engine_names_elsewhere) {
  // Failpoints name the components that own seed bugs; portfolio and
  // priority_symbols report inventory without a failpoint of their own.
  std::set<std::string> known{"portfolio", "priority_symbols"};
  for (const auto& fp : engine::all_failpoints()) known.insert(std::string(fp.component));
  for (const engine::ComponentSource& source : engine::component_sources()) {
    BOOST_TEST(known.count(std::string(source.component)) == 1u, source.path_prefix << " -> " << source.component);
  }
}

BOOST_AUTO_TEST_CASE(debug_info_paths_become_repository_relative) {
  BOOST_TEST(probes::project_relative_path("/work/main/build/default/../../engine/exec/order_router.cc") ==
             "engine/exec/order_router.cc");
  BOOST_TEST(probes::project_relative_path("../../engine/cache/bounded_cache.h") == "engine/cache/bounded_cache.h");
  BOOST_TEST(probes::project_relative_path("engine/engine.cc") == "engine/engine.cc");
  BOOST_TEST(probes::project_relative_path("/usr/include/c++/12/bits/stl_vector.h").empty());
  BOOST_TEST(probes::project_relative_path("../sqlite3.c").empty());
}

BOOST_AUTO_TEST_CASE(names_are_shortened_for_people) {
  BOOST_TEST(probes::short_function_name(
                 "plateau::engine::BoundedCache<std::__cxx11::basic_string<char, std::char_traits<char>, "
                 "std::allocator<char> >, int>::store(std::__cxx11::basic_string<char> const&, int)") ==
             "engine::BoundedCache<>::store");
  BOOST_TEST(probes::short_function_name("plateau::engine::OrderRouter::submit(plateau::engine::Order const&)") ==
             "engine::OrderRouter::submit");
  BOOST_TEST(probes::short_function_name("void std::vector<int, std::allocator<int> >::_M_realloc_insert<int>(int&&)") ==
             "std::vector<>::_M_realloc_insert<>");
  BOOST_TEST(probes::short_function_name("plateau::engine::Fixed::operator<(plateau::engine::Fixed) const") ==
             "engine::Fixed::operator<");
  BOOST_TEST(probes::short_function_name("plateau_engine_unreachable_leak_site") ==
             "plateau_engine_unreachable_leak_site");
}

BOOST_AUTO_TEST_CASE(third_party_and_allocator_frames_are_not_project_frames) {
  BOOST_TEST(probes::is_allocator_or_std_frame("je_malloc", "/lib/x86_64-linux-gnu/libjemalloc.so.2"));
  BOOST_TEST(probes::is_allocator_or_std_frame("operator new(unsigned long)", "/bin/plateau"));
  BOOST_TEST(probes::is_allocator_or_std_frame("std::vector<int>::push_back(int const&)", "/bin/plateau"));
  // A third-party library's frame: resolving an address inside libsqlite3-like
  // shared objects is covered by Frame::ours' shared-object rule; here the
  // address of a libc function (a shared object) is never ours.
  probes::Symbolizer symbolizer;
  const auto address = reinterpret_cast<std::uintptr_t>(&std::free) + 1;
  for (const probes::Frame& f : symbolizer.resolve(address)) BOOST_TEST(!f.ours, f.describe());
}

BOOST_AUTO_TEST_CASE(shared_building_blocks_defer_to_their_caller) {
  BOOST_TEST(engine::is_shared_building_block("engine/cache/bounded_cache.h"));
  BOOST_TEST(engine::is_shared_building_block("engine/core/types.h"));
  BOOST_TEST(!engine::is_shared_building_block("engine/wallet/wallet_monitor.cc"));
  BOOST_TEST(!engine::is_shared_building_block("probes/heap_diff.cc"));
}

// The one symboliser also serves addresses of another process (heap dumps of
// `plateau heap` and `plateau watch --heap`): it is given a memory map, never
// asks this process (no dladdr), and places each file at its load bias. Here
// the map is this test's own, shifted as if the PIE executable had been loaded
// elsewhere: the shifted address must give the same file:line, which it can
// only do if the bias is computed from the map and the ELF program headers.
// Two PT_LOAD segments sharing a file page, as a linker lays out the end of
// the read-only data and the start of the writable data: the page at 0x2e7000
// holds both. The writable segment's first mapping (its RELRO part, made
// read-only after relocation) starts at that page and must take the writable
// segment's bias, not the one of the segment before it.
BOOST_AUTO_TEST_CASE(a_mapping_takes_the_bias_of_the_segment_it_starts) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("plateau-two-segments-" + std::to_string(::getpid()) + ".elf");
  Elf64_Ehdr eh{};
  std::copy_n(ELFMAG, SELFMAG, eh.e_ident);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_phoff = sizeof eh;
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 2;
  Elf64_Phdr read_only{};
  read_only.p_type = PT_LOAD;
  read_only.p_offset = read_only.p_vaddr = 0x28a000;
  read_only.p_filesz = read_only.p_memsz = 0x5d9f3;  // ends inside the page at 0x2e7000
  Elf64_Phdr writable{};
  writable.p_type = PT_LOAD;
  writable.p_offset = 0x2e7c50;
  writable.p_vaddr = 0x2e8c50;  // one page further in memory than in the file
  writable.p_filesz = 0x178870;
  writable.p_memsz = 0x179018;
  {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(&eh), sizeof eh);
    out.write(reinterpret_cast<const char*>(&read_only), sizeof read_only);
    out.write(reinterpret_cast<const char*>(&writable), sizeof writable);
  }
  const std::uintptr_t base = 0x555555554000;
  const auto bias_of = [&](std::uintptr_t start, std::uintptr_t end, std::uintptr_t offset) {
    probes::Mapping m;
    m.start = start;
    m.end = end;
    m.file_offset = offset;
    m.path = file.string();
    return probes::load_bias(file.string(), m).value_or(0);  // 0: no bias found
  };
  // The mappings the kernel and the loader made of such a file (gdb's
  // "info proc mappings" of the asan test binary that first showed it).
  BOOST_TEST(bias_of(base + 0x28a000, base + 0x2e8000, 0x28a000) == base);  // read-only data
  BOOST_TEST(bias_of(base + 0x2e8000, base + 0x2ea000, 0x2e7000) == base);  // RELRO: shares the page
  BOOST_TEST(bias_of(base + 0x2ea000, base + 0x461000, 0x2e9000) == base);  // the rest of the data
  std::filesystem::remove(file);
}

BOOST_AUTO_TEST_CASE(a_pie_binary_loaded_elsewhere_resolves_from_its_memory_map) {
  const std::uintptr_t address = plateau_test_known_call_site();
  std::vector<probes::Mapping> maps = probes::self_mappings();
  std::string exe;
  for (const probes::Mapping& m : maps) {
    if (address - 1 >= m.start && address - 1 < m.end) exe = m.path;
  }
  BOOST_REQUIRE(!exe.empty());
  // Every mapping of the file (read-only headers, code at its own file
  // offset, data) gives the same bias, whichever one a dump lists first.
  std::optional<std::uintptr_t> bias;
  for (const probes::Mapping& m : maps) {
    if (m.path != exe) continue;
    const auto b = probes::load_bias(exe, m);
    if (!b) continue;  // a mapping past the file's PT_LOAD bytes (.bss)
    if (!bias) bias = b;
    BOOST_TEST(*b == *bias, "mapping at file offset 0x" << std::hex << m.file_offset);
  }
  BOOST_REQUIRE(bias.has_value());
  BOOST_TEST_REQUIRE(*bias != 0u, exe << " must be a PIE executable loaded at a non-zero base for this test");

  const std::uintptr_t shift = 0x10'0000'0000;  // page-aligned, far from anything mapped
  for (probes::Mapping& m : maps) {
    if (m.path != exe) continue;
    m.start += shift;
    m.end += shift;
  }
  probes::Symbolizer offline(maps);
  const std::vector<probes::Frame>& frames = offline.resolve(address + shift);
  BOOST_REQUIRE(!frames.empty());
  const probes::Frame& outer = frames.back();
  BOOST_TEST(outer.function.find("plateau_test_known_call_site") != std::string::npos, outer.describe());
  BOOST_TEST(outer.location() == "tests/probes/site_symbols_test.cc:" + std::to_string(g_known_line),
             outer.describe());
  BOOST_TEST(outer.module == exe);
  BOOST_TEST(outer.ours, outer.describe());
  BOOST_TEST(offline.problems().empty());

  // A shared object at its own randomised base (libc): named, never ours.
  const auto in_libc = reinterpret_cast<std::uintptr_t>(&std::free) + 1;
  for (const probes::Frame& f : offline.resolve(in_libc)) {
    BOOST_TEST(f.function.find("free") != std::string::npos, f.describe());
    BOOST_TEST(!f.ours, f.describe());
  }
}

BOOST_AUTO_TEST_CASE(a_missing_file_leaves_its_addresses_unsymbolised_and_says_so) {
  probes::Symbolizer offline(probes::parse_mapped_libraries(
      "heap_v2/524288\nMAPPED_LIBRARIES:\n"
      "555555554000-555555556000 r--p 00000000 08:01 1 /nonexistent/prog\n"
      "555555556000-555555558000 r-xp 00002000 08:01 1 /nonexistent/prog\n"));
  const std::vector<probes::Frame>& frames = offline.resolve(0x555555557010);
  BOOST_REQUIRE(frames.size() == 1u);
  BOOST_TEST(frames[0].function.empty());
  BOOST_TEST(frames[0].module == "/nonexistent/prog");
  BOOST_TEST(!frames[0].ours);
  BOOST_REQUIRE(offline.problems().size() == 1u);
  BOOST_TEST(offline.problems()[0].find("/nonexistent/prog") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_map_of_a_dump_or_of_proc_keeps_file_backed_mappings_only) {
  const auto maps = probes::parse_mapped_libraries(
      "heap_v2/524288\n  t*: 1: 2 [0: 0]\nMAPPED_LIBRARIES:\n"
      "55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 123 /usr/bin/prog\n"
      "55d0c0a01000-55d0c0a05000 r-xp 00001000 08:01 123 /usr/bin/prog\n"
      "7f0000000000-7f0000021000 rw-p 00000000 00:00 0 \n"
      "7f1000000000-7f1000100000 r-xp 00028000 fd:01 99   /usr/lib/x86_64-linux-gnu/libc.so.6\n"
      "7ffd1000-7ffd2000 rw-p 00000000 00:00 0 [stack]\n");
  BOOST_TEST_REQUIRE(maps.size() == 3u);
  BOOST_TEST(maps[1].start == 0x55d0c0a01000u);
  BOOST_TEST(maps[1].end == 0x55d0c0a05000u);
  BOOST_TEST(maps[1].file_offset == 0x1000u);
  BOOST_TEST(maps[1].path == "/usr/bin/prog");
  BOOST_TEST(maps[2].path == "/usr/lib/x86_64-linux-gnu/libc.so.6");
  BOOST_TEST(probes::parse_mapped_libraries("heap_v2/524288\n").empty());
  BOOST_TEST(!probes::self_mappings().empty());
}
