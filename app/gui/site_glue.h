#pragma once
// What the wizard needs from the site client (checks/site): the company registry for
// 載入, the application submitter, and the binding / test-login pages. Built from
// page_site.cpp when the client exists, else from page_site_unavailable.cpp, which says so.
#include <memory>

#include "app/gui/wizard_frame.h"
#include "checks/form/form.h"
#include "checks/form/submit.h"

namespace certwiz::gui {

// nullptr when no site client is built in.
std::unique_ptr<form::CompanyLookup> make_company_lookup(const WizardState& state);
std::unique_ptr<form::ApplicationSubmitter> make_application_submitter(const WizardState& state);

}  // namespace certwiz::gui
