// Thread-safety annotations in the style of LevelDB's port/thread_annotations.h.
//
// Under clang these are checked: every plateau target builds with
// -Wthread-safety there (cmake/PlateauWarnings.cmake), and ci/test.sh builds
// the libraries with clang and -Werror, so a member marked GUARDED_BY(mu)
// read without mu held, or a REQUIRES(mu) function called without it, fails
// CI. Under g++ they compile to nothing. The analysis needs a mutex type and
// a lock type it knows: engine::Mutex and engine::MutexLock (engine/core/mutex.h),
// not std::mutex and std::lock_guard (libstdc++ does not annotate them).
#pragma once

#if defined(__clang__)
#define PLATEAU_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define PLATEAU_THREAD_ANNOTATION(x)
#endif

#define GUARDED_BY(x) PLATEAU_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) PLATEAU_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) PLATEAU_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) PLATEAU_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ACQUIRED_AFTER(...) PLATEAU_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define CAPABILITY(x) PLATEAU_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY PLATEAU_THREAD_ANNOTATION(scoped_lockable)
#define ACQUIRE(...) PLATEAU_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) PLATEAU_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) PLATEAU_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) PLATEAU_THREAD_ANNOTATION(assert_capability(x))
#define NO_THREAD_SAFETY_ANALYSIS PLATEAU_THREAD_ANNOTATION(no_thread_safety_analysis)
