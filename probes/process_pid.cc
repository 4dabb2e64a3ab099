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

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-' || c == ':' || c == '/' || c == '#';
}

// Digit runs -> '#', unsafe characters -> '_'.
std::string normalise(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      if (out.empty() || out.back() != '#') out.push_back('#');
      continue;
    }
    out.push_back(key_char(c) ? c : '_');
  }
  return out.empty() ? std::string("_") : out;
}

[[noreturn]] void gone_or_fail(const std::string& path) {
  const int err = errno;
  if (err == ENOENT || err == ESRCH) throw ProcessGone(path + " is gone");
  throw std::runtime_error("process probe: cannot read " + path + ": " + std::strerror(err));
}

// Names of the entries of a /proc directory, without "." and "..".
std::vector<std::string> list_dir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) gone_or_fail(path);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') names.emplace_back(entry->d_name);
  }
  ::closedir(dir);
  return names;
}

std::uint64_t kb_field(const std::string& text, std::string_view label) {
  const auto at = text.find(label);
  if (at == std::string::npos) return 0;
  return std::strtoull(text.c_str() + at + label.size(), nullptr, 10) * 1024;
}

}  // namespace

std::string thread_name_key(std::string_view comm) {
  while (!comm.empty() && (comm.back() == '\n' || comm.back() == ' ')) comm.remove_suffix(1);
  return normalise(comm);
}

std::string fd_target_key(std::string_view link) {
  for (std::string_view kind : {"socket:", "pipe:"}) {
    if (link.starts_with(kind)) return std::string(kind.substr(0, kind.size() - 1));
  }
  if (link.starts_with("anon_inode:")) {
    std::string_view what = link.substr(11);
    if (what.starts_with("[") && what.ends_with("]")) what = what.substr(1, what.size() - 2);
    return "anon_inode." + normalise(what);
  }
  if (link.starts_with("/")) {
    if (link.ends_with(" (deleted)")) link.remove_suffix(10);
    const auto slash = link.rfind('/');
    const std::string_view dir = slash == 0 ? std::string_view("/") : link.substr(0, slash);
    return "file:" + normalise(dir);
  }
  const auto colon = link.find(':');
  return normalise(colon == std::string_view::npos ? link : link.substr(0, colon));
}

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

std::map<std::string, std::uint64_t> threads_by_name(const std::string& proc_dir) {
  std::map<std::string, std::uint64_t> out;
  for (const std::string& tid : list_dir(proc_dir + "/task")) {
    std::ifstream comm(proc_dir + "/task/" + tid + "/comm");
    std::string name;
    if (!comm || !std::getline(comm, name)) continue;  // the thread ended meanwhile
    ++out[thread_name_key(name)];
  }
  return out;
}

std::map<std::string, std::uint64_t> fds_by_target(const std::string& proc_dir) {
  std::map<std::string, std::uint64_t> out;
  const std::string dir = proc_dir + "/fd/";
  char target[4096];
  for (const std::string& fd : list_dir(proc_dir + "/fd")) {
    const ssize_t n = ::readlink((dir + fd).c_str(), target, sizeof target - 1);
    if (n < 0) continue;  // closed meanwhile
    ++out[fd_target_key(std::string_view(target, static_cast<std::size_t>(n)))];
  }
  return out;
}

}  // namespace plateau::probes
