#include "soak/watch/offline_symbolizer.h"

#include <elf.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "probes/symbolizer.h"

namespace plateau::soak::watch {
namespace {

std::string hex(std::uintptr_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string basename_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

}  // namespace

std::vector<Mapping> parse_mapped_libraries(std::string_view text) {
  std::vector<Mapping> out;
  const auto at = text.find("MAPPED_LIBRARIES:");
  if (at == std::string_view::npos) return out;
  std::istringstream lines(std::string(text.substr(at)));
  std::string line;
  std::getline(lines, line);  // the header
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
    if (path.empty() || path[0] != '/') continue;  // [heap], [stack], anonymous
    out.push_back(Mapping{static_cast<std::uintptr_t>(start), static_cast<std::uintptr_t>(end),
                          static_cast<std::uintptr_t>(offset), std::move(path)});
  }
  return out;
}

std::uintptr_t elf_vaddr_of_offset(const std::string& path, std::uintptr_t file_offset) {
  std::ifstream in(path, std::ios::binary);
  Elf64_Ehdr eh{};
  if (!in.read(reinterpret_cast<char*>(&eh), sizeof eh) ||
      std::string_view(reinterpret_cast<char*>(eh.e_ident), 4) != ELFMAG ||
      eh.e_ident[EI_CLASS] != ELFCLASS64) {
    return file_offset;
  }
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph{};
    in.seekg(static_cast<std::streamoff>(eh.e_phoff + i * eh.e_phentsize));
    if (!in.read(reinterpret_cast<char*>(&ph), sizeof ph)) break;
    if (ph.p_type == PT_LOAD && file_offset >= ph.p_offset && file_offset < ph.p_offset + ph.p_filesz) {
      return static_cast<std::uintptr_t>(file_offset - ph.p_offset + ph.p_vaddr);
    }
  }
  return file_offset;
}

std::string OfflineFrame::describe() const {
  std::string text = function.empty() ? hex(address) : function;
  if (!file_line.empty()) text += " at " + file_line;
  if (!module.empty()) text += " (" + basename_of(module) + ")";
  return text;
}

void OfflineSymbolizer::resolve(const std::vector<std::uintptr_t>& addresses) {
  // module -> (address, vaddr) pairs to look up.
  std::map<std::string, std::vector<std::pair<std::uintptr_t, std::uintptr_t>>> by_module;
  for (std::uintptr_t address : addresses) {
    if (cache_.count(address) != 0) continue;
    OfflineFrame& frame = cache_[address];
    frame.address = address;
    // A return address points after the call; the call is one byte back.
    const std::uintptr_t lookup = address > 0 ? address - 1 : address;
    for (const Mapping& m : mappings_) {
      if (lookup >= m.start && lookup < m.end) {
        frame.module = m.path;
        by_module[m.path].push_back({address, elf_vaddr_of_offset(m.path, lookup - m.start + m.file_offset)});
        break;
      }
    }
  }
  for (const auto& [module, wanted] : by_module) {
    // Batches keep the command line short.
    for (std::size_t from = 0; from < wanted.size(); from += 200) {
      const std::size_t to = std::min(wanted.size(), from + 200);
      std::string command = "addr2line -f -C -e " + shell_quote(module);
      for (std::size_t i = from; i < to; ++i) command += " " + hex(wanted[i].second);
      command += " 2>/dev/null";
      std::FILE* pipe = ::popen(command.c_str(), "r");
      if (pipe == nullptr) continue;
      char line[4096];
      for (std::size_t i = from; i < to; ++i) {
        OfflineFrame& frame = cache_[wanted[i].first];
        if (std::fgets(line, sizeof line, pipe) == nullptr) break;
        std::string function(line);
        while (!function.empty() && function.back() == '\n') function.pop_back();
        if (std::fgets(line, sizeof line, pipe) == nullptr) break;
        std::string file_line(line);
        while (!file_line.empty() && file_line.back() == '\n') file_line.pop_back();
        if (function != "??") frame.function = function;
        // "dir/file.cc:42 (discriminator 1)" -> "file.cc:42"; "??:0" / "??:?" -> empty.
        if (auto space = file_line.find(' '); space != std::string::npos) file_line.resize(space);
        if (!file_line.starts_with("??")) frame.file_line = basename_of(file_line);
      }
      ::pclose(pipe);
    }
  }
  for (std::uintptr_t address : addresses) {
    OfflineFrame& frame = cache_[address];
    frame.ours = !frame.function.empty() && !probes::is_allocator_or_std_frame(frame.function, frame.module);
  }
}

const OfflineFrame& OfflineSymbolizer::frame(std::uintptr_t address) {
  OfflineFrame& f = cache_[address];
  f.address = address;
  return f;
}

}  // namespace plateau::soak::watch
