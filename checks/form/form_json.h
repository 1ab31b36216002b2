#pragma once
// The form as a JSON file (the CLI's --form, and what the wizard saves): keys exactly
// as in docs/application-form.md; every problem is reported, keyed by field.
#include <string>
#include <string_view>
#include <vector>

#include "checks/form/form.h"

namespace certwiz::form {

// Larger files are refused before parsing (a real form is a few hundred bytes, but a
// field of megabytes must still get a field-keyed error, so the bound is generous).
inline constexpr size_t kMaxFormFileBytes = 16 * 1024 * 1024;
// Longer strings are refused without being copied into the form.
inline constexpr size_t kMaxJsonStringBytes = 4096;

struct FormFile {
  ApplicationForm form;
  std::vector<FieldError> errors;  // file-level errors have an empty field
  bool parsed = false;             // false when the file is not a JSON object at all
};

// Reads the form from JSON text. The password is moved into a Secret and the
// parser's own copy wiped; the caller wipes `text` (it holds the password too).
FormFile read_form_json(std::string_view text);
// Reads a file (FORM-FILE-UNREADABLE, FORM-JSON-TOO-LARGE) and wipes its buffer.
FormFile read_form_file(const std::string& path);

// read + validate: JSON errors and rule errors together, one list, each field
// reported by the reader (missing, wrong type...) not reported again by the rules.
struct CheckedForm {
  FormFile file;
  Validation validation;
  std::vector<FieldError> errors;  // everything, in form order
  bool ok() const { return errors.empty(); }
};
CheckedForm check_form_json(std::string_view text, const FormRules& rules);
CheckedForm check_form_file(const std::string& path, const FormRules& rules);

}  // namespace certwiz::form
