#include "soak/watch/process_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <deque>
#include <set>
#include <string_view>

namespace plateau::soak::watch {
namespace {

std::string read_small(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::vector<std::string> entries(const std::string& dir_path) {
  std::vector<std::string> out;
  DIR* dir = ::opendir(dir_path.c_str());
  if (dir == nullptr) return out;
  while (const dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') out.emplace_back(e->d_name);
  }
  ::closedir(dir);
  return out;
}

bool parse_stat(std::string_view text, int pid, TreeMember& out) {
  // "pid (comm) S ppid pgrp ...": comm may hold spaces and ')', so split at
  // the last ')'.
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return false;
  out.pid = pid;
  out.comm = std::string(text.substr(open + 1, close - open - 1));
  std::string rest(text.substr(close + 1));
  char* p = rest.data();
  while (*p == ' ') ++p;
  if (*p == '\0') return false;
  out.state = *p++;
  out.ppid = static_cast<int>(std::strtol(p, &p, 10));
  out.pgid = static_cast<int>(std::strtol(p, &p, 10));
  return true;
}

bool has_children_files() {
  static const bool has =
      ::access(("/proc/self/task/" + std::to_string(::getpid()) + "/children").c_str(), R_OK) == 0;
  return has;
}

std::vector<int> children_by_file(int pid) {
  std::vector<int> out;
  const std::string task = "/proc/" + std::to_string(pid) + "/task/";
  for (const std::string& tid : entries(task)) {
    const std::string text = read_small(task + tid + "/children");
    const char* p = text.c_str();
    char* end = nullptr;
    for (long v = std::strtol(p, &end, 10); end != p; v = std::strtol(p, &end, 10)) {
      out.push_back(static_cast<int>(v));
      p = end;
    }
  }
  return out;
}

// pid -> children from one scan of /proc/*/stat.
std::vector<std::pair<int, int>> scan_parents() {
  std::vector<std::pair<int, int>> out;  // (ppid, pid)
  for (const std::string& name : entries("/proc")) {
    if (name[0] < '0' || name[0] > '9') continue;
    const int pid = std::atoi(name.c_str());
    TreeMember m;
    if (read_member(pid, m)) out.emplace_back(m.ppid, pid);
  }
  return out;
}

}  // namespace

bool read_member(int pid, TreeMember& out) {
  const std::string text = read_small("/proc/" + std::to_string(pid) + "/stat");
  return !text.empty() && parse_stat(text, pid, out);
}

std::vector<int> children_of(int pid) {
  if (has_children_files()) return children_by_file(pid);
  std::vector<int> out;
  for (const auto& [ppid, child] : scan_parents())
    if (ppid == pid) out.push_back(child);
  return out;
}

std::vector<TreeMember> walk_tree(const std::vector<int>& roots) {
  std::vector<TreeMember> out;
  std::set<int> seen;
  std::deque<int> queue(roots.begin(), roots.end());
  const bool by_file = has_children_files();
  std::vector<std::pair<int, int>> parents;
  if (!by_file) parents = scan_parents();
  while (!queue.empty()) {
    const int pid = queue.front();
    queue.pop_front();
    if (pid <= 0 || !seen.insert(pid).second) continue;
    TreeMember m;
    if (!read_member(pid, m)) continue;  // gone meanwhile
    out.push_back(m);
    if (m.zombie()) continue;  // a zombie's children were reparented already
    if (by_file) {
      for (int child : children_by_file(pid)) queue.push_back(child);
    } else {
      for (const auto& [ppid, child] : parents)
        if (ppid == pid) queue.push_back(child);
    }
  }
  return out;
}

}  // namespace plateau::soak::watch
