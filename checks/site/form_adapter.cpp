#include "checks/site/form_adapter.h"

namespace certwiz::site {

Expected<form::CompanyRecord> SiteCompanyLookup::find(const std::string& ubn) {
  auto c = client_.lookup(ubn);
  if (!c) {
    if (c.error().code == "SITE-COMPANY-NOT-FOUND") return Error{"FORM-LOOKUP-NOT-FOUND", c.error().detail};
    return c.error();
  }
  return form::CompanyRecord{c->name, c->owner, c->address};
}

Expected<form::SubmissionReceipt> SiteApplicationSubmitter::submit(const form::ValidatedForm& form, const Secret& password,
                                                                  std::span<const form::AttachmentUpload> attachments) {
  auto r = client_->apply(form, password, attachments);
  if (!r) return r.error();
  form::SubmissionReceipt receipt;
  receipt.reference = r->id;
  receipt.message = Text{"申請已送出，申請編號 " + r->id + "（狀態：" + r->status + "）。網站核准後會通知驗證碼，用於啟用憑證登入。",
                         "Application sent: number " + r->id + " (status: " + r->status +
                             "). After approval the site sends a verification code for enabling certificate login."};
  return receipt;
}

}  // namespace certwiz::site
