#pragma once
// Work off the UI thread: each job runs on its own std::thread with a CancelToken and
// hands its outcome back to the UI thread (wxApp::CallAfter). Closing the window calls
// shutdown(): every job is cancelled, no callback runs any more, and the threads are joined.
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "checks/core/cancel.h"

namespace certwiz::gui {

class Background {
 public:
  Background();
  ~Background();  // shutdown()
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  // Runs `work` on a new thread; `done` then runs on the UI thread unless shut down.
  // Returns the job's token (cancel it to stop just this job).
  CancelToken run(std::function<void(const CancelToken&)> work, std::function<void()> done = {});
  // From any thread: runs `fn` on the UI thread unless shut down by then.
  void post(std::function<void()> fn) const;
  // Jobs still running.
  size_t busy() const;
  // Cancels every running job (they still report back).
  void cancel_all();
  // Cancels every job, drops their callbacks and joins the threads.
  void shutdown();

 private:
  struct Shared {
    bool alive = true;  // read and written on the UI thread only
  };
  struct Job {
    std::thread thread;
    CancelToken cancel;
    bool finished = false;  // set on the UI thread
  };
  void reap();
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
  std::list<Job> jobs_;
};

}  // namespace certwiz::gui
