#pragma once
// Sending the application to the site. The site client (checks/site, another
// module) implements ApplicationSubmitter; until then the CLI's --submit reports
// FORM-SUBMIT-NO-SITE. Kept here so the form does not depend on the site client.
#include <span>
#include <string>
#include <string_view>

#include "checks/core/result.h"
#include "checks/core/secret.h"
#include "checks/form/form.h"

namespace certwiz::form {

struct SubmissionReceipt {
  std::string reference;  // the site's application number, when it gives one
  Text message;           // what the site answered, for the user
};

// A scanned attachment (the stamped application, the registration copy) as it is sent,
// already judged by checks/attach: only accepted files get here.
struct AttachmentUpload {
  std::string file_name;     // UTF-8, no folders
  std::string content_type;  // "application/pdf", "image/jpeg" or "image/png"
  std::string_view bytes;    // not copied: must outlive submit()
};

class ApplicationSubmitter {
 public:
  virtual ~ApplicationSubmitter() = default;
  // `attachments` go with the form in the same request (may be empty).
  virtual Expected<SubmissionReceipt> submit(const ValidatedForm& form, const Secret& password,
                                             std::span<const AttachmentUpload> attachments) = 0;
};

}  // namespace certwiz::form
