#include "soak/runner/out_dir.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <system_error>

#include "reports/atomic_file.h"
#include "reports/writers.h"
#include "soak/runner/run_request.h"

namespace plateau::soak {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void refuse(const std::string& what, const fs::path& path, const std::string& why) {
  throw BadInput(what + " '" + path.string() + "': " + why);
}

std::string holder_pid(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  std::string text = n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? "unknown" : text;
}

}  // namespace

void validate_out_path(const fs::path& path, const std::string& what) {
  if (path.empty()) refuse(what, path, "must name a folder (an empty path is not one)");
  if (path.string().size() >= PATH_MAX) {
    refuse(what, path.string().substr(0, 64) + "...",
           "the path is " + std::to_string(path.string().size()) + " bytes long; the limit is " +
               std::to_string(PATH_MAX - 1));
  }
  for (const fs::path& part : path) {
    if (part.string().size() > NAME_MAX) {
      refuse(what, path,
             "the folder name '" + part.string().substr(0, 32) + "...' is " +
                 std::to_string(part.string().size()) + " bytes long; the limit is " +
                 std::to_string(NAME_MAX));
    }
  }
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (fs::exists(status) && !fs::is_directory(status)) refuse(what, path, "exists and is not a folder");
}

bool is_run_output_entry(const std::string& name) {
  static constexpr std::string_view kOwned[] = {reports::kJsonFileName,
                                                reports::kJunitFileName,
                                                reports::kHtmlFileName,
                                                reports::kMarkdownFileName,
                                                "series.csv",
                                                "heap",
                                                "state",
                                                kLockFileName};
  for (std::string_view owned : kOwned) {
    if (name == owned) return true;
    // Temporaries of an interrupted atomic write: "<name>.tmp-<pid>-<n>".
    if (name.starts_with(std::string(owned) + std::string(reports::kTemporarySuffix))) return true;
  }
  return false;
}

OutDirLock::OutDirLock(const fs::path& dir, const std::string& what) : dir_(dir) {
  validate_out_path(dir, what);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) refuse(what, dir, "cannot create the folder: " + ec.message());
  const fs::path lock_path = dir / kLockFileName;
  fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) refuse(what, dir, std::string("cannot write into the folder: ") + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    const std::string pid = holder_pid(fd_);
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) {
      refuse(what, dir, "in use by another plateau run (pid " + pid + "); give each run its own folder");
    }
    refuse(what, dir, std::string("cannot lock the folder: ") + std::strerror(error));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 ||
      ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    refuse(what, dir, std::string("cannot write into the folder: ") + std::strerror(error));
  }
}

OutDirLock::~OutDirLock() {
  if (fd_ < 0) return;
  // The lock file stays (removing it would let a waiter lock an unlinked
  // inode while a third process creates a new one); the lock goes with the fd.
  ::close(fd_);
}

OutDirLock prepare_out_dir(const fs::path& dir, bool force, const std::string& what) {
  validate_out_path(dir, what);
  // A folder another run holds is refused naming the holder, before its
  // contents are looked at (they are that run's, half-written).
  if (const int fd = ::open((dir / kLockFileName).c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    const std::string pid = held ? holder_pid(fd) : std::string();
    ::close(fd);
    if (held)
      refuse(what, dir, "in use by another plateau run (pid " + pid + "); give each run its own folder");
  }
  // The contents are checked before anything is created, so a refused
  // folder is left exactly as it was.
  std::vector<fs::path> owned;
  std::string foreign;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (name == kLockFileName) continue;
      if (is_run_output_entry(name)) {
        owned.push_back(entry.path());
      } else if (foreign.empty()) {
        foreign = name;
      }
    }
    if (ec) refuse(what, dir, "cannot list the folder: " + ec.message());
  }
  if (!force) {
    if (!owned.empty()) {
      refuse(what, dir,
             "already holds a report (" + owned.front().filename().string() +
                 "); pass --force to replace it, or choose a new folder");
    }
    if (!foreign.empty()) {
      refuse(what, dir,
             "is not empty (it holds '" + foreign + "'); choose an empty or new folder, or pass --force");
    }
  }
  OutDirLock lock(dir, what);
  for (const fs::path& entry : owned) {
    fs::remove_all(entry, ec);
    if (ec) refuse(what, dir, "--force could not remove " + entry.filename().string() + ": " + ec.message());
  }
  return lock;
}

}  // namespace plateau::soak
