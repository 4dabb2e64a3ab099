#include "soak/heapview/offline_symbols.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "soak/runner/run_context.h"  // shell_quote

namespace plateau::soak {
namespace {

bool is_shared_object(const std::string& path) { return path.find(".so") != std::string::npos; }

// ET_EXEC executables are looked up by absolute address, everything else
// (PIE executables, shared objects) by address relative to the load base.
bool is_fixed_address_executable(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<unsigned char, 18> header{};
  if (!in.read(reinterpret_cast<char*>(header.data()), header.size())) return false;
  if (header[0] != 0x7f || header[1] != 'E' || header[2] != 'L' || header[3] != 'F') return false;
  const unsigned type = header[5] == 1 ? header[16] | (header[17] << 8) : (header[16] << 8) | header[17];
  return type == 2;  // ET_EXEC
}

std::string run_command(const std::string& command) {
  std::string out;
  if (std::FILE* pipe = ::popen(command.c_str(), "r")) {
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
    ::pclose(pipe);
  }
  return out;
}

bool is_hex_address_line(const std::string& line) {
  if (line.size() < 3 || line[0] != '0' || line[1] != 'x') return false;
  return std::all_of(line.begin() + 2, line.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

std::string hex(std::uintptr_t value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "0x%zx", static_cast<std::size_t>(value));
  return buffer;
}

}  // namespace

std::vector<MappedRegion> parse_mapped_libraries(std::string_view dump_text) {
  std::vector<MappedRegion> regions;
  const std::size_t at = dump_text.find("MAPPED_LIBRARIES:");
  if (at == std::string_view::npos) return regions;
  std::istringstream in(std::string(dump_text.substr(at)));
  std::string line;
  std::getline(in, line);  // the marker
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string range, perms, offset, device, inode, path;
    if (!(fields >> range >> perms >> offset >> device >> inode)) continue;
    std::getline(fields >> std::ws, path);
    if (path.empty() || path.front() != '/') continue;
    const std::size_t dash = range.find('-');
    if (dash == std::string::npos) continue;
    try {
      MappedRegion region;
      region.start = std::stoull(range.substr(0, dash), nullptr, 16);
      region.end = std::stoull(range.substr(dash + 1), nullptr, 16);
      region.file_offset = std::stoull(offset, nullptr, 16);
      region.path = path;
      regions.push_back(std::move(region));
    } catch (const std::exception&) {
      continue;  // a line we do not understand is not a reason to fail the whole view
    }
  }
  return regions;
}

std::string OfflineFrame::describe() const {
  std::string text = function.empty() ? hex(address) : function;
  if (!file.empty() && line > 0) text += " at " + file + ":" + std::to_string(line);
  if (!module.empty()) text += " (" + module + ")";
  return text;
}

OfflineSymbolizer::OfflineSymbolizer(std::vector<MappedRegion> regions, std::optional<std::string> binary_override)
    : regions_(std::move(regions)) {
  if (binary_override) {
    std::string original;
    for (const MappedRegion& r : regions_) {
      if (!is_shared_object(r.path)) {
        original = r.path;
        break;
      }
    }
    for (MappedRegion& r : regions_) {
      if (!original.empty() && r.path == original) r.path = *binary_override;
    }
  }
}

const MappedRegion* OfflineSymbolizer::region_of(std::uintptr_t address) const {
  for (const MappedRegion& r : regions_) {
    if (address >= r.start && address < r.end) return &r;
  }
  return nullptr;
}

void OfflineSymbolizer::resolve_all(const std::vector<std::uintptr_t>& addresses) {
  // Per module: the lookup address handed to addr2line -> the dump's address.
  std::map<std::string, std::vector<std::pair<std::uintptr_t, std::uintptr_t>>> by_module;
  std::map<std::string, bool> fixed;
  for (std::uintptr_t address : addresses) {
    if (cache_.count(address) != 0) continue;
    OfflineFrame unknown;
    unknown.address = address;
    const MappedRegion* region = region_of(address - 1);
    if (region == nullptr) {
      cache_[address] = {unknown};
      continue;
    }
    unknown.module = region->path;
    cache_[address] = {unknown};
    if (fixed.count(region->path) == 0) fixed[region->path] = is_fixed_address_executable(region->path);
    const std::uintptr_t lookup = fixed[region->path] ? address - 1 : address - 1 - region->start + region->file_offset;
    by_module[region->path].emplace_back(lookup, address);
  }
  for (const auto& [module, lookups] : by_module) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(module, ec)) {
      problems_.push_back(module + ": not found here, its " + std::to_string(lookups.size()) +
                          " addresses stay unsymbolised (pass --binary, or open the dump where it was written)");
      continue;
    }
    // Chunks keep the command line well under ARG_MAX.
    for (std::size_t begin = 0; begin < lookups.size(); begin += 256) {
      const std::size_t end = std::min(lookups.size(), begin + 256);
      std::string command = "addr2line -a -f -C -i -e " + shell_quote(module);
      for (std::size_t i = begin; i < end; ++i) command += " " + hex(lookups[i].first);
      command += " 2>/dev/null";
      std::istringstream out(run_command(command));
      std::string line;
      std::size_t index = begin - 1;  // advanced by each address line
      std::vector<OfflineFrame> frames;
      auto flush = [&] {
        if (index >= begin && index < end && !frames.empty()) cache_[lookups[index].second] = std::move(frames);
        frames.clear();
      };
      std::string function;
      bool want_location = false;
      while (std::getline(out, line)) {
        if (!want_location && is_hex_address_line(line)) {
          flush();
          ++index;
          continue;
        }
        if (!want_location) {
          function = line == "??" ? std::string() : line;
          want_location = true;
          continue;
        }
        want_location = false;
        OfflineFrame frame;
        frame.address = index < end ? lookups[index].second : 0;
        frame.module = module;
        frame.function = function;
        const std::size_t colon = line.rfind(':');
        if (line.rfind("??", 0) != 0 && colon != std::string::npos) {
          frame.file = line.substr(0, colon);
          try {
            frame.line = static_cast<unsigned>(std::stoul(line.substr(colon + 1)));
          } catch (const std::exception&) {
            frame.line = 0;  // "?" or " (discriminator N)" without a number
          }
        }
        if (frame.function.empty() && frame.file.empty()) continue;  // nothing learnt: keep the hex frame
        frames.push_back(std::move(frame));
      }
      flush();
    }
  }
}

const std::vector<OfflineFrame>& OfflineSymbolizer::frames(std::uintptr_t address) {
  auto it = cache_.find(address);
  if (it == cache_.end()) {
    resolve_all({address});
    it = cache_.find(address);
  }
  return it->second;
}

}  // namespace plateau::soak
