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

using proc::count_entries;
using proc::fail;
using proc::hwm_from_rusage;
using proc::hwm_from_status;
using proc::rss_from_statm;
using proc::threads_from_stat;

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
    statm_fd_ = proc::open_file("/proc/self/statm");
    stat_fd_ = proc::open_file("/proc/self/stat");
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
  f.rss_bytes = rss_from_statm(proc::read_file(statm_fd_, "/proc/self/statm", buf, sizeof buf));
  f.hwm_bytes = hwm_from_rusage();
  f.threads = threads_from_stat(proc::read_file(stat_fd_, "/proc/self/stat", buf, sizeof buf));
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

ProcessFigures read_process_figures(const std::string& proc_dir) {
  char buf[4096];
  auto read_file = [&](const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT || errno == ESRCH) throw ProcessGone(proc_dir + " is gone");
      fail("open", path.c_str(), errno);
    }
    try {
      std::string_view text = proc::read_file(fd, path.c_str(), buf, sizeof buf);
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
