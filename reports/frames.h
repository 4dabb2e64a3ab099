// Stack frames as people read them: the text of one symbolised frame
// ("function+0xoff (module)", "0xaddr (module)", or a bare name) split
// into function and module, classified, and shortened for display.
//
// Classification drives how stacks are shown: allocator and C/C++ runtime
// frames (jemalloc, tcmalloc, libc, libstdc++, operator new, std::) are
// folded, frames of the project (namespace plateau::) come first and are
// highlighted, anything else (third-party libraries) stays in between.
// Shortening elides template arguments and parameter lists and keeps the
// last two scopes ("AutoExecutor::try_execute"); the full name is always
// kept for hover text and search.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace plateau::reports {

enum class FrameKind { project, other, runtime };

struct FrameText {
  std::string full;      // as given
  std::string function;  // demangled name without "+0x..", empty when unknown
  std::string module;    // shared object or executable, empty when unknown
  std::string location;  // "file.cc:177" when the frame text carries one
  FrameKind kind = FrameKind::other;
};

FrameText parse_frame(std::string_view text);

// "plateau::engine::plans::AutoExecutor::try_execute(plateau::engine::Plan const&)"
//   -> "AutoExecutor::try_execute"; "0x7f12 (libc.so.6)" -> "libc.so.6+0x7f12".
std::string short_frame_name(const FrameText& frame);

// The frames of one stack (innermost first) in display order: project frames
// first (innermost first), then other frames; runtime frames are left out
// and counted in `folded`.
struct StackView {
  std::vector<FrameText> shown;
  std::size_t folded = 0;
};
StackView readable_stack(const std::vector<std::string>& stack);

}  // namespace plateau::reports
