#pragma once
// `certwiz apply`'s part in the process that spans days: the progress saved after a
// submission (checks/progress) and `certwiz apply --status`, which asks the site how the
// review goes and says what to do next.
#include <memory>
#include <string>
#include <vector>

#include "checks/core/text.h"
#include "checks/form/form.h"
#include "checks/progress/progress.h"
#include "checks/site/client.h"

namespace certwiz::cli {

struct ApplyStatusFlags {
  std::string site;         // site profile (as --site)
  std::vector<std::string> trust;
  std::string application;  // APP-000001; empty: the saved progress's
  std::string ubn;          // empty: the saved form's
  Lang lang = Lang::zh_TW;
};

// An error as `certwiz apply` prints it: code, cause, remedy, and the detail (display-safe:
// it may quote the site).
void print_error(const Error& e, Lang lang);

// The site client over a profile file (--site) and extra trust anchors (--trust); prints
// why and returns null when the profile cannot be read.
std::unique_ptr<site::SiteClient> open_site_client(const std::string& site_profile,
                                                   const std::vector<std::string>& trust, Lang lang);

// After a successful submission: the form (never the password), the application number,
// the steps done, into the user's data folder. Prints a line when it cannot be saved.
void remember_submission(const form::ApplicationForm& form, const std::string& site_base_url,
                         const std::string& application_id, Lang lang);

// A later step done (bind, login-test) for the saved application of this UBN; nothing when
// no progress is saved or it is another company's.
void remember_step(progress::Step step, const std::string& ubn);

// `certwiz apply --status`: exit 0 approved (with what to type at binding), 1 still under
// review, 2 rejected or failed, 3 nothing to ask about.
int run_apply_status(const ApplyStatusFlags& flags);

}  // namespace certwiz::cli
