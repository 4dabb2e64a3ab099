#include "probes/symbolizer.h"

#include <cxxabi.h>
#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace plateau::probes {
namespace {

std::string demangle(const char* symbol) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> out(abi::__cxa_demangle(symbol, nullptr, nullptr, &status),
                                                  &std::free);
  return status == 0 && out ? std::string(out.get()) : std::string(symbol);
}

std::string hex(std::uintptr_t value) {
  char buf[2 + 2 * sizeof value + 1];
  std::snprintf(buf, sizeof buf, "0x%zx", static_cast<std::size_t>(value));
  return buf;
}

// The qualified name of a demangled function, without a template function's
// return type: "int* std::copy<int const*, int*>(...)" -> "std::copy<...>".
std::string_view qualified_name(std::string_view function) {
  int depth = 0;
  std::size_t paren = function.size();
  std::size_t last_space = std::string_view::npos;
  for (std::size_t i = 0; i < function.size(); ++i) {
    const char c = function[i];
    if (function.substr(i).starts_with("operator")) {
      // operator<, operator(), operator<<: the symbol is not a bracket.
      i += 8;
      if (function.substr(i).starts_with("()")) ++i;
      while (i + 1 < function.size() && std::strchr("<>=!+-*/%&|^~[]", function[i + 1]) != nullptr) ++i;
      continue;
    }
    if (c == '<')
      ++depth;
    else if (c == '>')
      --depth;
    else if (depth == 0 && c == '(') {
      paren = i;
      break;
    } else if (depth == 0 && c == ' ') {
      last_space = i;
    }
  }
  const std::size_t start = last_space == std::string_view::npos ? 0 : last_space + 1;
  return function.substr(start, paren - start);
}

// The repository's top-level folders (ARCHITECTURE.md: the top level is fixed).
constexpr std::array<std::string_view, 7> kProjectFolders{"engine/", "probes/", "harness/", "soak/",
                                                         "reports/", "tests/",  "cmake/"};

bool is_shared_object(std::string_view module) {
  const std::string_view file = module.substr(module.rfind('/') + 1);
  return file.find(".so") != std::string_view::npos;
}

}  // namespace

// --- libdw session -----------------------------------------------------------

struct Symbolizer::Dwarf {
  Dwfl_Callbacks callbacks{};
  Dwfl* dwfl = nullptr;
  char* debuginfo_path = nullptr;
  std::vector<Mapping> mappings;
  // path -> reported (or found unusable); each file is reported once, when
  // an address first falls in one of its mappings.
  std::unordered_map<std::string, bool> reported;
  std::vector<std::string> problems;

  // The inlined calls of one compile unit, indexed when an address first
  // falls in it: every DW_TAG_inlined_subroutine of its concrete tree with
  // its address ranges and the nearest enclosing inlined call. Asking libdw
  // per address (dwarf_getscopes, then dwarf_getscopes_die for the concrete
  // parents, as eu-addr2line -i does) walks the unit's whole tree twice for
  // every address: about 3 ms an address on plateau's own binary, most of
  // what a report's symbolisation cost. One walk per unit gives the same
  // chain.
  struct InlinedCall {
    Dwarf_Die die;
    std::vector<std::pair<Dwarf_Addr, Dwarf_Addr>> ranges;  // [low, high)
    int parent = -1;                                         // enclosing inlined call, or -1
    int depth = 0;                                           // inlined calls above it, plus one
    bool contains(Dwarf_Addr pc) const {
      return std::any_of(ranges.begin(), ranges.end(),
                         [pc](const auto& r) { return pc >= r.first && pc < r.second; });
    }
  };
  std::unordered_map<const void*, std::vector<InlinedCall>> inlined_by_unit;  // by the unit DIE's data

  static void index_inlined(Dwarf_Die* scope, int parent, int depth, std::vector<InlinedCall>& out) {
    Dwarf_Die child;
    if (dwarf_child(scope, &child) != 0) return;
    do {
      int enclosing = parent;
      int child_depth = depth;
      if (dwarf_tag(&child) == DW_TAG_inlined_subroutine) {
        InlinedCall call{child, {}, parent, depth + 1};
        Dwarf_Addr base = 0, low = 0, high = 0;
        for (ptrdiff_t at = 0; (at = dwarf_ranges(&child, at, &base, &low, &high)) > 0;) {
          call.ranges.emplace_back(low, high);
        }
        enclosing = static_cast<int>(out.size());
        child_depth = depth + 1;
        out.push_back(std::move(call));
      }
      index_inlined(&child, enclosing, child_depth, out);
    } while (dwarf_siblingof(&child, &child) == 0);
  }

  // The inlined calls at `pc` (unit-relative), innermost first.
  std::vector<Dwarf_Die> inlined_chain(Dwarf_Die* unit, Dwarf_Addr pc) {
    auto [it, fresh] = inlined_by_unit.try_emplace(unit->addr);
    if (fresh) index_inlined(unit, -1, 0, it->second);
    const std::vector<InlinedCall>& calls = it->second;
    int innermost = -1;
    for (std::size_t i = 0; i < calls.size(); ++i) {
      if ((innermost < 0 || calls[i].depth > calls[innermost].depth) && calls[i].contains(pc)) {
        innermost = static_cast<int>(i);
      }
    }
    std::vector<Dwarf_Die> chain;
    for (int i = innermost; i >= 0; i = calls[i].parent) chain.push_back(calls[i].die);
    return chain;
  }

  explicit Dwarf(std::vector<Mapping> maps) : mappings(std::move(maps)) {
    // Files are given by path (dwfl_report_elf), so find_elf is never asked;
    // separate debug info is found by build-id or debuglink as usual.
    callbacks.find_elf = dwfl_build_id_find_elf;
    callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
    callbacks.section_address = dwfl_offline_section_address;
    callbacks.debuginfo_path = &debuginfo_path;
    dwfl = dwfl_begin(&callbacks);
  }
  ~Dwarf() {
    if (dwfl != nullptr) dwfl_end(dwfl);
  }

  const Mapping* mapping_of(std::uintptr_t address) const {
    for (const Mapping& m : mappings) {
      if (address >= m.start && address < m.end) return &m;
    }
    return nullptr;
  }

  // Reports the file mapped at `address` to libdw at its load bias, once.
  void report_module_of(std::uintptr_t address) {
    const Mapping* hit = mapping_of(address);
    if (dwfl == nullptr || hit == nullptr) return;
    auto [it, first_time] = reported.emplace(hit->path, false);
    if (!first_time) return;
    // Any mapping of the file gives the bias; the lowest is the usual one.
    std::optional<std::uintptr_t> bias;
    for (const Mapping& m : mappings) {
      if (m.path == hit->path && (bias = load_bias(m.path, m))) break;
    }
    if (!bias) {
      std::error_code ec;
      problems.push_back(hit->path + (std::filesystem::is_regular_file(hit->path, ec)
                                          ? ": not a readable 64-bit ELF file, its addresses stay unsymbolised"
                                          : ": not found here, its addresses stay unsymbolised (pass --binary, "
                                            "or open the dump where it was written)"));
      return;
    }
    dwfl_report_begin_add(dwfl);
    Dwfl_Module* module = dwfl_report_elf(dwfl, hit->path.c_str(), hit->path.c_str(), -1, *bias, true);
    dwfl_report_end(dwfl, nullptr, nullptr);
    if (module == nullptr) {
      problems.push_back(hit->path + ": libdw cannot read it (" + dwfl_errmsg(-1) +
                         "), its addresses stay unsymbolised");
      return;
    }
    it->second = true;
  }

  static std::string die_name(Dwarf_Die* die) {
    Dwarf_Attribute attr;
    for (int name : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name}) {
      if (dwarf_attr_integrate(die, name, &attr) != nullptr) {
        if (const char* text = dwarf_formstring(&attr); text != nullptr) return demangle(text);
      }
    }
    const char* plain = dwarf_diename(die);
    return plain != nullptr ? std::string(plain) : std::string();
  }

  // Fills `frames` (innermost first) for `lookup` (a return address - 1).
  // Returns false when the module or its symbol is unknown to libdw.
  bool resolve(std::uintptr_t address, std::uintptr_t lookup, std::vector<Frame>& frames) {
    if (dwfl == nullptr) return false;
    report_module_of(lookup);
    Dwfl_Module* module = dwfl_addrmodule(dwfl, lookup);
    if (module == nullptr) return false;
    Frame outer;
    outer.address = address;
    const char* module_name = dwfl_module_info(module, nullptr, nullptr, nullptr, nullptr, nullptr,
                                               nullptr, nullptr);
    if (module_name != nullptr) outer.module = module_name;
    GElf_Off symbol_offset = 0;
    GElf_Sym symbol;
    const char* symbol_name =
        dwfl_module_addrinfo(module, lookup, &symbol_offset, &symbol, nullptr, nullptr, nullptr);
    if (symbol_name == nullptr) return false;
    outer.function = demangle(symbol_name);
    outer.offset = symbol_offset + 1;  // of the return address, as dladdr gave

    // file:line of the innermost inlined call, then each call site outwards.
    std::string file;
    unsigned line = 0;
    if (Dwfl_Line* l = dwfl_module_getsrc(module, lookup); l != nullptr) {
      int line_no = 0;
      if (const char* f = dwfl_lineinfo(l, nullptr, &line_no, nullptr, nullptr, nullptr); f != nullptr) {
        file = f;
        line = static_cast<unsigned>(line_no);
      }
    }
    Dwarf_Addr bias = 0;
    Dwarf_Die* cu = dwfl_module_addrdie(module, lookup, &bias);
    std::vector<Dwarf_Die> scopes;
    if (cu != nullptr) scopes = inlined_chain(cu, lookup - bias);
    Dwarf_Files* files = nullptr;
    if (cu != nullptr) dwarf_getsrcfiles(cu, &files, nullptr);
    for (std::size_t i = 0; i < scopes.size(); ++i) {
      Frame inl;
      inl.address = address;
      inl.module = outer.module;
      inl.inlined = true;
      inl.function = die_name(&scopes[i]);
      inl.file = file;
      inl.debug_file = file;
      inl.line = line;
      frames.push_back(std::move(inl));
      // Where this inlined body was called from: a line of the enclosing function.
      Dwarf_Attribute attr;
      Dwarf_Word value = 0;
      file.clear();
      line = 0;
      if (files != nullptr && dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &attr), &value) == 0) {
        if (const char* f = dwarf_filesrc(files, value, nullptr, nullptr); f != nullptr) file = f;
      }
      if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &attr), &value) == 0) {
        line = static_cast<unsigned>(value);
      }
    }
    outer.debug_file = file;
    outer.file = std::move(file);
    outer.line = line;
    frames.push_back(std::move(outer));
    return true;
  }
};

// --- classification ----------------------------------------------------------

bool is_allocator_or_std_frame(const std::string& function, const std::string& module) {
  const std::string_view file = std::string_view(module).substr(module.rfind('/') + 1);
  for (std::string_view lib :
       {"libjemalloc", "libtcmalloc", "libc.so", "libc-", "libstdc++", "ld-linux", "libgcc_s"}) {
    if (file.starts_with(lib)) return true;
  }
  if (function.find("operator new") != std::string::npos ||
      function.find("operator delete") != std::string::npos) {
    return true;
  }
  const std::string_view name = qualified_name(function);
  for (std::string_view prefix :
       {"std::", "__gnu_cxx::", "__cxxabiv1::", "tcmalloc::", "MallocExtension", "malloc", "calloc",
        "realloc", "free", "posix_memalign", "aligned_alloc", "memalign", "valloc", "je_", "tc_", "prof_",
        "imalloc", "__libc_", "_dl_"}) {
    if (name.starts_with(prefix)) return true;
  }
  return false;
}

std::string project_relative_path(std::string_view path) {
  std::string_view rel;
  if (const std::size_t up = path.rfind("../"); up != std::string_view::npos) {
    // Build-tree-relative (ccache CCACHE_BASEDIR rewrites paths this way):
    // what follows the last "../" is relative to the repository root.
    rel = path.substr(up + 3);
  }
#ifdef PLATEAU_SOURCE_DIR
  else if (constexpr std::string_view root = PLATEAU_SOURCE_DIR "/"; path.starts_with(root)) {
    rel = path.substr(root.size());
  }
#endif
  else if (!path.starts_with('/')) {
    rel = path;
  }
  while (rel.starts_with("./")) rel.remove_prefix(2);
  for (std::string_view folder : kProjectFolders) {
    if (rel.starts_with(folder)) return std::string(rel);
  }
  return {};
}

std::string short_function_name(std::string_view demangled) {
  const std::string_view name = qualified_name(demangled);
  std::string out;
  out.reserve(name.size());
  int angle = 0;
  int paren = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (angle == 0 && paren == 0 && name.substr(i).starts_with("operator")) {
      std::size_t end = i + 8;
      if (name.substr(end).starts_with("()")) end += 2;
      while (end < name.size() && std::strchr("<>=!+-*/%&|^~[]", name[end]) != nullptr) ++end;
      out.append(name.substr(i, end - i));
      i = end - 1;
      continue;
    }
    if (c == '<') {
      if (angle++ == 0 && paren == 0) out += "<>";
    } else if (c == '>') {
      if (angle > 0) --angle;
    } else if (c == '(' && angle == 0) {
      ++paren;
    } else if (c == ')' && angle == 0) {
      if (paren > 0) --paren;
    } else if (angle == 0 && paren == 0) {
      out += c;
    }
  }
  if (out.starts_with("plateau::")) out.erase(0, 9);
  return out.empty() ? std::string(demangled) : out;
}

std::string Frame::describe() const {
  std::string text = function.empty() ? hex(address) : function + (inlined ? "" : "+" + hex(offset));
  if (inlined) text += " (inlined)";
  if (!module.empty()) text += " (" + module + ")";
  if (line > 0) text += " at " + location();
  return text;
}

std::string Frame::location() const {
  if (line == 0 || file.empty()) return {};
  return file + ":" + std::to_string(line);
}

// --- Symbolizer ----------------------------------------------------------------

namespace {

// This process's map; an executable replaced on disk since it started (a
// rebuild during a run) is listed "PATH (deleted)" and is read through
// /proc/self/exe, which still opens the running file.
std::vector<Mapping> own_mappings() {
  std::vector<Mapping> maps = self_mappings();
  std::error_code ec;
  const std::string exe = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  for (Mapping& m : maps) {
    if (!ec && m.path == exe && m.path.ends_with(" (deleted)")) m.path = "/proc/self/exe";
  }
  return maps;
}

}  // namespace

Symbolizer::Symbolizer() : dwarf_(std::make_unique<Dwarf>(own_mappings())), in_process_(true) {}

Symbolizer::Symbolizer(std::vector<Mapping> mappings, const std::optional<std::string>& binary_override) {
  if (binary_override) {
    // The dump's executable: the first mapped file that is not a shared object.
    std::string original;
    for (const Mapping& m : mappings) {
      if (!is_shared_object(m.path)) {
        original = m.path;
        break;
      }
    }
    for (Mapping& m : mappings) {
      if (!original.empty() && m.path == original) m.path = *binary_override;
    }
  }
  dwarf_ = std::make_unique<Dwarf>(std::move(mappings));
}

Symbolizer::~Symbolizer() = default;

bool Symbolizer::has_debug_info_reader() const noexcept { return dwarf_->dwfl != nullptr; }

const std::vector<std::string>& Symbolizer::problems() const noexcept { return dwarf_->problems; }

const std::vector<Frame>& Symbolizer::resolve(std::uintptr_t address) {
  if (auto it = cache_.find(address); it != cache_.end()) return it->second;
  std::vector<Frame> frames;
  // A return address points after the call; the call itself is one byte back.
  const std::uintptr_t lookup = address > 0 ? address - 1 : address;
  if (address == 0 || !dwarf_->resolve(address, lookup, frames)) {
    frames.clear();
    Frame frame;
    frame.address = address;
    if (const Mapping* m = dwarf_->mapping_of(lookup); m != nullptr) frame.module = m->path;
    Dl_info info{};
    // dladdr knows this process only.
    if (in_process_ && address != 0 && ::dladdr(reinterpret_cast<void*>(lookup), &info) != 0) {
      if (info.dli_fname != nullptr) frame.module = info.dli_fname;
      if (info.dli_sname != nullptr && info.dli_saddr != nullptr) {
        frame.function = demangle(info.dli_sname);
        frame.offset = address - reinterpret_cast<std::uintptr_t>(info.dli_saddr);
      } else if (info.dli_fbase != nullptr) {
        frame.offset = address - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
      }
    }
    frames.push_back(std::move(frame));
  }
  for (Frame& f : frames) {
    const std::string raw_file = std::move(f.file);
    f.file = project_relative_path(raw_file);
    const bool in_project_file = !f.file.empty();
    if (!in_project_file) f.file = raw_file;
    // A frame with a known file must lie in the repository; without debug
    // info, the name and the module decide.
    f.ours = !f.function.empty() && !is_shared_object(f.module) &&
             !is_allocator_or_std_frame(f.function, f.module) && (raw_file.empty() || in_project_file);
  }
  return cache_.emplace(address, std::move(frames)).first->second;
}

}  // namespace plateau::probes
