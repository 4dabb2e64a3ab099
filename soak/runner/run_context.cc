#include "soak/runner/run_context.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <fstream>

#include "probes/allocator_probe.h"

#ifndef PLATEAU_BUILD_TYPE
#define PLATEAU_BUILD_TYPE "unknown"
#endif
#ifndef PLATEAU_VERSION
#define PLATEAU_VERSION "unknown"
#endif
#ifndef PLATEAU_GIT_REVISION
#define PLATEAU_GIT_REVISION "unknown"
#endif
#ifndef PLATEAU_SOURCE_DIR
#define PLATEAU_SOURCE_DIR "."
#endif

namespace plateau::soak {

namespace {

std::string os_pretty_name() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("PRETTY_NAME=", 0) == 0) {
      std::string value = line.substr(12);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      return value;
    }
  }
  return "unknown";
}

std::string git_revision() {
  const std::string command = std::string("git -C '") + PLATEAU_SOURCE_DIR + "' rev-parse --short=12 HEAD 2>/dev/null";
  std::string out;
  if (std::FILE* pipe = ::popen(command.c_str(), "r")) {
    std::array<char, 128> buffer{};
    while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe)) out += buffer.data();
    ::pclose(pipe);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out.empty() ? PLATEAU_GIT_REVISION : out;
}

std::string format_utc(std::chrono::system_clock::time_point t, const char* format) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, format, &tm);
  return buffer;
}

}  // namespace

reports::Context build_and_host_context() {
  reports::Context c;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) c.host = host;
  c.os = os_pretty_name();
  struct utsname names {};
  if (::uname(&names) == 0) c.kernel = names.release;
#if defined(__clang__)
  c.compiler = std::string("Clang ") + __clang_version__;
#elif defined(__GNUC__)
  c.compiler = std::string("GNU ") + __VERSION__;
#else
  c.compiler = "unknown";
#endif
  c.build_type = PLATEAU_BUILD_TYPE;
  c.allocator = std::string(probes::compiled_allocator());
  c.git_revision = git_revision();
  c.plateau_version = PLATEAU_VERSION;
  return c;
}

std::string iso8601_utc(std::chrono::system_clock::time_point t) { return format_utc(t, "%Y-%m-%dT%H:%M:%SZ"); }
std::string compact_utc(std::chrono::system_clock::time_point t) { return format_utc(t, "%Y%m%d-%H%M%S"); }

}  // namespace plateau::soak
