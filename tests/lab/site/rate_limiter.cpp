#include "tests/lab/site/rate_limiter.h"

#include <algorithm>

namespace certwiz::site_server {

bool RateLimiter::allow(const std::string& client, std::chrono::steady_clock::time_point now) {
  if (per_minute_ <= 0) return true;
  std::lock_guard lock(mu_);
  // Full buckets carry no information: drop them now and then so the map stays small.
  if (buckets_.size() > 100000) {
    for (auto it = buckets_.begin(); it != buckets_.end();)
      it = now - it->second.last > std::chrono::minutes(1) ? buckets_.erase(it) : std::next(it);
  }
  auto [it, fresh] = buckets_.try_emplace(client, Bucket{static_cast<double>(per_minute_), now});
  Bucket& b = it->second;
  if (!fresh) {
    const double secs = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min<double>(per_minute_, b.tokens + secs * per_minute_ / 60.0);
    b.last = now;
  }
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

}  // namespace certwiz::site_server
