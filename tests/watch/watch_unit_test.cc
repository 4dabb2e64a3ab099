// Unit tests of `plateau watch`'s pieces: the bounded keys of the /proc
// breakdowns, the pid-generic /proc readers, the strict config file and the
// "too short" rule.
#define BOOST_TEST_MODULE watch_unit_test
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "probes/process_groups.h"
#include "probes/process_probe.h"
#include "soak/watch/proc_sampler.h"
#include "soak/watch/process_tree.h"
#include "soak/watch/watch_options.h"

using namespace plateau;

BOOST_AUTO_TEST_CASE(pid_readers_see_this_process) {
  const std::string self = "/proc/" + std::to_string(::getpid());
  const probes::ProcessFigures f = probes::read_process_figures(self);
  BOOST_TEST(f.rss_bytes > 0u);
  BOOST_TEST(f.threads >= 1u);
  const auto before = probes::fd_groups(self);
  const int fd = ::open("/dev/null", O_RDONLY);
  const auto after = probes::fd_groups(self);
  ::close(fd);
  const auto count = [](const auto& m) {
    auto it = m.find("/dev/null");
    return it == m.end() ? 0u : it->second;
  };
  BOOST_TEST(count(after) == count(before) + 1);
  BOOST_TEST(probes::thread_groups(self).size() >= 1u);
  BOOST_CHECK_THROW(probes::fd_groups("/proc/999999999"), probes::ProcessGone);
  BOOST_CHECK_THROW(probes::read_process_figures("/proc/999999999"), probes::ProcessGone);
}

BOOST_AUTO_TEST_CASE(sampler_caps_keys_and_back_fills_zeros) {
  soak::watch::ProcSampler sampler(::getpid(), 2);  // one named key per kind, then "other"
  sampler.sample(0);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sampler.sample(1);
  ::close(fd);
  std::size_t fd_series = 0;
  for (const auto& s : sampler.series()) {
    BOOST_TEST(s.values.size() == 2u);  // every series has a value per pass
    if (s.name.starts_with(probes::kFdGroupPrefix)) ++fd_series;
  }
  BOOST_TEST(fd_series <= 2u);
}

BOOST_AUTO_TEST_CASE(config_refuses_unknown_fields_naming_them) {
  soak::watch::WatchOptions o;
  try {
    soak::watch::apply_config_text(o, R"({"duration": "20s", "sample_intervall": "1s"})", "w.json");
    BOOST_FAIL("an unknown field was accepted");
  } catch (const soak::watch::WatchInputError& e) {
    BOOST_TEST(std::string(e.what()).find("$.sample_intervall") != std::string::npos);
  }
  BOOST_CHECK_THROW(soak::watch::apply_config_text(o, R"({"heap": "glibc"})", "w.json"),
                    soak::watch::WatchInputError);
  BOOST_CHECK_THROW(soak::watch::apply_config_text(o, R"({"duration": 20})", "w.json"),
                    soak::watch::WatchInputError);
  soak::watch::apply_config_text(
      o, R"({"duration": "2h", "absolute_tolerance": {"fds": 5}, "heap": "jemalloc"})", "w.json");
  BOOST_TEST(std::chrono::duration<double>(o.duration).count() == 7200.0);
  BOOST_TEST(o.absolute_by_unit.at("fds") == 5.0);
}

BOOST_AUTO_TEST_CASE(a_watch_that_cannot_reach_a_significant_trend_is_refused) {
  soak::VerdictSettings settings;
  settings.alpha = 0.01;
  BOOST_TEST(soak::windows_needed(settings) == 8u);  // the verdict's rule: a trend must be able to fire wherever a step falls
  soak::watch::WatchOptions o;
  o.command = {"true"};
  o.duration = std::chrono::seconds(20);
  o.window = std::chrono::seconds(10);
  BOOST_CHECK_THROW(soak::watch::validate(o), soak::watch::WatchInputError);
  o.window = std::chrono::seconds(2);
  BOOST_CHECK_NO_THROW(soak::watch::validate(o));
}


namespace {
double last_value(const soak::watch::ProcSampler& s, const std::string& name) {
  for (const auto& series : s.series())
    if (series.name == name) return series.values.back();
  return -1;
}
bool has_series(const soak::watch::ProcSampler& s, const std::string& name) {
  return last_value(s, name) >= 0;
}
}  // namespace

// The tree is the default: a child's process and threads are summed, and an
// unreaped child counts as "zombie:<comm>"; --no-children sees this pid only.
BOOST_AUTO_TEST_CASE(sampler_sums_the_process_tree_and_counts_zombies) {
  const pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  soak::watch::ProcSampler tree(::getpid(), 32);
  soak::watch::ProcSampler alone(::getpid(), 32, /*tree=*/false);
  tree.sample(0);
  alone.sample(0);
  soak::watch::TreeMember self;
  BOOST_REQUIRE(soak::watch::read_member(::getpid(), self));
  const std::string group = probes::thread_group_of(self.comm);
  BOOST_TEST(last_value(tree, "process.processes") == 2.0);
  BOOST_TEST(last_value(tree, "process.processes." + group) == 2.0);
  BOOST_TEST(last_value(tree, "process.threads") >= last_value(alone, "process.threads") + 1);
  BOOST_TEST(!has_series(alone, "process.processes"));
  // Summed RSS counts shared pages once per process: judged only without PSS.
  for (const auto& series : tree.series())
    if (series.name == "process.rss_bytes")
      BOOST_TEST(series.judged == !has_series(tree, "process.pss_bytes"));
  for (const auto& series : alone.series())
    if (series.name == "process.rss_bytes") BOOST_TEST(series.judged);
  // The figures a live process never has at 0 say so (a reading of 0
  // throughout makes the watch inconclusive); fds and process counts do not.
  for (const auto& series : tree.series()) {
    const bool live_figure = series.name == "process.rss_bytes" || series.name == "process.pss_bytes" ||
                             series.name == "process.anon_bytes" || series.name == "process.threads";
    BOOST_TEST(series.never_zero == live_figure, series.name);
  }
  ::kill(child, SIGKILL);
  soak::watch::TreeMember m;
  for (int i = 0; i < 200 && soak::watch::read_member(child, m) && !m.zombie(); ++i) ::usleep(10000);
  tree.sample(1);
  BOOST_TEST(last_value(tree, "process.processes.zombie:" + group) == 1.0);
  BOOST_TEST(last_value(tree, "process.processes." + group) == 1.0);
  BOOST_TEST(last_value(tree, "process.processes") == 2.0);
  ::waitpid(child, nullptr, 0);
  tree.sample(2);
  BOOST_TEST(last_value(tree, "process.processes.zombie:" + group) == 0.0);  // reaped: back to 0
}

BOOST_AUTO_TEST_CASE(config_reads_children_and_the_process_tolerance) {
  soak::watch::WatchOptions o;
  BOOST_TEST(o.children);  // the tree is the default
  BOOST_TEST(o.absolute_by_unit.at("processes") == 1.0);
  soak::watch::apply_config_text(o, R"({"children": false, "absolute_tolerance": {"processes": 3}})",
                                 "w.json");
  BOOST_TEST(!o.children);
  BOOST_TEST(o.absolute_by_unit.at("processes") == 3.0);
  BOOST_CHECK_THROW(soak::watch::apply_config_text(o, R"({"children": 0})", "w.json"),
                    soak::watch::WatchInputError);
}
