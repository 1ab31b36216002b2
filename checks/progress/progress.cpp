#include "checks/progress/progress.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "checks/core/platform.h"
#include "checks/progress/data_dir.h"
#include "checks/report/replace_file.h"

namespace certwiz::progress {
namespace {

namespace fs = std::filesystem;
using JsonIn = nlohmann::json;

constexpr std::string_view kStepNames[] = {"form_filled", "submitted", "approved", "bound", "login_tested"};

std::string utc_now(const char* format) {
  const std::tm tm = utc_calendar(std::time(nullptr));
  char buf[40];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

Json address_json(const form::Address& a) {
  return Json{{"county", a.county}, {"district", a.district}, {"street", a.street}, {"zip", a.zip}};
}

// Lenient on purpose: a saved form may be half filled or wrong (the user left mid-way);
// the form's own rules judge it when the wizard shows it again. Only strings are taken.
void take(const JsonIn& j, const char* key, std::string& out) {
  auto it = j.find(key);
  if (it != j.end() && it->is_string()) out = it->get<std::string>().substr(0, 4096);
}

void take_address(const JsonIn& j, const char* key, form::Address& a) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_object()) return;
  take(*it, "county", a.county);
  take(*it, "district", a.district);
  take(*it, "street", a.street);
  take(*it, "zip", a.zip);
}

}  // namespace

std::string_view step_name(Step s) { return kStepNames[static_cast<size_t>(s)]; }

std::optional<Step> parse_step(std::string_view name) {
  for (size_t i = 0; i < std::size(kStepNames); ++i)
    if (kStepNames[i] == name) return static_cast<Step>(i);
  return std::nullopt;
}

bool Progress::done(Step s) const { return std::find(steps_done.begin(), steps_done.end(), s) != steps_done.end(); }

void Progress::mark_done(Step s) {
  if (done(s)) return;
  steps_done.push_back(s);
  std::sort(steps_done.begin(), steps_done.end());
}

Expected<std::string> default_progress_path() {
  auto dir = user_data_dir();
  if (!dir) return Error{"PROGRESS-NO-DATA-DIR", "no HOME / XDG_DATA_HOME / LOCALAPPDATA"};
  return (fs::path(*dir) / "progress.json").string();
}

std::string progress_json(const Progress& p) {
  const form::ApplicationForm& f = p.form;
  // Every field of the form but the password: there is no key for it, so no code path can
  // write one.
  Json form{{"ubn", f.ubn},
            {"control_no", f.control_no},
            {"company_name", f.company_name},
            {"owner_name", f.owner_name},
            {"owner_id", f.owner_id},
            {"reg_address", address_json(f.reg_address)},
            {"mail_address", address_json(f.mail_address)},
            {"contact_name", f.contact_name},
            {"phone1", f.phone1},
            {"phone1_ext", f.phone1_ext},
            {"phone2", f.phone2},
            {"fax", f.fax},
            {"email", f.email},
            {"citizen_cert_login", f.citizen_cert_login},
            {"business_cert_login", f.business_cert_login}};
  Json steps = Json::array();
  for (Step s : p.steps_done) steps.push_back(std::string(step_name(s)));
  Json j{{"format", std::string(kFormat)},
         {"version", kVersion},
         {"saved_at", p.saved_at},
         {"site", p.site},
         {"page", p.page},
         {"steps_done", steps},
         {"application", {{"id", p.application_id}, {"state", p.application_state}, {"checked_at", p.state_checked_at}}},
         {"form", form}};
  return j.dump(2) + "\n";
}

Expected<Progress> parse_progress(std::string_view text) {
  if (text.size() > kMaxProgressBytes)
    return Error{"PROGRESS-CORRUPT", std::to_string(text.size()) + " bytes, more than a progress file"};
  JsonIn j = JsonIn::parse(text, nullptr, false);
  if (j.is_discarded()) return Error{"PROGRESS-CORRUPT", "not JSON"};
  if (!j.is_object()) return Error{"PROGRESS-CORRUPT", "not a JSON object"};
  auto fmt = j.find("format");
  if (fmt == j.end() || !fmt->is_string() || fmt->get<std::string>() != kFormat) return Error{"PROGRESS-FOREIGN", "no \"format\": \"certwiz-progress\""};
  auto ver = j.find("version");
  if (ver == j.end() || !ver->is_number_integer()) return Error{"PROGRESS-CORRUPT", "no version"};
  if (ver->get<long long>() != kVersion)
    return Error{"PROGRESS-FOREIGN", "version " + std::to_string(ver->get<long long>()) + ", this CertWiz reads " +
                                         std::to_string(kVersion)};
  Progress p;
  take(j, "saved_at", p.saved_at);
  take(j, "site", p.site);
  take(j, "page", p.page);
  if (auto s = j.find("steps_done"); s != j.end()) {
    if (!s->is_array()) return Error{"PROGRESS-CORRUPT", "steps_done is not a list"};
    for (const auto& item : *s) {
      if (!item.is_string()) return Error{"PROGRESS-CORRUPT", "a step is not a name"};
      auto step = parse_step(item.get<std::string>());
      if (!step) return Error{"PROGRESS-CORRUPT", "unknown step"};
      p.mark_done(*step);
    }
  }
  if (auto a = j.find("application"); a != j.end()) {
    if (!a->is_object()) return Error{"PROGRESS-CORRUPT", "application is not an object"};
    take(*a, "id", p.application_id);
    take(*a, "state", p.application_state);
    take(*a, "checked_at", p.state_checked_at);
  }
  if (auto f = j.find("form"); f != j.end()) {
    if (!f->is_object()) return Error{"PROGRESS-CORRUPT", "form is not an object"};
    form::ApplicationForm& form = p.form;
    take(*f, "ubn", form.ubn);
    take(*f, "control_no", form.control_no);
    take(*f, "company_name", form.company_name);
    take(*f, "owner_name", form.owner_name);
    take(*f, "owner_id", form.owner_id);
    take_address(*f, "reg_address", form.reg_address);
    take_address(*f, "mail_address", form.mail_address);
    take(*f, "contact_name", form.contact_name);
    take(*f, "phone1", form.phone1);
    take(*f, "phone1_ext", form.phone1_ext);
    take(*f, "phone2", form.phone2);
    take(*f, "fax", form.fax);
    take(*f, "email", form.email);
    take(*f, "citizen_cert_login", form.citizen_cert_login);
    take(*f, "business_cert_login", form.business_cert_login);
    // A "password" key (a hand-edited or planted file) is not read: the password is typed
    // again in each run.
  }
  return p;
}

LoadedProgress load_progress(const std::string& path) {
  LoadedProgress out;
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path, ec))) return out;
  std::string text;
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      // Never more than the limit plus one byte: enough to tell a huge file from a progress file.
      text.resize(kMaxProgressBytes + 1);
      in.read(text.data(), static_cast<std::streamsize>(text.size()));
      text.resize(static_cast<size_t>(in.gcount()));
    }
  }
  auto parsed = parse_progress(text);
  if (parsed) {
    out.progress = std::move(*parsed);
    return out;
  }
  out.problem = parsed.error();
  // Set aside, never lost: the user or the helpdesk may still want what it holds.
  out.set_aside = path + ".unreadable-" + utc_now("%Y%m%dT%H%M%SZ");
  fs::rename(path, out.set_aside, ec);
  if (ec) {
    out.problem->detail += "; could not set it aside: " + ec.message();
    out.set_aside.clear();
  } else {
    out.problem->detail += "; set aside as " + out.set_aside;
  }
  return out;
}

std::optional<Error> save_progress(const std::string& path, Progress& progress) {
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) return Error{"PROGRESS-SAVE-FAILED", "cannot create " + parent.string() + ": " + ec.message()};
  progress.saved_at = utc_now("%Y-%m-%dT%H:%M:%SZ");
  const std::string text = progress_json(progress);
  auto err = report::replace_file(path, report::FileAccess::owner_only, [&](std::FILE* f) -> std::string {
    if (std::fwrite(text.data(), 1, text.size(), f) != text.size()) return "short write";
    return {};
  });
  if (err) return Error{"PROGRESS-SAVE-FAILED", err->detail};
  return std::nullopt;
}

void forget_progress(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

}  // namespace certwiz::progress
