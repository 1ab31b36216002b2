// SiteClient's endpoint calls: each builds its request, sends it through request()
// (session.cpp) and reads the answer with its parser (answers.cpp).
#include <algorithm>
#include <cctype>
#include <vector>

#include "checks/pkcs11/protocol.h"
#include "checks/site/session.h"

namespace certwiz::site {

namespace {
template <typename T>
Expected<T> remember(Expected<T> r, const SiteFailure& f, std::optional<SiteFailure>& last) {
  if (!r) {
    SiteFailure copy = f;
    copy.code = r.error().code;
    last = std::move(copy);
  }
  return r;
}
}  // namespace

Expected<Company> SiteClient::lookup(const std::string& ubn) {
  if (ubn.size() != 8 || !std::all_of(ubn.begin(), ubn.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return Error{"SITE-UBN-INVALID", "the UBN must be 8 digits"};
  auto a = request("GET", "lookup", "ubn=" + ubn, {});
  if (!a) return a.error();
  SiteFailure f;
  auto c = remember(parse_lookup_answer(a->status, a->body, &f), f, last_failure_);
  if (c && c->ubn != ubn) return malformed_answer("lookup for " + ubn + " answered UBN " + one_line(c->ubn, 20));
  return c;
}

std::string application_body(const form::ValidatedForm& v, const Secret& password) {
  auto addr = [](const form::PrintedAddress& a) {
    return Json{{"county", a.county}, {"district", a.district}, {"street", a.street}, {"zip", a.zip}};
  };
  Json j;
  j["ubn"] = v.ubn;
  j["control_no"] = v.control_no;
  j["company_name"] = v.company_name;
  j["owner_name"] = v.owner_name;
  j["owner_id"] = v.owner_id;
  j["reg_address"] = addr(v.reg_address);
  j["mail_address"] = addr(v.mail_address);
  j["contact_name"] = v.contact_name;
  j["phone1"] = v.phone1;
  j["phone1_ext"] = v.phone1_ext;
  j["phone2"] = v.phone2;
  j["fax"] = v.fax;
  j["email"] = v.email;
  j["citizen_cert_login"] = v.citizen_cert_login ? "enable" : "disable";
  j["business_cert_login"] = v.business_cert_login ? "enable" : "disable";
  std::string head = j.dump();
  head.pop_back();  // reopen the object for the password
  std::string body;
  body.reserve(head.size() + 16 + 6 * password.size());  // no reallocation leaves a copy
  body = head;
  body += ",\"password\":";
  append_json_string(body, password.reveal());
  body += '}';
  return body;
}

Expected<ApplicationReceipt> SiteClient::apply(const form::ValidatedForm& form, const Secret& password) {
  std::string body = application_body(form, password);
  auto a = request("POST", "apply", {}, body);
  wipe(body);
  if (!a) return a.error();
  SiteFailure f;
  return remember(parse_apply_answer(a->status, a->body, &f), f, last_failure_);
}

Expected<ApplicationStatus> SiteClient::application_status(const std::string& id, const std::string& ubn) {
  // Both go into the query: only letters, digits and '-' (no escaping needed, nothing injected).
  auto plain = [](const std::string& v, size_t max) {
    return !v.empty() && v.size() <= max &&
           std::all_of(v.begin(), v.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; });
  };
  if (!plain(id, 32)) return Error{"SITE-APPLICATION-UNKNOWN", "not an application number: " + one_line(id, 40)};
  if (!plain(ubn, 8)) return Error{"SITE-UBN-INVALID", "the UBN must be 8 digits"};
  auto a = request("GET", "status", "id=" + id + "&ubn=" + ubn, {});
  if (!a) return a.error();
  SiteFailure f;
  auto st = remember(parse_status_answer(a->status, a->body, &f), f, last_failure_);
  if (st && st->id != id) return malformed_answer("status for " + id + " answered " + one_line(st->id, 40));
  return st;
}

Expected<ApplicationReceipt> SiteClient::apply(const form::ValidatedForm& form, const Secret& password,
                                              std::span<const form::AttachmentUpload> attachments) {
  if (attachments.empty()) return apply(form, password);
  std::string body = application_body(form, password);
  // The form part obeys the same limit as a JSON body (the attachments have their own).
  if (body.size() > kMaxBodyBytes) {
    wipe(body);
    return Error{"SITE-BODY-TOO-LARGE", "apply: form of " + std::to_string(body.size()) + " bytes not sent"};
  }
  std::vector<net::HttpPart> parts;
  parts.push_back(net::HttpPart{"application", body, {}, "application/json"});
  for (const auto& a : attachments) parts.push_back(net::HttpPart{"attachment", a.bytes, a.file_name, a.content_type});
  auto a = request("POST", "apply", {}, {}, parts);
  wipe(body);
  if (!a) return a.error();
  SiteFailure f;
  return remember(parse_apply_answer(a->status, a->body, &f), f, last_failure_);
}

Expected<Challenge> SiteClient::challenge(Purpose purpose, const std::string& ubn, const std::string& control_no) {
  Json req{{"purpose", std::string(purpose_name(purpose))}};
  if (purpose == Purpose::bind) {
    req["ubn"] = ubn;
    req["control_no"] = control_no;
  }
  auto a = request("POST", "challenge", {}, req.dump());
  if (!a) return a.error();
  SiteFailure f;
  auto c = remember(parse_challenge_answer(a->status, a->body, &f), f, last_failure_);
  if (!c) return c;
  auto checked = check_challenge(*c, ChallengeExpectation{purpose, profile_.host(), ubn, control_no});
  if (!checked) return checked.error();
  return c;
}

Expected<BindResult> SiteClient::bind(const Challenge& c, const BindFields& fields, std::span<const uint8_t> cms) {
  Json req{{"challenge_id", c.id},
           {"ubn", fields.ubn},
           {"control_no", fields.control_no},
           {"verification_code", fields.verification_code},
           {"login_type", std::string(login_type_name(fields.login_type))},
           {"signature", pkcs11::wire::base64_encode(cms)}};
  auto a = request("POST", "bind", {}, req.dump());
  if (!a) return a.error();
  SiteFailure f;
  return remember(parse_bind_answer(a->status, a->body, &f), f, last_failure_);
}

Expected<SessionInfo> SiteClient::login(const Challenge& c, std::span<const uint8_t> cms) {
  Json req{{"challenge_id", c.id}, {"signature", pkcs11::wire::base64_encode(cms)}};
  auto a = request("POST", "login", {}, req.dump());
  if (!a) return a.error();
  SiteFailure f;
  auto s = remember(parse_login_answer(a->status, a->body, &f), f, last_failure_);
  // Keep the token even when the site set no cookie (the protocol allows a bearer token).
  if (s && !cookies_.count("certwiz_session")) cookies_["certwiz_session"] = s->token;
  return s;
}

Expected<SessionInfo> SiteClient::session() {
  auto a = request("GET", "session", {}, {});
  if (!a) return a.error();
  SiteFailure f;
  auto s = remember(parse_session_answer(a->status, a->body, &f), f, last_failure_);
  if (s) s->token = cookie("certwiz_session").value_or("");
  return s;
}

Expected<bool> SiteClient::logout() {
  auto a = request("POST", "logout", {}, "{}");
  if (!a) return a.error();
  SiteFailure f;
  auto r = remember(parse_logout_answer(a->status, a->body, &f), f, last_failure_);
  if (r) {
    if (auto it = cookies_.find("certwiz_session"); it != cookies_.end()) {
      wipe(it->second);
      cookies_.erase(it);
    }
  }
  return r;
}

}  // namespace certwiz::site
