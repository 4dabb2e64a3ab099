// Offline symbolisation of heap-dump addresses: the MAPPED_LIBRARIES block a
// jemalloc or gperftools dump ends with says which file each address came
// from; addr2line (binutils) turns the module-relative address into
// function names and file:line, inlined frames included.
//
// This is the one place `plateau heap` symbolises (in-process dladdr only
// works for the process that wrote the dump). It needs the binary and
// libraries the dump came from, with debug info for file:line; an address
// whose module is missing or unreadable stays "0x... (module)".
//
// Thread safety: one thread per OfflineSymbolizer (it caches).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plateau::soak {

struct MappedRegion {
  std::uintptr_t start = 0;
  std::uintptr_t end = 0;
  std::uintptr_t file_offset = 0;
  std::string path;
};

// The regions listed after "MAPPED_LIBRARIES:" in a dump's text (the
// /proc/self/maps format); regions without a file path are skipped.
std::vector<MappedRegion> parse_mapped_libraries(std::string_view dump_text);

// One symbolised frame; an address may expand to several (inlined calls,
// innermost first).
struct OfflineFrame {
  std::string function;  // demangled; empty when unknown
  std::string file;      // source file; empty when unknown
  unsigned line = 0;
  std::string module;    // the mapped file
  std::uintptr_t address = 0;

  // "function at file:line (module)", "function (module)" or "0xaddr (module)":
  // the frame text reports/frames.h reads.
  std::string describe() const;
};

class OfflineSymbolizer {
 public:
  // `binary_override`, when set, replaces the path of the dump's main
  // executable (the first mapped file that is not a shared object), for
  // dumps opened on another machine or after the binary moved.
  OfflineSymbolizer(std::vector<MappedRegion> regions, std::optional<std::string> binary_override = std::nullopt);

  // Symbolises every address at once (one addr2line per module), then
  // answers frames(address) from the cache. Addresses are return addresses;
  // the call site (address - 1) is looked up, as pprof does.
  void resolve_all(const std::vector<std::uintptr_t>& addresses);
  const std::vector<OfflineFrame>& frames(std::uintptr_t address);

  // Why some addresses could not be symbolised (missing module, no addr2line).
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  const MappedRegion* region_of(std::uintptr_t address) const;
  std::vector<MappedRegion> regions_;
  std::map<std::uintptr_t, std::vector<OfflineFrame>> cache_;
  std::vector<std::string> problems_;
};

}  // namespace plateau::soak
