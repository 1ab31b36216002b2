#pragma once
// The HTML report: one self-contained page (inline CSS and SVG, no scripts, nothing
// fetched) with the verdict and the one thing to do next at the top, every check
// with its cause and remedy, a timeline, the environment and the evidence. Prints
// cleanly. Every string from the model is escaped: evidence may contain anything.
#include <string>
#include <string_view>

#include "checks/core/report_model.h"

namespace certwiz::report {

// Renders `r` as given: redact first (Redactor::redact) unless the user opted out.
std::string render_html(const Report& r);

// &, <, >, ", ' as entities; control characters as visible \xNN.
std::string html_escape(std::string_view s);

}  // namespace certwiz::report
