#pragma once
// Cooperative cancellation shared between a front end and running checks.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace certwiz {

class CancelToken {
 public:
  CancelToken() : s_(std::make_shared<State>()) {}
  void cancel() const {
    {
      std::lock_guard lk(s_->m);
      s_->cancelled = true;
    }
    s_->cv.notify_all();
  }
  bool cancelled() const { return s_->cancelled.load(); }
  // Sleeps up to `d`; returns true when cancelled (early).
  bool wait_for(std::chrono::milliseconds d) const {
    std::unique_lock lk(s_->m);
    return s_->cv.wait_for(lk, d, [&] { return s_->cancelled.load(); });
  }

 private:
  struct State {
    std::atomic<bool> cancelled{false};
    std::mutex m;
    std::condition_variable cv;
  };
  std::shared_ptr<State> s_;
};

}  // namespace certwiz
