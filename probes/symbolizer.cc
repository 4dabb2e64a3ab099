#include "probes/symbolizer.h"

#include <cxxabi.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

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

}  // namespace

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

std::string Frame::describe() const {
  std::string text = function.empty() ? hex(address) : function + "+" + hex(offset);
  if (!module.empty()) text += " (" + module + ")";
  return text;
}

const Frame& Symbolizer::resolve(std::uintptr_t address) {
  if (auto it = cache_.find(address); it != cache_.end()) return it->second;
  Frame frame;
  frame.address = address;
  // A return address points after the call; the call itself is one byte back.
  const std::uintptr_t lookup = address > 0 ? address - 1 : address;
  Dl_info info{};
  if (address != 0 && ::dladdr(reinterpret_cast<void*>(lookup), &info) != 0) {
    if (info.dli_fname != nullptr) frame.module = info.dli_fname;
    if (info.dli_sname != nullptr && info.dli_saddr != nullptr) {
      frame.function = demangle(info.dli_sname);
      frame.offset = address - reinterpret_cast<std::uintptr_t>(info.dli_saddr);
    } else if (info.dli_fbase != nullptr) {
      frame.offset = address - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
    }
  }
  frame.ours = !frame.function.empty() && !is_allocator_or_std_frame(frame.function, frame.module);
  return cache_.emplace(address, std::move(frame)).first->second;
}

}  // namespace plateau::probes
