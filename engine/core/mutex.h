// Mutex and MutexLock: std::mutex and a scoped lock that clang's
// thread-safety analysis understands (libstdc++ does not annotate its own),
// so that GUARDED_BY / REQUIRES marks (thread_annotations.h) are checked by
// the compiler instead of being comments.
//
// Mutex is a std::mutex with the capability annotation; it meets the
// standard Lockable requirements, so std::condition_variable_any can wait on
// a MutexLock. MutexLock holds the mutex for its scope; unlock()/lock() let a
// condition variable release and re-acquire it (the analysis tracks both).
//
// Thread safety: as std::mutex. Invariants: a MutexLock is never copied or
// moved; it holds its mutex from construction to destruction, except between
// a wait's unlock() and lock().
#pragma once

#include <mutex>

#include "engine/core/thread_annotations.h"

namespace plateau::engine {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }
  bool try_lock() TRY_ACQUIRE(true) { return mutex_.try_lock(); }
  // Tells the analysis the caller holds this mutex where it cannot see the
  // lock taken (a lock held across calls, e.g. EntityLedger::AuditPass).
  // Not checked at run time: std::mutex cannot say who owns it.
  void assert_held() const ASSERT_CAPABILITY(this) {}

 private:
  std::mutex mutex_;
};

class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~MutexLock() RELEASE() { mutex_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // For std::condition_variable_any::wait, which unlocks while it sleeps.
  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }

 private:
  Mutex& mutex_;
};

}  // namespace plateau::engine
