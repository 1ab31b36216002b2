// certwiz-site: the lab's reference site. `serve` runs the HTTPS endpoints; `approve`,
// `application`, `login-type`, `attachments`, `export-attachments`, `migrate` and `seed` are
// the site staff's commands on the same database.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "tests/lab/site/attachments.h"
#include "tests/lab/site/site_server.h"
#include "tests/lab/site/site_store.h"

using namespace certwiz::site_server;

namespace {

SiteServer* g_server = nullptr;

extern "C" void on_signal(int) {
  // Before the accept loop runs, stop() would be lost and the site would serve on:
  // there is nothing to finish yet, so leave at once.
  if (g_server && g_server->serving()) g_server->stop();
  else _exit(0);
}

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"certwiz-site: the lab's reference site (docs/site-protocol.md)"};
  app.require_subcommand(1);

  SiteConfig cfg;
  std::vector<std::string> seed_files;
  bool no_ocsp = false, no_crl = false;
  int revocation_cache = 0;
  auto* serve = app.add_subcommand("serve", "Serve the site's HTTPS endpoints");
  serve->add_option("--db", cfg.db_path, "SQLite database (created and migrated when needed)")->required();
  serve->add_option("--cert", cfg.cert_file, "TLS server certificate (PEM)")->required()->check(CLI::ExistingFile);
  serve->add_option("--key", cfg.key_file, "TLS server key (PEM)")->required()->check(CLI::ExistingFile);
  serve->add_option("--bind", cfg.bind_address, "Address to listen on")->capture_default_str();
  serve->add_option("--port", cfg.port, "Port; 0 picks a free one")->capture_default_str();
  serve->add_option("--anchors", cfg.verifier.anchor_files, "Pinned trust anchors for login certificates (PEM)")
      ->required()->check(CLI::ExistingFile);
  serve->add_option("--intermediates", cfg.verifier.intermediate_files, "CA certificates that may complete a chain (PEM)")
      ->check(CLI::ExistingFile);
  serve->add_option("--policy", cfg.verifier.accepted_policies, "Accepted certificate policy OIDs (any one)");
  serve->add_option("--site-host", cfg.site_host, "Host named in every challenge")->capture_default_str();
  serve->add_option("--challenge-seconds", cfg.challenge_seconds, "Challenge lifetime")->capture_default_str()
      ->check(CLI::Range(1, 3600));
  serve->add_option("--session-seconds", cfg.session_seconds, "Session lifetime")->capture_default_str()
      ->check(CLI::Range(1, 86400));
  serve->add_option("--rate-limit", cfg.rate_limit_per_minute,
                    "Requests per minute per client address, and binds per account (0: none)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  serve->add_option("--threads", cfg.threads, "Worker threads")->capture_default_str()->check(CLI::Range(2, 1024));
  serve->add_option("--prune-interval", cfg.prune_interval_seconds, "Seconds between sweeps of expired rows")
      ->capture_default_str()->check(CLI::Range(1, 86400));
  serve->add_option("--retain-seconds", cfg.retain_seconds,
                    "Keep expired challenges, ended sessions and code events this long")
      ->capture_default_str()->check(CLI::Range(0, 30 * 86400));
  serve->add_option("--capture-cms", cfg.capture_cms_dir,
                    "Save every CMS judged, with the verdict, here (the lab's independent oracle reads them)");
  serve->add_flag("--no-ocsp", no_ocsp, "Do not ask OCSP (CRL only)");
  serve->add_flag("--no-crl", no_crl, "Do not use CRLs (OCSP only)");
  serve->add_option("--ocsp-url", cfg.verifier.revocation.ocsp_urls, "OCSP responder instead of the certificate's");
  serve->add_option("--crl-url", cfg.verifier.revocation.crl_urls, "CRL URL instead of the certificate's");
  serve->add_option("--crl-cache", cfg.verifier.revocation.cache_dir, "CRL cache directory");
  serve->add_option("--revocation-cache-seconds", revocation_cache, "Reuse a good revocation answer this long")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  serve->add_option("--seed-identities", seed_files, "Put the companies of a lab identities file in the registry");

  std::string db_path, application;
  int valid_days = 14;
  auto* approve = app.add_subcommand("approve", "Approve an application and print its verification code");
  approve->add_option("--db", db_path, "SQLite database")->required()->check(CLI::ExistingFile);
  approve->add_option("application", application, "Application id, e.g. APP-000001")->required();
  approve->add_option("--valid-days", valid_days, "Days the code stays valid")->capture_default_str()
      ->check(CLI::Range(0, 365));

  std::string move_to, reason, note;
  auto* app_cmd = app.add_subcommand(
      "application", "Show an application's review state, or move it: --to approved|rejected|pending (site staff)");
  app_cmd->add_option("--db", db_path, "SQLite database")->required()->check(CLI::ExistingFile);
  app_cmd->add_option("application", application, "Application id, e.g. APP-000001")->required();
  app_cmd->add_option("--to", move_to, "New state: approved (issues a verification code), rejected, pending (reopen)")
      ->check(CLI::IsMember({"approved", "rejected", "pending"}));
  std::vector<std::string> reason_codes;
  for (const auto& r : rejection_reasons()) reason_codes.push_back(r.code);
  app_cmd->add_option("--reason", reason, "Why it is rejected")->check(CLI::IsMember(reason_codes));
  app_cmd->add_option("--note", note, "The reviewer's note to the applicant (rejected)");
  app_cmd->add_option("--valid-days", valid_days, "Days the code stays valid (approved)")->capture_default_str()
      ->check(CLI::Range(0, 365));

  std::string ubn, login_type;
  bool enable = false, disable = false;
  auto* login_cmd = app.add_subcommand("login-type", "Enable or disable a login type on an account (site staff)");
  login_cmd->add_option("--db", db_path, "SQLite database")->required()->check(CLI::ExistingFile);
  login_cmd->add_option("--ubn", ubn, "The account's UBN (統一編號)")->required();
  login_cmd->add_option("--type", login_type, "citizen or business")->required()->check(
      CLI::IsMember({"citizen", "business"}));
  auto* en = login_cmd->add_flag("--enable", enable, "Allow logins of this type");
  login_cmd->add_flag("--disable", disable, "Refuse logins of this type")->excludes(en);

  auto* migrate_cmd = app.add_subcommand("migrate", "Create or upgrade the database schema");
  migrate_cmd->add_option("--db", db_path, "SQLite database")->required();

  std::string identities;
  auto* seed = app.add_subcommand("seed", "Put the companies of a lab identities file in the registry");
  seed->add_option("--db", db_path, "SQLite database")->required();
  seed->add_option("--identities", identities, "identities.json")->required()->check(CLI::ExistingFile);

  std::string export_dir;
  auto* attachments_cmd = app.add_subcommand("attachments", "List an application's attachments (site staff)");
  attachments_cmd->add_option("--db", db_path, "SQLite database")->required()->check(CLI::ExistingFile);
  attachments_cmd->add_option("application", application, "Application id, e.g. APP-000001")->required();
  auto* export_cmd = app.add_subcommand("export-attachments", "Save an application's attachments in a folder (site staff)");
  export_cmd->add_option("--db", db_path, "SQLite database")->required()->check(CLI::ExistingFile);
  export_cmd->add_option("application", application, "Application id, e.g. APP-000001")->required();
  export_cmd->add_option("--out", export_dir, "Folder to write them to (created when missing)")->required();

  CLI11_PARSE(app, argc, argv);

  try {
    if (*serve) {
      cfg.verifier.revocation.use_ocsp = !no_ocsp;
      cfg.verifier.revocation.use_crl = !no_crl;
      cfg.verifier.revocation.ocsp_timeout = std::chrono::seconds(5);
      cfg.verifier.revocation.crl_timeout = std::chrono::seconds(10);
      cfg.verifier.good_revocation_cache = std::chrono::seconds(revocation_cache);
      if (cfg.verifier.accepted_policies.empty())
        cfg.verifier.accepted_policies = {"2.16.886.101.0.3.1", "2.16.886.101.0.3.3"};
      SiteServer server(cfg);
      if (!seed_files.empty()) {
        Database db(cfg.db_path);
        for (const auto& f : seed_files) seed_companies_from_identities(db, f);
      }
      const int port = server.bind();
      if (port < 0) {
        std::fprintf(stderr, "certwiz-site: cannot listen on %s:%d\n", cfg.bind_address.c_str(), cfg.port);
        return 1;
      }
      g_server = &server;
      std::signal(SIGTERM, on_signal);
      std::signal(SIGINT, on_signal);
      // A client that hangs up while TLS writes its answer must not kill the site.
      std::signal(SIGPIPE, SIG_IGN);
      std::printf("listening on https://%s:%d\n", cfg.bind_address.c_str(), port);
      std::fflush(stdout);
      const bool ok = server.run();
      g_server = nullptr;
      return ok ? 0 : 1;
    }
    if (*approve) {
      auto id = parse_application_label(application);
      if (!id) {
        std::fprintf(stderr, "certwiz-site: '%s' is not an application id (APP-000001)\n", application.c_str());
        return 2;
      }
      Database db(db_path);
      migrate(db, site_migrations());
      Approval a = approve_application(db, *id, valid_days, now_s());
      // The code is printed once and stored only as a salted hash.
      const std::string expires = utc_text(a.expires_at);
      std::printf("application: %s\naccount: %s\nverification code: %s\nexpires: %s\n", a.application.c_str(),
                  a.new_account ? "created" : "existing", a.code.c_str(), expires.c_str());
      return 0;
    }
    if (*app_cmd) {
      auto id = parse_application_label(application);
      if (!id) {
        std::fprintf(stderr, "certwiz-site: '%s' is not an application id (APP-000001)\n", application.c_str());
        return 2;
      }
      Database db(db_path);
      migrate(db, site_migrations());
      if (move_to == "rejected") {
        if (reason.empty()) {
          std::fprintf(stderr, "certwiz-site: a rejection needs --reason\n");
          return 2;
        }
        reject_application(db, *id, reason, note, now_s());
      } else if (move_to == "pending") {
        reopen_application(db, *id, now_s());
      } else if (move_to == "approved") {
        Approval a = approve_application(db, *id, valid_days, now_s());
        std::printf("verification code: %s\n", a.code.c_str());
      }
      auto st = application_status(db, *id);
      if (!st) {
        std::fprintf(stderr, "certwiz-site: no application %s\n", application.c_str());
        return 1;
      }
      std::printf("application: %s\nubn: %s\nstate: %s\n", application_label(st->id).c_str(), st->ubn.c_str(),
                  st->state.c_str());
      if (st->state == "rejected") std::printf("reason: %s\nnote: %s\n", st->reason.c_str(), st->note.c_str());
      if (st->state == "approved") std::printf("code expires: %s\n", utc_text(st->code_expires_at).c_str());
      return 0;
    }
    if (*login_cmd) {
      if (enable == disable) {
        std::fprintf(stderr, "certwiz-site: say --enable or --disable\n");
        return 2;
      }
      Database db(db_path);
      migrate(db, site_migrations());
      if (!set_login_type(db, ubn, login_type, enable)) {
        std::fprintf(stderr, "certwiz-site: no account with UBN %s\n", ubn.c_str());
        return 1;
      }
      std::printf("%s login %s for %s\n", login_type.c_str(), enable ? "enabled" : "disabled", ubn.c_str());
      return 0;
    }
    if (*attachments_cmd || *export_cmd) {
      auto id = parse_application_label(application);
      if (!id) {
        std::fprintf(stderr, "certwiz-site: '%s' is not an application id (APP-000001)\n", application.c_str());
        return 2;
      }
      Database db(db_path);
      migrate(db, site_migrations());
      ensure_attachment_table(db);
      const auto list = list_attachments(db, *id);
      if (*export_cmd) std::filesystem::create_directories(export_dir);
      // One line each: ordinal, type, bytes, SHA-256, then the name (or the saved path).
      for (const auto& a : list) {
        std::string shown = a.file_name;
        if (*export_cmd) {
          const auto path = std::filesystem::path(export_dir) / export_file_name(a);
          const std::string bytes = attachment_bytes(db, *id, a.ordinal);
          std::ofstream out(path, std::ios::binary | std::ios::trunc);
          out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
          if (!out) throw std::runtime_error("cannot write " + path.string());
          shown = path.string();
        }
        for (char& c : shown)
          if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';  // a client's name on staff's terminal
        std::printf("%d\t%s\t%lld\t%s\t%s\n", a.ordinal, a.content_type.c_str(), static_cast<long long>(a.size),
                    a.sha256.c_str(), shown.c_str());
      }
      if (list.empty()) std::fprintf(stderr, "certwiz-site: %s has no attachments\n", application.c_str());
      return 0;
    }
    if (*migrate_cmd) {
      Database db(db_path);
      const int n = migrate(db, site_migrations());
      std::printf("schema version %d (%d migration(s) applied)\n", schema_version(db), n);
      return 0;
    }
    if (*seed) {
      Database db(db_path);
      migrate(db, site_migrations());
      std::printf("%d company(ies) seeded\n", seed_companies_from_identities(db, identities));
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "certwiz-site: %s\n", e.what());
    return 1;
  }
  return 2;
}
