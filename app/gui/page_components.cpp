// Page 3: the components a login needs: the HiCOS card tool (PKCS#11 module) and the
// local signing component, installed or not and which versions; installing or updating
// HiCOS shows a gauge, the speed and a cancel button (installer/ does the work).
#include <chrono>
#include <cmath>
#include <future>

#include <wx/button.h>
#include <wx/gauge.h>
#include <wx/msgdlg.h>
#include <wx/sizer.h>
#include <wx/stattext.h>

#include "app/gui/engine_glue.h"
#include "app/gui/i18n.h"
#include "app/gui/results_view.h"
#include "app/gui/wrap_text.h"
#include "checks/diagnose/diagnose.h"
#include "checks/pkcs11/probe.h"
#include "installer/install.h"

namespace certwiz::gui {
namespace {

wxString human_bytes(double b) {
  if (b >= 1024.0 * 1024.0) return wxString::Format("%.1f MB", b / (1024.0 * 1024.0));
  return wxString::Format("%.0f KB", b / 1024.0);
}

class ComponentsPage : public WizardPage {
 public:
  ComponentsPage(wxWindow* parent, WizardFrame& frame) : WizardPage(parent, frame, PageId::components) {
    auto* s = new wxBoxSizer(wxVERTICAL);
    checks_ = new ResultsView(this, "components_checks");
    s->Add(checks_, 1, wxEXPAND | wxBOTTOM, FromDIP(10));
    auto* row = new wxBoxSizer(wxHORIZONTAL);
    install_ = new wxButton(this, wxID_ANY, _("&Install or update HiCOS"));
    install_->SetName("components_install");
    cancel_ = new wxButton(this, wxID_ANY, _("C&ancel install"));
    cancel_->SetName("components_cancel");
    cancel_->Disable();
    recheck_ = new wxButton(this, wxID_ANY, _("Check a&gain"));
    recheck_->SetName("components_recheck");
    row->Add(install_, 0, wxRIGHT, FromDIP(8));
    row->Add(cancel_, 0, wxRIGHT, FromDIP(8));
    row->Add(recheck_, 0);
    s->Add(row, 0, wxBOTTOM, FromDIP(8));
    gauge_ = new wxGauge(this, wxID_ANY, 1000);
    gauge_->SetName("components_progress");
    s->Add(gauge_, 0, wxEXPAND | wxBOTTOM, FromDIP(4));
    phase_ = new WrapText(this, wxString(), "components_phase");
    s->Add(phase_, 0, wxEXPAND);
    speed_ = new wxStaticText(this, wxID_ANY, wxString());
    speed_->SetName("components_speed");
    s->Add(speed_, 0, wxEXPAND);
    SetSizer(s);
    install_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { install(); });
    cancel_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
      install_cancel_.cancel();
      phase_->SetLabel(_("Cancelling..."));
    });
    recheck_->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { check(); });
  }
  wxString title() const override { return _("Card tool and signing component"); }
  wxString intro() const override {
    return _("HiCOS (the card tool with the PKCS#11 module) and the local signing component that the site's "
             "login page uses: installed or not, and which versions.");
  }
  void entered() override {
    if (!checked_once_) check();
  }
  bool can_advance() const override { return !running_ && !installing_; }

 private:
  void check() {
    if (running_) return;
    running_ = true;
    // Rows update in place (by check id), so an install's result stays in view.
    frame_.refresh_nav();
    auto checks = select_checks(diagnose_checks(frame_.state().run), {"installer.status", "pkcs11.module", "localsign."});
    CheckRun cb;
    cb.on_started = [this](const std::string& id, const Text& t) { checks_->running(id, t); };
    cb.on_finished = [this](const CheckResult& r) { checks_->show(r); };
    cb.on_done = [this](const std::vector<CheckResult>& rs) {
      for (const auto& r : rs) checks_->show(r);
      running_ = false;
      checked_once_ = true;
      auto& done = frame_.state().steps_done;
      if (std::find(done.begin(), done.end(), "components") == done.end()) done.push_back("components");
      frame_.refresh_nav();
    };
    run_checks_async(frame_, std::move(checks), std::move(cb));
  }

  void install() {
    if (installing_) return;
    installing_ = true;
    install_->Disable();
    cancel_->Enable();
    gauge_->SetValue(0);
    phase_->SetLabel(_("Starting the install..."));
    speed_->SetLabel(wxString());
    frame_.refresh_nav();
    const WizardOptions& wo = frame_.state().options;
    auto o = std::make_shared<installer::InstallOptions>();
    o->manifest = wo.manifest;
    o->download.ca_file = wo.cacert;
    o->paths = installer::default_install_paths(false);
    o->verify_module = [](const std::string& path) -> Expected<Json> {
      auto info = pkcs11::probe_module_info(path, std::chrono::seconds(20));
      if (!info) return info.error();
      return pkcs11::to_json(*info);
    };
    Background& bg = frame_.bg();
    o->download.on_progress = [&bg, this](const installer::TransferProgress& p) {
      bg.post([this, p] { show_progress(p); });
    };
    o->on_phase = [&bg, this](installer::InstallPhase p) { bg.post([this, p] { show_phase(p); }); };
    // No pinned hash: the installing thread waits for the user's answer in a dialog that
    // shows the computed SHA-256 and the server's certificate (cancelling the install says no).
    installer::InstallOptions* opts = o.get();
    o->confirm_unverified = [&bg, this, opts](const installer::UnverifiedPackage& u) {
      auto answer = std::make_shared<std::promise<bool>>();
      std::future<bool> agreed = answer->get_future();
      bg.post([this, u, answer] { answer->set_value(confirm_unverified(u)); });
      while (agreed.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready)
        if (opts->download.cancel.cancelled()) return false;
      return agreed.get();
    };
    auto result = std::make_shared<CheckResult>();
    install_cancel_ = bg.run(
        [o, result](const CancelToken& cancel) {
          o->download.cancel = cancel;
          *result = installer::install_hicos(*o);
        },
        [this, result] {
          installing_ = false;
          install_->Enable();
          cancel_->Disable();
          checks_->show(*result);
          frame_.state().record(*result);
          phase_->SetLabel(status_label(result->status) + "  " + tr(result->summary));
          phase_->SetForegroundColour(status_colour(result->status));
          if (result->status == Status::pass) gauge_->SetValue(gauge_->GetRange());
          frame_.refresh_nav();
          check();
        });
  }

  bool confirm_unverified(const installer::UnverifiedPackage& u) {
    const wxString unknown = _("unknown");
    wxMessageDialog ask(
        this,
        wxString::Format(_("The package list pins no SHA-256 for this package, so CertWiz cannot tell whether the "
                           "download is the genuine HiCOS package.\n\nSHA-256: %s\nSize: %s bytes\nDownload server "
                           "certificate: %s\nIssued by: %s\n\nCompare the SHA-256 with the one published on the "
                           "official download page before you install it. Install it anyway?"),
                         wxString::FromUTF8(u.sha256), wxString::Format("%llu", static_cast<unsigned long long>(u.size)),
                         u.tls_subject.empty() ? unknown : wxString::FromUTF8(u.tls_subject),
                         u.tls_issuer.empty() ? unknown : wxString::FromUTF8(u.tls_issuer)),
        _("Unverified package"), wxYES_NO | wxNO_DEFAULT | wxICON_WARNING);
    ask.SetName("components_unverified");
    ask.SetYesNoLabels(_("Install anyway"), _("Do not install"));
    return ask.ShowModal() == wxID_YES;
  }

  void show_phase(installer::InstallPhase p) {
    using P = installer::InstallPhase;
    wxString t;
    switch (p) {
      case P::manifest: t = _("Reading the package list..."); break;
      case P::download: t = _("Downloading..."); break;
      case P::unpack: t = _("Unpacking..."); break;
      case P::register_module: t = _("Registering the PKCS#11 module..."); break;
      case P::verify: t = _("Loading the module to verify it..."); break;
      case P::rollback: t = _("Undoing the changes..."); break;
      case P::done: t = _("Done."); break;
    }
    phase_->SetForegroundColour(*wxBLACK);
    phase_->SetLabel(t);
  }

  void show_progress(const installer::TransferProgress& p) {
    if (p.total > 0) {
      gauge_->SetValue(static_cast<int>(std::min(1.0, static_cast<double>(p.bytes) / static_cast<double>(p.total)) * 1000));
    } else {
      gauge_->Pulse();
    }
    wxString line = human_bytes(static_cast<double>(p.bytes));
    if (p.total > 0) line += " / " + human_bytes(static_cast<double>(p.total));
    line += "   " + human_bytes(p.bytes_per_second) + "/s";
    if (p.eta_seconds >= 0) line += wxString::Format(_("   about %ld s left"), static_cast<long>(std::ceil(p.eta_seconds)));
    speed_->SetLabel(line);
  }

  ResultsView* checks_;
  wxButton* install_;
  wxButton* cancel_;
  wxButton* recheck_;
  wxGauge* gauge_;
  wxStaticText* phase_;
  wxStaticText* speed_;
  CancelToken install_cancel_;
  bool running_ = false;
  bool installing_ = false;
  bool checked_once_ = false;
};

}  // namespace

WizardPage* make_components_page(wxWindow* parent, WizardFrame& frame) { return new ComponentsPage(parent, frame); }

}  // namespace certwiz::gui
