// Reading this process's /proc figures: the parsing every reader shares
// (ProcessProbe, read_process_figures, `plateau watch` through
// process_probe.h, and the soak API's runner, soak/sut).
//
// Library plateau_proc: the C++ standard library and Linux system calls
// only, so the soak API links it without the engine or an allocator.
//
// Errors: a failed open, read or parse throws std::runtime_error naming the
// file (or call), the field and errno. Thread safety: stateless functions;
// read_process_figures() is safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

namespace plateau::probes {

// A process read by its /proc directory vanished between two reads, or is a
// zombie with no memory left (process_probe.h, process_groups.h).
class ProcessGone : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ProcessFigures {
  std::uint64_t rss_bytes = 0;
  std::uint64_t hwm_bytes = 0;
  std::uint64_t open_fds = 0;
  std::uint64_t threads = 0;
};

// One reading of this process, opening the files afresh (the reader's own
// descriptor for /proc/self/fd is not counted).
ProcessFigures read_process_figures();

namespace proc {

[[noreturn]] void fail(const char* what, const char* path, int err);
int open_file(const char* path);  // O_RDONLY | O_CLOEXEC, or fail
// Reads the whole (small) /proc file from offset 0 into `buf`; returns its text.
std::string_view read_file(int fd, const char* path, char* buf, std::size_t size);
std::uint64_t parse_u64(std::string_view text, const char* path, const char* field);
std::uint64_t rss_from_statm(std::string_view text);     // bytes
std::uint64_t hwm_from_status(std::string_view text);    // bytes (VmHWM)
std::uint64_t hwm_from_rusage();                         // bytes (ru_maxrss = VmHWM)
std::uint64_t threads_from_stat(std::string_view text);  // num_threads, field 20
// Entries of an open /proc/<pid>/fd (rewound and re-listed: about half the
// cost of opendir() per pass, which resolves the path anew).
std::uint64_t count_entries(int dir_fd);

}  // namespace proc
}  // namespace plateau::probes
