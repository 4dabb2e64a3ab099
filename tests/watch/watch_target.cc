// watch_target: a small program for `plateau watch` tests, leaking or
// bounded in one resource at a time.
//
//   watch_target MODE [SECONDS]
//   MODE: leak-memory | leak-threads | leak-fds | bounded | exit-early | crash
// leak-*: grows that resource steadily for SECONDS (default 3600) then exits.
// bounded: churns memory, threads and fds at the same rates, all released.
// exit-early: bounded for SECONDS, then exits with status 3.
// crash: bounded for SECONDS, then dies of SIGSEGV (raised).
//
// Single-purpose test fixture: no thread-safety contract beyond its own use.
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

// The leak: an "order history" that is appended to and never trimmed.
std::vector<char*> g_order_history;

__attribute__((noinline)) void remember_order_forever(std::size_t bytes) {
  char* block = static_cast<char*>(std::malloc(bytes));
  std::memset(block, 0x5a, bytes);  // touched: resident, not just reserved
  g_order_history.push_back(block);
}

// Bounded: a cache of the last 8 blocks.
std::deque<std::vector<char>> g_recent;

__attribute__((noinline)) void cache_recent_order(std::size_t bytes) {
  g_recent.emplace_back(bytes, 'x');
  if (g_recent.size() > 8) g_recent.pop_front();
}

void park_forever(int index) {
  const std::string name = "worker-" + std::to_string(index);
  pthread_setname_np(pthread_self(), name.c_str());
  for (;;) std::this_thread::sleep_for(1h);
}

void short_task(int index) {
  const std::string name = "task-" + std::to_string(index);
  pthread_setname_np(pthread_self(), name.c_str());
  std::this_thread::sleep_for(20ms);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(
        stderr, "usage: watch_target leak-memory|leak-threads|leak-fds|bounded|exit-early|crash [SECONDS]\n");
    return 2;
  }
  const std::string mode = argv[1];
  const double seconds = argc > 2 ? std::atof(argv[2]) : 3600;
  const auto start = std::chrono::steady_clock::now();
  int tick = 0;
  std::vector<std::thread> parked;
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds) {
    ++tick;
    if (mode == "leak-memory") {
      remember_order_forever(512 * 1024);  // 5 MiB/s
    } else if (mode == "leak-threads") {
      if (tick % 3 == 0) parked.emplace_back(park_forever, tick).detach();
      parked.clear();
    } else if (mode == "leak-fds") {
      if (tick % 2 == 0 && ::open("/dev/null", O_RDONLY) < 0) return 4;
    } else {
      cache_recent_order(512 * 1024);
      if (tick % 3 == 0) std::thread(short_task, tick).join();
      const int fd = ::open("/dev/null", O_RDONLY);
      if (fd >= 0) ::close(fd);
    }
    std::this_thread::sleep_for(100ms);
  }
  if (mode == "exit-early") return 3;
  if (mode == "crash") std::raise(SIGSEGV);
  return 0;
}
