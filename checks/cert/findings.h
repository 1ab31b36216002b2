#pragma once
// What the certificate checks learned, typed: for each card and use (SIGN, KEYX), the
// verdict of one aspect (identity, validity, chain, revocation) and the certificate it
// judged. Each cert.<use>.<aspect> check carries a CertFindings as its model and writes
// its evidence from it ({"certificates":[...]}). card_certificates() joins the four
// aspects into one line per card and use, for the front ends.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checks/cert/ca_type.h"
#include "checks/cert/card_certs.h"
#include "checks/cert/cert_info.h"
#include "checks/core/result.h"

namespace certwiz::cert {

struct CertFinding {
  std::string reader, token_serial;  // the card
  CardCertRole role = CardCertRole::other;
  std::string source;  // the check whose cards were read
  Status status = Status::unknown;
  std::string code;                     // the card's failure code (empty on pass)
  std::optional<CertInfo> certificate;  // the certificate judged, when it could be read
  Json facts = Json::object();          // what the judgement recorded
};

struct CertFindings {
  std::vector<CertFinding> certificates;  // one per card
};

Json to_json(const CertFinding& f);
Json to_json(const CertFindings& f);  // {"certificates":[...]}

// One card's certificate for one use, with the worst verdict of its four checks.
struct CardCertificateLine {
  std::string reader;
  CardCertRole role = CardCertRole::other;
  std::string holder_name;  // empty when the certificate could not be read
  CardKind card_kind = CardKind::unknown;
  std::string issuer;       // the issuer's distinguished name
  std::string valid_until;  // YYYY-MM-DD, empty when unknown
  Status status = Status::unknown;
};

// Every card's SIGN then KEYX certificate, as the cert.* checks found them: `result_of`
// gives a check's result by id (nullptr when it did not run).
std::vector<CardCertificateLine> card_certificates(const std::function<const CheckResult*(const std::string&)>& result_of);

}  // namespace certwiz::cert
