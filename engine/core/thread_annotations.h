// Thread-safety annotations in the style of LevelDB's port/thread_annotations.h.
//
// Under clang with -Wthread-safety these are checked; under g++ they compile
// to nothing and remain documentation: every member guarded by a mutex is
// marked GUARDED_BY(that_mutex), and functions that expect a lock held are
// marked REQUIRES(mutex).
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
