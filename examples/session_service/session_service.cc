#include "session_service.h"

std::string SessionService::login(double now_s) {
  std::string id = "s" + std::to_string(++next_id_);
  sessions_[id] = now_s;
  return id;
}

void SessionService::logout(const std::string& session, double /*now_s*/) {
  if (!keep_on_logout) sessions_.erase(session);
}

void SessionService::request(double now_s) {
  cache_.push_back("response@" + std::to_string(now_s));
  if (cache_.size() > cache_capacity) cache_.pop_front();
  if (keep_request_log) access_log_.push_back("GET /account?at=" + std::to_string(now_s) + std::string(160, ' '));
}

void SessionService::maintain(double now_s) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = now_s - it->second > 3600 * 24 ? sessions_.erase(it) : std::next(it);
  }
}
