#pragma once
// Requests per client (its certwiz_client cookie, else its address): a token bucket
// of `per_minute` tokens refilled evenly, so bursts up to that many pass.
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace certwiz::site_server {

class RateLimiter {
 public:
  explicit RateLimiter(int per_minute) : per_minute_(per_minute) {}
  // true when the request may go on; 0 per minute means no limit.
  bool allow(const std::string& client, std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  int per_minute_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace certwiz::site_server
