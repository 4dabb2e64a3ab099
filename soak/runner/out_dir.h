// OutDirLock and prepare_out_dir: the rules for a run's output folder.
//
// A run owns its --out folder from before the first file is written until
// its report set is complete:
//   - the path must name a folder: empty, over-long (a component longer than
//     NAME_MAX or the whole longer than PATH_MAX), an existing non-folder, or
//     a place where the folder cannot be created is BadInput naming the path
//     and why (exit 2), before anything runs;
//   - an exclusive flock(2) on <out>/.plateau.lock, held for the whole run,
//     keeps a second run out (BadInput naming the holder's pid, which the
//     holder writes into the lock file); the kernel drops the lock when the
//     holder dies, so a killed run never leaves a stale lock behind;
//   - a folder that already holds anything else is refused unless `force`;
//     with force, everything a run writes (the report set, series.csv, the
//     heap/ dumps, the state/ plan store, stray temporaries) is removed
//     first. Entries plateau does not write (e.g. a log the caller redirected
//     there) are left alone: --force never deletes what plateau did not make.
// The report set itself is committed by writing report.json last (see
// reports::write_report_set), so readers that require report.json never see
// a half-written set.
//
// Thread safety: an OutDirLock is owned by one run; the functions are free of
// shared state.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace plateau::soak {

inline constexpr const char* kLockFileName = ".plateau.lock";

// Throws BadInput when `path` cannot be an output folder (empty, over-long,
// an existing non-folder). `what` names it in messages, e.g. "--out".
void validate_out_path(const std::filesystem::path& path, const std::string& what);

// Entries of `dir` that a plateau run writes (and --force may remove).
bool is_run_output_entry(const std::string& file_name);

class OutDirLock {
 public:
  // Creates the folder if needed and takes the lock. Throws BadInput naming
  // the path and the holder's pid when another process holds it, or naming
  // the path and the reason when it cannot be created or locked.
  OutDirLock(const std::filesystem::path& dir, const std::string& what);
  ~OutDirLock();
  OutDirLock(const OutDirLock&) = delete;
  OutDirLock& operator=(const OutDirLock&) = delete;
  OutDirLock(OutDirLock&& other) noexcept : dir_(std::move(other.dir_)), fd_(other.fd_) { other.fd_ = -1; }
  OutDirLock& operator=(OutDirLock&&) = delete;

  const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  std::filesystem::path dir_;
  int fd_ = -1;
};

// Validates, creates and locks `dir`, then enforces the non-empty rule
// (clearing plateau's own entries when `force`). Returns the held lock.
OutDirLock prepare_out_dir(const std::filesystem::path& dir, bool force, const std::string& what);

}  // namespace plateau::soak
