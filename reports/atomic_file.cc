#include "reports/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <system_error>

namespace plateau::reports {
namespace {

[[noreturn]] void fail(int error, const std::string& step, const std::filesystem::path& path) {
  throw std::system_error(error, std::generic_category(),
                          "cannot write " + path.string() + ": " + step + " failed");
}

// Closes the descriptor and removes the temporary file unless released, so
// every early exit leaves nothing behind.
class TemporaryFile {
 public:
  TemporaryFile(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!released_) ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  // Closes explicitly because close() can report a deferred write error.
  int close() {
    int result = ::close(fd_);
    fd_ = -1;
    return result;
  }
  void release() { released_ = true; }

 private:
  std::filesystem::path path_;
  int fd_;
  bool released_ = false;
};

void sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // the rename already happened; durability is best effort here
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomically(const std::filesystem::path& target, std::string_view content) {
  static std::atomic<unsigned> counter{0};
  const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  const std::filesystem::path temporary =
      dir / (target.filename().string() + std::string(kTemporarySuffix) + std::to_string(::getpid()) +
             "-" + std::to_string(counter.fetch_add(1)));

  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail(errno, "creating temporary file " + temporary.string(), target);
  TemporaryFile file(temporary, fd);

  const char* data = content.data();
  std::size_t remaining = content.size();
  while (remaining > 0) {
    ssize_t written = ::write(file.fd(), data, remaining);
    if (written < 0) {
      if (errno == EINTR) continue;
      fail(errno, "write", target);
    }
    data += written;
    remaining -= static_cast<std::size_t>(written);
  }
  if (::fsync(file.fd()) != 0) fail(errno, "fsync", target);
  if (file.close() != 0) fail(errno, "close", target);
  if (::rename(temporary.c_str(), target.c_str()) != 0) fail(errno, "rename over the target", target);
  file.release();
  sync_directory(dir);
}

}  // namespace plateau::reports
