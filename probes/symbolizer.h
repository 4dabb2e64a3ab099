// Symbolizer: return addresses of this process -> demangled function names.
//
// In-process and dependency-free: dladdr() finds the containing object and
// the nearest exported symbol (executables are linked with exported symbols,
// CMAKE_ENABLE_EXPORTS), abi::__cxa_demangle() demangles it. The address
// looked up is the return address minus one, so a call that ends a function
// is attributed to its caller, as pprof does. Only addresses of the current
// process are meaningful: dumps must be symbolised by the process that wrote
// them (the soak runner does); other addresses resolve to "0x..." with no
// function. Results are cached per address.
//
// Thread safety: one thread per Symbolizer (the cache is unguarded).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace plateau::probes {

struct Frame {
  std::uintptr_t address = 0;  // as in the profile (a return address)
  std::string function;        // demangled; empty when unknown
  std::string module;          // shared object or executable path; empty when unknown
  std::uintptr_t offset = 0;   // address - symbol start (or - module base if no symbol)
  // False for allocator and standard-library frames (jemalloc, tcmalloc,
  // libc, libstdc++, operator new, std::, __gnu_cxx::): the first frame
  // with ours == true is the allocation site a developer can act on.
  bool ours = false;

  // "function+0xoff (module)" or "0xaddr (module)".
  std::string describe() const;
};

class Symbolizer {
 public:
  const Frame& resolve(std::uintptr_t address);

 private:
  std::unordered_map<std::uintptr_t, Frame> cache_;
};

// The classification behind Frame::ours, exposed for tests.
bool is_allocator_or_std_frame(const std::string& function, const std::string& module);

}  // namespace plateau::probes
