#pragma once
// The application form's hooks (checks/form) over the site client: its 載入 (company
// lookup) and its submit button (`certwiz apply --submit`, the wizard's submit).
#include <memory>
#include <span>
#include <string>

#include "checks/form/form.h"
#include "checks/form/submit.h"
#include "checks/site/session.h"

namespace certwiz::site {

// The form's 載入 over the site's lookup endpoint.
class SiteCompanyLookup : public form::CompanyLookup {
 public:
  explicit SiteCompanyLookup(SiteClient& client) : client_(client) {}
  Expected<form::CompanyRecord> find(const std::string& ubn) override;

 private:
  SiteClient& client_;
};

// `certwiz apply --submit` and the wizard's submit button.
class SiteApplicationSubmitter : public form::ApplicationSubmitter {
 public:
  explicit SiteApplicationSubmitter(std::unique_ptr<SiteClient> client) : client_(std::move(client)) {}
  Expected<form::SubmissionReceipt> submit(const form::ValidatedForm& form, const Secret& password,
                                           std::span<const form::AttachmentUpload> attachments) override;
  SiteClient& client() { return *client_; }

 private:
  std::unique_ptr<SiteClient> client_;
};

}  // namespace certwiz::site
