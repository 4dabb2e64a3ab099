#include "engine/core/mutex.h"
#include "engine/core/undeclared_resources.h"

#include <sys/mman.h>
#include <unistd.h>

namespace plateau::engine {

namespace {
// A parked thread needs almost no stack; keep the leak's address-space cost
// small so hundreds of them (a nightly's worth) stay cheap.
constexpr std::size_t kParkedStackBytes = 64 * 1024;
}  // namespace

UndeclaredThreads::~UndeclaredThreads() {
  std::vector<pthread_t> threads;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (pthread_t t : threads) ::pthread_join(t, nullptr);
}

void* UndeclaredThreads::park(void* self) {
  auto* owner = static_cast<UndeclaredThreads*>(self);
  MutexLock lock(owner->mu_);
  while (!owner->stopping_) owner->wake_.wait(lock);
  return nullptr;
}

bool UndeclaredThreads::start_one() {
  pthread_attr_t attr;
  if (::pthread_attr_init(&attr) != 0) return false;
  ::pthread_attr_setstacksize(&attr, kParkedStackBytes);
  MutexLock lock(mu_);
  if (stopping_) {
    ::pthread_attr_destroy(&attr);
    return false;
  }
  pthread_t thread;
  const int err = ::pthread_create(&thread, &attr, &UndeclaredThreads::park, this);
  ::pthread_attr_destroy(&attr);
  if (err != 0) return false;
  ::pthread_setname_np(thread, name_.substr(0, 15).c_str());
  threads_.push_back(thread);
  return true;
}

std::size_t UndeclaredThreads::count() const {
  MutexLock lock(mu_);
  return threads_.size();
}

UndeclaredFds::~UndeclaredFds() {
  MutexLock lock(mu_);
  for (int fd : fds_) ::close(fd);
  fds_.clear();
}

bool UndeclaredFds::open_one() {
  const int fd = ::memfd_create(name_.c_str(), MFD_CLOEXEC);
  if (fd < 0) return false;
  MutexLock lock(mu_);
  fds_.push_back(fd);
  return true;
}

std::size_t UndeclaredFds::count() const {
  MutexLock lock(mu_);
  return fds_.size();
}

}  // namespace plateau::engine
