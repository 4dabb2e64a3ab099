// `plateau heap`: two dumps recorded around a deliberate leak, diffed and
// symbolised offline (MAPPED_LIBRARIES + libdw), must name the leaking
// function, and with --lines its file and line. Skipped on the system
// allocator build (no heap profiler).
#define BOOST_TEST_MODULE soak_heapview
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "probes/heap_profiler.h"
#include "soak/heapview/heap_view.h"

namespace fs = std::filesystem;

namespace plateau::testing {

// The line of the allocation below, for the --lines check.
constexpr int kLeakLine = __LINE__ + 6;

// Leaks `bytes` in 16 KiB blocks; never inlined, so the dump's stacks name it.
__attribute__((noinline)) void heap_view_leak_on_purpose(std::size_t bytes) {
  constexpr std::size_t kBlock = 16 * 1024;
  for (std::size_t done = 0; done < bytes; done += kBlock) {
    char* block = new char[kBlock];
    std::memset(block, 0x5a, kBlock);
    asm volatile("" : : "r"(block) : "memory");  // the compiler may not drop the allocation
  }
}

}  // namespace plateau::testing

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("plateau-heapview-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() {
    std::error_code ignored;
    if (std::getenv("PLATEAU_KEEP_PROFILES") == nullptr) fs::remove_all(path, ignored);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_diff_of_two_recorded_dumps_names_the_leaking_function_and_line) {
  auto profiler = plateau::probes::make_heap_profiler();
  if (!profiler->available()) {
    BOOST_TEST_MESSAGE("skipped: " << profiler->unavailable_reason());
    return;
  }
  TempDir dir;
  profiler->start();
  profiler->dump(dir.path / "base.heap");
  plateau::testing::heap_view_leak_on_purpose(64 * 1024 * 1024);
  profiler->dump(dir.path / "leak.heap");
  profiler->stop();

  plateau::soak::HeapViewOptions options;
  options.dump = (dir.path / "leak.heap").string();
  options.base = (dir.path / "base.heap").string();
  const std::string by_function = plateau::soak::render_heap_view(options);
  BOOST_TEST_MESSAGE(by_function);
  // The first row (after the header) is the leaking function.
  const std::size_t header = by_function.find("bytes added");
  BOOST_REQUIRE(header != std::string::npos);
  const std::size_t first_row = by_function.find('\n', header) + 1;
  const std::string row = by_function.substr(first_row, by_function.find('\n', first_row) - first_row);
  BOOST_TEST(row.find("heap_view_leak_on_purpose") != std::string::npos, "first row: " << row);
  BOOST_TEST((row.find("MiB") != std::string::npos), "first row: " << row);

  options.lines = true;
  const std::string by_line = plateau::soak::render_heap_view(options);
  BOOST_TEST_MESSAGE(by_line);
  const std::string where = "heap_view_test.cc:" + std::to_string(plateau::testing::kLeakLine);
  BOOST_TEST(by_line.find(where) != std::string::npos, "expected " << where);

  // One dump alone lists what is live, the leak among it.
  options.base.reset();
  BOOST_TEST(plateau::soak::render_heap_view(options).find("heap_view_leak_on_purpose") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_unreadable_dump_is_bad_input_naming_the_file) {
  plateau::soak::HeapViewOptions options;
  options.dump = "/nonexistent/x.heap";
  try {
    plateau::soak::render_heap_view(options);
    BOOST_FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("/nonexistent/x.heap") != std::string::npos);
  }
}
