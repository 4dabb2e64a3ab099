// Atomic file replacement for report outputs.
//
// write_file_atomically writes the whole content to a temporary file in the
// target's own directory (so the rename cannot cross file systems), fsyncs
// it, renames it over the target and fsyncs the directory. A reader therefore
// sees either the old file or the complete new one, never a prefix, and a run
// killed mid-write leaves the previous report intact. On any failure the
// temporary file is removed and std::system_error is thrown naming the path
// and the failed step; the target is untouched.
//
// Thread safety: concurrent calls for different targets are safe; concurrent
// calls for the same target are safe too (each uses its own temporary name)
// and the last rename wins.
#pragma once

#include <filesystem>
#include <string_view>

namespace plateau::reports {

void write_file_atomically(const std::filesystem::path& target, std::string_view content);

// The prefix of temporary files, so tests and cleanup scripts can spot strays:
// "<target filename>.tmp-<pid>-<counter>".
inline constexpr std::string_view kTemporarySuffix = ".tmp-";

}  // namespace plateau::reports
