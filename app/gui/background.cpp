#include "app/gui/background.h"

#include <wx/app.h>

namespace certwiz::gui {

Background::Background() = default;
Background::~Background() { shutdown(); }

void Background::post(std::function<void()> fn) const {
  if (!wxTheApp) return;
  wxTheApp->CallAfter([shared = shared_, fn = std::move(fn)] {
    if (shared->alive) fn();
  });
}

CancelToken Background::run(std::function<void(const CancelToken&)> work, std::function<void()> done) {
  reap();
  jobs_.emplace_back();
  Job& job = jobs_.back();
  Job* self = &job;  // std::list: stable while the job is listed
  job.thread = std::thread([this, self, cancel = job.cancel, work = std::move(work), done = std::move(done),
                            shared = shared_]() mutable {
    work(cancel);
    // The callback and the bookkeeping run on the UI thread; after shutdown() neither does.
    wxTheApp->CallAfter([this, self, shared, done = std::move(done)] {
      if (!shared->alive) return;
      self->finished = true;
      if (done) done();
    });
  });
  return job.cancel;
}

size_t Background::busy() const {
  size_t n = 0;
  for (const auto& j : jobs_)
    if (!j.finished) ++n;
  return n;
}

void Background::cancel_all() {
  for (auto& j : jobs_) j.cancel.cancel();
}

void Background::reap() {
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (it->finished) {
      if (it->thread.joinable()) it->thread.join();
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
}

void Background::shutdown() {
  shared_->alive = false;
  cancel_all();
  for (auto& j : jobs_)
    if (j.thread.joinable()) j.thread.join();
  jobs_.clear();
}

}  // namespace certwiz::gui
