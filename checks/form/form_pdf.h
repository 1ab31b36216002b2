#pragma once
// The printed application form: one A4 page (cairo + pango, text kept as text so it
// can be selected and searched), to be stamped with the company's seals and uploaded.
#include <chrono>
#include <optional>
#include <string>

#include "checks/core/result.h"
#include "checks/form/form.h"

namespace certwiz::form {

struct PdfOptions {
  std::chrono::year_month_day date;  // printed as 中華民國 YYY 年 M 月 D 日 and ISO 8601
  std::string generator;             // "CertWiz 0.1.0", printed small in the footer
};

// "中華民國 115 年 11 月 26 日" for 2026-11-26 (ROC year = Gregorian - 1911).
std::string roc_date(std::chrono::year_month_day date);

// Writes the form to `path` (through a temporary file, so a failed write leaves no
// half file). Takes a ValidatedForm: it has no password, so none can be printed.
// FORM-PDF-WRITE on failure.
std::optional<Error> write_application_pdf(const ValidatedForm& form, const std::string& path, const PdfOptions& options);

// Frees cairo's and fontconfig's process-wide font caches (which leak checkers
// otherwise report at exit). Only for single-shot processes (the CLI, tests) once no
// cairo or pango object is alive; never in the GUI.
void release_font_caches_at_exit();

}  // namespace certwiz::form
