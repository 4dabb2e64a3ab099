// The /proc readers of process_probe.h that break a process down by thread
// name and descriptor target, and read smaps_rollup: for `plateau watch`,
// which samples another process by pid.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "probes/process_probe.h"

namespace plateau::probes {
namespace {

[[noreturn]] void gone_or_fail(const std::string& path) {
  const int err = errno;
  if (err == ENOENT || err == ESRCH) throw ProcessGone(path + " is gone");
  throw std::runtime_error("process probe: cannot read " + path + ": " + std::strerror(err));
}

std::uint64_t kb_field(const std::string& text, std::string_view label) {
  const auto at = text.find(label);
  if (at == std::string::npos) return 0;
  return std::strtoull(text.c_str() + at + label.size(), nullptr, 10) * 1024;
}

}  // namespace

std::optional<MemoryRollup> read_smaps_rollup(const std::string& proc_dir) {
  const std::string path = proc_dir + "/smaps_rollup";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT && ::access(proc_dir.c_str(), F_OK) == 0) return std::nullopt;  // old kernel
    if (errno == EACCES || errno == EPERM) return std::nullopt;
    gone_or_fail(path);
  }
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  // An exited process (zombie) reads empty.
  if (text.find("Rss:") == std::string::npos) throw ProcessGone(proc_dir + " has no memory (exited)");
  MemoryRollup out;
  out.rss_bytes = kb_field(text, "\nRss:");
  out.pss_bytes = kb_field(text, "\nPss:");
  out.anon_bytes = kb_field(text, "\nAnonymous:");
  return out;
}

}  // namespace plateau::probes
