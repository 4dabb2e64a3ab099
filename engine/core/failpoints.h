// Failpoints: named switches that put a fixed seed bug back, at run time.
//
// Each entry of ../../docs/canaries.md (and shared CANARIES.md) has one
// Failpoint. All are off by default; a component checks its own with
// `failpoints.on(Failpoint::kX)`, which costs one relaxed atomic load and a
// branch. The harness switches them on by name to prove, every night, that
// plateau still catches the bugs it exists for.
//
// Three families (FailpointFamily): the seed bugs, whose containers the
// engine declares through inventory()/audit(); the undeclared leaks (issue
// 9), whose memory, threads or descriptors live in containers deliberately
// reported nowhere, so only the allocation-site and process layers can see
// them; and the must-not-fire fixtures, benign growth patterns (a bigger
// bounded cache, a one-off block kept, a step at a chosen time) on which a
// correct verdict stays bounded. The table is the one place that says, per
// failpoint, its family, its component and which finding components name it
// (engine/canary_catalog.cc builds the canary catalog from it).
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
  // Undeclared leaks (family kUndeclared).
  kPlansUndeclaredErrorNotes,
  kWalletUndeclaredSlowLeak,
  kExitsUndeclaredThreadLeak,
  kRouterUndeclaredFdLeak,
  kMarketUndeclaredPartialCleanup,
  // Must-not-fire fixtures (family kMustNotFire).
  kWalletTenfoldCaches,
  kEngineOneOffBlock,
  kEngineStepBlock,
  kCount,
};

enum class FailpointFamily : std::uint8_t {
  kSeed,        // a seed bug put back; its containers are declared
  kUndeclared,  // a leak in a container no inventory()/audit() reports
  kMustNotFire, // benign growth: a correct verdict stays bounded
};

// "seed", "undeclared", "must_not_fire" (the canary matrix's labels).
std::string_view to_string(FailpointFamily family) noexcept;
// Throws std::invalid_argument naming the value and the known families.
FailpointFamily parse_failpoint_family(std::string_view name);

struct FailpointInfo {
  Failpoint id;
  std::string_view name;         // e.g. "plans.leak_execution_locks"
  std::string_view seed;         // e.g. "000 §1"
  std::string_view component;    // engine component the bug lives in, e.g. "plans"
  std::string_view description;  // one line: the bug it puts back
  FailpointFamily family = FailpointFamily::kSeed;
  // Undeclared and must-not-fire entries: the finding components that name
  // it, space-separated (a thread or fd leak is named by the process
  // series of its resource group, component "process"). Empty for seed
  // entries: the canary catalog's component rules say it for them.
  std::string_view named_by = {};
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
  static_assert(static_cast<unsigned>(Failpoint::kCount) <= 64, "widen Failpoints::bits_");
  static constexpr std::uint64_t mask(Failpoint id) noexcept {
    return std::uint64_t{1} << static_cast<unsigned>(id);
  }
  std::atomic<std::uint64_t> bits_{0};
};

}  // namespace plateau::engine
