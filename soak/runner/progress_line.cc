#include "soak/runner/progress_line.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace plateau::soak {

bool ProgressLine::should_draw(std::FILE* out) {
  const char* ci = std::getenv("CI");
  if (ci && std::strcmp(ci, "true") == 0) return false;
  return out && isatty(fileno(out));
}

ProgressLine::ProgressLine(std::FILE* out, int force_enabled)
    : out_(out),
      enabled_(force_enabled >= 0 ? force_enabled != 0 : should_draw(out)),
      started_(std::chrono::steady_clock::now()),
      last_draw_(started_) {}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::update(double virtual_s, double virtual_total_s, unsigned long long events) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(250)) return;
  last_draw_ = now;
  const double wall_s = std::chrono::duration<double>(now - started_).count();
  const double events_per_s = wall_s > 0 ? static_cast<double>(events) / wall_s : 0;
  const double fraction = virtual_total_s > 0 ? virtual_s / virtual_total_s : 1;
  const double eta_s = fraction > 0 ? wall_s * (1 - fraction) / fraction : 0;
  std::fprintf(out_, "\r  virtual %6.2f h / %.2f h (%5.1f%%)  %9.0f events/s  ETA %5.0f s   ",
               virtual_s / 3600, virtual_total_s / 3600, 100 * fraction, events_per_s, eta_s);
  std::fflush(out_);
  drawn_ = true;
}

void ProgressLine::finish() {
  if (!enabled_ || !drawn_) return;
  std::fprintf(out_, "\r%80s\r", "");
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace plateau::soak
