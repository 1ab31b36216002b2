// certwiz apply: checks an account application form (網路帳號密碼申請書) from a JSON
// file, prints every problem, and prints the form to PDF when it is valid.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "app/cli/apply_progress.h"
#include "app/cli/attachments_cli.h"
#include "app/cli/cli.h"
#include "certwiz_version.h"
#include "checks/core/display_safe.h"
#include "checks/form/form_json.h"
#include "checks/form/form_pdf.h"
#include "checks/form/submit.h"
#include "checks/site/client.h"

namespace certwiz::cli {

namespace {

struct ApplyFlags {
  std::string form;
  std::string pdf;
  std::string lang;
  std::string site;
  bool submit = false;
  bool load = false;
  std::vector<std::string> trust;
  bool status = false;       // --status: ask the site how the review goes (issue 17)
  std::string application;   // --application APP-000001 (default: the saved progress's)
  std::string ubn;           // --ubn (default: the saved form's)
  std::vector<std::string> attach;
};

Lang output_lang(const std::string& flag) { return user_lang(flag); }


}  // namespace

// The site client (checks/site) over the profile given with --site, else the lab's
// CERTWIZ_LAB_SITE_PROFILE, else the default profile. Null (FORM-SUBMIT-NO-SITE) when
// the profile cannot be read.
std::unique_ptr<form::ApplicationSubmitter> make_application_submitter(const std::string& site_profile,
                                                                      const std::vector<std::string>& trust = {}) {
  auto profile = site::load_client_profile(site_profile);
  if (!profile) return nullptr;
  site::SiteClientOptions o;
  o.extra_ca_files = trust;
  return std::make_unique<site::SiteApplicationSubmitter>(std::make_unique<site::SiteClient>(*profile, o));
}

void register_apply(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("apply", "Check the account application form (網路帳號密碼申請書) and print it to PDF");
  static ApplyFlags f;
  cmd->add_option("--form", f.form, "The filled-in form as JSON (keys in docs/application-form.md)");
  cmd->add_option("--pdf", f.pdf, "Write the printable form to this PDF when the form is valid");
  cmd->add_option("--lang", f.lang, "Language of the messages: zh_TW or en (default: from LC_ALL, LC_MESSAGES or LANG)");
  cmd->add_option("--site", f.site, "Site profile JSON (default: assets/sites/default.json)");
  cmd->add_flag("--submit", f.submit, "Send the application to the site (needs a site profile that supports it)");
  cmd->add_flag("--load", f.load, "載入: fill the company name, owner and registered address from the site's registry (empty fields only)");
  cmd->add_option("--attach", f.attach,
                  "A scan to send with --submit: the stamped application and the business registration copy "
                  "(PDF, JPEG or PNG); may repeat")
      ->allow_extra_args(false);
  cmd->add_option("--trust", f.trust, "Extra CA certificate (PEM) for the site's TLS certificate, e.g. a test root; may repeat");
  cmd->add_flag("--status", f.status,
                "Ask the site how the review of the application goes (the one saved by --submit, or --application/--ubn)");
  cmd->add_option("--application", f.application, "With --status: the application number, e.g. APP-000001");
  cmd->add_option("--ubn", f.ubn, "With --status: the company's UBN (統一編號)");
  cmd->callback([&run] {
    run = [] {
      const Lang lang = output_lang(f.lang);
      const bool zh = lang == Lang::zh_TW;
      if (f.status) return run_apply_status(ApplyStatusFlags{f.site, f.trust, f.application, f.ubn, lang});
      if (f.form.empty()) {
        std::fprintf(stderr, "certwiz: %s\n", zh ? "請以 --form 指定申請書檔案（或用 --status 查詢審核結果）"
                                                 : "--form is required (or --status to ask about the review)");
        return static_cast<int>(kUsage);
      }
      auto rules = form::load_form_rules(f.site);
      if (!rules) {
        print_error(rules.error(), lang);
        return static_cast<int>(kFailures);
      }
      // The password in the file is the user's own; it is read into a Secret and never echoed.
      form::CheckedForm checked = form::check_form_file(f.form, *rules);
      if (f.load && checked.file.parsed) {
        // 載入: ask the site's registry, fill what the user left empty, check again.
        auto client = open_site_client(f.site, f.trust, lang);
        if (!client) return static_cast<int>(kFailures);
        site::SiteCompanyLookup lookup(*client);
        auto loaded = form::load_company(checked.file.form, lookup, *rules->postal);
        if (!loaded) {
          print_error(loaded.error(), lang);
          return static_cast<int>(kFailures);
        }
        for (const auto& key : loaded->filled)
          std::printf(zh ? "載入：%s 已由公司登記資料填入\n" : "Loaded: %s filled from the company registry\n", key.c_str());
        for (const auto& key : loaded->kept)
          std::printf(zh ? "載入：%s 保留您輸入的內容（與登記資料不同）\n" : "Loaded: %s kept as you typed it (the registry differs)\n",
                      key.c_str());
        checked.validation = form::validate(checked.file.form, *rules);
        checked.errors = checked.file.errors;
        for (const auto& e : checked.validation.errors) {
          const bool already = std::any_of(checked.file.errors.begin(), checked.file.errors.end(), [&](const form::FieldError& r) {
            return !r.field.empty() && (e.field == r.field || e.field.starts_with(r.field + "."));
          });
          if (!already) checked.errors.push_back(e);
        }
      }
      for (const auto& w : checked.validation.warnings)
        std::printf("! %-22s %-28s %s\n", w.field.c_str(), w.code.c_str(), w.message.in(lang).c_str());
      if (!checked.ok()) {
        for (const auto& e : checked.errors) {
          const std::string field = e.field.empty() ? std::string(zh ? "(檔案)" : "(file)") : e.field;
          std::printf("✗ %-22s %-28s %s\n", field.c_str(), e.code.c_str(), e.message.in(lang).c_str());
        }
        std::printf(zh ? "\n申請書有 %zu 個問題，請修正後再試。\n" : "\nThe form has %zu problem(s); fix them and try again.\n",
                    checked.errors.size());
        return static_cast<int>(kFailures);
      }
      std::printf(zh ? "✓ 申請書各欄位檢查通過。%s\n" : "✓ Every field of the form passes. %s\n",
                  checked.validation.password.summary.in(lang).c_str());
      if (!f.pdf.empty()) {
        form::PdfOptions po;
        po.date = rules->today;
        po.generator = std::string("CertWiz ") + CERTWIZ_VERSION;
        auto err = form::write_application_pdf(checked.validation.values, f.pdf, po);
        form::release_font_caches_at_exit();  // the CLI draws nothing after this
        if (err) {
          print_error(*err, lang);
          return static_cast<int>(kFailures);
        }
        std::printf(zh ? "已產生申請書：%s\n請列印、加蓋公司大章及負責人小章，連同公司登記影本掃描上傳。\n"
                       : "Form written to %s\nPrint it, stamp it with the company seal and the responsible person's seal, "
                         "and upload the scan with a copy of the business registration.\n",
                    f.pdf.c_str());
      }
      // The scans are judged before anything is sent; a refused one stops the submission.
      std::vector<attach::Attachment> attachments;
      if (!f.attach.empty() && !judge_attachments(f.attach, lang, attachments)) {
        std::printf(zh ? "\n附件有問題，請修正後再送出。\n" : "\nAn attachment has a problem; fix it and submit again.\n");
        return static_cast<int>(kFailures);
      }
      if (f.submit) {
        auto submitter = make_application_submitter(f.site, f.trust);
        if (!submitter) {
          print_error(Error{"FORM-SUBMIT-NO-SITE", "the site profile cannot be read"}, lang);
          return static_cast<int>(kUsage);
        }
        const auto uploads = attachment_uploads(attachments);
        auto receipt = submitter->submit(checked.validation.values, checked.file.form.password, uploads);
        if (!receipt) {
          print_error(receipt.error(), lang);
          return static_cast<int>(kFailures);
        }
        std::printf("%s\n", receipt->message.in(lang).c_str());
        if (!receipt->reference.empty()) {
          auto profile = site::load_client_profile(f.site);
          remember_submission(checked.file.form, profile ? profile->base_url : std::string(), receipt->reference, lang);
        }
      }
      return static_cast<int>(kAllPassed);
    };
  });
}

}  // namespace certwiz::cli
