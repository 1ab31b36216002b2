#pragma once
// The application process spans days: the form is sent, the site reviews it, the
// verification code for binding arrives later, the user closes the wizard and comes back.
// Progress is what carries over: the form as typed (never the password, which never
// touches the disk), the application's number and last known state, and which steps are
// done. One JSON file in the user's data folder, versioned, written whole (a temporary
// renamed into place) and readable by its owner only (it holds personal data). A file that
// cannot be read is never overwritten or deleted: it is set aside with a code.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/result.h"
#include "checks/form/form.h"

namespace certwiz::progress {

inline constexpr std::string_view kFormat = "certwiz-progress";
inline constexpr int kVersion = 1;
// A progress file is a few kilobytes; anything far larger is not one.
inline constexpr size_t kMaxProgressBytes = 1024 * 1024;

// The steps of the process, in order, as they are saved.
enum class Step { form_filled, submitted, approved, bound, login_tested };
std::string_view step_name(Step s);  // "form_filled", "submitted", ...
std::optional<Step> parse_step(std::string_view name);

struct Progress {
  std::string site;  // the site profile's base_url the application went to
  std::string page;  // the wizard page the user was on ("application", "binding", ...)
  form::ApplicationForm form;      // the password is never saved nor loaded: always empty here
  std::string application_id;      // "APP-000001" once submitted
  std::string application_state;   // last state the site gave: "pending" | "approved" | "rejected"
  std::string state_checked_at;    // RFC 3339 UTC of that answer
  std::vector<Step> steps_done;    // in the order of Step, no duplicates
  std::string saved_at;            // RFC 3339 UTC, written by save_progress

  bool done(Step s) const;
  void mark_done(Step s);
};

// <user_data_dir()>/progress.json; nullopt (PROGRESS-NO-DATA-DIR) when no data folder is known.
Expected<std::string> default_progress_path();

struct LoadedProgress {
  std::optional<Progress> progress;  // nullopt: nothing saved (or set aside)
  std::optional<Error> problem;      // PROGRESS-CORRUPT / PROGRESS-FOREIGN
  std::string set_aside;             // where an unreadable file was moved
};
// A missing file is no problem (nothing saved yet). A file that is not a progress file of
// this version is renamed to "<path>.unreadable-<time>" and reported; the caller starts afresh.
LoadedProgress load_progress(const std::string& path);
// Creates the folder when needed and replaces the file atomically (PROGRESS-SAVE-FAILED).
// Stamps saved_at.
std::optional<Error> save_progress(const std::string& path, Progress& progress);
// Removes the saved progress (the process is finished or the user starts over).
void forget_progress(const std::string& path);

// The file's text (tests read it to prove what is and is not in it).
std::string progress_json(const Progress& progress);
// Reads the text; an Error (PROGRESS-CORRUPT / PROGRESS-FOREIGN) when it is not a progress
// file of this version. Any password key in it is ignored, never loaded.
Expected<Progress> parse_progress(std::string_view text);

}  // namespace certwiz::progress
