#include "probes/proc_read.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace plateau::probes {
namespace proc {
namespace {

const std::uint64_t kPageBytes = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));

}  // namespace

[[noreturn]] void fail(const char* what, const char* path, int err) {
  throw std::runtime_error(std::string("process probe: cannot ") + what + " " + path + ": " +
                           std::strerror(err));
}

int open_file(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("open", path, errno);
  return fd;
}

std::string_view read_file(int fd, const char* path, char* buf, std::size_t size) {
  std::size_t got = 0;
  while (got < size - 1) {
    const ssize_t n = ::pread(fd, buf + got, size - 1 - got, static_cast<off_t>(got));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("read", path, errno);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  buf[got] = '\0';
  return std::string_view(buf, got);
}

std::uint64_t parse_u64(std::string_view text, const char* path, const char* field) {
  std::size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  if (i == text.size() || text[i] < '0' || text[i] > '9') {
    throw std::runtime_error(std::string("process probe: no number for ") + field + " in " + path);
  }
  std::uint64_t v = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) v = v * 10 + (text[i] - '0');
  return v;
}

std::uint64_t rss_from_statm(std::string_view text) {
  // "size resident shared text lib data dt", in pages.
  const auto space = text.find(' ');
  if (space == std::string_view::npos) {
    throw std::runtime_error("process probe: /proc/self/statm has no resident field");
  }
  return parse_u64(text.substr(space + 1), "/proc/self/statm", "resident") * kPageBytes;
}

std::uint64_t hwm_from_status(std::string_view text) {
  const auto at = text.find("VmHWM:");
  if (at == std::string_view::npos) {
    throw std::runtime_error("process probe: /proc/self/status has no VmHWM line");
  }
  return parse_u64(text.substr(at + 6), "/proc/self/status", "VmHWM") * 1024;  // kB
}

// getrusage's ru_maxrss is the kernel's RSS high-water mark (VmHWM) in KiB;
// one syscall instead of generating the whole of /proc/self/status.
std::uint64_t hwm_from_rusage() {
  struct rusage usage {};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) fail("call getrusage for", "the RSS high-water mark", errno);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
}

std::uint64_t threads_from_stat(std::string_view text) {
  // "pid (comm) state ppid ..." -- comm may hold spaces and parentheses, so
  // count fields after the last ')'. num_threads is field 20 overall, i.e.
  // the 18th after the comm.
  auto at = text.rfind(')');
  if (at == std::string_view::npos) {
    throw std::runtime_error("process probe: /proc/self/stat has no ')' after comm");
  }
  std::string_view rest = text.substr(at + 1);
  for (int field = 3; field < 20; ++field) {
    const auto space = rest.find(' ', 1);
    if (space == std::string_view::npos) {
      throw std::runtime_error("process probe: /proc/self/stat has fewer than 20 fields");
    }
    rest = rest.substr(space);
  }
  return parse_u64(rest, "/proc/self/stat", "num_threads");
}

std::uint64_t count_entries(int dir_fd) {
  if (::lseek(dir_fd, 0, SEEK_SET) != 0) fail("rewind", "/proc/self/fd", errno);
  alignas(8) char buf[8192];
  std::uint64_t n = 0;
  for (;;) {
    const long got = ::syscall(SYS_getdents64, dir_fd, buf, sizeof buf);
    if (got < 0) fail("list", "/proc/self/fd", errno);
    if (got == 0) return n;
    for (long at = 0; at < got;) {
      const auto* entry = reinterpret_cast<const dirent64*>(buf + at);
      if (entry->d_name[0] != '.') ++n;
      at += entry->d_reclen;
    }
  }
}

}  // namespace proc

ProcessFigures read_process_figures() {
  char buf[4096];
  ProcessFigures f;
  auto read_file = [&](const char* path) {
    const int fd = proc::open_file(path);
    try {
      std::string_view text = proc::read_file(fd, path, buf, sizeof buf);
      ::close(fd);
      return text;
    } catch (...) {
      ::close(fd);
      throw;
    }
  };
  f.rss_bytes = proc::rss_from_statm(read_file("/proc/self/statm"));
  f.hwm_bytes = proc::hwm_from_status(read_file("/proc/self/status"));
  f.threads = proc::threads_from_stat(read_file("/proc/self/stat"));
  const int fd_dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_dir < 0) proc::fail("open", "/proc/self/fd", errno);
  try {
    f.open_fds = proc::count_entries(fd_dir) - 1;  // the listing's own descriptor
  } catch (...) {
    ::close(fd_dir);
    throw;
  }
  ::close(fd_dir);
  return f;
}

}  // namespace plateau::probes
