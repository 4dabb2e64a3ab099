#include "reports/frames.h"

#include <algorithm>
#include <cctype>

namespace plateau::reports {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }
bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

std::string_view base_name(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool runtime_module(std::string_view module) {
  const std::string_view name = base_name(module);
  for (std::string_view lib : {"libjemalloc", "libtcmalloc", "libc.so", "libc-", "libstdc++", "libgcc_s", "ld-linux",
                               "libm.so", "libpthread", "libprofiler"}) {
    if (starts_with(name, lib)) return true;
  }
  return false;
}

bool runtime_function(std::string_view f) {
  for (std::string_view prefix : {"operator new", "operator delete", "std::", "__gnu_cxx::", "__cxx", "je_", "tc_",
                                  "malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memalign",
                                  "__libc", "_start", "__static_initialization", "void std::", "tcmalloc::", "prof_",
                                  "imalloc", "arena_", "tcache_"}) {
    if (starts_with(f, prefix)) return true;
  }
  return false;
}

// Removes the contents of every outermost <...> and (...) group, keeping the
// brackets' place as "<…>" / "()", and returns the text after the last space
// at depth zero (which drops return types of function templates).
std::string elide_groups(std::string_view name) {
  std::string out;
  int angle = 0;
  int paren = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    // "operator<", "operator<<", "operator()" are names, not groups.
    if (angle == 0 && paren == 0 && starts_with(name.substr(i), "operator")) {
      std::size_t end = i + 8;
      if (end < name.size() && name[end] == ' ') {
        // "operator new", "operator delete[]", "operator bool": one name, space included.
        ++end;
        while (end < name.size() && (std::isalnum(static_cast<unsigned char>(name[end])) || name[end] == '_' ||
                                     name[end] == '[' || name[end] == ']')) {
          ++end;
        }
        out += name.substr(i, end - i);
        i = end - 1;
        continue;
      }
      while (end < name.size() && std::string_view("<>=!+-*/%&|^~[]()").find(name[end]) != std::string_view::npos &&
             end - i < 11) {
        ++end;
        if (name[end - 1] == ')' || name[end - 1] == ']') break;
      }
      out += name.substr(i, end - i);
      i = end - 1;
      continue;
    }
    if (c == '<' && paren == 0) {
      if (angle++ == 0) out += "<…>";
    } else if (c == '>' && paren == 0 && angle > 0) {
      --angle;
    } else if (c == '(' && angle == 0) {
      if (paren++ == 0) out += "()";
    } else if (c == ')' && angle == 0 && paren > 0) {
      --paren;
    } else if (angle == 0 && paren == 0) {
      out += c;
    }
  }
  // Drop a trailing " const" and a leading return type.
  for (std::string_view suffix : {" const", " &", " &&"}) {
    if (out.size() > suffix.size() && out.compare(out.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.resize(out.size() - suffix.size());
    }
  }
  // The return type ends at the last space outside "operator new" and the like.
  std::size_t space = out.rfind(' ');
  const std::size_t op = out.rfind("operator ");
  if (space != std::string::npos && op != std::string::npos && space == op + 8) space = out.rfind(' ', op);
  if (space != std::string::npos) out = out.substr(space + 1);
  return out;
}

}  // namespace

FrameText parse_frame(std::string_view text) {
  FrameText frame;
  frame.full = std::string(text);
  std::string_view rest = text;
  // "(module)" at the end.
  if (!rest.empty() && rest.back() == ')') {
    const std::size_t open = rest.rfind(" (");
    if (open != std::string_view::npos) {
      frame.module = std::string(rest.substr(open + 2, rest.size() - open - 3));
      rest = rest.substr(0, open);
    }
  }
  // " at file.cc:177" (addr2line style) anywhere after the name.
  const std::size_t at = rest.rfind(" at ");
  if (at != std::string_view::npos && contains(rest.substr(at), ":")) {
    frame.location = std::string(rest.substr(at + 4));
    rest = rest.substr(0, at);
  }
  if (starts_with(rest, "0x")) {
    rest = {};
  } else {
    // "+0x1f" offset at the end.
    const std::size_t plus = rest.rfind("+0x");
    if (plus != std::string_view::npos && rest.find_first_of("()<> ", plus) == std::string_view::npos) {
      rest = rest.substr(0, plus);
    }
  }
  frame.function = std::string(rest);
  // Judged on the name itself: template arguments and return types
  // ("std::vector<plateau::Plan>::push_back", "void plateau::f()") say
  // nothing about whose code the frame is.
  const std::string name = elide_groups(frame.function);
  if (frame.function.empty() || runtime_function(name) || runtime_module(frame.module)) {
    frame.kind = FrameKind::runtime;
  }
  if (starts_with(name, "plateau::")) frame.kind = FrameKind::project;
  if (frame.function.empty() && !runtime_module(frame.module) && !frame.module.empty()) {
    frame.kind = FrameKind::other;  // unknown code in a module of ours: not folded away
  }
  return frame;
}

std::string short_frame_name(const FrameText& frame) {
  if (frame.function.empty()) {
    const std::string_view full = frame.full;
    const std::size_t space = full.find(' ');
    const std::string address(full.substr(0, space));
    return frame.module.empty() ? address : std::string(base_name(frame.module)) + "+" + address;
  }
  std::string name = frame.function;
  // "(anonymous namespace)" reads as a parameter list to elide_groups.
  for (std::size_t pos; (pos = name.find("(anonymous namespace)")) != std::string::npos;) {
    name.replace(pos, 21, "{anon}");
  }
  for (std::size_t pos; (pos = name.find("[abi:")) != std::string::npos;) {
    const std::size_t end = name.find(']', pos);
    name.erase(pos, end == std::string::npos ? std::string::npos : end - pos + 1);
  }
  name = elide_groups(name);
  // Keep the last two scopes, at "::" outside any bracket (elide_groups left none).
  std::vector<std::size_t> cuts;
  for (std::size_t pos = name.find("::"); pos != std::string::npos; pos = name.find("::", pos + 2)) cuts.push_back(pos);
  if (cuts.size() >= 2) name = name.substr(cuts[cuts.size() - 2] + 2);
  if (name.size() > 80) name = name.substr(0, 77) + "…";
  return name.empty() ? frame.full : name;
}

StackView readable_stack(const std::vector<std::string>& stack) {
  StackView view;
  std::vector<FrameText> project;
  std::vector<FrameText> other;
  for (const std::string& text : stack) {
    FrameText frame = parse_frame(text);
    switch (frame.kind) {
      case FrameKind::project: project.push_back(std::move(frame)); break;
      case FrameKind::other: other.push_back(std::move(frame)); break;
      case FrameKind::runtime: ++view.folded; break;
    }
  }
  view.shown = std::move(project);
  view.shown.insert(view.shown.end(), std::make_move_iterator(other.begin()), std::make_move_iterator(other.end()));
  return view;
}

}  // namespace plateau::reports
