#include "engine/cache/bounded_cache_options.h"

#include <sstream>
#include <stdexcept>

namespace plateau::engine {
namespace {

[[noreturn]] void refuse(std::string_view field, const std::string& value, std::string_view why) {
  std::ostringstream message;
  message << "BoundedCacheOptions." << field << " = " << value << ": " << why;
  throw std::invalid_argument(message.str());
}

std::string seconds_text(Duration d) { return std::to_string(to_seconds(d)) + " s"; }

}  // namespace

void validate(const BoundedCacheOptions& options) {
  if (options.capacity == 0) refuse("capacity", "0", "must be at least 1");
  if (options.default_ttl <= Duration::zero()) {
    refuse("default_ttl", seconds_text(options.default_ttl), "must be positive");
  }
  if (options.max_ttl <= Duration::zero()) refuse("max_ttl", seconds_text(options.max_ttl), "must be positive");
  if (options.sweep_interval <= Duration::zero()) {
    refuse("sweep_interval", seconds_text(options.sweep_interval), "must be positive");
  }
  if (!(options.aggressive_sweep_target > 0.0 && options.aggressive_sweep_target <= 1.0)) {
    refuse("aggressive_sweep_target", std::to_string(options.aggressive_sweep_target),
           "must be in (0, 1]: the share of max_bytes an aggressive sweep brings the cache down to");
  }
  if (options.expiry_work_per_operation == 0) {
    refuse("expiry_work_per_operation", "0", "must be at least 1, or expired entries would wait for sweep()");
  }
}

}  // namespace plateau::engine
