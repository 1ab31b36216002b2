// certwiz bind: enables certificate login (綁定) on the site for an approved account —
// UBN, control number, the verification code from the approval, and the card's
// signature over the site's challenge, through the card (PKCS#11), the local signing
// component (the browser's path) or both. The PIN goes to the card or the component only.
#include "app/cli/apply_progress.h"
#include "app/cli/site_cli.h"

namespace certwiz::cli {

namespace {
struct BindFlags {
  SitePathFlags paths;
  std::string ubn, control_no, verification_code, type;
};
}  // namespace

void register_bind(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("bind", "Enable certificate login on the site (綁定): sign the site's challenge with the card");
  static BindFlags f;
  add_site_path_options(*cmd, f.paths);
  cmd->add_option("--ubn", f.ubn, "The account's UBN (統一編號)")->required();
  cmd->add_option("--control-no", f.control_no, "Waste control number (廢棄物管制編號), as approved; may be empty");
  cmd->add_option("--verification-code", f.verification_code, "The verification code from the site's approval")->required();
  cmd->add_option("--type", f.type, "Login type: business (工商憑證) or citizen (自然人憑證)")
      ->required()
      ->check(CLI::IsMember({"business", "citizen"}));
  cmd->callback([&run] {
    run = [] {
      SiteRun r;
      if (auto rc = prepare_site_run(f.paths, r)) return *rc;
      site::SiteClient::BindFields fields;
      fields.ubn = f.ubn;
      fields.control_no = f.control_no;
      fields.verification_code = f.verification_code;
      fields.login_type = *site::parse_login_type(f.type);
      auto report = site::bind_paths(r.profile, r.client, r.signer_ptrs(), fields);
      if (report.ok()) remember_step(progress::Step::bound, f.ubn);
      return finish_site_run("bind", f.paths, r, report, Json{{"ubn", f.ubn}, {"login_type", f.type}});
    };
  });
}

}  // namespace certwiz::cli
