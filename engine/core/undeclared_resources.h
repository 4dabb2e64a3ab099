// Undeclared resources: the threads and file descriptors the undeclared-leak
// failpoints (exits.undeclared_thread_leak, router.undeclared_fd_leak) keep.
//
// A component that leaks a thread or a descriptor on purpose holds one of
// these and reports it nowhere (no inventory(), no audit()): only the
// process layer of plateau (threads by name from /proc/self/task/*/comm,
// descriptors by target from /proc/self/fd) can see it grow. The leak is
// real while the component lives and is undone by its destructor, so tests
// and engine restarts do not accumulate threads or descriptors across
// engines. Threads are parked on a condition variable with a small stack
// and named (at most 15 characters: the kernel's comm limit); descriptors
// are anonymous memfds named by the caller (readlink shows
// "/memfd:<name> (deleted)"), so no file is left behind.
//
// Thread safety: every method may be called from any thread (one mutex).
// Invariant: count() equals the threads or descriptors still held.
#pragma once

#include <pthread.h>

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "engine/core/mutex.h"
#include "engine/core/thread_annotations.h"

namespace plateau::engine {

class UndeclaredThreads {
 public:
  explicit UndeclaredThreads(std::string name) : name_(std::move(name)) {}
  ~UndeclaredThreads();  // wakes and joins every parked thread
  UndeclaredThreads(const UndeclaredThreads&) = delete;
  UndeclaredThreads& operator=(const UndeclaredThreads&) = delete;

  // Starts one more parked thread; false if the system refused one.
  bool start_one();
  std::size_t count() const;

 private:
  static void* park(void* self);

  const std::string name_;
  mutable Mutex mu_;
  std::condition_variable_any wake_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<pthread_t> threads_ GUARDED_BY(mu_);
};

class UndeclaredFds {
 public:
  explicit UndeclaredFds(std::string name) : name_(std::move(name)) {}
  ~UndeclaredFds();  // closes every descriptor
  UndeclaredFds(const UndeclaredFds&) = delete;
  UndeclaredFds& operator=(const UndeclaredFds&) = delete;

  // Opens one more memfd; false if the system refused one.
  bool open_one();
  std::size_t count() const;

 private:
  const std::string name_;
  mutable Mutex mu_;
  std::vector<int> fds_ GUARDED_BY(mu_);
};

}  // namespace plateau::engine
