// session_soak: SessionService registered as a plateau system under test.
//   session_soak [--duration S] [--failpoint sessions.keep_on_logout|sessions.keep_request_log] [--out DIR] ...
// Exit 0 bounded, 1 leak or residue, 2 bad input.
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <utility>

#include "session_service.h"
#include "soak/sut/system_under_test.h"

namespace {

class SessionSoak final : public plateau::sut::SystemUnderTest {
 public:
  std::string name() const override { return "session_service"; }

  std::vector<plateau::sut::LoadStream> load_streams() override {
    return {
        {"logins", 0.5,
         [this](double now, plateau::sut::Lifecycle&) {
           open_.push_back({service_.login(now), now});
           ++logins_;
         }},
        // A session lasts at least kSessionS; the oldest one past it logs out.
        // Logouts outpace logins, so open sessions hover around
        // 0.5/s x kSessionS: a load whose level is stationary, as a soak's
        // must be (equal login and logout rates would make the count a random
        // walk, which really does grow).
        {"logouts", 1.0,
         [this](double now, plateau::sut::Lifecycle& lifecycle) {
           if (open_.empty() || now - open_.front().second < kSessionS) return;
           const std::string id = open_.front().first;
           open_.pop_front();
           service_.logout(id, now);
           lifecycle.ended("session", id, 60);  // gone from every container within a minute
         }},
        {"requests", 5, [this](double now, plateau::sut::Lifecycle&) { service_.request(now); }},
    };
  }
  std::vector<plateau::sut::Maintenance> maintenance() override {
    return {{"expire_idle_sessions", 3600, [this](double now) { service_.maintain(now); }}};
  }
  std::vector<plateau::sut::Failpoint> failpoints() override {
    return {{"sessions.keep_on_logout", "logout forgets to erase the session",
             [this](bool on) { service_.keep_on_logout = on; }},
            {"sessions.keep_request_log", "every request appends to an access log nothing trims or reports",
             [this](bool on) { service_.keep_request_log = on; }}};
  }
  void inventory(plateau::sut::Inventory& out) const override {
    // Sessions come and go with the logins: their running total lets the
    // verdict tell a count that rose with the login rate from a leak.
    out.container("sessions", "by_id", service_.sessions().size(), service_.sessions().size() * 64, std::nullopt,
                  logins_);
    out.container("cache", "responses", service_.cache_size(), service_.cache_size() * 48,
                  SessionService::cache_capacity);
  }
  void audit(plateau::sut::Audit& out) const override {
    for (const auto& [id, last] : service_.sessions()) out.holds("sessions", "by_id", "session", id);
  }

 private:
  static constexpr double kSessionS = 600;
  SessionService service_;
  std::deque<std::pair<std::string, double>> open_;  // id, login time
  std::uint64_t logins_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  SessionSoak soak;
  plateau::sut::SoakPlan defaults;
  defaults.out_dir = "plateau-out/session_service";
  return plateau::sut::soak_main(soak, argc, argv, defaults);
}
