#include "soak/runner/run_context.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>

#include "plateau/build_info.h"  // generated at build time: PLATEAU_GIT_REVISION, PLATEAU_GIT_DIRTY
#include "probes/allocator_probe.h"

#ifndef PLATEAU_BUILD_TYPE
#define PLATEAU_BUILD_TYPE "unknown"
#endif
#ifndef PLATEAU_VERSION
#define PLATEAU_VERSION "unknown"
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
  c.git_revision = PLATEAU_GIT_REVISION;
  if (PLATEAU_GIT_DIRTY >= 0) c.git_dirty = PLATEAU_GIT_DIRTY == 1;
  c.plateau_version = PLATEAU_VERSION;
  return c;
}

std::string shell_quote(std::string_view word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                               "_-+=./:,@%") == std::string_view::npos) {
    return std::string(word);
  }
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string reproduce_command(const RunRequest& request, const Scenario& scenario) {
  std::string command = "plateau run " + shell_quote(request.scenario_path.string());
  // The seed is always spelled out: a scenario file edited later must not change the run.
  command += " --seed " + std::to_string(scenario.seed);
  for (const std::string& name : request.failpoints) command += " --failpoint " + shell_quote(name);
  if (request.clock) command += std::string(" --clock ") + (*request.clock == ClockMode::wall ? "wall" : "sim");
  if (request.duration) {
    const double duration_s = std::chrono::duration<double>(*request.duration).count();
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, duration_s == std::floor(duration_s) ? "%.0fs" : "%.3fs", duration_s);
    command += std::string(" --duration ") + buffer;
  }
  if (!request.probes_enabled) command += " --no-probes";
  return command;
}

std::string build_summary_line() {
  const reports::Context c = build_and_host_context();
  std::string dirty = !c.git_dirty ? " (dirty: unknown)" : (*c.git_dirty ? " (dirty)" : "");
  return "plateau " + c.plateau_version + "\ngit revision " + c.git_revision + dirty + "\nallocator " +
         c.allocator + "\nbuild type " + (c.build_type.empty() ? std::string("(none)") : c.build_type) +
         "\ncompiler " + c.compiler + "\n";
}

std::string iso8601_utc(std::chrono::system_clock::time_point t) { return format_utc(t, "%Y-%m-%dT%H:%M:%SZ"); }
std::string compact_utc(std::chrono::system_clock::time_point t) { return format_utc(t, "%Y%m%d-%H%M%S"); }

}  // namespace plateau::soak
