// certwiz install-hicos / uninstall-hicos: fetch, verify, unpack and register the HiCOS
// card tool (installer/), with a progress bar on a terminal. Ctrl-C cancels cleanly.
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "app/cli/cli.h"
#include "checks/core/platform.h"
#include "checks/pkcs11/probe.h"
#include "installer/install.h"
#include "installer/status.h"

namespace certwiz::cli {
namespace {

struct InstallFlags {
  std::string lang, manifest, package_url, proxy, cacert, json;
  bool system = false, firefox = false, vendor_script = false, force = false, check = false, accept_unverified = false;
};

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) { g_interrupted = 1; }

std::string human_bytes(double b) {
  char buf[32];
  if (b >= 1024.0 * 1024.0) std::snprintf(buf, sizeof buf, "%.1f MB", b / (1024.0 * 1024.0));
  else std::snprintf(buf, sizeof buf, "%.0f KB", b / 1024.0);
  return buf;
}

// One line redrawn in place: [#####.....]  45%  8.6 MB / 19.0 MB  2.1 MB/s  ETA 5 s
void draw_progress(const installer::TransferProgress& p) {
  constexpr int kWidth = 30;
  std::string line = "\r";
  if (p.total > 0) {
    const double frac = std::min(1.0, static_cast<double>(p.bytes) / static_cast<double>(p.total));
    const int filled = static_cast<int>(frac * kWidth);
    line += "[" + std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(kWidth - filled), '.') + "] ";
    char pct[8];
    std::snprintf(pct, sizeof pct, "%3d%% ", static_cast<int>(frac * 100));
    line += pct + human_bytes(static_cast<double>(p.bytes)) + " / " + human_bytes(static_cast<double>(p.total));
  } else {
    line += human_bytes(static_cast<double>(p.bytes));
  }
  line += "  " + human_bytes(p.bytes_per_second) + "/s";
  if (p.eta_seconds >= 0) line += "  ETA " + std::to_string(static_cast<long>(std::ceil(p.eta_seconds))) + " s";
  line += "   ";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

int print_and_exit(const CheckResult& r, Lang lang, const std::string& json_path) {
  const bool en = lang == Lang::en;
  std::printf("%s: %s\n", std::string(status_name(r.status)).c_str(), r.summary.in(lang).c_str());
  if (!r.code.empty()) {
    std::printf("  %s %s\n", en ? "code:" : "代碼：", r.code.c_str());
    if (!r.cause.empty()) std::printf("  %s %s\n", en ? "cause:" : "原因：", r.cause.in(lang).c_str());
    if (!r.remedy.empty()) std::printf("  %s %s\n", en ? "remedy:" : "處理方式：", render_remedy(r, FrontEnd::cli).in(lang).c_str());
    if (!r.detail.empty()) std::printf("  %s %s\n", en ? "detail:" : "細節：", r.detail.c_str());
  }
  if (!json_path.empty()) {
    const std::string text = to_json(r).dump(2) + "\n";
    if (json_path == "-") {
      std::fputs(text.c_str(), stdout);
    } else {
      std::ofstream f(json_path, std::ios::trunc);
      f << text;
      if (!f) {
        std::fprintf(stderr, "certwiz: %s %s\n", en ? "cannot write" : "無法寫入", json_path.c_str());
        return kInternal;
      }
    }
  }
  switch (r.status) {
    case Status::pass: return kAllPassed;
    case Status::warn: return kWarnings;
    default: return kFailures;
  }
}

installer::ModuleVerifier probe_verifier() {
  return [](const std::string& path) -> Expected<Json> {
    auto info = pkcs11::probe_module_info(path, std::chrono::seconds(20));
    if (!info) return info.error();
    return pkcs11::to_json(*info);
  };
}

int run_install(const InstallFlags& f) {
  const Lang lang = user_lang(f.lang);
  installer::InstallOptions o;
  o.manifest = f.manifest;
  o.package_url = f.package_url;
  o.paths = installer::default_install_paths(f.system);
  o.firefox = f.firefox;
  o.run_vendor_script = f.vendor_script;
  o.force = f.force;
  o.accept_unverified = f.accept_unverified;
  o.download.proxy = f.proxy;
  o.download.ca_file = f.cacert;
  o.verify_module = probe_verifier();
  if (f.check) {
    auto m = installer::load_manifest(f.manifest, o.download);
    if (!m) {
      CheckResult r = CheckResult::from_error(m.error(), {"無法取得套件清單", "Could not load the package manifest"});
      r.id = "installer.status";
      return print_and_exit(r, lang, f.json);
    }
    // The same answer as diagnose's installer.status: CertWiz's install, a vendor's, the running component.
    const RunOptions run = RunOptions::from_environment();
    installer::HicosStatusOptions so = installer::hicos_status_options(run);
    so.paths = o.paths;
    return print_and_exit(installer::hicos_status(installer::find_hicos(so), so, &*m), lang, f.json);
  }
  const bool tty = is_terminal(stderr);
  bool drew = false;
  o.download.on_progress = [&](const installer::TransferProgress& p) {
    if (!tty) return;
    draw_progress(p);
    drew = true;
  };
  o.on_phase = [&](installer::InstallPhase p) {
    if (drew) std::fputs("\n", stderr);
    drew = false;
    if (tty && p != installer::InstallPhase::done)
      std::fprintf(stderr, "%s…\n", std::string(installer::install_phase_name(p)).c_str());
  };
  // Ctrl-C: the handler only sets a flag; a watcher turns it into a cancellation.
  g_interrupted = 0;
  // std::signal, not sigaction: the same code serves Windows' console Ctrl-C.
  const auto old_int = std::signal(SIGINT, on_interrupt);
  const auto old_term = std::signal(SIGTERM, on_interrupt);
  std::atomic<bool> finished{false};
  std::thread watcher([&] {
    while (!finished) {
      if (g_interrupted) {
        o.download.cancel.cancel();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  CheckResult r = installer::install_hicos(o);
  finished = true;
  watcher.join();
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);
  if (drew) std::fputs("\n", stderr);
  return print_and_exit(r, lang, f.json);
}

}  // namespace

void register_install(CLI::App& app, Runner& run) {
  static InstallFlags f;
  auto* cmd = app.add_subcommand("install-hicos", "Download, verify and install the HiCOS card tool (PKCS#11 module)");
  cmd->add_option("--manifest", f.manifest, "Package manifest: https URL or file (default: the bundled one)");
  cmd->add_option("--package-url", f.package_url, "Fetch the package from this https URL instead of the manifest's");
  cmd->add_flag("--system", f.system, "Install for all users (/opt/certwiz/hicos, /etc/pkcs11/modules); needs root");
  cmd->add_option("--proxy", f.proxy, "Proxy URL (default: from https_proxy / no_proxy)");
  cmd->add_option("--cacert", f.cacert, "Extra CA certificate (PEM) to trust for the download, e.g. a company proxy's");
  cmd->add_flag("--firefox", f.firefox, "Also add the module to Firefox profiles (needs modutil, libnss3-tools)");
  cmd->add_flag("--run-vendor-script", f.vendor_script, "Run the package's own install script (its changes cannot be rolled back)");
  cmd->add_flag("--accept-unverified", f.accept_unverified,
                "Install even though the manifest pins no SHA-256 for the package (compare the hash shown with the official one first)");
  cmd->add_flag("--force", f.force, "Reinstall even when the installed version is up to date");
  cmd->add_flag("--check", f.check, "Only compare the installed version with the manifest's");
  cmd->add_option("--json", f.json, "Write the result as JSON to this file ('-' for standard output)");
  add_lang_option(*cmd, f.lang);
  cmd->callback([&run] { run = [] { return run_install(f); }; });

  static InstallFlags u;
  auto* un = app.add_subcommand("uninstall-hicos", "Remove exactly what certwiz install-hicos installed");
  un->add_flag("--system", u.system, "The all-users installation");
  un->add_option("--json", u.json, "Write the result as JSON to this file ('-' for standard output)");
  add_lang_option(*un, u.lang);
  un->callback([&run] {
    run = [] {
      return print_and_exit(installer::uninstall_hicos(installer::default_install_paths(u.system)), user_lang(u.lang), u.json);
    };
  });
}

}  // namespace certwiz::cli
