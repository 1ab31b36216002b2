#include "checks/core/options.h"

#include <cstdlib>
#include <string_view>

namespace certwiz {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

}  // namespace

Lang RunOptions::lang_from_environment() {
  for (const char* var : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const std::string v = env(var);
    if (v.empty()) continue;
    return parse_lang(v, Lang::zh_TW);  // "C", "POSIX", "C.UTF-8": no language, zh_TW
  }
  return Lang::zh_TW;
}

RunOptions RunOptions::from_environment() {
  RunOptions r;
  r.lang = lang_from_environment();
  r.pkcs11_module = env("CERTWIZ_PKCS11_MODULE");
  // Where the local signing component listens (tests and unusual set-ups).
  if (std::string url = env("CERTWIZ_LOCALSIGN_URL"); !url.empty()) r.local_sign_url = std::move(url);
  return r;
}

}  // namespace certwiz
