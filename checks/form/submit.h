#pragma once
// Sending the application to the site. The site client (checks/site, another
// module) implements ApplicationSubmitter; until then the CLI's --submit reports
// FORM-SUBMIT-NO-SITE. Kept here so the form does not depend on the site client.
#include <string>

#include "checks/core/result.h"
#include "checks/core/secret.h"
#include "checks/form/form.h"

namespace certwiz::form {

struct SubmissionReceipt {
  std::string reference;  // the site's application number, when it gives one
  Text message;           // what the site answered, for the user
};

class ApplicationSubmitter {
 public:
  virtual ~ApplicationSubmitter() = default;
  // `pdf_path` is the stamped-and-scanned upload when the site wants one (may be empty).
  virtual Expected<SubmissionReceipt> submit(const ValidatedForm& form, const Secret& password,
                                             const std::string& pdf_path) = 0;
};

}  // namespace certwiz::form
