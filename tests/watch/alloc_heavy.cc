// alloc_heavy: an allocation-heavy program for measuring what heap
// profiling costs a target (`plateau watch --heap jemalloc`, docs/watch.md).
// Keeps a rotating table of 4096 live blocks of 16 B..4 KiB and replaces one
// per iteration; prints the CPU seconds (user + system, clock()) of N
// iterations: on a shared machine, CPU time is far steadier than wall time.
//
//   alloc_heavy [ITERATIONS] [touch]   (default 20,000,000)
// With "touch" every block is written in full (memset), as a program that
// uses what it allocates does; without, one byte (allocation-bound: the
// worst case for a sampling profiler, ~35 ns and 2 KiB per iteration).
// Single-threaded test fixture.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? std::atol(argv[1]) : 20000000;
  const bool touch = argc > 2 && std::strcmp(argv[2], "touch") == 0;
  std::vector<char*> live(4096, nullptr);
  unsigned rng = 12345;
  const std::clock_t start = std::clock();
  for (long i = 0; i < iterations; ++i) {
    rng = rng * 1103515245u + 12345u;
    const std::size_t slot = (rng >> 8) % live.size();
    const std::size_t bytes = 16 + ((rng >> 4) % 4080);
    std::free(live[slot]);
    live[slot] = static_cast<char*>(std::malloc(bytes));
    if (touch)
      std::memset(live[slot], static_cast<int>(i & 0xff), bytes);
    else
      live[slot][0] = static_cast<char>(i);
  }
  const double s = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
  for (char* p : live) std::free(p);
  std::printf("%.3f\n", s);
  return 0;
}
