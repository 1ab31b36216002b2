// certwiz apply --status, and the progress saved by certwiz apply --submit (apply_progress.h).
#include "app/cli/apply_progress.h"

#include <cstdio>

#include "app/cli/cli.h"
#include "checks/core/display_safe.h"
#include "checks/progress/progress.h"
#include "checks/site/client.h"

namespace certwiz::cli {
void print_error(const Error& e, Lang lang) {
  std::fprintf(stderr, "certwiz: [%s] %s\n    %s\n", display_safe(e.code).c_str(), e.cause().in(lang).c_str(),
               e.remedy().in(lang).c_str());
  if (!e.detail.empty()) std::fprintf(stderr, "    (%s)\n", display_safe(e.detail).c_str());
}

std::unique_ptr<site::SiteClient> open_site_client(const std::string& site_profile,
                                                   const std::vector<std::string>& trust, Lang lang) {
  auto profile = site::load_client_profile(site_profile);
  if (!profile) {
    print_error(profile.error(), lang);
    return nullptr;
  }
  site::SiteClientOptions o;
  o.extra_ca_files = trust;
  return std::make_unique<site::SiteClient>(*profile, o);
}

namespace {

// The saved progress, reporting (not failing on) a file that had to be set aside.
std::optional<progress::Progress> load_saved(const std::string& path, Lang lang) {
  auto loaded = progress::load_progress(path);
  if (loaded.problem) print_error(*loaded.problem, lang);
  return std::move(loaded.progress);
}

}  // namespace

void remember_submission(const form::ApplicationForm& form, const std::string& site_base_url,
                         const std::string& application_id, Lang lang) {
  const bool zh = lang == Lang::zh_TW;
  auto path = progress::default_progress_path();
  if (!path) {
    print_error(path.error(), lang);
    return;
  }
  progress::Progress p;
  if (auto old = load_saved(*path, lang)) p = std::move(*old);
  // Field by field: ApplicationForm holds the password, which stays out of the progress.
  form::ApplicationForm& saved = p.form;
  saved.ubn = form.ubn;
  saved.control_no = form.control_no;
  saved.company_name = form.company_name;
  saved.owner_name = form.owner_name;
  saved.owner_id = form.owner_id;
  saved.reg_address = form.reg_address;
  saved.mail_address = form.mail_address;
  saved.contact_name = form.contact_name;
  saved.phone1 = form.phone1;
  saved.phone1_ext = form.phone1_ext;
  saved.phone2 = form.phone2;
  saved.fax = form.fax;
  saved.email = form.email;
  saved.citizen_cert_login = form.citizen_cert_login;
  saved.business_cert_login = form.business_cert_login;
  p.site = site_base_url;
  p.page = "application";
  p.application_id = application_id;
  p.application_state = "pending";
  p.mark_done(progress::Step::form_filled);
  p.mark_done(progress::Step::submitted);
  if (auto err = progress::save_progress(*path, p)) {
    print_error(*err, lang);
    return;
  }
  std::printf(zh ? "進度已保存（%s）：之後以 certwiz apply --status 查詢審核結果。\n"
                 : "Progress saved (%s): ask for the review's outcome later with certwiz apply --status.\n",
              path->c_str());
}

void remember_step(progress::Step step, const std::string& ubn) {
  auto path = progress::default_progress_path();
  if (!path) return;
  auto loaded = progress::load_progress(*path);
  if (!loaded.progress || loaded.progress->form.ubn != ubn || loaded.progress->done(step)) return;
  loaded.progress->mark_done(step);
  progress::save_progress(*path, *loaded.progress);
}

int run_apply_status(const ApplyStatusFlags& f) {
  const Lang lang = f.lang;
  const bool zh = lang == Lang::zh_TW;
  std::optional<progress::Progress> saved;
  std::string path;
  if (auto p = progress::default_progress_path()) {
    path = *p;
    saved = load_saved(path, lang);
  } else if (f.application.empty()) {
    print_error(p.error(), lang);
  }
  const std::string id = !f.application.empty() ? f.application : saved ? saved->application_id : std::string();
  const std::string ubn = !f.ubn.empty() ? f.ubn : saved ? saved->form.ubn : std::string();
  if (id.empty() || ubn.empty()) {
    std::fprintf(stderr, "certwiz: %s\n",
                 zh ? "沒有保存的申請進度：請用 --application APP-000001 --ubn 統一編號 指定要查詢的申請"
                    : "no saved application: name it with --application APP-000001 --ubn UBN");
    return static_cast<int>(kUsage);
  }
  auto client = open_site_client(f.site, f.trust, lang);
  if (!client) return static_cast<int>(kFailures);
  auto st = client->application_status(id, ubn);
  if (!st) {
    print_error(st.error(), lang);
    return static_cast<int>(kFailures);
  }
  if (saved && saved->application_id == id && !path.empty()) {
    saved->application_state = std::string(site::application_state_name(st->state));
    saved->state_checked_at = st->updated_at;
    if (st->state == site::ApplicationState::approved) saved->mark_done(progress::Step::approved);
    if (auto err = progress::save_progress(path, *saved)) print_error(*err, lang);
  }
  std::printf(zh ? "申請案號 %s（統一編號 %s）：%s\n" : "Application %s (UBN %s): %s\n", display_safe(st->id).c_str(),
              ubn.c_str(),
              std::string(st->state == site::ApplicationState::approved   ? (zh ? "已核准" : "approved")
                          : st->state == site::ApplicationState::rejected ? (zh ? "已退回" : "rejected")
                                                                          : (zh ? "審核中（已收件）" : "under review (received)"))
                  .c_str());
  if (auto problem = site::application_status_error(*st)) {
    std::printf("%s [%s] %s\n    %s%s\n", problem->code == "SITE-APPLICATION-PENDING" ? "!" : "✗",
                problem->code.c_str(), problem->cause().in(lang).c_str(), zh ? "處理：" : "Fix: ",
                problem->remedy().in(lang).c_str());
    if (st->state == site::ApplicationState::rejected) {
      if (!st->reason_message.in(lang).empty())
        std::printf("    %s%s\n", zh ? "網站說明：" : "The site says: ", st->reason_message.in(lang).c_str());
      if (!st->note.empty()) std::printf("    %s%s\n", zh ? "審核說明：" : "Reviewer's note: ", st->note.c_str());
      return static_cast<int>(kFailures);
    }
    return static_cast<int>(kWarnings);
  }
  // Approved: lead on to the binding, with what the user needs at hand.
  const std::string control = saved && saved->application_id == id ? saved->form.control_no : std::string();
  std::printf(zh ? "✓ 網站已寄出啟用憑證登入用的驗證碼%s%s。\n下一步：插入卡片，輸入驗證碼完成綁定：\n"
                 : "✓ The site has sent the verification code for enabling certificate login%s%s.\nNext: insert the card "
                   "and bind it with the code:\n",
              st->code_expires_at.empty() ? "" : (zh ? "，有效至 " : ", valid until "), st->code_expires_at.c_str());
  std::printf("    certwiz bind --ubn %s --control-no %s --verification-code <%s> --type business|citizen\n",
              ubn.c_str(), control.empty() ? "\"\"" : control.c_str(), zh ? "驗證碼" : "code");
  return static_cast<int>(kAllPassed);
}

}  // namespace certwiz::cli
