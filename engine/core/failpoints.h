// Failpoints: named switches that put a fixed seed bug back, at run time.
//
// Each entry of ../../docs/canaries.md (and shared CANARIES.md) has one
// Failpoint. All are off by default; a component checks its own with
// `failpoints.on(Failpoint::kX)`, which costs one relaxed atomic load and a
// branch. The harness switches them on by name to prove, every night, that
// plateau still catches the bugs it exists for.
//
// Thread safety: on(), set() and enable() may be called from any thread.
// One Failpoints object is owned by the Engine (or a test) and handed by
// reference to every component; it must outlive them.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace plateau::engine {

enum class Failpoint : std::uint8_t {
  kPlansLeakExecutionLocks,
  kPlansLeakInvalidSymbols,
  kPlansLeakM1Cache,
  kPlansLeakConfidenceHistory,
  kPlansSkipRecheck,
  kMarketUntrimmedInitialOhlcv,
  kMarketDelayFirstCleanup,
  kMarketUnboundedOpenInterest,
  kCacheUncappedTtl,
  kExecutorLeakPositionLocks,
  kWalletUnboundedProcessedTx,
  kPaperNonatomicClose,
  kPaperNoPriceFallback,
  kPaperNoPositionLimit,
  kExitsLeakIntentOnFailure,
  kRouterKeepTerminalOrders,
  kEngineUnreachableLeak,
  kCount,
};

struct FailpointInfo {
  Failpoint id;
  std::string_view name;         // e.g. "plans.leak_execution_locks"
  std::string_view seed;         // e.g. "000 §1"
  std::string_view component;    // engine component the bug lives in, e.g. "plans"
  std::string_view description;  // one line: the bug it puts back
};

// Every failpoint, in declaration order.
std::span<const FailpointInfo> all_failpoints() noexcept;
const FailpointInfo& info(Failpoint id) noexcept;

class Failpoints {
 public:
  Failpoints() noexcept = default;
  Failpoints(const Failpoints&) = delete;
  Failpoints& operator=(const Failpoints&) = delete;

  bool on(Failpoint id) const noexcept {
    return (bits_.load(std::memory_order_relaxed) & mask(id)) != 0;
  }
  void set(Failpoint id, bool enabled) noexcept;
  // Enables by name; throws std::invalid_argument naming the unknown value
  // and listing the known names.
  void enable(std::string_view name);
  void clear() noexcept { bits_.store(0, std::memory_order_relaxed); }
  std::vector<std::string> enabled_names() const;

  // Looks a name up; throws std::invalid_argument as enable() does.
  static Failpoint parse(std::string_view name);

 private:
  static constexpr std::uint32_t mask(Failpoint id) noexcept {
    return std::uint32_t{1} << static_cast<unsigned>(id);
  }
  std::atomic<std::uint32_t> bits_{0};
};

}  // namespace plateau::engine
