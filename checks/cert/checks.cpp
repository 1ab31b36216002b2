#include "checks/cert/checks.h"

#include <functional>
#include <memory>

#include "checks/cert/card_certs.h"
#include "checks/cert/findings.h"
#include "checks/cert/verify.h"

namespace certwiz::cert {
namespace {

using Judge = std::function<CheckResult(const CardToken&, const CardCertificate&, const CertInfo&)>;

Text role_text(CardCertRole role) {
  return role == CardCertRole::sign ? Text{"簽章憑證", "signing certificate"} : Text{"加密憑證", "encryption certificate"};
}

Text join(const Text& a, std::string_view zh, std::string_view en) { return {a.zh_TW + std::string(zh), a.en + std::string(en)}; }

// The cards to judge: those of the first source that passed, warned or failed with a
// cards model, skipping an empty one while another source is left. From card.contents
// only the cards that were read are in it (a foreign card has no certificates to judge:
// checks/card reports it).
std::optional<std::pair<std::string, CardTokens>> cards_of(const CheckContext& ctx, const std::vector<std::string>& sources) {
  for (const auto& id : sources) {
    const CheckResult* r = ctx.result_of(id);
    if (!r || (r->status != Status::pass && r->status != Status::warn && r->status != Status::fail)) continue;
    std::optional<CardTokens> cards;
    if (const auto* own = r->model<CardTokens>()) cards = *own;
    else if (const auto* inventory = r->model<pkcs11::TokenInventory>()) cards = card_tokens_from(*inventory);
    if (!cards || (cards->tokens.empty() && &id != &sources.back())) continue;
    return std::make_pair(id, std::move(*cards));
  }
  return std::nullopt;
}

// Runs `judge` on the `role` certificate of every card and folds the results: the
// worst status leads, every card's evidence is listed.
CheckResult per_card_certificate(const CheckContext& ctx, const std::vector<std::string>& sources, CardCertRole role,
                                 const Judge& judge) {
  auto found = cards_of(ctx, sources);
  if (!found) return CheckResult::skipped({"沒有讀卡結果", "No card results"});
  const std::vector<CardToken>* tokens = &found->second.tokens;
  if (tokens->empty()) return CheckResult::skipped({"沒有插入卡片", "No card inserted"});

  std::vector<CheckResult> results;
  CertFindings findings;
  for (const auto& token : *tokens) {
    CheckResult one;
    CertFinding finding;
    finding.reader = token.reader;
    finding.token_serial = token.serial;
    finding.role = role;
    finding.source = found->first;
    const CardCertificate* cert = token.find(role);
    if (!cert) {
      one = CheckResult::failure("CERT-NOT-ON-CARD", join(role_text(role), "不在卡片上", " not on the card"),
                                 Json::object(), "no certificate with CKA_ID " +
                                                     std::string(role == CardCertRole::sign ? "5349474e" : "4b455958"));
    } else if (auto info = parse_certificate(cert->der); !info) {
      one = CheckResult::from_error(info.error(), join(role_text(role), "無法解讀", " cannot be read"));
    } else {
      one = judge(token, *cert, *info);
      finding.certificate = std::move(*info);
    }
    finding.status = one.status;
    finding.code = one.code;
    finding.facts = one.evidence;
    findings.certificates.push_back(std::move(finding));
    results.push_back(std::move(one));
  }
  size_t lead = 0;
  for (size_t i = 1; i < results.size(); ++i)
    if (worst(results[lead].status, results[i].status) != results[lead].status) lead = i;
  CheckResult out = std::move(results[lead]);
  out.evidence = to_json(findings);
  out.set_model(std::move(findings));
  // The summary speaks for the worst card; say that there are others in the evidence.
  if (results.size() > 1) {
    out.summary.zh_TW += "（共 " + std::to_string(results.size()) + " 張卡）";
    out.summary.en += " (" + std::to_string(results.size()) + " cards)";
  }
  return out;
}

CheckResult judge_identity(const CardCertificate&, const CertInfo& info) {
  const CertIdentity& id = info.identity;
  Json ev = to_json(id);
  ev["subject"] = info.subject.text;
  ev["issuer"] = info.issuer.text;
  ev["serial"] = info.serial_hex;
  const Text kind = card_kind_text(id.card_kind);
  if (auto p = identity_problem(info)) {
    const Text summary = p->code == "CERT-UBN-MISMATCH"
                             ? Text{"工商憑證的統一編號前後不一致", "The business certificate's UBN entries disagree"}
                             : join(kind, "缺少身分資料", " lacks identity data");
    return CheckResult::from_error(*p, summary, ev);
  }
  if (id.ca_type == CaType::unknown)
    return CheckResult::pass({"不明發卡單位的憑證（" + info.issuer.first("O") + "）",
                              "Certificate from an unrecognised issuer (" + info.issuer.text + ")"},
                             ev);
  return CheckResult::pass({kind.zh_TW + "，由" + info.issuer.first("OU") + "簽發",
                            "A " + kind.en + " issued by " + std::string(ca_type_name(id.ca_type))},
                           ev);
}

CheckResult judge_validity_check(const CertInfo& info, int warning_days) {
  long days_left = 0;
  const ValidityState state = judge_validity(info, 0, warning_days, days_left);
  const Json ev = {{"not_before", iso8601_utc(info.not_before)}, {"not_after", iso8601_utc(info.not_after)},
                   {"state", validity_state_name(state)}, {"days_left", days_left}};
  const std::string until = iso8601_utc(info.not_after).substr(0, 10);
  switch (state) {
    case ValidityState::expired:
      return CheckResult::failure("CERT-EXPIRED", {"憑證已於 " + until + " 到期", "The certificate expired on " + until}, ev,
                                  "notAfter " + iso8601_utc(info.not_after));
    case ValidityState::not_yet_valid: {
      const std::string from = iso8601_utc(info.not_before).substr(0, 10);
      return CheckResult::failure("CERT-NOT-YET-VALID", {"憑證要到 " + from + " 才生效", "The certificate is valid only from " + from},
                                  ev, "notBefore " + iso8601_utc(info.not_before));
    }
    case ValidityState::expiring_soon:
      return CheckResult::warning("CERT-EXPIRING-SOON",
                                  {"憑證將在 " + std::to_string(days_left) + " 天後（" + until + "）到期",
                                   "The certificate expires in " + std::to_string(days_left) + " days (" + until + ")"},
                                  ev);
    case ValidityState::valid: break;
  }
  return CheckResult::pass({"憑證有效至 " + until, "The certificate is valid until " + until}, ev);
}

// The trust store is loaded once per run and shared by the checks (read-only).
std::shared_ptr<const Expected<TrustStore>> shared_trust(const RunOptions& options) {
  return std::make_shared<const Expected<TrustStore>>(TrustStore::load(options.extra_trust_anchors));
}

CheckResult judge_chain(const Expected<TrustStore>& trust, const CardToken& token, const CertInfo& info) {
  if (!trust) return CheckResult::from_error(trust.error(), {"無法載入信任的根憑證", "Cannot load the trusted root certificates"});
  const ChainReport chain = trust->build_chain(info.der, token.ca_certificates());
  const Json ev = to_json(chain);
  if (chain.error) {
    const Text summary = chain.error->code == "CERT-UNKNOWN-CA"
                             ? Text{"憑證無法連結到受信任的根憑證", "The certificate does not chain to a trusted root"}
                             : Text{"憑證鏈驗證失敗", "The certificate chain does not verify"};
    return CheckResult::from_error(*chain.error, summary, ev);
  }
  const std::string root = chain.links.empty() ? std::string() : chain.links.back().subject;
  return CheckResult::pass({"憑證鏈完整，連結到 " + root, "The chain is complete and ends at " + root}, ev);
}

CheckResult judge_revocation(const Expected<TrustStore>& trust, const RunOptions& options, const CheckContext& ctx,
                             const CardToken& token, const CertInfo& info) {
  if (!trust) return CheckResult::from_error(trust.error(), {"無法載入信任的根憑證", "Cannot load the trusted root certificates"});
  const ChainReport chain = trust->build_chain(info.der, token.ca_certificates());
  if (!chain.trusted)
    return CheckResult::skipped({"憑證鏈不完整，無法查驗廢止狀態", "The chain is incomplete, so revocation cannot be checked"},
                                to_json(chain));
  RevocationOptions ro = VerifyOptions::from_run_options(options).revocation;
  ro.cancel = ctx.cancel();
  const RevocationReport rev = check_revocation(chain.chain_der, *trust, ro);
  for (const auto& a : rev.attempts) ctx.log().info("cert", a.method + " " + a.url + ": " + a.outcome);
  const Json ev = to_json(rev);
  switch (rev.state) {
    case RevocationState::good:
      return CheckResult::pass({"憑證未被廢止（" + rev.method + " 查驗）", "The certificate is not revoked (checked by " + rev.method + ")"},
                               ev);
    case RevocationState::revoked: {
      const std::string when = iso8601_utc(rev.revoked_at).substr(0, 10);
      return CheckResult::failure("CERT-REVOKED", {"憑證已於 " + when + " 被廢止（" + rev.reason + "）",
                                                   "The certificate was revoked on " + when + " (" + rev.reason + ")"},
                                  ev, rev.detail());
    }
    case RevocationState::unknown: break;
  }
  return CheckResult::warning("CERT-REVOCATION-UNKNOWN", {"無法確認憑證是否已被廢止", "Could not find out whether the certificate is revoked"},
                              ev, rev.detail());
}

Check make_check(CardCertRole role, std::string aspect, Text title, const std::vector<std::string>& sources,
                 std::vector<std::string> depends_on,
                 std::function<CheckResult(const CheckContext&, const CardToken&, const CardCertificate&, const CertInfo&)> judge) {
  Check c;
  c.id = "cert." + std::string(role == CardCertRole::sign ? "sign" : "keyx") + "." + aspect;
  c.title = join(role_text(role), title.zh_TW, title.en);
  c.depends_on = sources;
  for (auto& d : depends_on) c.depends_on.push_back(std::move(d));
  // With a second source, a failed first one (no module installed) is not the end.
  c.run_when_dependency_fails = sources.size() > 1;
  c.run = [role, sources, judge = std::move(judge)](const CheckContext& ctx) {
    return per_card_certificate(ctx, sources, role, [&](const CardToken& t, const CardCertificate& cert, const CertInfo& info) {
      return judge(ctx, t, cert, info);
    });
  };
  return c;
}

}  // namespace

std::vector<Check> cert_checks(const RunOptions& options, std::vector<std::string> sources) {
  std::vector<Check> all;
  // Loaded lazily by the first check that needs it; every later one reuses it.
  struct LazyTrust {
    std::once_flag once;
    std::shared_ptr<const Expected<TrustStore>> value;
  };
  auto lazy = std::make_shared<LazyTrust>();
  auto trust = [lazy, options]() -> const Expected<TrustStore>& {
    std::call_once(lazy->once, [&] { lazy->value = shared_trust(options); });
    return *lazy->value;
  };
  const int warning_days = options.expiry_warning_days;
  for (CardCertRole role : {CardCertRole::sign, CardCertRole::keyx}) {
    const std::string prefix = role == CardCertRole::sign ? "cert.sign." : "cert.keyx.";
    all.push_back(make_check(role, "identity", {"：持有人與發卡單位", ": holder and issuer"}, sources, {},
                             [](const CheckContext&, const CardToken&, const CardCertificate& cert, const CertInfo& info) {
                               return judge_identity(cert, info);
                             }));
    all.push_back(make_check(role, "validity", {"：有效期間", ": validity period"}, sources, {},
                             [warning_days](const CheckContext&, const CardToken&, const CardCertificate&, const CertInfo& info) {
                               return judge_validity_check(info, warning_days);
                             }));
    all.push_back(make_check(role, "chain", {"：憑證鏈", ": certificate chain"}, sources, {},
                             [trust](const CheckContext&, const CardToken& t, const CardCertificate&, const CertInfo& info) {
                               return judge_chain(trust(), t, info);
                             }));
    Check rev = make_check(role, "revocation", {"：廢止狀態", ": revocation status"}, sources, {prefix + "chain"},
                           [trust, options](const CheckContext& ctx, const CardToken& t, const CardCertificate&,
                                            const CertInfo& info) { return judge_revocation(trust(), options, ctx, t, info); });
    // OCSP within the probe limit, then a CRL that can be 20 MB.
    rev.timeout = options.probe_timeout + RevocationOptions{}.crl_timeout + std::chrono::seconds(10);
    all.push_back(std::move(rev));
  }
  return all;
}

}  // namespace certwiz::cert
