// HeapProfile: a parsed heap-profile dump, and the parser for both formats.
//
// Formats read (the same files jeprof / google-pprof read):
//   - jemalloc `heap_v2/<rate>`: a `heap_v2/N` header, a `t*:` totals line
//     per stack, `@ 0x.. 0x..` stack lines, per-thread `tN:` lines (ignored),
//     then `MAPPED_LIBRARIES:`;
//   - gperftools `heap profile: N: B [N: B] @ <label>` with one
//     `N: B [N: B] @ 0x.. 0x..` line per stack, where <label> is
//     `heap_v2/<period>` (the sampled heap of GetHeapSample) or `heapprofile`
//     (the every-allocation HeapProfiler).
// Sampled counts are un-sampled as jeprof and pprof do for heap_v2 (Poisson
// sampling): with mean object size m = bytes / objects and period P, both are
// scaled by 1 / (1 - exp(-m / P)), and the estimate's sampling variance is
// kept with it (HeapSite::bytes_variance). Stacks are return addresses, innermost
// first. Sites with the same stack are merged.
//
// Errors: a malformed or truncated file throws HeapProfileError, whose
// message names the file, the line and why; the parser never crashes or
// reads past its input. Thread safety: pure functions over values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace plateau::probes {

enum class HeapProfileFormat : std::uint8_t {
  kJemalloc,           // heap_v2/<rate>
  kGperftoolsSampled,  // heap profile: ... @ heap_v2/<period>
  kGperftoolsFull,     // heap profile: ... @ heapprofile (no sampling)
};
std::string_view to_string(HeapProfileFormat format) noexcept;

struct HeapSite {
  std::vector<std::uintptr_t> stack;  // return addresses, innermost first
  std::uint64_t sampled_objects = 0;  // as written in the file
  std::uint64_t sampled_bytes = 0;
  double objects = 0;  // un-sampled estimate of live objects
  double bytes = 0;    // un-sampled estimate of live bytes
  // The sampling variance of `bytes` (bytes^2; Horvitz–Thompson: each
  // sampled object of size m, kept with probability p, adds (1 - p) (m/p)^2).
  // Small objects (m << P) add about P^2 each, so its square root is about
  // sqrt(sampled_objects) samples; an object far larger than the period is
  // always sampled and adds nothing. 0 for an unsampled profile.
  double bytes_variance = 0;
};

struct HeapProfile {
  HeapProfileFormat format = HeapProfileFormat::kJemalloc;
  std::uint64_t sample_period_bytes = 0;  // 0: every allocation recorded
  std::vector<HeapSite> sites;
  std::string source;  // file name, for messages

  double total_bytes() const noexcept;
  double total_objects() const noexcept;
};

class HeapProfileError : public std::runtime_error {
 public:
  HeapProfileError(std::string source, std::size_t line, const std::string& why);
  const std::string& source() const noexcept { return source_; }
  std::size_t line() const noexcept { return line_; }  // 1-based; 0 = whole file

 private:
  std::string source_;
  std::size_t line_;
};

HeapProfile parse_heap_profile(std::string_view text, std::string_view source = "<memory>");
HeapProfile parse_heap_profile_file(const std::filesystem::path& file);

}  // namespace plateau::probes
