// The wizard under Xvfb against the lab. Scenarios (--scenario):
//   flow          every page: card detected, component status, PIN entered, self-tests
//                 pass, form with an error shown then fixed, PDF, submitted, approved
//                 (site staff), binding succeeds, test login succeeds, report exported;
//                 a screenshot per page, each checked (not blank, CJK glyphs not boxes).
//   card-removed  the citizen card pulled out while the environment page is open.
//   troubleshoot  every check in one table, exported, and the bundle reopened.
//   close-mid-run the window closed while every check runs: cancelled, closed at once.
//   pin-final-try two wrong PINs (never retried by the wizard), then at the final try
//                 OK stays disabled until the lock risk is confirmed; cancelling sends nothing.
//   install       HiCOS from an HTTPS server on loopback: progress and speed shown, a
//                 stalled download cancelled (nothing installed), then a real install.
//   vendor-hicos  HiCOS installed by the vendor (planted under a test root): shown installed
//                 with version and source, no row says to run CertWiz's installer; then the
//                 component stops and the summary names what is missing, never "complete".
//   hicos-missing HiCOS not installed: its row names the wizard's install button (not a
//                 command), opens a detail pane with the whole remedy that Copy puts on the
//                 clipboard, and the summary says HiCOS is missing, no "done" for that step.
// --lang en runs a scenario in English; --dpi-scale 1.5 at 150 % (GDK_DPI_SCALE).
// Exit 0 when the scenario passed; the reason on stderr otherwise.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include <wx/app.h>
#include <wx/button.h>
#include <wx/checkbox.h>
#include <wx/choice.h>
#include <wx/clipbrd.h>
#include <wx/dialog.h>
#include <wx/gauge.h>
#include <wx/listbox.h>
#include <wx/listctrl.h>
#include <wx/statbmp.h>
#include <wx/radiobox.h>
#include <wx/radiobut.h>
#include <wx/scrolwin.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>
#include <wx/uiaction.h>

#include "app/gui/accessible.h"
#include "app/gui/attachments_panel.h"
#include "app/gui/i18n.h"
#include "checks/form/form.h"
#include "app/gui/result_detail.h"
#include "app/gui/results_view.h"
#include "app/gui/secret_entry.h"
#include "app/gui/wizard_frame.h"
#include "checks/report/bundle.h"
#include "installer/manifest.h"
#include "tests/integration/installer/loopback_server.h"
#include "tests/unit/installer/archive_builder.h"
#include "checks/report/files.h"
#include "tests/gui/wizard/gui_harness.h"
#include "tests/unit/attach/attach_fixtures.h"
#include "tests/gui/wizard/screenshot_check.h"

using namespace certwiz;
using namespace certwiz::gui;
using namespace certwiz::gui::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string g_scenario;
std::string g_out;
std::string g_lang = "zh_TW";
int g_rc = 1;
constexpr const char* kLabPin = "135790";  // the lab cards' published test PIN (tests/lab/README.md)
constexpr const char* kCitizenReader = "CertWiz Lab Reader A 00 00";
// Where no local signing component answers in the lab (nothing listens on the discard port).
constexpr const char* kDeadComponentUrl = "http://127.0.0.1:9";

Json lab_identities() {
  const char* path = std::getenv("CERTWIZ_LAB_IDENTITIES");
  std::ifstream f(path ? path : "");
  if (!f) return Json::object();
  return Json::parse(f, nullptr, false);
}

// A shell command on its own thread, so the UI thread never waits for it.
struct Command {
  std::atomic<bool> done{false};
  std::atomic<int> rc{-1};
  std::string output;
  std::chrono::steady_clock::time_point finished_at;
  std::thread t;
  void start(const std::string& cmd) {
    t = std::thread([this, cmd] {
      std::string out;
      if (FILE* p = popen((cmd + " 2>&1").c_str(), "r")) {
        char buf[512];
        while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
        rc = pclose(p);
      }
      output = out;
      finished_at = std::chrono::steady_clock::now();
      done = true;
    });
  }
  ~Command() {
    if (t.joinable()) t.join();
  }
};

class Test {
 public:
  WizardFrame* frame = nullptr;
  Driver* driver = nullptr;
  std::vector<std::string> notes;

  template <typename T>
  T* get(const std::string& name) {
    T* w = find_as<T>(name);
    if (!w) driver->fail("no window named " + name);
    return w;
  }
  wxString label(const std::string& name) {
    auto* w = find(name);
    return w ? w->GetLabel() : wxString();
  }
  void press(const std::string& name) {
    if (auto* w = get<wxWindow>(name)) {
      if (!w->IsEnabled()) driver->fail(name + " is disabled");
      click(w);
    }
  }
  // Sets a text field as a paste would (wxEVT_TEXT follows, as from typing).
  void set_text(const std::string& name, const std::string& value) {
    if (auto* t = get<wxTextCtrl>(name)) t->SetValue(u8(value));
  }
  void set_choice(const std::string& name, const std::string& value) {
    auto* c = get<wxChoice>(name);
    if (!c) return;
    if (!c->SetStringSelection(u8(value))) {
      driver->fail(name + " has no entry " + value);
      return;
    }
    wxCommandEvent ev(wxEVT_CHOICE, c->GetId());
    ev.SetEventObject(c);
    ev.SetInt(c->GetSelection());
    ev.SetString(c->GetStringSelection());
    c->ProcessWindowEvent(ev);
  }
  // Selects entry `index` of a radio box as a click would (wxEVT_RADIOBOX follows).
  void set_radio(const std::string& name, int index) {
    auto* r = get<wxRadioBox>(name);
    if (!r) return;
    r->SetSelection(index);
    wxCommandEvent ev(wxEVT_RADIOBOX, r->GetId());
    ev.SetEventObject(r);
    ev.SetInt(index);
    r->ProcessWindowEvent(ev);
  }
  int radio(const std::string& name) {
    auto* r = find_as<wxRadioBox>(name);
    return r ? r->GetSelection() : -1;
  }
  std::string cell(const std::string& view, const std::string& id, int column) {
    auto* v = find_as<ResultsView>(view);
    if (!v) return {};
    const long row = v->row_of(id);
    return row < 0 ? std::string() : to_u8(v->cell(row, column));
  }
  bool passed(const std::string& view, const std::string& id) { return cell(view, id, 0).rfind("✔", 0) == 0; }
  bool settled(const std::string& view, const std::string& id) {
    const std::string s = cell(view, id, 0);
    return !s.empty() && s.rfind("…", 0) != 0;
  }
  std::string list_cell(const std::string& name, const std::string& first_column, int column) {
    auto* l = find_as<wxListCtrl>(name);
    if (!l) return {};
    for (long i = 0; i < l->GetItemCount(); ++i)
      if (to_u8(l->GetItemText(i, 0)) == first_column) return to_u8(l->GetItemText(i, column));
    return {};
  }

  // Screenshot of the whole window (with any dialog over it), saved and checked.
  void screenshot(int n, const std::string& key) {
    frame->Update();
    const wxImage img = grab(frame, g_out);
    const std::string path = g_out + "/wizard-" + std::to_string(n) + "-" + key + ".png";
    if (!img.IsOk() || !img.SaveFile(u8(path), wxBITMAP_TYPE_PNG)) return driver->fail("cannot save " + path);
    const BlankCheck blank = check_not_blank(img);
    if (!blank.ok) return driver->fail(path + ": " + blank.why);
    auto* heading = find("page_heading");
    const GlyphCheck glyphs = check_glyphs(img, frame, heading);
    if (!glyphs.ok) return driver->fail(path + ": " + glyphs.why);
    // Every label on the page must be drawable by the UI font (no boxes anywhere).
    std::string missing;
    wxString all;
    collect_text(frame, all);
    if (!font_covers(ui_face_name(), all, missing)) return driver->fail(path + ": the UI font lacks " + missing);
    // Readable at any scaling: no label or button cut short, no control past the page's
    // edge, no list column narrower than its heading.
    std::vector<std::string> cut;
    check_layout(frame, cut);
    if (!cut.empty()) {
      std::string why;
      for (const auto& c : cut) why += "\n    " + c;
      return driver->fail(path + ": cut off at this scaling:" + why);
    }
    std::fprintf(stderr, "  screenshot %s: ink %.2f, %zu colours, glyphs %.2f (boxes %.2f)\n", path.c_str(),
                 blank.ink_fraction, blank.colours, glyphs.corr_real, glyphs.corr_tofu);
  }
  static std::string describe(wxWindow* w) {
    std::string what = to_u8(w->GetName());
    const std::string text = to_u8(w->GetLabel());
    if (!text.empty()) what += " \"" + text.substr(0, 60) + "\"";
    return what;
  }
  void check_layout(wxWindow* w, std::vector<std::string>& cut) {
    if (!w->IsShownOnScreen()) return;
    const bool labelled = dynamic_cast<wxStaticText*>(w) || dynamic_cast<wxButton*>(w) ||
                          dynamic_cast<wxCheckBox*>(w) || dynamic_cast<wxRadioButton*>(w);
    if (labelled && !w->GetLabel().empty()) {
      const wxSize have = w->GetSize(), need = w->GetBestSize();
      if (have.x + 1 < need.x || have.y + 1 < need.y)
        cut.push_back(describe(w) + ": " + std::to_string(have.x) + "x" + std::to_string(have.y) + " < needed " +
                      std::to_string(need.x) + "x" + std::to_string(need.y));
    }
    // Inside the parent's area: its client area, or for a scrolled panel, as far as it
    // scrolls (in the directions it scrolls at all).
    wxWindow* parent = w->GetParent();
    if (parent && !w->IsTopLevel() && !dynamic_cast<wxListCtrl*>(parent)) {
      wxRect r = w->GetRect();
      wxSize room = parent->GetClientSize();
      if (auto* sw = dynamic_cast<wxScrolledWindow*>(parent)) {
        r.SetPosition(sw->CalcUnscrolledPosition(r.GetPosition()));
        int ux = 0, uy = 0;
        sw->GetScrollPixelsPerUnit(&ux, &uy);
        const wxSize virt = sw->GetVirtualSize();
        if (ux > 0) room.x = std::max(room.x, virt.x);
        if (uy > 0) room.y = std::max(room.y, virt.y);
      }
      if (r.GetRight() >= room.x + 1 || r.GetBottom() >= room.y + 1)
        cut.push_back(describe(w) + ": reaches " + std::to_string(r.GetRight()) + "," + std::to_string(r.GetBottom()) +
                      " in a parent of " + std::to_string(room.x) + "x" + std::to_string(room.y));
    }
    if (auto* l = dynamic_cast<wxListCtrl*>(w); l && l->InReportView()) {
      for (int c = 0; c < l->GetColumnCount(); ++c) {
        wxListItem col;
        col.SetMask(wxLIST_MASK_TEXT | wxLIST_MASK_WIDTH);
        if (!l->GetColumn(c, col)) continue;
        const int need = l->GetTextExtent(col.GetText()).x + l->GetCharWidth() * 2;
        if (col.GetWidth() < need)
          cut.push_back(describe(l) + " column \"" + to_u8(col.GetText()) + "\": " + std::to_string(col.GetWidth()) +
                        " px < heading " + std::to_string(need));
      }
    }
    for (auto* child : w->GetChildren())
      if (!child->IsTopLevel()) check_layout(child, cut);
  }

  // Lets the window repaint (a page just changed) before the screenshot.
  std::vector<Step> shot(int n, const std::string& key) {
    auto since = std::make_shared<std::chrono::steady_clock::time_point>();
    return {{"let page " + key + " repaint",
             [this, since] {
               frame->Refresh();
               *since = std::chrono::steady_clock::now();
             },
             [since] { return std::chrono::steady_clock::now() - *since > 600ms; }, 5s},
            {"screenshot " + std::to_string(n) + " " + key, [this, n, key] { screenshot(n, key); }, {}}};
  }
  void collect_text(wxWindow* w, wxString& out) {
    if (!w->IsShownOnScreen()) return;
    if (dynamic_cast<wxStaticText*>(w) || dynamic_cast<wxButton*>(w)) out += w->GetLabel();
    if (auto* l = dynamic_cast<wxListCtrl*>(w))
      for (long i = 0; i < l->GetItemCount(); ++i)
        for (int c = 0; c < l->GetColumnCount(); ++c) out += l->GetItemText(i, c);
    for (auto* child : w->GetChildren()) collect_text(child, out);
  }

  // The PIN dialog: checks it shows the tries left, types the PIN with real key
  // presses and presses OK.
  std::vector<Step> enter_pin(const std::string& opener) {
    return {
        {"open the PIN dialog (" + opener + ")", [this, opener] { press(opener); },
         [] {
           auto* d = find_as<wxDialog>("pin_dialog");
           return d && d->IsShown();
         },
         10s},
        {"the dialog says how many tries are left",
         [this] {
           const std::string tries = to_u8(label("pin_tries"));
           if (tries.empty()) driver->fail("no tries-left text");
           notes.push_back("PIN dialog: " + tries);
           if (accessible_name(find("pin_entry")) != _("Card PIN")) driver->fail("the PIN field has no accessible name");
           if (find("pin_ok") && find("pin_ok")->IsEnabled()) driver->fail("OK is enabled before a PIN was typed");
           press("pin_entry");
         },
         {}},
        {"type the PIN", [] { type_keys(kLabPin); },
         [this] {
           auto* e = find_as<SecretEntry>("pin_entry");
           return e && e->secret().size() == std::string(kLabPin).size();
         },
         5s},
        {"the field shows placeholders only",
         [this] {
           auto* e = find_as<SecretEntry>("pin_entry");
           if (e && e->GetValue().Contains(kLabPin)) driver->fail("the PIN is in the text control");
         },
         {}},
        {"press OK", [this] { press("pin_ok"); }, [] { return find("pin_dialog") == nullptr || !find("pin_dialog")->IsShown(); }, 5s},
    };
  }

  void next() { press("nav_next"); }
  std::function<bool()> on_page(PageId id) {
    return [this, id] { return frame->current() == id; };
  }
};

Test g;

// The summary page against the session's results: "complete" (✔) only when every check
// passed; otherwise one sentence naming every check that failed or warned.
void check_summary_verdict() {
  const std::string verdict = to_u8(g.label("summary_verdict"));
  const Report report = g.frame->state().report();
  bool problems = false;
  for (const auto& r : report.results) {
    if (r.status != Status::fail && r.status != Status::warn) continue;
    problems = true;
    const std::string title = to_u8(tr(r.title));
    if (verdict.find(title) == std::string::npos)
      g.driver->fail("the summary does not name " + r.id + " (" + title + "), which did not pass: " + verdict);
  }
  if (problems && verdict.rfind("✔", 0) == 0) g.driver->fail("the summary says complete although checks failed or warned: " + verdict);
  if (verdict.empty()) g.driver->fail("the summary states nothing");
}

std::vector<Step> flow_steps() {
  auto app_id = std::make_shared<std::string>();
  auto approve = std::make_shared<Command>();
  auto code = std::make_shared<std::string>();
  const Json ids = lab_identities();
  const Json biz = ids.contains("cards") ? ids["cards"].value("business", Json::object()) : Json::object();
  std::vector<Step> s;
  s.push_back({"welcome page shown", {}, g.on_page(PageId::welcome), 10s});
  for (auto& st : g.shot(1, "welcome")) s.push_back(std::move(st));
  s.push_back({"next: environment", [] { g.next(); }, g.on_page(PageId::environment), 5s});
  s.push_back({"the citizen card is detected",
               {},
               [] {
                 return g.list_cell("env_readers", kCitizenReader, 1).rfind("✔", 0) == 0 && g.passed("env_checks", "pcsc.service") &&
                        g.settled("env_checks", "card.atr") && g.frame->page(PageId::environment)->can_advance();
               },
               20s});
  s.push_back({"the card's own holder kind and validity are shown (read over PC/SC, before HiCOS)",
               {},
               [] {
                 const std::string c = g.list_cell("env_readers", kCitizenReader, 1);
                 return g.settled("env_checks", "card.contents") &&
                        (c.find("自然人憑證，") != std::string::npos || c.find("Citizen certificate, ") != std::string::npos) &&
                        (c.find("有效至") != std::string::npos || c.find("valid to") != std::string::npos);
               },
               20s});
  for (auto& st : g.shot(2, "environment")) s.push_back(std::move(st));
  s.push_back({"next: components", [] { g.next(); }, g.on_page(PageId::components), 5s});
  s.push_back({"component status shown",
               {},
               [] {
                 return g.settled("components_checks", "installer.status") && g.passed("components_checks", "pkcs11.module") &&
                        g.settled("components_checks", "localsign.service") && g.frame->page(PageId::components)->can_advance();
               },
               60s});
  for (auto& st : g.shot(3, "components")) s.push_back(std::move(st));
  s.push_back({"next: card", [] { g.next(); }, g.on_page(PageId::card), 5s});
  s.push_back({"certificates listed, the citizen card chosen",
               {},
               [] {
                 auto* l = find_as<wxListCtrl>("card_certificates");
                 auto* c = find_as<wxChoice>("card_choice");
                 return l && l->GetItemCount() >= 2 && c && c->GetSelection() != wxNOT_FOUND &&
                        to_u8(c->GetStringSelection()).find(kCitizenReader) != std::string::npos &&
                        find("card_pin_button")->IsEnabled();
               },
               90s});
  for (auto& p : g.enter_pin("card_pin_button")) s.push_back(std::move(p));
  s.push_back({"self-tests pass",
               {},
               [] {
                 for (const char* id : {"selftest.pin", "selftest.sign", "selftest.decrypt", "selftest.cms"})
                   if (!g.settled("card_selftests", id)) return false;
                 for (const char* id : {"selftest.pin", "selftest.sign", "selftest.decrypt", "selftest.cms"})
                   if (!g.passed("card_selftests", id))
                     g.driver->fail(std::string(id) + ": " + g.cell("card_selftests", id, 2) + " " + g.cell("card_selftests", id, 3));
                 return g.frame->page(PageId::card)->can_advance();
               },
               120s});
  for (auto& st : g.shot(4, "card")) s.push_back(std::move(st));
  s.push_back({"next: application", [] { g.next(); }, g.on_page(PageId::application), 5s});
  s.push_back({"inputs carry accessible names",
               [] {
                 for (const char* key : {"ubn", "owner_id", "reg_address.county", "email", "password"}) {
                   const wxString want = tr(form::field_label(key));
                   const wxString got = accessible_name(find(std::string("field_") + key));
                   if (got != want) g.driver->fail(std::string("field_") + key + " is announced as \"" + to_u8(got) + "\"");
                 }
               },
               {}});
  s.push_back({"a wrong UBN shows an inline error", [] { g.set_text("field_ubn", "83124561"); },
               [] {
                 auto* e = find("error_ubn");
                 return e && e->IsShown() && to_u8(e->GetLabel()).find("FORM-UBN") != std::string::npos;
               },
               5s});
  s.push_back({"the fixed UBN clears it", [biz] { g.set_text("field_ubn", biz.value("ubn", "")); },
               [] { return !find("error_ubn")->IsShown(); }, 5s});
  s.push_back({"載入 fills the company from the registry", [] { g.press("application_load"); },
               [] {
                 const std::string m = to_u8(g.label("application_message"));
                 if (m.rfind("✘", 0) == 0 || m.find("[SITE-") != std::string::npos || m.find("[FORM-") != std::string::npos ||
                     m.find("[NET-") != std::string::npos)
                   g.driver->fail("載入 failed: " + m);
                 auto* name = find_as<wxTextCtrl>("field_company_name");
                 return name && !name->IsEmpty() && g.frame->page(PageId::application)->can_advance();
               },
               30s});
  s.push_back({"fill in the rest",
               [biz] {
                 const Json reg = biz.value("registered_address", Json::object());
                 const Json mail = biz.value("mailing_address", Json::object());
                 const Json contact = biz.value("contact", Json::object());
                 g.set_text("field_control_no", biz.value("waste_control_number", ""));
                 g.set_text("field_owner_name", biz["responsible_person"].value("name", ""));
                 g.set_text("field_owner_id", biz["responsible_person"].value("national_id", ""));
                 g.set_choice("field_reg_address.county", reg.value("county", ""));
                 g.set_choice("field_reg_address.district", reg.value("district", ""));
                 g.set_text("field_reg_address.street", reg.value("street", ""));
                 g.set_text("field_contact_name", contact.value("name", ""));
                 g.set_text("field_phone1", biz.value("phone", ""));
                 g.set_text("field_phone1_ext", contact.value("phone_ext", ""));
                 g.set_text("field_fax", biz.value("fax", ""));
                 g.set_text("field_email", contact.value("email", ""));
               },
               {}});
  // One click per step: a click is delivered later, and a second click's scrolling in
  // the same step would move the first one's target away from under the pointer.
  s.push_back({"same as above copied the address",
               [] { g.press("application_same_address"); },
               [biz] {
                 auto* street = find_as<wxTextCtrl>("field_mail_address.street");
                 return street && to_u8(street->GetValue()) == biz["registered_address"].value("street", "");
               },
               5s});
  s.push_back({"focus the password field", [] { g.press("field_password"); },
               [] { return wxWindow::FindFocus() == find("field_password"); }, 5s});
  s.push_back({"type the password", [] { type_keys("Gr33n-Source#2026"); },
               [] {
                 auto* p = find_as<SecretEntry>("field_password");
                 return p && p->secret().size() == std::string("Gr33n-Source#2026").size();
               },
               5s});
  s.push_back({"the whole form checks out", [] { g.press("application_check"); },
               [] { return to_u8(g.label("application_message")).rfind("✔", 0) == 0; }, 10s});
  s.push_back({"save the PDF", [] { g.press("application_pdf"); },
               [] {
                 return fs::exists(g_out + "/reports/application-form.pdf") && g.frame->page(PageId::application)->can_advance() &&
                        to_u8(g.label("application_message")).find("application-form.pdf") != std::string::npos;
               },
               30s});
  s.push_back({"submit the application", [] { g.press("application_submit"); },
               [app_id] {
                 const std::string m = to_u8(g.label("application_message"));
                 if (m.find("[SITE-") != std::string::npos || m.find("[FORM-") != std::string::npos) g.driver->fail("submit: " + m);
                 std::smatch match;
                 if (std::regex_search(m, match, std::regex("APP-[0-9]+"))) *app_id = match.str();
                 return !app_id->empty();
               },
               30s});
  for (auto& st : g.shot(5, "application")) s.push_back(std::move(st));
  s.push_back({"site staff approve the application",
               [app_id, approve] {
                 approve->start(std::string(CERTWIZ_SITE_BIN) + " approve --db '" + g_out + "/site/site.db' " + *app_id);
               },
               [approve, code] {
                 if (!approve->done) return false;
                 std::smatch m;
                 if (approve->rc != 0 || !std::regex_search(approve->output, m, std::regex("verification code: ([A-Z0-9]{8})")))
                   g.driver->fail("approve failed: " + approve->output);
                 else
                   *code = m.str(1);
                 return true;
               },
               30s});
  s.push_back({"next: binding", [] { g.next(); }, g.on_page(PageId::binding), 5s});
  s.push_back({"fill the binding form", [code, biz] {
                 if (to_u8(find_as<wxTextCtrl>("binding_ubn")->GetValue()) != biz.value("ubn", ""))
                   g.driver->fail("the UBN was not carried over from the form");
                 g.set_text("binding_code", *code);
               },
               {}});
  for (auto& p : g.enter_pin("binding_bind")) s.push_back(std::move(p));
  s.push_back({"binding succeeds",
               {},
               [] {
                 const std::string r = to_u8(g.label("binding_result"));
                 if (r.rfind("✘", 0) == 0) g.driver->fail("binding: " + r);
                 return r.rfind("✔", 0) == 0;
               },
               60s});
  for (auto& st : g.shot(6, "binding")) s.push_back(std::move(st));
  s.push_back({"next: test login", [] { g.next(); }, g.on_page(PageId::login), 5s});
  for (auto& p : g.enter_pin("login_test")) s.push_back(std::move(p));
  s.push_back({"test login succeeds through both signing paths",
               {},
               [] {
                 const std::string r = to_u8(g.label("login_verdict"));
                 if (r.rfind("✘", 0) == 0) g.driver->fail("test login: " + r);
                 auto* l = find_as<wxListCtrl>("login_paths");
                 return r.rfind("✔", 0) == 0 && l && l->GetItemCount() == 2;
               },
               90s});
  for (auto& st : g.shot(7, "login")) s.push_back(std::move(st));
  s.push_back({"next: summary", [] { g.next(); }, g.on_page(PageId::summary), 5s});
  s.push_back({"export the report", [] { g.press("summary_export"); },
               // Written in the background: done when the page says where it went.
               [] {
                 return to_u8(g.label("summary_exported")).find("certwiz-report.zip") != std::string::npos &&
                        fs::exists(g_out + "/reports/certwiz-report.zip");
               },
               20s});
  s.push_back({"the exported report holds the session and no PIN",
               [] {
                 auto r = report::read_report_file(g_out + "/reports/certwiz-report.zip");
                 if (!r) return g.driver->fail("cannot read the bundle back: " + r.error().code);
                 for (const char* id : {"pcsc.service", "selftest.pin", "selftest.cms", "site.bind", "site.login"}) {
                   bool found = false;
                   for (const auto& c : r->results) found = found || (c.id == id && c.status == Status::pass);
                   if (!found) return g.driver->fail(std::string("the report lacks a passing ") + id);
                 }
                 auto files = report::read_zip(g_out + "/reports/certwiz-report.zip");
                 if (!files) return g.driver->fail("cannot unzip the bundle");
                 for (const auto& f : *files)
                   if (f.data.find(kLabPin) != std::string::npos) return g.driver->fail("the PIN is in " + f.name);
               },
               {}});
  s.push_back({"the summary calls the setup complete only when nothing failed or warned", [] { check_summary_verdict(); }, {}});
  for (auto& st : g.shot(8, "summary")) s.push_back(std::move(st));
  return s;
}

std::vector<Step> card_removed_steps() {
  auto remove = std::make_shared<Command>();
  auto insert = std::make_shared<Command>();
  auto seen_at = std::make_shared<std::chrono::steady_clock::time_point>();
  std::vector<Step> s;
  // By keyboard: Tab moves the focus along the page, and Alt+N (下一步(&N)) goes on.
  s.push_back({"Tab moves the focus from the card choice to the next control",
               [] {
                 wxUIActionSimulator sim;
                 const wxRect r = g.frame->GetScreenRect();
                 sim.MouseMove(r.x + r.width / 2, r.y + r.height / 2);  // no window manager: keys go where the pointer is
                 g.get<wxWindow>("welcome_card_kind")->SetFocus();
                 sim.Char(WXK_TAB);
               },
               [] {
                 wxWindow* f = wxWindow::FindFocus();
                 while (f && f->GetName() != "welcome_mode") f = f->GetParent();
                 return f != nullptr;
               },
               5s});
  s.push_back({"Alt+N: next page", [] {
                 wxUIActionSimulator sim;
                 sim.Char('n', wxMOD_ALT);
               },
               g.on_page(PageId::environment), 5s});
  s.push_back({"the citizen card is detected", {},
               [] { return g.list_cell("env_readers", kCitizenReader, 1).rfind("✔", 0) == 0; }, 20s});
  auto readers_before = std::make_shared<std::string>();
  s.push_back({"the checks have run", {},
               [readers_before] {
                 *readers_before = g.cell("env_checks", "pcsc.readers", 2);
                 return g.frame->page(PageId::environment)->can_advance() && g.passed("env_checks", "pcsc.readers");
               },
               20s});
  s.push_back({"pull the card out (lab card remove citizen)",
               [remove] { remove->start(std::string(CERTWIZ_LAB_SCRIPT) + " card remove citizen"); },
               [remove, seen_at] {
                 const std::string c = g.list_cell("env_readers", kCitizenReader, 1);
                 if (c.rfind("✔", 0) != 0 && seen_at->time_since_epoch().count() == 0) *seen_at = std::chrono::steady_clock::now();
                 return remove->done && seen_at->time_since_epoch().count() != 0;
               },
               20s});
  s.push_back({"the page followed within a second",
               [remove, seen_at] {
                 if (remove->rc != 0) return g.driver->fail("lab card remove failed: " + remove->output);
                 // `lab card remove` returns once PC/SC sees the reader empty; the page must
                 // show it no later than a second after that.
                 const double late = std::chrono::duration<double, std::milli>(*seen_at - remove->finished_at).count();
                 g.notes.push_back("page updated " + std::to_string(static_cast<int>(late)) + " ms after PC/SC saw the removal");
                 if (late > 1000) g.driver->fail("the page updated " + std::to_string(late) + " ms after the removal");
                 const std::string c = g.list_cell("env_readers", kCitizenReader, 1);
                 if (c != to_u8(_("No card"))) g.driver->fail("the reader row says \"" + c + "\", not no card");
               },
               {}});
  s.push_back({"the checks ran again without the card", {},
               [readers_before] {
                 return g.frame->page(PageId::environment)->can_advance() && g.settled("env_checks", "pcsc.readers") &&
                        g.cell("env_checks", "pcsc.readers", 2) != *readers_before;
               },
               20s});
  for (auto& st : g.shot(2, "environment-card-removed")) s.push_back(std::move(st));
  s.push_back({"put the card back", [insert] { insert->start(std::string(CERTWIZ_LAB_SCRIPT) + " card insert citizen"); },
               [insert] { return insert->done && g.list_cell("env_readers", kCitizenReader, 1).rfind("✔", 0) == 0; }, 20s});
  return s;
}

// The language picker on the welcome page: the wizard is rebuilt in the other language
// where it stood, the old window goes, and the new one works (Next leads on).
// The attachments on the application page (issue 17): add scans, see each verdict and a
// preview (a JPEG itself, a PDF's first page), a thumbnail and an executable named .pdf
// refused with their codes, removed again with the Remove button.
std::vector<Step> attachments_steps() {
  std::vector<Step> s;
  const std::string dir = g_out + "/scans";
  auto panel = [] { return find_as<AttachmentsPanel>("attachments"); };
  auto list = [] { return find_as<wxListBox>("attachments_list"); };
  auto preview_shown = [] {
    auto* b = find_as<wxStaticBitmap>("attachments_preview");
    return b && b->GetBitmap().IsOk() && b->GetBitmap().GetWidth() > 20 && b->GetBitmap().GetHeight() > 20;
  };
  auto select = [list](int i) {
    auto* l = list();
    l->SetSelection(i);
    wxCommandEvent ev(wxEVT_LISTBOX, l->GetId());
    ev.SetEventObject(l);
    ev.SetInt(i);
    l->ProcessWindowEvent(ev);
  };
  s.push_back({"to the application page", [] { g.frame->go_to(PageId::application); }, g.on_page(PageId::application), 5s});
  s.push_back({"add the stamped application (PDF) and the registration copy (JPEG)",
               [panel, dir] { panel()->add_files({dir + "/stamped.pdf", dir + "/registration.jpg"}); },
               [panel] { return panel()->count() == 2 && !panel()->busy(); }, 30s});
  s.push_back({"both accepted, the JPEG shown",
               [list, preview_shown] {
                 for (int i = 0; i < 2; ++i)
                   if (!to_u8(list()->GetString(i)).starts_with("✔")) g.driver->fail("entry " + to_u8(list()->GetString(i)));
                 if (!preview_shown()) g.driver->fail("no preview of the JPEG");
                 if (to_u8(g.label("attachments_verdict")).find("1654 x 2339") == std::string::npos)
                   g.driver->fail("verdict: " + to_u8(g.label("attachments_verdict")));
               },
               {}});
  s.push_back({"the PDF's first page is previewed", [select] { select(0); },
               [preview_shown] {
                 const std::string v = to_u8(g.label("attachments_verdict"));
                 if (!preview_shown() || v.find("PDF") == std::string::npos) return false;
                 // The page's bars run from 10 % to 90 % of its width: a preview read with the
                 // wrong pixel layout smears them into the margins.
                 const wxImage im = find_as<wxStaticBitmap>("attachments_preview")->GetBitmap().ConvertToImage();
                 for (int y = 0; y < im.GetHeight(); ++y)
                   for (int x : {1, im.GetWidth() * 5 / 100, im.GetWidth() * 95 / 100, im.GetWidth() - 2})
                     if (im.GetRed(x, y) < 128) {
                       g.driver->fail("the preview has ink in the margin at " + std::to_string(x) + "," + std::to_string(y));
                       return true;
                     }
                 return true;
               },
               5s});
  // The scans sit below the form's fields: scrolled to them for the pictures.
  auto to_scans = [] {
    auto* sw = find_as<wxScrolledWindow>("application_fields");
    sw->Scroll(0, sw->GetVirtualSize().y);
  };
  s.push_back({"scroll to the scans", to_scans, {}});
  for (auto& st : g.shot(5, "attachments")) s.push_back(std::move(st));
  s.push_back({"a thumbnail is refused", [panel, dir] { panel()->add_files({dir + "/thumb.png"}); },
               [panel, list, preview_shown] {
                 if (panel()->count() != 3 || panel()->busy()) return false;
                 const std::string v = to_u8(g.label("attachments_verdict"));
                 if (!to_u8(list()->GetString(2)).starts_with("✘") || v.find("[ATTACH-IMAGE-THUMBNAIL]") == std::string::npos)
                   g.driver->fail("thumbnail: " + v);
                 if (preview_shown()) g.driver->fail("a refused file is previewed");
                 return true;
               },
               30s});
  s.push_back({"an executable named .pdf is refused", [panel, dir] { panel()->add_files({dir + "/invoice.pdf"}); },
               [panel] {
                 if (panel()->count() != 4 || panel()->busy()) return false;
                 const std::string v = to_u8(g.label("attachments_verdict"));
                 if (v.find("[ATTACH-EXECUTABLE]") == std::string::npos) g.driver->fail("executable: " + v);
                 bool blocks = false;
                 for (const auto& e : panel()->blocking_problems()) blocks = blocks || e.code == "ATTACH-EXECUTABLE";
                 if (!blocks) g.driver->fail("the executable does not stop the submission");
                 if (panel()->accepted()->size() != 2) g.driver->fail("only the two good scans may be sent");
                 return true;
               },
               30s});
  s.push_back({"scroll to the scans again", to_scans, {}});
  for (auto& st : g.shot(6, "attachments-refused")) s.push_back(std::move(st));
  s.push_back({"remove the executable", [] { g.press("attachments_remove"); },
               [panel] { return panel()->count() == 3; }, 5s});
  s.push_back({"select the thumbnail", [select] { select(2); }, {}});
  s.push_back({"remove the thumbnail", [] { g.press("attachments_remove"); },
               [panel] { return panel()->count() == 2 && panel()->blocking_problems().empty(); }, 5s});
  return s;
}

std::vector<Step> language_steps() {
  auto old = std::make_shared<WizardFrame*>(nullptr);
  // Picks `name` in the language choice, then waits for the rebuilt window and drives it.
  auto pick = [old](const std::string& name) {
    return Step{"choose " + name,
                [old, name] {
                  *old = g.frame;
                  g.set_choice("welcome_language", name);
                },
                [old] {
                  WizardFrame* fresh = nullptr;
                  for (wxWindow* w : wxTopLevelWindows) {
                    if (w == *old) return false;  // not closed (and deleted) yet
                    if (auto* f = dynamic_cast<WizardFrame*>(w); f && f->IsShownOnScreen()) fresh = f;
                  }
                  if (fresh) g.frame = fresh;
                  return fresh != nullptr;
                },
                10s};
  };
  // The heading, the language shown, and the page's two choices (business card,
  // troubleshooting: both not the default) kept through the switch.
  auto speaks = [](const std::string& heading, const std::string& choice) {
    return Step{"the wizard speaks it: \"" + heading + "\"", [heading, choice] {
                  if (to_u8(g.label("page_heading")) != heading)
                    g.driver->fail("heading is \"" + to_u8(g.label("page_heading")) + "\"");
                  auto* c = g.get<wxChoice>("welcome_language");
                  if (c && to_u8(c->GetStringSelection()) != choice)
                    g.driver->fail("the choice shows \"" + to_u8(c->GetStringSelection()) + "\"");
                  if (g.radio("welcome_card_kind") != 1 || g.radio("welcome_mode") != 1)
                    g.driver->fail("the welcome page's choices were not kept");
                }, {}};
  };
  std::vector<Step> s;
  s.push_back({"welcome page shown", {}, g.on_page(PageId::welcome), 10s});
  s.push_back({"choose the business card and troubleshooting", [] {
                 g.set_radio("welcome_card_kind", 1);
                 g.set_radio("welcome_mode", 1);
               }, {}});
  s.push_back(speaks("歡迎", "繁體中文"));
  s.push_back(pick("English"));
  s.push_back(speaks("Welcome", "English"));
  for (auto& st : g.shot(1, "welcome-en")) s.push_back(std::move(st));
  s.push_back(pick("繁體中文"));
  s.push_back(speaks("歡迎", "繁體中文"));
  for (auto& st : g.shot(2, "welcome-zh")) s.push_back(std::move(st));
  s.push_back({"the rebuilt wizard leads on (first-time setup)",
               [] {
                 g.set_radio("welcome_mode", 0);
                 g.next();
               },
               g.on_page(PageId::environment), 5s});
  return s;
}

std::vector<Step> troubleshoot_steps() {
  std::vector<Step> s;
  s.push_back({"choose troubleshooting",
               [] {
                 g.set_radio("welcome_mode", 1);
                 g.next();
               },
               g.on_page(PageId::troubleshoot), 5s});
  s.push_back({"the page speaks the chosen language", [] {
                 const std::string want = g_lang == "en" ? "Troubleshooting" : "疑難排解";
                 if (to_u8(g.label("page_heading")) != want) g.driver->fail("heading is \"" + to_u8(g.label("page_heading")) + "\"");
               }, {}});
  s.push_back({"every check in one table",
               {},
               [] {
                 auto* v = find_as<ResultsView>("troubleshoot_results");
                 return v && v->GetItemCount() >= 10 && g.frame->page(PageId::troubleshoot)->can_advance() &&
                        g.passed("troubleshoot_results", "pcsc.service") && g.passed("troubleshoot_results", "pkcs11.tokens");
               },
               180s});
  s.push_back({"failures show a code and a remedy",
               [] {
                 auto* v = find_as<ResultsView>("troubleshoot_results");
                 for (long i = 0; i < v->GetItemCount(); ++i) {
                   const std::string st = to_u8(v->cell(i, 0));
                   if ((st.rfind("✘", 0) == 0 || st.rfind("!", 0) == 0) && (v->cell(i, 3).empty() || v->cell(i, 4).empty()))
                     g.driver->fail("row " + to_u8(v->cell(i, 1)) + " fails without code or remedy");
                 }
               },
               {}});
  for (auto& st : g.shot(9, "troubleshoot")) s.push_back(std::move(st));
  s.push_back({"export", [] { g.press("troubleshoot_export"); },
               // Written in the background: done when the page says where it went.
               [] {
                 return to_u8(g.label("troubleshoot_exported")).find("certwiz-report.zip") != std::string::npos &&
                        fs::exists(g_out + "/reports/certwiz-report.zip");
               },
               20s});
  s.push_back({"a helpdesk opens the bundle",
               [] {
                 if (!g.frame->open_report(g_out + "/reports/certwiz-report.zip")) g.driver->fail("open_report failed");
               },
               [] {
                 return to_u8(g.label("troubleshoot_source")).find("certwiz-report.zip") != std::string::npos &&
                        find_as<ResultsView>("troubleshoot_results")->GetItemCount() >= 10;
               },
               10s});
  return s;
}

std::vector<Step> close_mid_run_steps() {
  std::vector<Step> s;
  s.push_back({"start troubleshooting",
               [] {
                 auto* r = g.get<wxRadioBox>("welcome_mode");
                 if (!r) return;
                 r->SetSelection(1);
                 wxCommandEvent ev(wxEVT_RADIOBOX, r->GetId());
                 ev.SetEventObject(r);
                 ev.SetInt(1);
                 r->ProcessWindowEvent(ev);
                 g.next();
               },
               g.on_page(PageId::troubleshoot), 5s});
  // The script ends while checks run: the window is closed then (on_end), which must
  // cancel them and return promptly.
  s.push_back({"checks are running", {},
               [] { return g.cell("troubleshoot_results", "pcsc.service", 0).size() > 0 && !g.frame->page(PageId::troubleshoot)->can_advance(); },
               10s});
  return s;
}

// The install scenario's package server: a manifest naming an HTTPS package on
// loopback whose module is the lab's card simulator (a real PKCS#11 module).
struct PackageServer {
  installer::testing::TestPki pki;
  std::unique_ptr<installer::testing::LoopbackServer> server;
  std::string dir;
  void publish(const std::string& version, size_t stall_after) {
    namespace it = installer::testing;
    const char* module = std::getenv("CERTWIZ_PKCS11_MODULE");
    std::string filler(1u << 20, '\0');
    for (size_t i = 0; i < filler.size(); ++i) filler[i] = static_cast<char>((i * 2654435761u) >> 13);
    const std::vector<it::ArchiveItem> items = {
        {it::ArchiveItem::Kind::dir, "HiPKILocalSignServerApp/"},
        {it::ArchiveItem::Kind::file, "HiPKILocalSignServerApp/lib/libHicos_p11v1.so", it::read_file(module ? module : ""), "", 0755},
        {it::ArchiveItem::Kind::file, "HiPKILocalSignServerApp/share/filler.bin", filler},
        {it::ArchiveItem::Kind::file, "HiPKILocalSignServerApp/version.txt", version}};
    const std::string name = "/pkg-" + version + "-" + std::to_string(stall_after) + ".tar.gz";
    it::write_archive(dir + name, it::ArchiveFormat::tar_gz, items);
    const std::string bytes = it::read_file(dir + name);
    it::Served s{bytes};
    s.stall_after = stall_after;
    server->serve(name, s);
    Json p{{"id", "test-linux"}, {"os", installer::current_os()}, {"arch", {installer::current_arch()}},
           {"version", version}, {"url", server->url(name)}, {"file", "HiPKILocalSignServerApp.tar.gz"},
           {"format", "tar.gz"}, {"sha256", it::sha256_hex(bytes)}, {"size", bytes.size()}};
    it::write_file(dir + "/manifest.json", Json{{"format", 1}, {"packages", {p}}}.dump());
  }
};
PackageServer* g_packages = nullptr;

// From the welcome page to the components page, where HiCOS is reported not installed.
std::vector<Step> to_components_without_hicos() {
  std::vector<Step> s;
  s.push_back({"next: environment", [] { g.next(); }, g.on_page(PageId::environment), 5s});
  s.push_back({"environment checked", {}, [] { return g.frame->page(PageId::environment)->can_advance(); }, 20s});
  s.push_back({"next: components", [] { g.next(); }, g.on_page(PageId::components), 5s});
  s.push_back({"HiCOS reported not installed", {},
               [] {
                 return g.frame->page(PageId::components)->can_advance() &&
                        g.cell("components_checks", "installer.status", 3) == "INSTALL-NOT-INSTALLED";
               },
               60s});
  return s;
}

std::vector<Step> install_steps() {
  std::vector<Step> s = to_components_without_hicos();
  s.push_back({"install from a server that stalls", [] {
                 g_packages->publish("1.3.4.3", 256 * 1024);
                 g.press("components_install");
               },
               [] {
                 auto* gauge = find_as<wxGauge>("components_progress");
                 const std::string speed = to_u8(g.label("components_speed"));
                 return gauge && gauge->GetValue() > 0 && speed.find("/s") != std::string::npos &&
                        find("components_cancel")->IsEnabled();
               },
               20s});
  for (auto& st : g.shot(3, "components-installing")) s.push_back(std::move(st));
  s.push_back({"cancel the install", [] { g.press("components_cancel"); },
               [] {
                 if (!find("components_install")->IsEnabled() || find("components_cancel")->IsEnabled()) return false;
                 const std::string code = g.cell("components_checks", "installer.install", 3);
                 if (code != "INSTALL-CANCELLED") g.driver->fail("the cancelled install says " + code);
                 return true;
               },
               20s});
  s.push_back({"nothing was installed",
               [] {
                 const char* data = std::getenv("XDG_DATA_HOME");
                 if (fs::exists(std::string(data) + "/certwiz/hicos/HiPKILocalSignServerApp")) g.driver->fail("files left after cancel");
               },
               {}});
  auto started = std::make_shared<bool>(false);
  s.push_back({"install for real", [] {
                 g_packages->publish("1.3.4.3", 0);
                 g.press("components_install");
               },
               [started] {
                 // The click arrives through the X server: first the install starts...
                 if (!*started) {
                   *started = !find("components_install")->IsEnabled();
                   return false;
                 }
                 // ... then it ends.
                 if (!find("components_install")->IsEnabled()) return false;
                 if (!g.passed("components_checks", "installer.install"))
                   g.driver->fail("install: " + g.cell("components_checks", "installer.install", 2) + " " +
                                  g.cell("components_checks", "installer.install", 3));
                 return true;
               },
               60s});
  s.push_back({"the status now says up to date", {},
               [] { return g.frame->page(PageId::components)->can_advance() && g.passed("components_checks", "installer.status"); },
               60s});
  return s;
}

// HiCOS installed by the vendor (a module planted under CERTWIZ_SYSTEM_ROOT, the lab's
// component answering 1.3.4.3): installed with its version and source, and no row tells
// to run CertWiz's installer. Then the component stops answering: the summary page does
// not call the setup complete and names what is missing.
std::vector<Step> vendor_hicos_steps() {
  std::vector<Step> s;
  s.push_back({"next: environment", [] { g.next(); }, g.on_page(PageId::environment), 5s});
  s.push_back({"environment checked", {}, [] { return g.frame->page(PageId::environment)->can_advance(); }, 20s});
  s.push_back({"next: components", [] { g.next(); }, g.on_page(PageId::components), 5s});
  s.push_back({"HiCOS installed by the vendor, version 1.3.4.3", {},
               [] {
                 if (!g.frame->page(PageId::components)->can_advance() || !g.settled("components_checks", "installer.status") ||
                     !g.settled("components_checks", "localsign.service"))
                   return false;
                 const std::string r = g.cell("components_checks", "installer.status", 2);
                 if (!g.passed("components_checks", "installer.status") || r.find("1.3.4.3") == std::string::npos ||
                     (r.find("vendor installer") == std::string::npos && r.find("廠商安裝程式") == std::string::npos))
                   g.driver->fail("installer.status says \"" + r + "\" [" + g.cell("components_checks", "installer.status", 3) + "]");
                 return true;
               },
               60s});
  s.push_back({"no row tells to run CertWiz's installer",
               [] {
                 auto* v = find_as<ResultsView>("components_checks");
                 if (!v) return g.driver->fail("no components list");
                 for (long row = 0; row < v->GetItemCount(); ++row)
                   if (to_u8(v->cell(row, 4)).find("install-hicos") != std::string::npos)
                     g.driver->fail("row \"" + to_u8(v->cell(row, 1)) + "\" says: " + to_u8(v->cell(row, 4)));
               },
               {}});
  for (auto& st : g.shot(3, "components-vendor")) s.push_back(std::move(st));
  s.push_back({"the component stops answering: check again",
               [] {
                 g.frame->state().run.local_sign_url = kDeadComponentUrl;
                 g.press("components_recheck");
               },
               [] {
                 return g.frame->page(PageId::components)->can_advance() && g.settled("components_checks", "localsign.service") &&
                        g.cell("components_checks", "localsign.service", 0).rfind("✘", 0) == 0;
               },
               60s});
  s.push_back({"still installed (vendor), version unknown", {},
               [] {
                 if (!g.passed("components_checks", "installer.status"))
                   g.driver->fail("installer.status: " + g.cell("components_checks", "installer.status", 2));
                 return true;
               },
               5s});
  s.push_back({"to the summary", [] { g.frame->go_to(PageId::summary); }, g.on_page(PageId::summary), 5s});
  s.push_back({"the summary names what is missing and does not call the setup complete",
               [] {
                 check_summary_verdict();
                 const std::string verdict = to_u8(g.label("summary_verdict"));
                 const std::string component = to_u8(tr(Text{"跨平台網頁元件", "Local signing component"}));
                 if (verdict.find(component) == std::string::npos) g.driver->fail("the summary does not name the component: " + verdict);
                 const std::string row = g.list_cell("summary_steps", to_u8(_("Card tool and signing component")), 1);
                 if (row.rfind("✘", 0) != 0) g.driver->fail("the components step says \"" + row + "\" though a check failed");
                 const std::string card = g.list_cell("summary_steps", to_u8(_("Card self-tests passed")), 1);
                 if (card.rfind("–", 0) != 0) g.driver->fail("the card step says \"" + card + "\" though it was never run");
               },
               {}});
  for (auto& st : g.shot(8, "summary-incomplete")) s.push_back(std::move(st));
  return s;
}

// HiCOS not installed (no install record, no vendor files, no component answering).
std::vector<Step> hicos_missing_steps() {
  std::vector<Step> s = to_components_without_hicos();
  auto gui_remedy = std::make_shared<std::string>();
  s.push_back({"the row names the wizard's install button, not a command",
               [gui_remedy] {
                 const CheckResult* r = g.frame->state().result("installer.status");
                 if (!r) return g.driver->fail("installer.status was not recorded");
                 *gui_remedy = to_u8(tr(render_remedy(*r, FrontEnd::gui)));
                 const std::string button = std::string(find_remedy_action("install-hicos")->phrase(FrontEnd::gui, ui_lang()));
                 const std::string cell = g.cell("components_checks", "installer.status", 4);
                 if (cell != *gui_remedy || cell.find(button) == std::string::npos)
                   g.driver->fail("the remedy cell says \"" + cell + "\", not the wizard's words \"" + button + "\"");
                 if (cell.find("certwiz ") != std::string::npos) g.driver->fail("the remedy cell names a command: " + cell);
               },
               {}});
  s.push_back({"Enter on the row opens its details",
               [] {
                 auto* v = g.get<ResultsView>("components_checks");
                 if (!v) return;
                 const long row = v->row_of("installer.status");
                 v->SetItemState(row, wxLIST_STATE_SELECTED | wxLIST_STATE_FOCUSED, wxLIST_STATE_SELECTED | wxLIST_STATE_FOCUSED);
                 // What wxListCtrl sends for Enter or a double-click on the row.
                 wxListEvent ev(wxEVT_LIST_ITEM_ACTIVATED, v->GetId());
                 ev.SetEventObject(v);
                 ev.SetIndex(row);
                 v->ProcessWindowEvent(ev);
               },
               [] {
                 auto* d = find_as<ResultDetail>("result_detail");
                 return d && d->IsShownOnScreen();
               },
               5s});
  s.push_back({"the pane holds the whole remedy, the cause and the code, with accessible names",
               [gui_remedy] {
                 auto* d = find_as<ResultDetail>("result_detail");
                 const std::string text = to_u8(d->text());
                 const CheckResult* r = g.frame->state().result("installer.status");
                 for (const std::string& part : {*gui_remedy, to_u8(tr(r->cause)), std::string("INSTALL-NOT-INSTALLED"),
                                                 to_u8(tr(r->summary))})
                   if (text.find(part) == std::string::npos) g.driver->fail("the details lack \"" + part + "\": " + text);
                 if (accessible_name(find("result_detail_text")) != _("Check details"))
                   g.driver->fail("the details text has no accessible name");
                 if (accessible_name(find("result_detail_copy")).empty()) g.driver->fail("the Copy button has no accessible name");
               },
               {}});
  for (auto& st : g.shot(3, "components-details")) s.push_back(std::move(st));
  s.push_back({"Copy puts the details on the clipboard", [] { g.press("result_detail_copy"); },
               [] { return !to_u8(g.label("result_detail_copied")).empty(); }, 5s});
  s.push_back({"the clipboard holds the details",
               [] {
                 wxString got;
                 if (wxTheClipboard->Open()) {
                   wxTextDataObject data;
                   if (wxTheClipboard->GetData(data)) got = data.GetText();
                   wxTheClipboard->Close();
                 }
                 const wxString want = find_as<ResultDetail>("result_detail")->text();
                 if (got != want) g.driver->fail("the clipboard holds \"" + to_u8(got) + "\", not the details");
               },
               {}});
  s.push_back({"close the pane", [] { g.press("result_detail_close"); },
               [] { return !find_as<ResultDetail>("result_detail")->IsShown(); }, 5s});
  s.push_back({"to the summary", [] { g.frame->go_to(PageId::summary); }, g.on_page(PageId::summary), 5s});
  s.push_back({"the summary says HiCOS is missing and never that the components step is done",
               [gui_remedy] {
                 check_summary_verdict();
                 const std::string verdict = to_u8(g.label("summary_verdict"));
                 const CheckResult* r = g.frame->state().result("installer.status");
                 if (verdict.find(to_u8(tr(r->title))) == std::string::npos || verdict.find(to_u8(tr(r->summary))) == std::string::npos)
                   g.driver->fail("the summary does not say HiCOS is missing: " + verdict);
                 if (verdict.find('\n') != std::string::npos) g.driver->fail("the verdict is not one sentence: " + verdict);
                 const std::string row = g.list_cell("summary_steps", to_u8(_("Card tool and signing component")), 1);
                 if (row.rfind("✘", 0) != 0 || row.find(to_u8(_("Done"))) != std::string::npos ||
                     row.find(to_u8(tr(r->summary))) == std::string::npos)
                   g.driver->fail("the components step says \"" + row + "\" though HiCOS is not installed");
                 const std::string next = to_u8(g.label("summary_next"));
                 if (next.find("certwiz ") != std::string::npos) g.driver->fail("the next step names a command: " + next);
               },
               {}});
  for (auto& st : g.shot(8, "summary-hicos-missing")) s.push_back(std::move(st));
  return s;
}

Json cardsim_state(const std::string& card) {
  const char* dir = std::getenv("CERTWIZ_LAB_DIR");
  std::ifstream f(std::string(dir ? dir : "") + "/cardsim/" + card + ".json");
  return f ? Json::parse(f, nullptr, false) : Json::object();
}

std::vector<Step> pin_final_try_steps() {
  std::vector<Step> s;
  s.push_back({"next: environment", [] { g.next(); }, g.on_page(PageId::environment), 5s});
  s.push_back({"environment checked", {}, [] { return g.frame->page(PageId::environment)->can_advance(); }, 20s});
  s.push_back({"next: components", [] { g.next(); }, g.on_page(PageId::components), 5s});
  s.push_back({"components checked", {}, [] { return g.frame->page(PageId::components)->can_advance(); }, 60s});
  s.push_back({"next: card", [] { g.next(); }, g.on_page(PageId::card), 5s});
  auto card_ready = [] {
    auto* b = find("card_pin_button");
    return b && b->IsEnabled() && g.frame->page(PageId::card)->can_advance();
  };
  s.push_back({"cards read", {}, card_ready, 90s});
  for (int attempt = 1; attempt <= 2; ++attempt) {
    auto opened = std::make_shared<bool>(false);
    s.push_back({"wrong PIN #" + std::to_string(attempt) + ": open the dialog", [] { g.press("card_pin_button"); },
                 [] { return find("pin_dialog") && find("pin_dialog")->IsShown(); }, 10s});
    s.push_back({"type a wrong PIN", [] {
                   g.press("pin_entry");
                 },
                 {}});
    s.push_back({"keys", [] { type_keys("111111"); },
                 [] { return find_as<SecretEntry>("pin_entry") && find_as<SecretEntry>("pin_entry")->secret().size() == 6; }, 5s});
    s.push_back({"OK", [] { g.press("pin_ok"); }, [] { return !find("pin_dialog") || !find("pin_dialog")->IsShown(); }, 5s});
    s.push_back({"the card refused it, and nothing was retried",
                 {},
                 [attempt] {
                   if (!g.settled("card_selftests", "selftest.pin") || !g.frame->page(PageId::card)->can_advance()) return false;
                   if (g.cell("card_selftests", "selftest.pin", 3) != "P11-PIN-WRONG")
                     g.driver->fail("selftest.pin says " + g.cell("card_selftests", "selftest.pin", 3));
                   const Json st = cardsim_state("citizen");
                   if (st.value("tries_left", -1) != 3 - attempt)
                     g.driver->fail("the card has " + std::to_string(st.value("tries_left", -1)) + " tries left, not " +
                                    std::to_string(3 - attempt) + " (a PIN was retried?)");
                   return true;
                 },
                 60s});
    // The dialog shows what the card says now: read the cards again.
    s.push_back({"read the cards again", [] { g.press("card_recheck"); },
                 [card_ready, opened] {
                   if (!*opened) {
                     *opened = !find("card_pin_button")->IsEnabled();
                     return false;
                   }
                   return card_ready();
                 },
                 90s});
  }
  s.push_back({"final try: open the dialog", [] { g.press("card_pin_button"); },
               [] { return find("pin_dialog") && find("pin_dialog")->IsShown(); }, 10s});
  s.push_back({"it warns and asks for a separate confirmation",
               [] {
                 const std::string tries = to_u8(g.label("pin_tries"));
                 if (tries != to_u8(_("Only 1 try is left: a wrong PIN now locks the card.")))
                   g.driver->fail("the dialog says \"" + tries + "\"");
                 if (!find("pin_confirm_final_try")) g.driver->fail("no confirmation box at the final try");
                 g.press("pin_entry");
               },
               {}});
  s.push_back({"type the right PIN", [] { type_keys(kLabPin); },
               [] { return find_as<SecretEntry>("pin_entry") && find_as<SecretEntry>("pin_entry")->secret().size() == 6; }, 5s});
  s.push_back({"OK stays disabled without the confirmation",
               [] {
                 if (find("pin_ok")->IsEnabled()) g.driver->fail("OK is enabled at the final try without confirmation");
                 g.press("pin_confirm_final_try");
               },
               [] { return find("pin_ok")->IsEnabled(); }, 5s});
  s.push_back({"unticked again, OK is disabled again", [] { g.press("pin_confirm_final_try"); },
               [] { return !find("pin_ok")->IsEnabled(); }, 5s});
  s.push_back({"cancel", [] { g.press("pin_cancel"); }, [] { return !find("pin_dialog") || !find("pin_dialog")->IsShown(); }, 5s});
  s.push_back({"nothing reached the card",
               [] {
                 const Json st = cardsim_state("citizen");
                 if (st.value("tries_left", -1) != 1) g.driver->fail("tries left changed after cancel");
               },
               {}});
  return s;
}

// The flow's own certwiz-site (fresh database, free port, the lab's PKI and registry),
// so its application for the lab company never meets another suite's on the lab's site.
struct OwnSite {
  pid_t pid = -1;
  int port = 0;
  std::string profile;
  bool start(const std::string& dir, std::string& why) {
    const char* state = std::getenv("CERTWIZ_LAB_DIR");
    const char* ids = std::getenv("CERTWIZ_LAB_IDENTITIES");
    const char* lab_profile = std::getenv("CERTWIZ_LAB_SITE_PROFILE");
    if (!state || !ids || !lab_profile) {
      why = "the lab's environment lacks CERTWIZ_LAB_DIR / _IDENTITIES / _SITE_PROFILE";
      return false;
    }
    const std::string pki = std::string(state) + "/pki";
    {  // A free port: bound by the kernel, released for the server.
      const int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t len = sizeof a;
      bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
      port = ntohs(a.sin_port);
      close(fd);
    }
    fs::create_directories(dir);
    std::ifstream in(lab_profile);
    Json p = Json::parse(in, nullptr, false);
    if (p.is_discarded()) {
      why = "cannot read the lab's site profile";
      return false;
    }
    p["base_url"] = "https://127.0.0.1:" + std::to_string(port);
    profile = dir + "/site-profile.json";
    std::ofstream(profile) << p.dump(2);
    std::vector<std::string> args = {
        CERTWIZ_SITE_BIN, "serve", "--db", dir + "/site.db", "--cert", pki + "/tls/server.pem", "--key",
        pki + "/tls/server.key", "--bind", "127.0.0.1", "--port", std::to_string(port), "--site-host", "127.0.0.1",
        "--anchors", pki + "/root/ca.pem", "--intermediates", pki + "/moica-g2/ca.pem", pki + "/moica-g3/ca.pem",
        pki + "/moeaca/ca.pem", "--crl-cache", dir + "/crl-cache", "--seed-identities", ids};
    // The wizard's signatures go to the lab's independent oracle too (tests/lab/oracle).
    if (const char* lab = std::getenv("CERTWIZ_LAB_DIR"); lab && *lab)
      args.insert(args.end(), {"--capture-cms", std::string(lab) + "/cms-capture"});
    pid = fork();
    if (pid == 0) {
      if (FILE* log = std::fopen((dir + "/site.log").c_str(), "w")) {
        dup2(fileno(log), STDOUT_FILENO);
        dup2(fileno(log), STDERR_FILENO);
      }
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    for (int i = 0; i < 100; ++i) {  // up to 10 s for it to listen
      const int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(port));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      const bool up = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      close(fd);
      if (up) return true;
      int status;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        why = "certwiz-site exited; see " + dir + "/site.log";
        return false;
      }
      usleep(100000);
    }
    why = "certwiz-site did not listen on port " + std::to_string(port);
    return false;
  }
  ~OwnSite() {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    int status;
    for (int i = 0; i < 30 && waitpid(pid, &status, WNOHANG) != pid; ++i) usleep(100000);
    if (waitpid(pid, &status, WNOHANG) == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
  }
};
OwnSite* g_site = nullptr;
std::string g_resume_application;  // resume scenario: the number the earlier (CLI) session got

// Issue 17: the wizard opened days after the application was sent (by the CLI, in an
// earlier session: the progress is shared through the user's data folder). It offers to
// continue, restores the form without the password, asks the site (pending), staff
// approve, asks again (approved) and leads on to binding with the UBN and control number.
std::vector<Step> resume_steps() {
  const Json ids = lab_identities();
  const Json biz = ids.contains("cards") ? ids["cards"].value("business", Json::object()) : Json::object();
  auto approve = std::make_shared<Command>();
  std::vector<Step> s;
  s.push_back({"the welcome page offers to continue the saved application", {},
               [] {
                 auto* b = find("welcome_resume");
                 return b && b->IsShown() && to_u8(g.label("welcome_resume_note")).find(g_resume_application) != std::string::npos;
               },
               10s});
  for (auto& st : g.shot(1, "welcome-resume")) s.push_back(std::move(st));
  s.push_back({"continue where I left off", [] { g.press("welcome_resume"); }, g.on_page(PageId::application), 5s});
  s.push_back({"the saved form is back, without the password",
               [biz] {
                 auto* name = find_as<wxTextCtrl>("field_company_name");
                 auto* fax = find_as<wxTextCtrl>("field_fax");
                 auto* control = find_as<wxTextCtrl>("field_control_no");
                 if (!name || to_u8(name->GetValue()) != biz.value("company_name", ""))
                   g.driver->fail("company name not restored");
                 if (!fax || to_u8(fax->GetValue()) != biz.value("fax", "")) g.driver->fail("fax not restored");
                 if (!control || to_u8(control->GetValue()) != biz.value("waste_control_number", ""))
                   g.driver->fail("control number not restored");
                 auto* p = find_as<SecretEntry>("field_password");
                 if (!p || !p->secret().empty()) g.driver->fail("a password came back from the disk");
                 if (!find("hint_control_no") || !find("hint_password")) g.driver->fail("the seed's hints are not shown");
               },
               {}});
  s.push_back({"ask the site: still under review", [] { g.press("application_status"); },
               [] { return to_u8(g.label("application_review")).find("SITE-APPLICATION-PENDING") != std::string::npos; }, 30s});
  s.push_back({"site staff approve the application",
               [approve] {
                 approve->start(std::string(CERTWIZ_SITE_BIN) + " application --db '" + g_out + "/site/site.db' " +
                                g_resume_application + " --to approved");
               },
               [approve] {
                 if (!approve->done) return false;
                 if (approve->rc != 0) g.driver->fail("approve failed: " + approve->output);
                 return true;
               },
               30s});
  s.push_back({"ask again: approved, and the way on to binding", [] { g.press("application_status"); },
               [] {
                 auto* b = find("application_to_binding");
                 return to_u8(g.label("application_review")).rfind("✔", 0) == 0 && b && b->IsShown();
               },
               30s});
  for (auto& st : g.shot(5, "application-resumed")) s.push_back(std::move(st));
  s.push_back({"the progress file says approved, and holds no password", {},
               [] {
                 std::ifstream in(g_out + "/home/XDG_DATA_HOME/certwiz/progress.json");
                 std::stringstream ss;
                 ss << in.rdbuf();
                 const std::string text = ss.str();
                 if (text.find("password") != std::string::npos || text.find("Gr33n-Source#2026") != std::string::npos)
                   g.driver->fail("the progress file holds the password");
                 return text.find("\"approved\"") != std::string::npos;
               },
               5s});
  s.push_back({"go on to binding", [] { g.press("application_to_binding"); }, g.on_page(PageId::binding), 5s});
  s.push_back({"the binding form has the UBN and control number", [biz] {
                 if (to_u8(find_as<wxTextCtrl>("binding_ubn")->GetValue()) != biz.value("ubn", ""))
                   g.driver->fail("the UBN was not carried over");
                 if (to_u8(find_as<wxTextCtrl>("binding_control_no")->GetValue()) != biz.value("waste_control_number", ""))
                   g.driver->fail("the control number was not carried over");
               },
               {}});
  return s;
}

class TestApp : public wxApp {
 public:
  bool OnInit() override {
    wxInitAllImageHandlers();
    setup_translations(parse_lang(g_lang));
    WizardOptions o;
    o.lang = g_lang;
    o.report_dir = g_out + "/reports";
    if (const char* t = std::getenv("CERTWIZ_LAB_TRUST")) o.trust.push_back(t);
    if (g_site) o.site = g_site->profile;
    // HiCOS missing: the lab's component would count as a vendor install.
    if (g_scenario == "hicos-missing") o.localsign_url = kDeadComponentUrl;
    if (g_packages) {
      o.manifest = g_packages->dir + "/manifest.json";
      o.cacert = g_packages->pki.ca_cert;
      // The lab's component would count as a vendor install: this scenario starts from none.
      o.localsign_url = kDeadComponentUrl;
    }
    g.frame = new WizardFrame(o);
    g.frame->Move(0, 0);
    g.frame->Show();
    std::vector<Step> steps;
    if (g_scenario == "flow") steps = flow_steps();
    else if (g_scenario == "card-removed") steps = card_removed_steps();
    else if (g_scenario == "close-mid-run") steps = close_mid_run_steps();
    else if (g_scenario == "install") steps = install_steps();
    else if (g_scenario == "pin-final-try") steps = pin_final_try_steps();
    else if (g_scenario == "language") steps = language_steps();
    else if (g_scenario == "vendor-hicos") steps = vendor_hicos_steps();
    else if (g_scenario == "hicos-missing") steps = hicos_missing_steps();
    else if (g_scenario == "resume") steps = resume_steps();
    else if (g_scenario == "attachments") steps = attachments_steps();
    else steps = troubleshoot_steps();
    // The window first: mapped and laid out before the script starts.
    steps.insert(steps.begin(), Step{"window shown", {}, [] { return g.frame->IsShownOnScreen(); }, 10s});
    // At any scaling the window fits the screen (1280x800 here) and can shrink further.
    steps.insert(steps.begin() + 1, Step{"the window fits the screen", [] {
                   const wxRect r = g.frame->GetScreenRect();
                   if (r.GetRight() >= 1280 || r.GetBottom() >= 800 || g.frame->GetMinSize().x > r.width)
                     g.driver->fail("window " + std::to_string(r.width) + "x" + std::to_string(r.height) + " does not fit 1280x800");
                 }, {}});
    g.driver = new Driver(std::move(steps));
    g.driver->on_end = [] {
      for (const auto& n : g.notes) std::fprintf(stderr, "note: %s\n", n.c_str());
      std::fprintf(stderr, "longest UI stall: %.0f ms (during \"%s\")\n", g.driver->longest_gap_ms(),
                   g.driver->longest_gap_step().c_str());
      g_rc = g.driver->failed() ? 1 : 0;
      // Closing cancels whatever still runs; it must not take long.
      const auto t0 = std::chrono::steady_clock::now();
      g.frame->Close(true);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, "closed in %.0f ms\n", ms);
      if (ms > 3000) {
        std::fprintf(stderr, "FAIL closing took %.0f ms\n", ms);
        g_rc = 1;
      }
    };
    g.driver->begin();
    return true;
  }
  int OnExit() override {
    delete g.driver;
    return 0;
  }
};

}  // namespace

wxIMPLEMENT_APP_NO_MAIN(TestApp);

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--scenario") g_scenario = argv[i + 1];
    if (std::string(argv[i]) == "--out") g_out = argv[i + 1];
    if (std::string(argv[i]) == "--lang") g_lang = argv[i + 1];
    if (std::string(argv[i]) == "--dpi-scale") setenv("GDK_DPI_SCALE", argv[i + 1], 1);
  }
  if (g_out.empty() ||
      (g_scenario != "flow" && g_scenario != "card-removed" && g_scenario != "troubleshoot" && g_scenario != "close-mid-run" &&
       g_scenario != "install" && g_scenario != "pin-final-try" && g_scenario != "language" && g_scenario != "vendor-hicos" &&
       g_scenario != "resume" && g_scenario != "attachments" && g_scenario != "hicos-missing")) {
    std::fprintf(stderr, "usage: test_wizard_gui --scenario flow|card-removed|troubleshoot|close-mid-run|install|pin-final-try|language|vendor-hicos|resume|attachments|hicos-missing "
                         "--out DIR "
                         "[--lang zh_TW|en] [--dpi-scale F]\n");
    return 2;
  }
  if (!std::getenv("CERTWIZ_LAB")) {
    std::fprintf(stderr, "run inside the lab (ctest, or tests/lab/lab run --)\n");
    return 2;
  }
  fs::remove_all(g_out);
  fs::create_directories(g_out + "/reports");
  // Installs go to the test's own folders, never the user's.
  for (const char* var : {"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"}) {
    const std::string d = g_out + "/home/" + var;
    fs::create_directories(d);
    setenv(var, d.c_str(), 1);
  }
  if (g_scenario == "vendor-hicos") {
    // The vendor's layout under a root of the test's own (the module need not load here:
    // the lab's module is the one the wizard uses).
    const std::string root = g_out + "/root";
    fs::create_directories(root + "/usr/local/HiPKILocalSignServerApp/lib");
    std::ofstream(root + "/usr/local/HiPKILocalSignServerApp/lib/libHicos_p11v1.so") << "not a real module";
    std::ofstream(root + "/usr/local/HiPKILocalSignServerApp/start.sh") << "#!/bin/sh\n";
    setenv("CERTWIZ_SYSTEM_ROOT", root.c_str(), 1);
  }
  if (g_scenario == "attachments") {
    // Scans made for the test: two good ones, a thumbnail and a program named like a PDF.
    const std::string dir = g_out + "/scans";
    fs::create_directories(dir);
    attach::testing::write_file(dir, "stamped.pdf", attach::testing::make_pdf(2));
    attach::testing::write_file(dir, "registration.jpg", attach::testing::make_jpeg(1654, 2339));
    attach::testing::write_file(dir, "thumb.png", attach::testing::make_png(150, 212));
    attach::testing::write_file(dir, "invoice.pdf", std::string("MZ\x90\0\3\0\0\0", 8) + std::string(3000, '\0'));
  }
  std::unique_ptr<OwnSite> site;
  if (g_scenario == "flow" || g_scenario == "resume") {
    site = std::make_unique<OwnSite>();
    std::string why;
    if (!site->start(g_out + "/site", why)) {
      std::fprintf(stderr, "FAIL %s\n", why.c_str());
      return 1;
    }
    g_site = site.get();
  }
  if (g_scenario == "resume") {
    // The earlier session: the application sent with the CLI, which saves the progress in
    // this test's XDG_DATA_HOME (set above) for the wizard to find.
    const Json biz = lab_identities()["cards"]["business"];
    const Json form{{"ubn", biz["ubn"]}, {"control_no", biz["waste_control_number"]}, {"password", "Gr33n-Source#2026"},
                    {"company_name", biz["company_name"]}, {"owner_name", biz["responsible_person"]["name"]},
                    {"owner_id", biz["responsible_person"]["national_id"]},
                    {"reg_address", {{"county", biz["registered_address"]["county"]}, {"district", biz["registered_address"]["district"]},
                                     {"street", biz["registered_address"]["street"]}}},
                    {"mail_address", {{"county", biz["mailing_address"]["county"]}, {"district", biz["mailing_address"]["district"]},
                                      {"street", biz["mailing_address"]["street"]}}},
                    {"contact_name", biz["contact"]["name"]}, {"phone1", biz["phone"]}, {"phone1_ext", biz["contact"]["phone_ext"]},
                    {"phone2", ""}, {"fax", biz["fax"]}, {"email", biz["contact"]["email"]},
                    {"citizen_cert_login", "disable"}, {"business_cert_login", "enable"}};
    const std::string form_path = g_out + "/form.json";
    std::ofstream(form_path) << form.dump(2);
    const char* build = std::getenv("CERTWIZ_BUILD_DIR");
    Command apply;
    apply.start(std::string(build ? build : ".") + "/bin/certwiz apply --form '" + form_path + "' --submit --site '" +
                site->profile + "' --lang en");
    if (apply.t.joinable()) apply.t.join();
    std::smatch m;
    if (apply.rc != 0 || !std::regex_search(apply.output, m, std::regex("APP-[0-9]+"))) {
      std::fprintf(stderr, "FAIL the earlier session's certwiz apply --submit: %s\n", apply.output.c_str());
      return 1;
    }
    g_resume_application = m.str();
    fs::remove(form_path);  // it held the password
  }
  std::unique_ptr<PackageServer> packages;
  if (g_scenario == "install") {
    packages = std::make_unique<PackageServer>();
    packages->dir = g_out + "/packages";
    fs::create_directories(packages->dir);
    packages->pki = installer::testing::make_test_pki(packages->dir);
    packages->server = std::make_unique<installer::testing::LoopbackServer>(packages->pki.server_cert, packages->pki.server_key);
    g_packages = packages.get();
  }
  Xvfb x;
  std::string why;
  if (!x.start(why)) {
    std::fprintf(stderr, "FAIL %s\n", why.c_str());
    return 1;
  }
  setenv("NO_AT_BRIDGE", "1", 1);
  setenv("GDK_BACKEND", "x11", 1);
  int wx_argc = 1;
  char* wx_argv[] = {argv[0], nullptr};
  wxEntry(wx_argc, wx_argv);
  x.stop();
  if (g_scenario == "pin-final-try") {
    // The card gets its 3 tries back for the tests after this one.
    std::system((std::string(CERTWIZ_LAB_SCRIPT) + " card reset citizen >/dev/null 2>&1").c_str());
  }
  if (g_scenario == "card-removed") {
    // Whatever happened, the next test finds the card where the lab put it.
    std::system((std::string(CERTWIZ_LAB_SCRIPT) + " card insert citizen >/dev/null 2>&1").c_str());
  }
  std::fprintf(stderr, "%s: %s\n", g_scenario.c_str(), g_rc == 0 ? "PASSED" : "FAILED");
  return g_rc;
}
