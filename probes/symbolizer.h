// Symbolizer: return addresses of this process -> functions with file:line.
//
// In-process, through libdw (elfutils): the modules of this process are read
// from /proc/self/maps (dwfl_linux_proc_report), the function from the
// symbol table and the file:line from the DWARF line table of the binary's
// own debug info (RelWithDebInfo builds carry it). One address can stand for
// several frames: code inlined into a function keeps, in DWARF, the chain of
// inlined calls, and each link is one Frame (innermost first, the real
// function last), as `addr2line -i` and pprof show them. Without debug info
// (libc, the allocator) a frame still has its symbol name and module. The
// address looked up is the return address minus one, so a call that ends a
// function is attributed to its caller, as pprof does. Only addresses of the
// current process are meaningful: dumps must be symbolised by the process
// that wrote them (the soak runner does). Results are cached per address.
//
// Project frames (Frame::ours): a frame in plateau's own code, i.e. neither
// the allocator, libc, libstdc++ nor a third-party library (any shared
// object, libsqlite3 included: plateau links its own code statically), nor
// code inlined from a header outside the repository. The first project frame
// of a stack is the allocation site a developer acts on. Source paths are
// made repository-relative ("engine/exec/order_router.cc") by
// project_relative_path().
//
// Thread safety: one thread per Symbolizer (the cache and the libdw session
// are unguarded).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace plateau::probes {

struct Frame {
  std::uintptr_t address = 0;  // as in the profile (a return address)
  std::string function;        // demangled, full; empty when unknown
  std::string module;          // shared object or executable path; empty when unknown
  std::uintptr_t offset = 0;   // address - symbol start (or - module base if no symbol)
  std::string file;            // repository-relative when in the project; "" when unknown
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
  Symbolizer();
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // The frames of one return address, innermost inlined call first and the
  // containing function last; never empty.
  const std::vector<Frame>& resolve(std::uintptr_t address);
  // False when libdw could not read this process (frames then carry the
  // dladdr() symbol only, without file:line).
  bool has_debug_info_reader() const noexcept;

 private:
  struct Dwarf;
  std::unique_ptr<Dwarf> dwarf_;
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
