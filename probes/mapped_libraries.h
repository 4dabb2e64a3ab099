// Mapped libraries: which file each address of a process came from, and where
// that file was loaded, so that addresses can be symbolised by any process.
//
// A heap dump of jemalloc or gperftools ends with a "MAPPED_LIBRARIES:" block
// in the /proc/PID/maps format; this process's own map is /proc/self/maps.
// Both parse to the same Mapping list, which probes::Symbolizer turns into
// libdw modules: one per file, placed at its load bias (the mapping's start
// minus the ELF virtual address of its file offset), which is 0 for a
// fixed-address (ET_EXEC) executable and the randomised base for PIE
// executables and shared objects. Only file-backed mappings are kept
// ([heap], [stack], [vdso] and anonymous regions say nothing about code).
//
// Thread safety: pure functions over their inputs (load_bias reads the file).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plateau::probes {

struct Mapping {
  std::uintptr_t start = 0;
  std::uintptr_t end = 0;  // one past the last byte
  std::uintptr_t file_offset = 0;
  std::string path;
};

// The file-backed lines of a /proc/PID/maps text. With `after_marker`, only
// the lines after "MAPPED_LIBRARIES:" (a heap dump's text; none when the dump
// has no such block). A line that does not parse is skipped, not an error: a
// heap view without one library is still a heap view.
std::vector<Mapping> parse_maps(std::string_view text, bool after_marker);

// The MAPPED_LIBRARIES block of a heap dump's text.
inline std::vector<Mapping> parse_mapped_libraries(std::string_view dump_text) {
  return parse_maps(dump_text, true);
}

// This process's file-backed mappings (/proc/self/maps).
std::vector<Mapping> self_mappings();

// The load bias of `path` given one of its mappings: mapping.start minus the
// virtual address the ELF program headers give its file offset. nullopt when
// the file cannot be read as a 64-bit ELF file or the offset is in no
// PT_LOAD segment.
std::optional<std::uintptr_t> load_bias(const std::string& path, const Mapping& mapping);

}  // namespace plateau::probes
