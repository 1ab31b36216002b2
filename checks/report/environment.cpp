#include "checks/report/environment.h"

#include <cstdlib>

#include "certwiz_version.h"
#include "checks/core/secret.h"

namespace certwiz::report {

Json environment_facts(const RunOptions& options) {
  Json env = system_facts();
  env["certwiz_version"] = CERTWIZ_VERSION;
  env["lang"] = std::string(lang_tag(options.lang));
  env["pkcs11_module"] = options.pkcs11_module.empty() ? Json(nullptr) : Json(options.pkcs11_module);
  env["site_profile"] = options.site_profile.empty() ? Json(nullptr) : Json(options.site_profile);
  env["pin_supplied"] = options.pin != nullptr;
  if (!options.proxy.empty()) env["proxy"] = hide_url_credentials(options.proxy);
  return env;
}

}  // namespace certwiz::report
