// ProgressLine: one self-overwriting status line on a terminal during a run.
//
// Shows virtual time reached, events per wall second and the ETA. It writes
// only when the stream is a TTY and the environment does not say CI=true, so
// CI logs and redirected output stay clean; otherwise every call is a no-op.
// Updates are throttled to a few per second of wall time (the caller may call
// it on every event batch).
//
// Thread safety: none; the soak loop's thread only.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace plateau::soak {

class ProgressLine {
 public:
  // `out` is the stream to draw on (stderr in the CLI). `enabled` overrides
  // the TTY/CI detection when set (tests).
  explicit ProgressLine(std::FILE* out, int force_enabled = -1);
  ~ProgressLine();

  bool enabled() const noexcept { return enabled_; }
  void update(double virtual_s, double virtual_total_s, unsigned long long events);
  // Clears the line (before the final summary is printed).
  void finish();

  // True when stdout-like `out` is a terminal and CI is not "true".
  static bool should_draw(std::FILE* out);

 private:
  std::FILE* out_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace plateau::soak
