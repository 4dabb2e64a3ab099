#include "probes/process_groups.h"

#include "probes/proc_read.h"  // ProcessGone

#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <mutex>

namespace plateau::probes {

namespace {

std::mutex g_folders_mutex;
std::vector<RunFolder>& folders_locked() {
  static std::vector<RunFolder> folders;
  return folders;
}

// The entries of a /proc directory; a process that is gone throws
// ProcessGone (a watch records nothing of a pass it could not finish).
std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> out;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) {
    const int err = errno;
    if (err == ENOENT || err == ESRCH) throw ProcessGone(path + " is gone");
    return out;  // not ours to read (EACCES): no groups
  }
  while (const dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') out.emplace_back(e->d_name);
  }
  ::closedir(dir);
  return out;
}

// Digits runs -> '#'; characters outside a series name's safe set -> '_'.
std::string normalised(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_digits = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      if (!in_digits) out += '#';
      in_digits = true;
      continue;
    }
    in_digits = false;
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c == '-' ||
                      c == '/' || c == ':' || c == '[' || c == ']';
    out += safe ? c : '_';
  }
  return out.empty() ? std::string("unnamed") : out;
}

}  // namespace

void set_run_folders(std::vector<RunFolder> folders) {
  for (RunFolder& f : folders) {
    std::error_code ec;
    const auto canonical = std::filesystem::weakly_canonical(f.path, ec);
    if (!ec) f.path = canonical.string();
    while (f.path.size() > 1 && f.path.back() == '/') f.path.pop_back();
  }
  const std::lock_guard lock(g_folders_mutex);
  folders_locked() = std::move(folders);
}

std::vector<RunFolder> run_folders() {
  const std::lock_guard lock(g_folders_mutex);
  return folders_locked();
}

std::string fd_group_of(std::string_view target, const std::vector<RunFolder>& folders) {
  constexpr std::string_view kDeleted = " (deleted)";
  if (target.ends_with(kDeleted)) target.remove_suffix(kDeleted.size());
  const RunFolder* best = nullptr;
  for (const RunFolder& f : folders) {
    const bool under = target.starts_with(f.path) &&
                       (target.size() == f.path.size() || target[f.path.size()] == '/');
    if (under && !f.path.empty() && (best == nullptr || f.path.size() > best->path.size())) best = &f;
  }
  if (best != nullptr) {
    const std::string_view rest = target.substr(best->path.size());
    return rest.empty() ? best->marker : best->marker + normalised(rest);
  }
  if (target.starts_with("socket:")) return "socket";
  if (target.starts_with("pipe:")) return "pipe";
  if (target.starts_with("anon_inode:")) return normalised(target);
  if (target.starts_with("/memfd:")) return normalised(target.substr(1));
  return normalised(target);
}

std::string thread_group_of(std::string_view comm) {
  while (!comm.empty() && (comm.back() == '\n' || comm.back() == ' ')) comm.remove_suffix(1);
  return normalised(comm);
}

std::map<std::string, std::uint64_t> thread_groups(const std::string& proc_dir) {
  std::map<std::string, std::uint64_t> out;
  for (const std::string& tid : list_dir(proc_dir + "/task")) {
    std::ifstream comm(proc_dir + "/task/" + tid + "/comm");
    std::string name;
    if (!comm || !std::getline(comm, name)) continue;  // the thread ended meanwhile
    ++out[thread_group_of(name)];
  }
  return out;
}

std::map<std::string, std::uint64_t> fd_groups(const std::string& proc_dir) {
  std::map<std::string, std::uint64_t> out;
  const std::vector<RunFolder> folders = run_folders();
  const std::string dir = proc_dir + "/fd/";
  char target[4096];
  for (const std::string& fd : list_dir(proc_dir + "/fd")) {
    const ssize_t n = ::readlink((dir + fd).c_str(), target, sizeof target - 1);
    if (n < 0) continue;  // closed meanwhile
    ++out[fd_group_of(std::string_view(target, static_cast<std::size_t>(n)), folders)];
  }
  return out;
}

const std::string& GroupCap::kept(const std::string& group) {
  static const std::string other(kOther);
  if (const auto it = kept_.find(group); it != kept_.end()) return *it;
  if (group == other || kept_.size() >= max_groups_) {
    if (!other_used_) {
      order_.push_back(other);
      other_used_ = true;
    }
    return other;
  }
  order_.push_back(group);
  return *kept_.insert(group).first;
}

}  // namespace plateau::probes
