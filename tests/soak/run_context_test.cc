// The reproduce command a report carries must repeat the run exactly, and
// --version must name the build: tested on the functions behind both.
#define BOOST_TEST_MODULE soak_run_context
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdio>
#include <string>

#include "soak/runner/run_context.h"

namespace soak = plateau::soak;

namespace {

// What a POSIX shell makes of a command line: its words, one per line.
std::string words_as_sh_reads_them(const std::string& command) {
  const std::string script = "for w in " + command.substr(command.find(' ') + 1) + "; do echo \"$w\"; done";
  std::string out;
  if (std::FILE* pipe = ::popen(("sh -c " + soak::shell_quote(script)).c_str(), "r")) {
    std::array<char, 256> buffer{};
    while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe)) out += buffer.data();
    ::pclose(pipe);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_reproduce_command_spells_out_seed_failpoints_and_overrides) {
  soak::RunRequest request;
  request.scenario_path = "soak/scenarios/gate.json";
  request.failpoints = {"plans.leak_execution_locks", "paper.nonatomic_close"};
  request.duration = std::chrono::minutes(90);
  request.clock = soak::ClockMode::wall;
  soak::Scenario scenario;
  scenario.seed = 20261122;
  BOOST_TEST(soak::reproduce_command(request, scenario) ==
             "plateau run soak/scenarios/gate.json --seed 20261122 --failpoint plans.leak_execution_locks "
             "--failpoint paper.nonatomic_close --clock wall --duration 5400s");
  // The seed is written even when the scenario's own was used; no overrides, no options.
  soak::RunRequest plain;
  plain.scenario_path = "soak/scenarios/nightly.json";
  BOOST_TEST(soak::reproduce_command(plain, scenario) == "plateau run soak/scenarios/nightly.json --seed 20261122");
}

BOOST_AUTO_TEST_CASE(paths_with_spaces_and_quotes_survive_the_shell) {
  soak::RunRequest request;
  request.scenario_path = "my scenarios/it's here.json";
  soak::Scenario scenario;
  const std::string command = soak::reproduce_command(request, scenario);
  BOOST_TEST(words_as_sh_reads_them(command) == "run\nmy scenarios/it's here.json\n--seed\n1\n");
}

BOOST_AUTO_TEST_CASE(version_text_names_revision_allocator_and_build_type) {
  const std::string text = soak::build_summary_line();
  BOOST_TEST(text.rfind("plateau ", 0) == 0u);
  BOOST_TEST(text.find("\ngit revision ") != std::string::npos);
  BOOST_TEST(text.find("\nallocator ") != std::string::npos);
  BOOST_TEST(text.find("\nbuild type ") != std::string::npos);
}
