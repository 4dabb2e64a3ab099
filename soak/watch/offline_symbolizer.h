// OfflineSymbolizer: return addresses of ANOTHER process -> function and
// file:line, from the memory map the heap dump carries (MAPPED_LIBRARIES)
// and the target's own binary and libraries on disk, with binutils'
// addr2line (one batched call per module).
//
// plateau watch symbolises dumps written by the target, so the in-process
// probes::Symbolizer (dladdr) cannot be used. Kept in one small file so it
// can be unified with the libdw file:line symbolisation of probes/ later.
// An address outside every mapping, or a module addr2line cannot read
// (deleted, stripped), resolves to "0x..." with the module named.
//
// Thread safety: one thread per OfflineSymbolizer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace plateau::soak::watch {

struct Mapping {
  std::uintptr_t start = 0;
  std::uintptr_t end = 0;
  std::uintptr_t file_offset = 0;
  std::string path;
};

// The lines after "MAPPED_LIBRARIES:" of a jemalloc or gperftools dump
// (the format of /proc/PID/maps); only file-backed mappings are kept.
std::vector<Mapping> parse_mapped_libraries(std::string_view dump_text);

struct OfflineFrame {
  std::uintptr_t address = 0;
  std::string function;   // demangled; empty when unknown
  std::string file_line;  // "leaky.cc:42"; empty when unknown
  std::string module;     // path of the mapped file; empty when unmapped
  bool ours = false;      // not allocator / libc / libstdc++ / std:: (see probes::is_allocator_or_std_frame)

  std::string describe() const;  // "f() at leaky.cc:42 (module)" or "0x... (module)"
};

class OfflineSymbolizer {
 public:
  explicit OfflineSymbolizer(std::vector<Mapping> mappings) : mappings_(std::move(mappings)) {}
  // Resolves every address not yet known (batched per module).
  void resolve(const std::vector<std::uintptr_t>& addresses);
  // A resolved address (resolve() first); unknown ones read as unmapped.
  const OfflineFrame& frame(std::uintptr_t address);

 private:
  std::vector<Mapping> mappings_;
  std::unordered_map<std::uintptr_t, OfflineFrame> cache_;
};

// File offset -> the ELF virtual address addr2line expects (via the
// PT_LOAD program headers); the offset itself when the file is not ELF.
std::uintptr_t elf_vaddr_of_offset(const std::string& path, std::uintptr_t file_offset);

}  // namespace plateau::soak::watch
