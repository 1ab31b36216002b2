#include "app/cli/attachments_cli.h"

#include <cstdio>

#include "checks/core/catalogue.h"
#include "checks/core/display_safe.h"

namespace certwiz::cli {
namespace {

std::string what_it_is(const attach::Verdict& v, bool zh) {
  char buf[160];
  if (v.type == attach::FileType::pdf && v.pages > 0)
    std::snprintf(buf, sizeof buf, zh ? "PDF，%d 頁" : "PDF, %d page(s)", v.pages);
  else if ((v.type == attach::FileType::jpeg || v.type == attach::FileType::png) && v.width > 0)
    std::snprintf(buf, sizeof buf, "%s %ux%u", v.type == attach::FileType::jpeg ? "JPEG" : "PNG", v.width, v.height);
  else std::snprintf(buf, sizeof buf, "%s", std::string(attach::file_type_name(v.type)).c_str());
  char size[48];
  std::snprintf(size, sizeof size, ", %.1f MiB", static_cast<double>(v.size) / (1024.0 * 1024.0));
  return std::string(buf) + size;
}

void print_problem(const char* mark, const std::string& name, const Error& e, Lang lang) {
  std::printf("%s %-28s %-28s %s\n", mark, name.c_str(), e.code.c_str(), e.cause().in(lang).c_str());
  std::printf("  %-28s %-28s %s\n", "", "", e.remedy().in(lang).c_str());
  if (!e.detail.empty()) std::printf("  %-28s %-28s (%s)\n", "", "", display_safe(e.detail).c_str());
}

}  // namespace

bool judge_attachments(const std::vector<std::string>& paths, Lang lang, std::vector<attach::Attachment>& out) {
  const bool zh = lang == Lang::zh_TW;
  bool ok = true;
  for (const auto& p : paths) {
    out.push_back(attach::load_attachment(p));
    const auto& a = out.back();
    const std::string name = a.verdict.display_name;  // display-safe already (a Big5 name too)
    if (a.verdict.rejection) {
      ok = false;
      print_problem("✗", name, *a.verdict.rejection, lang);
    } else {
      std::printf("✓ %-28s %s\n", name.c_str(), what_it_is(a.verdict, zh).c_str());
    }
    for (const auto& w : a.verdict.warnings) print_problem("!", name, w, lang);
  }
  for (const auto& e : attach::check_set(out)) {
    ok = false;
    print_problem("✗", zh ? "(全部附件)" : "(all attachments)", e, lang);
  }
  return ok;
}

std::vector<form::AttachmentUpload> attachment_uploads(const std::vector<attach::Attachment>& set) {
  std::vector<form::AttachmentUpload> uploads;
  for (const auto& a : set)
    if (a.verdict.accepted())
      uploads.push_back(form::AttachmentUpload{a.upload_name, std::string(attach::content_type(a.verdict.type)), a.bytes});
  return uploads;
}

}  // namespace certwiz::cli
