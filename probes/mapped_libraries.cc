#include "probes/mapped_libraries.h"

#include <elf.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace plateau::probes {

std::vector<Mapping> parse_maps(std::string_view text, bool after_marker) {
  std::vector<Mapping> out;
  if (after_marker) {
    const std::size_t at = text.find("MAPPED_LIBRARIES:");
    if (at == std::string_view::npos) return out;
    text.remove_prefix(at);
    const std::size_t eol = text.find('\n');
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);  // the marker itself
  }
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    // start-end perms offset dev inode path
    unsigned long long start = 0, end = 0, offset = 0;
    char perms[8] = {};
    int path_at = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &offset, &path_at) <
        4)
      continue;
    if (path_at <= 0 || static_cast<std::size_t>(path_at) >= line.size()) continue;
    std::string path = line.substr(static_cast<std::size_t>(path_at));
    while (!path.empty() && (path.back() == ' ' || path.back() == '\r')) path.pop_back();
    if (path.empty() || path[0] != '/') continue;  // [heap], [stack], [vdso], anonymous
    out.push_back(Mapping{static_cast<std::uintptr_t>(start), static_cast<std::uintptr_t>(end),
                          static_cast<std::uintptr_t>(offset), std::move(path)});
  }
  return out;
}

std::vector<Mapping> self_mappings() {
  std::ifstream in("/proc/self/maps");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_maps(text.str(), false);
}

std::optional<std::uintptr_t> load_bias(const std::string& path, const Mapping& mapping) {
  std::ifstream in(path, std::ios::binary);
  Elf64_Ehdr eh{};
  if (!in.read(reinterpret_cast<char*>(&eh), sizeof eh) ||
      std::string_view(reinterpret_cast<char*>(eh.e_ident), SELFMAG) != ELFMAG ||
      eh.e_ident[EI_CLASS] != ELFCLASS64) {
    return std::nullopt;
  }
  // Two segments may share a file page (the end of the code and the start of
  // the data): the page's offset then lies in both. The segment a mapping
  // belongs to is the one it starts (its page-aligned offset is the
  // mapping's), else one whose memory the mapping fits in (a piece split off
  // by mprotect), else the first that covers the offset.
  const Elf64_Off page = 4096;
  std::optional<std::uintptr_t> starts, fits, covers;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph{};
    in.seekg(static_cast<std::streamoff>(eh.e_phoff + static_cast<Elf64_Off>(i) * eh.e_phentsize));
    if (!in.read(reinterpret_cast<char*>(&ph), sizeof ph)) break;
    if (ph.p_type != PT_LOAD) continue;
    // The kernel maps a segment from its page-aligned offset, so a mapping's
    // offset may lie up to a page before p_offset; p_offset and p_vaddr are
    // congruent modulo the alignment, so the formula holds either way.
    const Elf64_Off first = ph.p_offset & ~(page - 1);
    if (mapping.file_offset < first || mapping.file_offset >= ph.p_offset + ph.p_filesz) continue;
    const std::uintptr_t bias = mapping.start - (mapping.file_offset - ph.p_offset + ph.p_vaddr);
    const Elf64_Off extent = (ph.p_offset - first + ph.p_memsz + page - 1) & ~(page - 1);
    if (!starts && mapping.file_offset == first) starts = bias;
    if (!fits && (mapping.file_offset - first) + (mapping.end - mapping.start) <= extent) fits = bias;
    if (!covers) covers = bias;
  }
  if (starts) return starts;
  if (fits) return fits;
  if (covers) return covers;
  return std::nullopt;
}

}  // namespace plateau::probes
