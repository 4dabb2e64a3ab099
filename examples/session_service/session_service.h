// SessionService: a toy login service, the example system under test.
//
// Sessions are created on login and must be gone after logout; a response
// cache is capped at `cache_capacity` entries; idle sessions expire in
// maintain(now). The failpoint keep_on_logout re-creates the classic leak:
// logout forgets to erase the session. keep_request_log is the leak nobody
// declared: every request appends to an access log no inventory reports and
// nothing trims (the soak sees it in the process's own RSS). Time comes from the caller (virtual
// seconds), never the system clock. Thread safety: one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>

class SessionService {
 public:
  std::string login(double now_s);
  void logout(const std::string& session, double now_s);
  void request(double now_s);
  void maintain(double now_s);  // expires sessions idle for more than an hour

  const std::map<std::string, double>& sessions() const { return sessions_; }
  std::size_t cache_size() const { return cache_.size(); }
  static constexpr std::size_t cache_capacity = 256;
  bool keep_on_logout = false;    // failpoint: the session outlives its logout
  bool keep_request_log = false;  // failpoint: an access log that only grows

 private:
  std::uint64_t next_id_ = 0;
  std::map<std::string, double> sessions_;  // id -> last activity
  std::deque<std::string> cache_;
  std::deque<std::string> access_log_;  // only with keep_request_log
};
