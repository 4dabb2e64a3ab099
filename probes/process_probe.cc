#include "probes/process_probe.h"

#include "probes/allocator_probe.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace plateau::probes {
namespace {

[[noreturn]] void fail(const char* what, const char* path, int err) {
  throw std::runtime_error(std::string("process probe: cannot ") + what + " " + path + ": " +
                           std::strerror(err));
}

int open_proc(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("open", path, errno);
  return fd;
}

// Reads the whole (small) /proc file from offset 0 into `buf`; returns its text.
std::string_view read_proc(int fd, const char* path, char* buf, std::size_t size) {
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

const std::uint64_t kPageBytes = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));

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

std::uint64_t count_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) fail("open", "/proc/self/fd", errno);
  std::uint64_t n = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n - 1;  // the directory stream's own descriptor
}

// Counts the entries of an open /proc/self/fd by rewinding and re-listing it:
// about half the cost of opendir() per pass, which resolves the path anew.
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

// Calls visit(name) for every entry of an open /proc directory but . and ..
template <class Visit>
void for_each_entry(int dir_fd, const char* path, Visit visit) {
  if (::lseek(dir_fd, 0, SEEK_SET) != 0) fail("rewind", path, errno);
  alignas(8) char buf[8192];
  for (;;) {
    const long got = ::syscall(SYS_getdents64, dir_fd, buf, sizeof buf);
    if (got < 0) fail("list", path, errno);
    if (got == 0) return;
    for (long at = 0; at < got;) {
      const auto* entry = reinterpret_cast<const dirent64*>(buf + at);
      if (entry->d_name[0] != '.') visit(entry->d_name);
      at += entry->d_reclen;
    }
  }
}

}  // namespace

ProcessProbe::ProcessProbe() {
  try {
    statm_fd_ = open_proc("/proc/self/statm");
    stat_fd_ = open_proc("/proc/self/stat");
    fd_dir_fd_ = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_dir_fd_ < 0) fail("open", "/proc/self/fd", errno);
    task_dir_fd_ = ::open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (task_dir_fd_ < 0) fail("open", "/proc/self/task", errno);
  } catch (...) {
    close_all();
    throw;
  }
}

ProcessProbe::~ProcessProbe() { close_all(); }

void ProcessProbe::close_all() noexcept {
  for (int* fd : {&statm_fd_, &stat_fd_, &fd_dir_fd_, &task_dir_fd_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

ProcessFigures ProcessProbe::read() {
  char buf[4096];
  ProcessFigures f;
  f.rss_bytes = rss_from_statm(read_proc(statm_fd_, "/proc/self/statm", buf, sizeof buf));
  f.hwm_bytes = hwm_from_rusage();
  f.threads = threads_from_stat(read_proc(stat_fd_, "/proc/self/stat", buf, sizeof buf));
  // The probe's own four descriptors are plateau's, not the program's.
  f.open_fds = count_entries(fd_dir_fd_) - 4;
  return f;
}

void ProcessProbe::sample(engine::TimePoint /*now*/, SampleWriter& out) {
  if (!interned_) {
    // A running process has resident pages and a thread (never_zero).
    rss_ = out.intern("process.rss_bytes", "bytes", "process", SeriesFamily::kProcess, SeriesRole::kJudged, true);
    // A high-water mark never falls: shown, not judged.
    hwm_ = out.intern("process.hwm_bytes", "bytes", "process", SeriesFamily::kProcess, SeriesRole::kContext);
    fds_ = out.intern("process.open_fds", "fds", "process", SeriesFamily::kProcess);
    threads_ = out.intern("process.threads", "threads", "process", SeriesFamily::kProcess, SeriesRole::kJudged, true);
    interned_ = true;
  }
  const ProcessFigures f = read();
  // Between the allocator's purges RSS also holds pages the allocator keeps
  // freed, returned on the wall clock (jemalloc): the judged figure is RSS
  // as of the last pass that purged them; every pass's reading is context.
  const bool live = allocator_rss_is_live();
  if (live || !last_live_rss_bytes_) last_live_rss_bytes_ = f.rss_bytes;
  out.put(rss_, static_cast<double>(*last_live_rss_bytes_));
  if (!live || rss_raw_interned_) {
    if (!rss_raw_interned_) {
      rss_raw_ = out.intern("process.rss_raw_bytes", "bytes", "process", SeriesFamily::kProcess,
                            SeriesRole::kContext);
      rss_raw_interned_ = true;
    }
    out.put(rss_raw_, static_cast<double>(f.rss_bytes));
  }
  out.put(hwm_, static_cast<double>(f.hwm_bytes));
  out.put(fds_, static_cast<double>(f.open_fds));
  out.put(threads_, static_cast<double>(f.threads));
  thread_groups_.begin_pass();
  count_thread_groups();
  thread_groups_.publish(out);
  fd_groups_.begin_pass();
  count_fd_groups();
  fd_groups_.publish(out);
}

void ProcessProbe::count_thread_groups() {
  for_each_entry(task_dir_fd_, "/proc/self/task", [&](const char* tid) {
    std::string path(tid);
    path += "/comm";
    const int fd = ::openat(task_dir_fd_, path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;  // the thread ended between the listing and now
    char comm[32];
    const ssize_t n = ::read(fd, comm, sizeof comm);
    ::close(fd);
    if (n <= 0) return;
    thread_groups_.count(thread_group_of(std::string_view(comm, static_cast<std::size_t>(n))));
  });
}

void ProcessProbe::count_fd_groups() {
  const std::vector<RunFolder> folders = run_folders();
  for_each_entry(fd_dir_fd_, "/proc/self/fd", [&](const char* name) {
    const int fd = std::atoi(name);
    if (fd == statm_fd_ || fd == stat_fd_ || fd == fd_dir_fd_ || fd == task_dir_fd_) return;
    char target[512];
    const ssize_t n = ::readlinkat(fd_dir_fd_, name, target, sizeof target);
    if (n < 0) return;  // closed between the listing and now
    fd_groups_.count(fd_group_of(std::string_view(target, static_cast<std::size_t>(n)), folders));
  });
}

ProcessFigures read_process_figures() {
  char buf[4096];
  ProcessFigures f;
  auto read_file = [&](const char* path) {
    const int fd = open_proc(path);
    try {
      std::string_view text = read_proc(fd, path, buf, sizeof buf);
      ::close(fd);
      return text;
    } catch (...) {
      ::close(fd);
      throw;
    }
  };
  f.rss_bytes = rss_from_statm(read_file("/proc/self/statm"));
  f.hwm_bytes = hwm_from_status(read_file("/proc/self/status"));
  f.threads = threads_from_stat(read_file("/proc/self/stat"));
  f.open_fds = count_open_fds();
  return f;
}

ProcessFigures read_process_figures(const std::string& proc_dir) {
  char buf[4096];
  auto read_file = [&](const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT || errno == ESRCH) throw ProcessGone(proc_dir + " is gone");
      fail("open", path.c_str(), errno);
    }
    try {
      std::string_view text = read_proc(fd, path.c_str(), buf, sizeof buf);
      ::close(fd);
      return text;
    } catch (...) {
      ::close(fd);
      throw;
    }
  };
  ProcessFigures f;
  // A zombie keeps its stat and status but has no memory map: statm reads
  // all zeros, and VmHWM is gone from status. Both mean "exited".
  const std::string_view statm = read_file(proc_dir + "/statm");
  f.rss_bytes = rss_from_statm(statm);
  const std::string_view status = read_file(proc_dir + "/status");
  if (status.find("VmHWM:") == std::string_view::npos) throw ProcessGone(proc_dir + " has no memory (exited)");
  f.hwm_bytes = hwm_from_status(status);
  f.threads = threads_from_stat(read_file(proc_dir + "/stat"));
  DIR* dir = ::opendir((proc_dir + "/fd").c_str());
  if (dir == nullptr) {
    if (errno == ENOENT || errno == ESRCH) throw ProcessGone(proc_dir + " is gone");
    fail("open", (proc_dir + "/fd").c_str(), errno);
  }
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++f.open_fds;
  }
  ::closedir(dir);
  return f;
}

}  // namespace plateau::probes
