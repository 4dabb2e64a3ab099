#define BOOST_TEST_MODULE probes_heap_profile
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>
#include <string>

#include "probes/heap_diff.h"
#include "probes/heap_profile.h"

namespace probes = plateau::probes;

// A function of ours whose address stands in for an allocation site.
extern "C++" __attribute__((noinline)) void plateau_test_growing_site() { asm volatile("" ::: "memory"); }

namespace {

// A heap_v2 dump whose first site is operator new called from our test
// function (real addresses of this process) holding `objects` / `bytes`,
// followed by `others` (raw "@ stack\n  t*: counts\n" records).
std::string dump_with_our_site(int objects, int bytes, const std::string& others) {
  const auto new_address =
      reinterpret_cast<std::uintptr_t>(static_cast<void* (*)(std::size_t)>(&::operator new));
  const auto ours = reinterpret_cast<std::uintptr_t>(&plateau_test_growing_site) + 1;
  std::ostringstream out;
  out << "heap_v2/1\n@ 0x" << std::hex << new_address + 1 << " 0x" << ours << "\n"
      << std::dec << "  t*: " << objects << ": " << bytes << " [0: 0]\n"
      << others << "MAPPED_LIBRARIES:\n";
  return out.str();
}

const char* kJemalloc =
    "heap_v2/524288\n"
    "  t*: 3: 1572864 [0: 0]\n"
    "  t0: 3: 1572864 [0: 0]\n"
    "@ 0x1000 0x2000\n"
    "  t*: 1: 524288 [0: 0]\n"
    "  t0: 1: 524288 [0: 0]\n"
    "@ 0x1000 0x3000\n"
    "  t*: 2: 1048576 [0: 0]\n"
    "  t0: 2: 1048576 [0: 0]\n"
    "\n"
    "MAPPED_LIBRARIES:\n"
    "55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 1 /bin/test\n";

const char* kGperftools =
    "heap profile:      3:  1572864 [     3:  1572864] @ heap_v2/524288\n"
    "     1:   524288 [     1:   524288] @ 0x1000 0x2000\n"
    "     1:   524288 [     1:   524288] @ 0x1000 0x3000\n"
    "     1:   524288 [     1:   524288] @ 0x1000 0x3000\n"
    "\n"
    "MAPPED_LIBRARIES:\n"
    "55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 1 /bin/test\n";

const probes::HeapSite* find_site(const probes::HeapProfile& p, std::uintptr_t second) {
  for (const auto& s : p.sites) {
    if (s.stack.size() == 2 && s.stack[1] == second) return &s;
  }
  return nullptr;
}

// heap_v2: an object of s bytes is sampled with probability 1 - exp(-s/P).
double unsampled(double objects, double bytes, double period) {
  return bytes / (1.0 - std::exp(-(bytes / objects) / period));
}

std::string error_of(std::string_view text, std::string_view source = "dump.heap") {
  try {
    probes::parse_heap_profile(text, source);
  } catch (const probes::HeapProfileError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(jemalloc_dump_is_parsed_and_unsampled) {
  const auto p = probes::parse_heap_profile(kJemalloc, "a.heap");
  BOOST_TEST((p.format == probes::HeapProfileFormat::kJemalloc));
  BOOST_TEST(p.sample_period_bytes == 524288u);
  BOOST_REQUIRE(p.sites.size() == 2u);
  const auto* site = find_site(p, 0x3000);
  BOOST_REQUIRE(site != nullptr);
  BOOST_TEST(site->stack[0] == 0x1000u);
  BOOST_TEST(site->sampled_objects == 2u);
  BOOST_TEST(site->sampled_bytes == 1048576u);
  BOOST_TEST(site->bytes == unsampled(2, 1048576, 524288), boost::test_tools::tolerance(1e-9));
  BOOST_TEST(site->objects == site->bytes / 524288, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(gperftools_sample_is_parsed_merged_and_unsampled) {
  const auto p = probes::parse_heap_profile(kGperftools, "b.heap");
  BOOST_TEST((p.format == probes::HeapProfileFormat::kGperftoolsSampled));
  BOOST_REQUIRE(p.sites.size() == 2u);  // the two identical stacks merge
  const auto* site = find_site(p, 0x3000);
  BOOST_REQUIRE(site != nullptr);
  BOOST_TEST(site->sampled_objects == 2u);
  BOOST_TEST(site->bytes == unsampled(2, 1048576, 524288), boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(full_gperftools_profile_is_not_scaled) {
  const auto p = probes::parse_heap_profile(
      "heap profile:    2:   100 [   5:   300] @ heapprofile\n"
      "     2:   100 [   5:   300] @ 0x10 0x20\n"
      "MAPPED_LIBRARIES:\n");
  BOOST_TEST((p.format == probes::HeapProfileFormat::kGperftoolsFull));
  BOOST_REQUIRE(p.sites.size() == 1u);
  BOOST_TEST(p.sites[0].bytes == 100.0);
  BOOST_TEST(p.sites[0].objects == 2.0);
}

BOOST_AUTO_TEST_CASE(malformed_profiles_name_the_file_line_and_why) {
  BOOST_TEST(error_of("").find("empty file") != std::string::npos);
  BOOST_TEST(error_of("hello\n").find("line 1: not a heap profile") != std::string::npos);
  BOOST_TEST(error_of("heap_v2/0\nMAPPED_LIBRARIES:\n").find("sampling period is 0") != std::string::npos);
  const std::string bad_count = error_of("heap_v2/524288\n@ 0x1\n  t*: x: 1 [0: 0]\n");
  BOOST_TEST(bad_count.find("'dump.heap' line 3") != std::string::npos, bad_count);
  BOOST_TEST(bad_count.find("live object count") != std::string::npos, bad_count);
  BOOST_TEST(error_of("heap_v2/524288\n@ 0xZZ\n").find("line 2") != std::string::npos);
  BOOST_TEST(error_of("heap_v2/524288\n@ 0x1\n@ 0x2\n").find("no 't*:'") != std::string::npos);
  BOOST_TEST(error_of("heap profile: 1: 2 [1: 2] @ heap/1\n").find("unsupported sampling label") !=
             std::string::npos);
  BOOST_TEST(error_of(std::string("heap_v2/1\0\n", 11)).find("binary") != std::string::npos);
  BOOST_TEST(error_of("heap_v2/524288\n@ 0x1 0x12345678901234567\n  t*: 1: 1 [0: 0]\n")
                 .find("longer than 64 bits") != std::string::npos);
  BOOST_TEST(error_of("heap_v2/524288\n  t*: 99999999999999999999999: 1 [0: 0]\n").find("overflows") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_truncation_is_an_error_or_a_valid_prefix_never_a_crash) {
  for (const std::string& full : {std::string(kJemalloc), std::string(kGperftools)}) {
    const std::size_t mapped = full.find("MAPPED_LIBRARIES:") + std::strlen("MAPPED_LIBRARIES:");
    for (std::size_t n = 0; n < full.size(); ++n) {
      const std::string cut = full.substr(0, n);
      const std::string error = error_of(cut);
      if (n < mapped) {
        BOOST_TEST(!error.empty(), "a dump cut at byte " << n << " was accepted");
      } else {
        BOOST_TEST(error.empty(), "cut at " << n << ": " << error);
      }
    }
  }
  const std::string cut = error_of(std::string(kJemalloc).substr(0, 60));
  BOOST_TEST(cut.find("truncated") != std::string::npos, cut);
}

BOOST_AUTO_TEST_CASE(missing_file_is_a_clear_error) {
  try {
    probes::parse_heap_profile_file("/nonexistent/plateau/x.heap");
    BOOST_FAIL("expected HeapProfileError");
  } catch (const probes::HeapProfileError& e) {
    BOOST_TEST(std::string(e.what()).find("/nonexistent/plateau/x.heap") != std::string::npos);
    BOOST_TEST(std::string(e.what()).find("cannot open") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(diff_ranks_growth_and_names_our_frame) {
  // Stacks of real addresses of this process: operator new, then our function.
  const auto b = probes::parse_heap_profile(dump_with_our_site(10, 1000, "@ 0x77 0x88\n  t*: 5: 500 [0: 0]\n"));
  const auto c = probes::parse_heap_profile(
      dump_with_our_site(50, 5000, "@ 0x77 0x88\n  t*: 1: 100 [0: 0]\n@ 0x99\n  t*: 2: 200 [0: 0]\n"));

  probes::Symbolizer symbolizer;
  const probes::HeapDiff diff = probes::diff_heap_profiles(b, c, symbolizer);
  BOOST_REQUIRE(diff.top.size() == 2u);  // the shrinking site is not growth
  const auto& top = diff.top[0];
  BOOST_TEST(top.bytes_added == c.sites[0].bytes - b.sites[0].bytes);
  BOOST_TEST(top.objects_added > 0);
  BOOST_REQUIRE(top.stack.size() == 2u);
  // operator new (or the allocator's alias for it, e.g. tc_new) is not ours.
  BOOST_TEST(!top.stack[0].function.empty(), top.stack[0].describe());
  BOOST_TEST(!top.stack[0].ours, top.stack[0].describe());
  BOOST_REQUIRE(top.our_frame.has_value());
  BOOST_TEST(*top.our_frame == 1u);
  BOOST_TEST(top.site_name() == "plateau_test_growing_site()");
  BOOST_TEST(diff.top[1].site_name() == diff.top[1].stack[0].describe());  // unknown address
  BOOST_TEST(diff.total_bytes_added == c.total_bytes() - b.total_bytes());
}

BOOST_AUTO_TEST_CASE(diff_leaves_out_the_measuring_tools_own_sites) {
  // The same growing site twice over: excluded by its frame's prefix, it
  // leaves the top list and is summed apart; the rest is ranked as before.
  const auto b = probes::parse_heap_profile(dump_with_our_site(10, 1000, ""));
  const auto c = probes::parse_heap_profile(dump_with_our_site(50, 5000, "@ 0x99\n  t*: 2: 200 [0: 0]\n"));
  probes::Symbolizer symbolizer;
  probes::HeapDiffOptions options;
  options.excluded_frame_prefixes = {"plateau_test_growing"};
  const probes::HeapDiff diff = probes::diff_heap_profiles(b, c, symbolizer, options);
  BOOST_REQUIRE(diff.top.size() == 1u);
  BOOST_TEST(diff.top[0].bytes_added == c.sites[1].bytes);  // new since the base
  BOOST_TEST(diff.excluded_sites == 1u);
  BOOST_TEST(diff.excluded_bytes_added == c.sites[0].bytes - b.sites[0].bytes);
  BOOST_TEST(diff.total_bytes_added == c.total_bytes() - b.total_bytes());  // still net over all sites

  options.excluded_frame_prefixes = {"plateau::probes::"};  // no match: nothing is left out
  const probes::HeapDiff kept = probes::diff_heap_profiles(b, c, symbolizer, options);
  BOOST_TEST(kept.top.size() == 2u);
  BOOST_TEST(kept.excluded_sites == 0u);
}

// Sites are told apart by their first project frame, so only that much of
// each stack is symbolised to judge exclusions; a site that is shown keeps
// its whole stack, callers included.
BOOST_AUTO_TEST_CASE(diff_shows_the_whole_stack_of_a_shown_site) {
  const auto new_address =
      reinterpret_cast<std::uintptr_t>(static_cast<void* (*)(std::size_t)>(&::operator new)) + 1;
  const auto ours = reinterpret_cast<std::uintptr_t>(&plateau_test_growing_site) + 1;
  const auto caller = reinterpret_cast<std::uintptr_t>(&dump_with_our_site) + 1;
  std::ostringstream dump;
  dump << "heap_v2/1\n@ 0x" << std::hex << new_address << " 0x" << ours << " 0x" << caller << std::dec
       << "\n  t*: 5: 5000 [0: 0]\nMAPPED_LIBRARIES:\n";
  const auto c = probes::parse_heap_profile(dump.str());
  const auto b = probes::parse_heap_profile("heap_v2/1\nMAPPED_LIBRARIES:\n");
  probes::Symbolizer symbolizer;
  probes::HeapDiffOptions options;
  options.excluded_frame_prefixes = {"plateau::probes::"};  // sites are judged for exclusion
  const probes::HeapDiff diff = probes::diff_heap_profiles(b, c, symbolizer, options);
  BOOST_REQUIRE(diff.top.size() == 1u);
  const probes::GrowingSite& site = diff.top[0];
  BOOST_REQUIRE(site.our_frame.has_value());
  BOOST_TEST(site.site_name() == "plateau_test_growing_site()");
  BOOST_REQUIRE(site.stack.size() >= 3u);
  BOOST_TEST(site.stack.back().function.find("dump_with_our_site") != std::string::npos,
             site.stack.back().describe());
}

BOOST_AUTO_TEST_CASE(std_and_allocator_frames_are_not_ours) {
  BOOST_TEST(probes::is_allocator_or_std_frame(
      "std::vector<int, std::allocator<int> >::push_back(int const&)", "/bin/x"));
  BOOST_TEST(probes::is_allocator_or_std_frame(
      "int* std::copy<int const*, int*>(int const*, int const*, int*)", "/bin/x"));
  BOOST_TEST(probes::is_allocator_or_std_frame("operator new(unsigned long)", "/bin/x"));
  BOOST_TEST(
      probes::is_allocator_or_std_frame("je_malloc_default", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"));
  BOOST_TEST(probes::is_allocator_or_std_frame("anything", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6"));
  BOOST_TEST(!probes::is_allocator_or_std_frame(
      "plateau::engine::PlanStore::add(plateau::engine::Plan const&)", "/bin/x"));
  BOOST_TEST(!probes::is_allocator_or_std_frame("std_like_but_ours()", "/bin/x"));
}

BOOST_AUTO_TEST_CASE(open_commands_for_the_stock_tools) {
  BOOST_TEST(probes::open_profile_command(probes::HeapProfileFormat::kJemalloc, "/b/plateau", "/out/2.heap",
                                          std::filesystem::path("/out/1.heap")) ==
             "jeprof --text --cum --retain=plateau::engine:: --base /out/1.heap /b/plateau /out/2.heap");
  BOOST_TEST(probes::open_profile_command(probes::HeapProfileFormat::kGperftoolsSampled, "/b/plateau",
                                          "/my out/2.heap") ==
             "google-pprof --text /b/plateau '/my out/2.heap'");
}

// The sampling variance kept with each estimate (issue 9: a site's noise
// tolerance rests on it): Horvitz–Thompson, k (1 - p) (m / p)^2. Objects far
// smaller than the period are Poisson draws (about k P^2); an object far
// larger is always sampled, so its estimate is exact.
BOOST_AUTO_TEST_CASE(each_site_keeps_the_sampling_variance_of_its_estimate) {
  const auto profile = probes::parse_heap_profile(
      "heap_v2/4096\n"
      "@ 0x1000 0x2000\n  t*: 100: 3200 [0: 0]\n"         // 100 objects of 32 B
      "@ 0x1000 0x3000\n  t*: 1: 8388608 [0: 0]\n"        // one 8 MiB buffer
      "@ 0x1000 0x4000\n  t*: 10: 40960 [0: 0]\n"         // 10 objects of one period
      "MAPPED_LIBRARIES:\n");
  const double p_small = 1 - std::exp(-32.0 / 4096);
  const auto* small = find_site(profile, 0x2000);
  BOOST_REQUIRE(small != nullptr);
  BOOST_TEST(small->bytes_variance == 100 * (1 - p_small) * std::pow(32 / p_small, 2),
             boost::test_tools::tolerance(1e-9));
  BOOST_TEST(std::sqrt(small->bytes_variance) / 4096 == std::sqrt(100.0), boost::test_tools::tolerance(0.01));
  const auto* large = find_site(profile, 0x3000);
  BOOST_REQUIRE(large != nullptr);
  BOOST_TEST(large->bytes_variance == 0.0);
  BOOST_TEST(large->bytes == 8388608.0);
  const double p_period = 1 - std::exp(-1.0);
  const auto* middle = find_site(profile, 0x4000);
  BOOST_REQUIRE(middle != nullptr);
  BOOST_TEST(middle->bytes_variance == 10 * (1 - p_period) * std::pow(4096 / p_period, 2),
             boost::test_tools::tolerance(1e-9));
  // Every allocation recorded: no sampling, no variance.
  const auto full = probes::parse_heap_profile(
      "heap profile:      1:  64 [     1:  64] @ heapprofile\n     1:   64 [     1:   64] @ 0x1000 0x2000\n"
      "MAPPED_LIBRARIES:\n");
  BOOST_TEST(full.sites.at(0).bytes_variance == 0.0);
}
