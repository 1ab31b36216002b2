#include "checks/cert/findings.h"

namespace certwiz::cert {
namespace {

const CertFindings* findings_of(const std::function<const CheckResult*(const std::string&)>& result_of, const std::string& id) {
  const CheckResult* r = result_of(id);
  return r ? r->model<CertFindings>() : nullptr;
}

}  // namespace

Json to_json(const CertFinding& f) {
  Json ev = {{"reader", f.reader}, {"token_serial", f.token_serial}, {"role", card_cert_role_name(f.role)},
             {"source", f.source}, {"status", status_name(f.status)}};
  if (!f.code.empty()) ev["code"] = f.code;
  for (auto it = f.facts.begin(); it != f.facts.end(); ++it) ev[it.key()] = it.value();
  return ev;
}

Json to_json(const CertFindings& f) {
  Json listed = Json::array();
  for (const auto& c : f.certificates) listed.push_back(to_json(c));
  return Json{{"certificates", std::move(listed)}};
}

std::vector<CardCertificateLine> card_certificates(const std::function<const CheckResult*(const std::string&)>& result_of) {
  std::vector<CardCertificateLine> out;
  for (CardCertRole role : {CardCertRole::sign, CardCertRole::keyx}) {
    const std::string prefix = role == CardCertRole::sign ? "cert.sign." : "cert.keyx.";
    const CertFindings* identity = findings_of(result_of, prefix + "identity");
    if (!identity) continue;
    for (const auto& id : identity->certificates) {
      Status status = id.status;
      std::string valid_until;
      // The same card's verdicts in the other checks of this use.
      for (const char* aspect : {"validity", "chain", "revocation"}) {
        const CertFindings* other = findings_of(result_of, prefix + aspect);
        if (!other) continue;
        for (const auto& f : other->certificates) {
          if (f.reader != id.reader) continue;
          status = worst(status, f.status);
          if (std::string_view(aspect) == "validity" && f.certificate)
            valid_until = iso8601_utc(f.certificate->not_after).substr(0, 10);
        }
      }
      const CertInfo* c = id.certificate ? &*id.certificate : nullptr;
      CardCertificateLine line{id.reader,
                               role,
                               c ? c->identity.holder_name : std::string(),
                               c ? c->identity.card_kind : CardKind::unknown,
                               c ? c->issuer.text : std::string(),
                               std::move(valid_until),
                               status};
      out.push_back(std::move(line));
    }
  }
  return out;
}

}  // namespace certwiz::cert
