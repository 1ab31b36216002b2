#include "checks/cert/verify.h"

#include <algorithm>

namespace certwiz::cert {

std::string_view validity_state_name(ValidityState s) {
  switch (s) {
    case ValidityState::valid: return "valid";
    case ValidityState::expiring_soon: return "expiring_soon";
    case ValidityState::expired: return "expired";
    case ValidityState::not_yet_valid: return "not_yet_valid";
  }
  return "valid";
}

VerifyOptions VerifyOptions::from_run_options(const RunOptions& run) {
  VerifyOptions o;
  o.extra_anchor_files = run.extra_trust_anchors;
  o.expiry_warning_days = run.expiry_warning_days;
  o.revocation.proxy = run.proxy;
  o.revocation.cache_dir = run.cache_dir.empty() ? std::string() : run.cache_dir + "/crl";
  o.revocation.ocsp_timeout = run.probe_timeout;
  return o;
}

ValidityState judge_validity(const CertInfo& info, std::time_t at, int warning_days, long& days_left) {
  const std::time_t now = at ? at : std::time(nullptr);
  constexpr long kDay = 86400;
  days_left = static_cast<long>((info.not_after - now) / kDay);
  if (now < info.not_before) return ValidityState::not_yet_valid;
  if (now > info.not_after) {
    days_left = -static_cast<long>((now - info.not_after + kDay - 1) / kDay);
    return ValidityState::expired;
  }
  if (info.not_after - now <= static_cast<std::time_t>(warning_days) * kDay) return ValidityState::expiring_soon;
  return ValidityState::valid;
}

std::optional<Error> identity_problem(const CertInfo& info) {
  const CertIdentity& id = info.identity;
  if (id.card_kind == CardKind::business) {
    if (!id.ubn.empty() && !id.subject_serial.empty() && id.ubn != id.subject_serial)
      return Error{"CERT-UBN-MISMATCH", "subject serialNumber " + id.subject_serial + ", extension UBN " + id.ubn};
    if (id.ubn.empty())
      return Error{"CERT-IDENTITY-MISSING", "no UBN (2.16.886.1.100.2.101) in subjectDirectoryAttributes"};
  }
  if (id.card_kind == CardKind::citizen) {
    const bool four_digits =
        id.id_last4.size() == 4 && std::all_of(id.id_last4.begin(), id.id_last4.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!four_digits)
      return Error{"CERT-IDENTITY-MISSING",
                   id.id_last4.empty() ? "no ID digits (2.16.886.1.100.2.51) in subjectDirectoryAttributes"
                                       : "2.16.886.1.100.2.51 is not four digits"};
  }
  return std::nullopt;
}

bool CertReport::accepted() const { return status() != Status::fail; }

Status CertReport::status() const {
  Status s = Status::pass;
  for (const auto& p : problems) {
    const FailureCode* fc = find_failure_code(p.code);
    s = worst(s, fc && fc->severity == Severity::warn ? Status::warn : Status::fail);
  }
  return s;
}

bool CertReport::has(std::string_view code) const {
  return std::any_of(problems.begin(), problems.end(), [&](const Error& e) { return e.code == code; });
}

CertReport verify_certificate(const std::string& der, const std::vector<std::string>& intermediates,
                              const VerifyOptions& o) {
  CertReport r;
  auto info = parse_certificate(der);
  if (!info) {
    r.problems.push_back(info.error());
    return r;
  }
  r.info = std::move(*info);
  const CertInfo& c = *r.info;

  if (auto p = identity_problem(c)) r.problems.push_back(*p);

  r.validity = judge_validity(c, o.at, o.expiry_warning_days, r.days_left);
  switch (r.validity) {
    case ValidityState::expired:
      r.problems.push_back({"CERT-EXPIRED", "notAfter " + iso8601_utc(c.not_after)});
      break;
    case ValidityState::not_yet_valid:
      r.problems.push_back({"CERT-NOT-YET-VALID", "notBefore " + iso8601_utc(c.not_before)});
      break;
    case ValidityState::expiring_soon:
      r.problems.push_back({"CERT-EXPIRING-SOON",
                            "notAfter " + iso8601_utc(c.not_after) + " (" + std::to_string(r.days_left) + " days)"});
      break;
    case ValidityState::valid: break;
  }

  std::shared_ptr<const TrustStore> trust = o.trust;
  if (!trust) {
    auto loaded = TrustStore::load(o.extra_anchor_files);
    if (!loaded) {
      r.problems.push_back(loaded.error());
      return r;
    }
    trust = std::make_shared<const TrustStore>(std::move(*loaded));
  }
  r.chain = trust->build_chain(c.der, intermediates, o.at);
  if (r.chain.error) r.problems.push_back(*r.chain.error);

  if (o.require_digital_signature && c.key_usage.present && !c.key_usage.digital_signature)
    r.problems.push_back({"CERT-KEY-USAGE", "keyUsage: " + [&] {
                            std::string s;
                            for (const auto& n : c.key_usage.names()) s += (s.empty() ? "" : ",") + n;
                            return s;
                          }()});
  if (!o.accepted_policies.empty()) {
    const bool any = std::any_of(c.policies.begin(), c.policies.end(), [&](const std::string& p) {
      return std::find(o.accepted_policies.begin(), o.accepted_policies.end(), p) != o.accepted_policies.end();
    });
    if (!any) {
      std::string have;
      for (const auto& p : c.policies) have += (have.empty() ? "" : ",") + p;
      r.problems.push_back({"CERT-POLICY", "certificate policies: " + (have.empty() ? "none" : have)});
    }
  }

  // Revocation needs a verified issuer; an untrusted chain is already a failure.
  if (o.check_revocation && r.chain.trusted) {
    r.revocation_checked = true;
    r.revocation = check_revocation(r.chain.chain_der, *trust, o.revocation);
    if (r.revocation.state == RevocationState::revoked)
      r.problems.push_back({"CERT-REVOKED", "revoked " + iso8601_utc(r.revocation.revoked_at) + " (" +
                                                r.revocation.reason + ") per " + r.revocation.method});
    else if (r.revocation.state == RevocationState::unknown)
      r.problems.push_back({"CERT-REVOCATION-UNKNOWN", r.revocation.detail()});
  }
  return r;
}

Json to_json(const ChainReport& c) {
  Json links = Json::array();
  for (const auto& l : c.links)
    links.push_back({{"subject", l.subject}, {"subject_key_id", l.subject_key_id}, {"serial", l.serial_hex},
                     {"not_after", iso8601_utc(l.not_after)}, {"anchor", l.anchor}});
  Json j = {{"trusted", c.trusted}, {"chain", links}};
  if (c.error) j["error"] = {{"code", c.error->code}, {"detail", c.error->detail}};
  return j;
}

Json to_json(const RevocationReport& r) {
  Json attempts = Json::array();
  for (const auto& a : r.attempts)
    attempts.push_back({{"method", a.method}, {"url", a.url}, {"outcome", a.outcome}, {"from_cache", a.from_cache},
                        {"ms", a.ms}});
  Json j = {{"state", revocation_state_name(r.state)}, {"method", r.method}, {"attempts", attempts}};
  if (r.state == RevocationState::revoked) {
    j["revoked_at"] = iso8601_utc(r.revoked_at);
    j["reason"] = r.reason;
  }
  if (r.this_update) j["this_update"] = iso8601_utc(r.this_update);
  if (r.next_update) j["next_update"] = iso8601_utc(r.next_update);
  return j;
}

Json to_json(const CertReport& r) {
  Json problems = Json::array();
  for (const auto& p : r.problems) problems.push_back({{"code", p.code}, {"detail", p.detail}});
  Json j = {{"status", status_name(r.status())}, {"problems", problems}};
  if (r.info) {
    j["certificate"] = to_json(*r.info);
    j["validity"] = {{"state", validity_state_name(r.validity)}, {"days_left", r.days_left}};
    j["chain"] = to_json(r.chain);
    if (r.revocation_checked) j["revocation"] = to_json(r.revocation);
  }
  return j;
}

}  // namespace certwiz::cert
