#include "checks/pkcs11/shared_host.h"

namespace certwiz::pkcs11 {

Expected<std::shared_ptr<ModuleHost>> SharedModuleHost::get(const std::string& module_path, bool* started_now) {
  std::lock_guard g(m_);
  if (started_now) *started_now = false;
  if (host_ && host_->alive() && host_->module_path() == module_path) return host_;
  if (host_) host_->shutdown();
  host_.reset();
  auto started = ModuleHost::start(module_path, timeout_);
  if (!started) return started.error();
  ++started_;
  if (started_now) *started_now = true;
  host_ = *started;
  return host_;
}

void SharedModuleHost::expect_user() {
  std::lock_guard g(m_);
  ++users_;
}

void SharedModuleHost::release() {
  std::shared_ptr<ModuleHost> ending;
  {
    std::lock_guard g(m_);
    if (--users_ > 0) return;
    ending = std::move(host_);
  }
  if (ending) ending->shutdown();  // outside the lock: it waits for the host to exit
}

void SharedModuleHost::shut_down() {
  std::shared_ptr<ModuleHost> ending;
  {
    std::lock_guard g(m_);
    ending = std::move(host_);
  }
  if (ending) ending->shutdown();
}

bool SharedModuleHost::running() const {
  std::lock_guard g(m_);
  return host_ && host_->alive();
}

int SharedModuleHost::hosts_started() const {
  std::lock_guard g(m_);
  return started_;
}

}  // namespace certwiz::pkcs11
