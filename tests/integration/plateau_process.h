// Running the `plateau` CLI from an integration test: where the binary and
// the sources are, spawning it with stderr captured to a file (stdout to
// /dev/null, CI=true so no progress line), optionally in another working
// folder, and reading its exit code (128 + signal when killed).
//
// Header-only, for the test binaries built next to `plateau` (the binary is
// found beside /proc/self/exe). Thread safety: one test thread.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace plateau::testing {

inline std::filesystem::path plateau_binary() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path() / "plateau";
}

// PLATEAU_SOURCE_DIR when set (tests run by hand), else the checkout the
// test was built from.
inline std::filesystem::path source_dir() {
  if (const char* dir = std::getenv("PLATEAU_SOURCE_DIR")) return dir;
  return PLATEAU_TEST_SOURCE_DIR;
}

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Child {
  pid_t pid = -1;
  std::filesystem::path stderr_file;
};

// Starts plateau with `args`; its stderr goes to `stderr_file`. With `cwd`,
// the child runs there (exit 126 if it cannot change to it).
inline Child spawn(const std::vector<std::string>& args, const std::filesystem::path& stderr_file,
                   const std::optional<std::filesystem::path>& cwd = std::nullopt) {
  std::string binary = plateau_binary().string();
  std::vector<std::string> copy = args;
  std::vector<char*> argv{binary.data()};
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  Child child{::fork(), stderr_file};
  BOOST_REQUIRE(child.pid >= 0);
  if (child.pid == 0) {
    if (cwd && ::chdir(cwd->c_str()) != 0) ::_exit(126);
    const int err = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err >= 0) ::dup2(err, 2);
    const int out = ::open("/dev/null", O_WRONLY);
    if (out >= 0) ::dup2(out, 1);
    ::setenv("CI", "true", 1);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return child;
}

inline int wait_exit_code(const Child& child) {
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace plateau::testing
