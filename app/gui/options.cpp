#include "app/gui/options.h"

#include <string_view>

namespace certwiz::gui {

std::string wizard_usage() {
  return "usage: certwiz-wizard [--lang zh_TW|en] [--module PKCS11.so] [--site PROFILE.json] [--trust ROOT.pem]...\n"
         "                      [--report-dir DIR] [--open-report REPORT.json|BUNDLE.zip]\n"
         "                      [--manifest URL|FILE] [--cacert PEM] [--localsign-url URL]\n"
         "                      [--exit-after-first-paint]\n";
}

bool parse_wizard_options(int argc, char** argv, WizardOptions& out, std::string& error) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&](std::string& into) {
      if (i + 1 >= argc) {
        error = std::string(a) + " needs a value";
        return false;
      }
      into = argv[++i];
      return true;
    };
    std::string tmp;
    if (a == "--lang") {
      if (!value(out.lang)) return false;
      if (out.lang != "zh_TW" && out.lang != "en") {
        error = "--lang takes zh_TW or en";
        return false;
      }
    } else if (a == "--module") {
      if (!value(out.module)) return false;
    } else if (a == "--site") {
      if (!value(out.site)) return false;
    } else if (a == "--trust") {
      if (!value(tmp)) return false;
      out.trust.push_back(tmp);
    } else if (a == "--report-dir") {
      if (!value(out.report_dir)) return false;
    } else if (a == "--open-report") {
      if (!value(out.open_report)) return false;
    } else if (a == "--manifest") {
      if (!value(out.manifest)) return false;
    } else if (a == "--cacert") {
      if (!value(out.cacert)) return false;
    } else if (a == "--localsign-url") {
      if (!value(out.localsign_url)) return false;
    } else if (a == "--exit-after-first-paint") {
      out.exit_after_first_paint = true;
    } else {
      // Not echoed: an unexpected argument may be a PIN typed on the command line.
      error = "unexpected argument (not repeated here: it may hold a PIN)";
      return false;
    }
  }
  return true;
}

RunOptions make_run_options(const WizardOptions& o) {
  RunOptions r = RunOptions::from_environment();
  if (!o.lang.empty()) r.lang = parse_lang(o.lang);
  if (!o.module.empty()) r.pkcs11_module = o.module;
  r.site_profile = o.site;
  r.extra_trust_anchors = o.trust;
  if (!o.localsign_url.empty()) r.local_sign_url = o.localsign_url;
  return r;
}

}  // namespace certwiz::gui
