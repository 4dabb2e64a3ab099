// Symbolizer: return addresses -> functions with file:line, for this process
// or for another one (a heap dump's MAPPED_LIBRARIES), through libdw.
//
// The one symboliser of plateau: the soak runner (its own dumps), `plateau
// heap` and `plateau watch --heap` (dumps written by any process) all use it.
// It is fed a memory map (probes/mapped_libraries.h: /proc/self/maps, or the
// dump's own block); each mapped file is reported to libdw (elfutils) at its
// load bias when an address first falls in it, so PIE executables and shared
// objects loaded anywhere resolve, from the binary on disk, without the
// process that wrote the addresses. The function comes from the symbol
// table, file:line from the DWARF line table of the binary's debug info (or
// its separate debug file). One address can stand for several frames: code
// inlined into a function keeps, in DWARF, the chain of inlined calls, and
// each link is one Frame (innermost first, the real function last), as
// `addr2line -i` and pprof show them. Without debug info (libc, the
// allocator) a frame still has its symbol name and module. The address
// looked up is the return address minus one, so a call that ends a function
// is attributed to its caller, as pprof does. A file that is missing or not
// ELF leaves its addresses as "0x... (module)" and is named in problems().
// Results are cached per address.
//
// Project frames (Frame::ours): a frame in plateau's own code, i.e. neither
// the allocator, libc, libstdc++ nor a third-party library (any shared
// object, libsqlite3 included: plateau links its own code statically), nor
// code inlined from a header outside the repository. The first project frame
// of a stack is the allocation site a developer acts on. Source paths are
// made repository-relative ("engine/exec/order_router.cc") by
// project_relative_path(). (`plateau watch` judges other programs and
// chooses its own first frame with is_allocator_or_std_frame.)
//
// Thread safety: one thread per Symbolizer (the cache and the libdw session
// are unguarded).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "probes/mapped_libraries.h"

namespace plateau::probes {

struct Frame {
  std::uintptr_t address = 0;  // as in the profile (a return address)
  std::string function;        // demangled, full; empty when unknown
  std::string module;          // shared object or executable path; empty when unknown
  std::uintptr_t offset = 0;   // address - symbol start (or - module base if no symbol)
  std::string file;            // repository-relative when in the project; "" when unknown
  std::string debug_file;      // the path as the debug info writes it; "" when unknown
  unsigned line = 0;           // 0 when unknown
  bool inlined = false;        // an inlined call inside the next frame's function
  // True for a frame in plateau's own code (see the header comment): the
  // first frame with ours == true is the allocation site a developer can act on.
  bool ours = false;

  // "function+0xoff (module)" or "0xaddr (module)", then " at file:line" if known.
  std::string describe() const;
  // "file:line", or "" when the line is unknown.
  std::string location() const;
};

class Symbolizer {
 public:
  // This process, from /proc/self/maps (libraries loaded later fall back to
  // dladdr: symbol names without file:line).
  Symbolizer();
  // Another process, from its memory map. `binary_override`, when set,
  // replaces the path of the map's main executable (the first mapped file
  // that is not a shared object), for dumps opened after the binary moved.
  explicit Symbolizer(std::vector<Mapping> mappings,
                      const std::optional<std::string>& binary_override = std::nullopt);
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // The frames of one return address, innermost inlined call first and the
  // containing function last; never empty.
  const std::vector<Frame>& resolve(std::uintptr_t address);
  // False when libdw could not start (frames then carry the dladdr() symbol
  // only, without file:line, in-process; nothing but the module otherwise).
  bool has_debug_info_reader() const noexcept;
  // Why some addresses could not be symbolised (file missing, not ELF), one
  // line per file.
  const std::vector<std::string>& problems() const noexcept;

 private:
  struct Dwarf;
  std::unique_ptr<Dwarf> dwarf_;
  bool in_process_ = false;  // dladdr() may be asked
  std::unordered_map<std::uintptr_t, std::vector<Frame>> cache_;
};

// The classification behind Frame::ours for frames known by name and module
// only, exposed for tests: allocator, libc, libstdc++, std::, operator new.
bool is_allocator_or_std_frame(const std::string& function, const std::string& module);

// A source path as written in debug info -> repository-relative
// ("/b/build/default/../../engine/x.cc" -> "engine/x.cc"), or "" when the
// file is not in the repository (system headers, other libraries).
std::string project_relative_path(std::string_view path);

// A function name for people: return type, template arguments and argument
// lists elided ("plateau::engine::BoundedCache<std::string, int>::store(...)"
// -> "plateau::engine::BoundedCache<>::store"); the full name stays in JSON.
std::string short_function_name(std::string_view demangled);

}  // namespace plateau::probes
