#include "checks/pcsc/reader_watch.h"

#include <winscard.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "checks/pcsc/pcsc_client.h"

namespace certwiz::pcsc {

namespace {
constexpr char kPnP[] = "\\\\?PnP?\\Notification";
// Upper bound on one wait, so the thread also looks at its stop flag now and then.
// Events themselves end the wait at once.
constexpr DWORD kWaitMs = 1000;
constexpr auto kRetry = std::chrono::milliseconds(500);

bool present(DWORD s) { return (s & SCARD_STATE_PRESENT) && !(s & SCARD_STATE_MUTE); }
}  // namespace

std::string_view kind_name(ReaderEvent::Kind k) {
  switch (k) {
    case ReaderEvent::Kind::reader_added: return "reader-added";
    case ReaderEvent::Kind::reader_removed: return "reader-removed";
    case ReaderEvent::Kind::card_inserted: return "card-inserted";
    case ReaderEvent::Kind::card_removed: return "card-removed";
    case ReaderEvent::Kind::card_mute: return "card-mute";
    case ReaderEvent::Kind::service_lost: return "service-lost";
    case ReaderEvent::Kind::service_back: return "service-back";
  }
  return "unknown";
}

Json to_json(const ReaderEvent& e) {
  Json j{{"event", kind_name(e.kind)}};
  if (!e.reader.empty()) j["reader"] = e.reader;
  if (!e.atr.empty()) j["atr"] = hex_spaced(e.atr);
  if (e.initial) j["initial"] = true;
  return j;
}

struct ReaderWatch::State {
  Callback cb;
  std::mutex m;  // guards ctx/have_ctx against stop()'s SCardCancel
  std::condition_variable cv;
  std::atomic<bool> stop{false};
  std::atomic<bool> exited{false};
  SCARDCONTEXT ctx = 0;
  bool have_ctx = false;
  std::thread th;

  void emit(ReaderEvent::Kind k, std::string reader, Bytes atr = {}, bool initial = false) {
    ReaderEvent e{k, std::move(reader), std::move(atr), initial, std::chrono::steady_clock::now()};
    cb(e);
  }
  void release() {
    std::lock_guard g(m);
    if (have_ctx) SCardReleaseContext(ctx);
    have_ctx = false;
  }
  bool sleep_retry() {
    std::unique_lock lk(m);
    return cv.wait_for(lk, kRetry, [&] { return stop.load(); });
  }
  void run();
};

void ReaderWatch::State::run() {
  std::map<std::string, DWORD> known;  // reader → last event state (without CHANGED)
  DWORD pnp_state = SCARD_STATE_UNAWARE;
  bool first = true, lost = false;
  auto forget_all = [&] {
    for (const auto& [name, st] : known) {
      if (present(st)) emit(ReaderEvent::Kind::card_removed, name);
      emit(ReaderEvent::Kind::reader_removed, name);
    }
    known.clear();
    pnp_state = SCARD_STATE_UNAWARE;
  };
  auto lose_service = [&] {
    release();
    if (!lost) {
      forget_all();
      emit(ReaderEvent::Kind::service_lost, {});
      lost = true;
    }
  };
  while (!stop) {
    {
      std::unique_lock lk(m);
      if (!have_ctx) {
        SCARDCONTEXT c = 0;
        if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &c) == SCARD_S_SUCCESS) {
          ctx = c;
          have_ctx = true;
        }
      }
    }
    if (!have_ctx) {
      lose_service();
      if (sleep_retry()) break;
      continue;
    }
    if (lost) {
      lost = false;
      emit(ReaderEvent::Kind::service_back, {});
    }
    // Current reader list; a multi-string, empty on SCARD_E_NO_READERS_AVAILABLE.
    std::vector<std::string> readers;
    DWORD len = 0;
    LONG rv = SCardListReaders(ctx, nullptr, nullptr, &len);
    if (rv == SCARD_S_SUCCESS) {
      std::string buf(len, '\0');
      rv = SCardListReaders(ctx, nullptr, buf.data(), &len);
      for (size_t i = 0; rv == SCARD_S_SUCCESS && i < std::min<size_t>(len, buf.size());) {
        const size_t end = std::min(buf.find('\0', i), buf.size());
        if (end > i) readers.push_back(buf.substr(i, end - i));
        i = end + 1;
      }
    }
    if (rv != SCARD_S_SUCCESS && rv != static_cast<LONG>(SCARD_E_NO_READERS_AVAILABLE)) {
      if (rv == static_cast<LONG>(SCARD_E_CANCELLED) && stop) break;
      lose_service();
      if (sleep_retry()) break;
      continue;
    }
    for (auto it = known.begin(); it != known.end();) {
      if (std::find(readers.begin(), readers.end(), it->first) == readers.end()) {
        if (present(it->second)) emit(ReaderEvent::Kind::card_removed, it->first);
        emit(ReaderEvent::Kind::reader_removed, it->first);
        it = known.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& r : readers)
      if (known.emplace(r, SCARD_STATE_UNAWARE).second) emit(ReaderEvent::Kind::reader_added, r, {}, first);

    std::vector<SCARD_READERSTATE> rs(readers.size() + 1);
    for (size_t i = 0; i < rs.size(); ++i) {
      std::memset(&rs[i], 0, sizeof rs[i]);
      rs[i].szReader = i < readers.size() ? readers[i].c_str() : kPnP;
      rs[i].dwCurrentState = i < readers.size() ? known[readers[i]] : pnp_state;
    }
    rv = SCardGetStatusChange(ctx, kWaitMs, rs.data(), static_cast<DWORD>(rs.size()));
    if (stop) break;
    if (rv == static_cast<LONG>(SCARD_E_TIMEOUT) || rv == static_cast<LONG>(SCARD_E_CANCELLED) ||
        rv == static_cast<LONG>(SCARD_E_UNKNOWN_READER))
      continue;  // nothing new, or the reader list changed under us: list again
    if (rv != SCARD_S_SUCCESS) {
      lose_service();
      if (sleep_retry()) break;
      continue;
    }
    for (size_t i = 0; i < readers.size(); ++i) {
      const DWORD was = known[readers[i]];
      const DWORD now = rs[i].dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
      if (!(rs[i].dwEventState & SCARD_STATE_CHANGED) && was != SCARD_STATE_UNAWARE) continue;
      const bool mute_now = (now & SCARD_STATE_PRESENT) && (now & SCARD_STATE_MUTE);
      const bool mute_was = (was & SCARD_STATE_PRESENT) && (was & SCARD_STATE_MUTE);
      if (present(now) && !present(was)) {
        const size_t n = std::min<size_t>(rs[i].cbAtr, sizeof rs[i].rgbAtr);
        emit(ReaderEvent::Kind::card_inserted, readers[i], Bytes(rs[i].rgbAtr, rs[i].rgbAtr + n), first);
      } else if (!present(now) && present(was)) {
        emit(ReaderEvent::Kind::card_removed, readers[i]);
      }
      if (mute_now && !mute_was) emit(ReaderEvent::Kind::card_mute, readers[i], {}, first);
      known[readers[i]] = now;
    }
    // pcsc-lite keeps the reader count in the PnP entry's high word; echo it back so the
    // next wait returns only on a real change.
    pnp_state = rs.back().dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
    first = false;
  }
  release();
  exited = true;
}

ReaderWatch::ReaderWatch(Callback on_event) : s_(std::make_shared<State>()) { s_->cb = std::move(on_event); }

ReaderWatch::~ReaderWatch() { stop(); }

Expected<bool> ReaderWatch::start() {
  if (running()) return true;
  // Fail fast (with the right code) when PC/SC is not reachable at all.
  auto probe = PcscContext::establish();
  if (!probe) return probe.error();
  s_->stop = false;
  s_->exited = false;
  s_->th = std::thread([s = s_] { s->run(); });
  return true;
}

void ReaderWatch::stop() {
  if (!s_->th.joinable()) return;
  s_->stop = true;
  s_->cv.notify_all();
  // SCardCancel only interrupts a wait already in progress: one sent while the thread
  // is between waits is lost. Repeat it until the thread is out.
  while (!s_->exited) {
    {
      std::lock_guard g(s_->m);
      if (s_->have_ctx) SCardCancel(s_->ctx);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  s_->th.join();
}

bool ReaderWatch::running() const { return s_->th.joinable(); }

}  // namespace certwiz::pcsc
