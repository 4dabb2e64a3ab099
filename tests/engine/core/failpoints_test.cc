#include <boost/test/unit_test.hpp>

#include <dirent.h>

#include <set>
#include <string>

#include "engine/core/failpoints.h"
#include "engine/core/undeclared_resources.h"

using namespace plateau::engine;

namespace {

std::size_t entries_of(const char* dir) {
  std::size_t n = 0;
  DIR* d = ::opendir(dir);
  BOOST_REQUIRE(d != nullptr);
  while (const dirent* e = ::readdir(d)) n += e->d_name[0] != '.' ? 1 : 0;
  ::closedir(d);
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(failpoints)

// More than 32 failpoints: the mask is 64 bits wide, and a high bit must not
// alias a low one.
BOOST_AUTO_TEST_CASE(failpoints_past_the_32nd_switch_alone) {
  BOOST_TEST(all_failpoints().size() == static_cast<std::size_t>(Failpoint::kCount));
  Failpoints fps;
  fps.enable("engine.step_block");
  BOOST_TEST(fps.on(Failpoint::kEngineStepBlock));
  for (const FailpointInfo& fp : all_failpoints()) {
    if (fp.id != Failpoint::kEngineStepBlock) BOOST_TEST(!fps.on(fp.id), fp.name);
  }
  fps.set(Failpoint::kEngineStepBlock, false);
  BOOST_TEST(fps.enabled_names().empty());
}

BOOST_AUTO_TEST_CASE(every_family_has_members_and_names_are_unique) {
  std::set<std::string_view> names;
  std::size_t undeclared = 0, must_not_fire = 0;
  std::set<std::string_view> undeclared_components;
  for (const FailpointInfo& fp : all_failpoints()) {
    BOOST_TEST(names.insert(fp.name).second, fp.name);
    BOOST_TEST(&info(fp.id) == &fp);
    if (fp.family == FailpointFamily::kUndeclared) {
      ++undeclared;
      undeclared_components.insert(fp.component);
    }
    must_not_fire += fp.family == FailpointFamily::kMustNotFire ? 1 : 0;
    if (fp.family != FailpointFamily::kSeed) BOOST_TEST(!fp.named_by.empty(), fp.name);
  }
  BOOST_TEST(undeclared >= 5u);
  BOOST_TEST(undeclared_components.size() >= 5u);  // "in at least five engine components"
  BOOST_TEST(must_not_fire >= 3u);
  BOOST_TEST((parse_failpoint_family("undeclared") == FailpointFamily::kUndeclared));
  BOOST_CHECK_THROW(parse_failpoint_family("undeclard"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(undeclared_threads_and_fds_are_real_until_their_owner_goes) {
  const std::size_t threads_before = entries_of("/proc/self/task");
  const std::size_t fds_before = entries_of("/proc/self/fd");
  {
    UndeclaredThreads threads("undeclared-test");
    UndeclaredFds fds("undeclared-test");
    for (int i = 0; i < 3; ++i) {
      BOOST_TEST(threads.start_one());
      BOOST_TEST(fds.open_one());
    }
    BOOST_TEST(threads.count() == 3u);
    BOOST_TEST(entries_of("/proc/self/task") == threads_before + 3);
    BOOST_TEST(entries_of("/proc/self/fd") == fds_before + 3);
  }
  BOOST_TEST(entries_of("/proc/self/task") == threads_before);
  BOOST_TEST(entries_of("/proc/self/fd") == fds_before);
}

BOOST_AUTO_TEST_SUITE_END()
