// ExitVenue fakes for the exec tests: one that answers as scripted (accept,
// refuse, throw) and one that holds every caller until the test releases it,
// so exits can be made to overlap deterministically.
#pragma once

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/exec/exit_venue.h"

namespace plateau::engine::testing {

class ScriptedVenue final : public ExitVenue {
 public:
  enum class Answer { kAccept, kRefuse, kThrow };
  Answer answer = Answer::kAccept;
  std::vector<ExitOrder> orders;

  ExitVenueResult submit_exit(const ExitOrder& order, TimePoint) override {
    orders.push_back(order);
    switch (answer) {
      case Answer::kAccept:
        return {true, "exit-" + order.symbol + "-" + std::to_string(orders.size()), {}};
      case Answer::kRefuse:
        return {false, std::nullopt, "insufficient balance"};
      case Answer::kThrow:
        throw std::runtime_error("venue connection reset");
    }
    return {};
  }
};

// Every call blocks until release(); the test can wait until `n` callers are inside.
class GateVenue final : public ExitVenue {
 public:
  ExitVenueResult submit_exit(const ExitOrder& order, TimePoint) override {
    std::unique_lock lock(mu_);
    ++inside_;
    ++calls_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
    --inside_;
    return {true, "exit-" + order.symbol, {}};
  }
  void wait_until_inside(int n) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return inside_ >= n; });
  }
  void release() {
    std::lock_guard lock(mu_);
    open_ = true;
    changed_.notify_all();
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int inside_ = 0;
  int calls_ = 0;
  bool open_ = false;
};

}  // namespace plateau::engine::testing
