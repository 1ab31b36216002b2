// The site client's answer parsers, error mapping, challenge checks and path verdicts
// (pure functions: no network).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "checks/core/catalogue.h"
#include "checks/site/client.h"
#include "checks/site/protocol.h"

using namespace certwiz;
using namespace certwiz::site;

namespace {

const std::vector<std::string> kWire = {
    "SITE-BODY-TOO-LARGE",       "SITE-BODY-MALFORMED",     "SITE-UBN-INVALID",
    "SITE-COMPANY-NOT-FOUND",    "SITE-FORM-INVALID",       "SITE-ACCOUNT-EXISTS",
    "SITE-ACCOUNT-UNKNOWN",      "SITE-CONTROL-NO-MISMATCH", "SITE-CODE-WRONG",
    "SITE-CODE-LOCKED",          "SITE-CODE-EXPIRED",       "SITE-NONCE-UNKNOWN",
    "SITE-NONCE-WRONG-CLIENT",   "SITE-NONCE-REPLAYED",     "SITE-NONCE-EXPIRED",
    "SITE-CHALLENGE-MISMATCH",   "SITE-CMS-MALFORMED",      "SITE-CMS-SIGNERS",
    "SITE-CMS-NO-CERT",          "SITE-CMS-CONTENT-MISMATCH", "SITE-CERT-UNTRUSTED",
    "SITE-CERT-EXPIRED",         "SITE-CERT-USAGE",         "SITE-CERT-POLICY",
    "SITE-CERT-REVOKED",         "SITE-CERT-REVOCATION-UNKNOWN", "SITE-CERT-KIND",
    "SITE-UBN-MISMATCH",         "SITE-ID-MISMATCH",        "SITE-LOGIN-TYPE-DISABLED",
    "SITE-CERT-NOT-BOUND",       "SITE-SESSION-INVALID",    "SITE-RATE-LIMITED",
    "SITE-INTERNAL",             "SITE-CERT-RENEWED",       "SITE-CERT-REPLACED",
    "SITE-APPLICATION-UNKNOWN",
};

const std::string kNonce = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE";  // 43

std::string tbs_login(const std::string& site = "127.0.0.1", const std::string& nonce = kNonce) {
  return make_tbs(Tbs{Purpose::login, site, nonce, "2026-11-26T12:00:00Z", "", ""});
}
std::string tbs_bind(const std::string& ubn, const std::string& ctl, const std::string& site = "127.0.0.1") {
  return make_tbs(Tbs{Purpose::bind, site, kNonce, "2026-11-26T12:00:00Z", ubn, ctl});
}
std::string challenge_body(const std::string& tbs, const std::string& nonce = kNonce) {
  return nlohmann::json{{"challenge_id", "c_1"}, {"nonce", nonce}, {"tbs", tbs}, {"expires_in", 120},
                        {"expires_at", "2026-11-26T12:02:00Z"}}
      .dump();
}

}  // namespace

TEST(SiteCatalogue, EveryWireCodeAndClientCodeHasBothLanguages) {
  std::vector<std::string> all = kWire;
  for (const char* c : {"SITE-ANSWER-MALFORMED", "SITE-ANSWER-TOO-LARGE", "SITE-CHALLENGE-UNEXPECTED", "SITE-HTTP-ERROR",
                        "SITE-BROWSER-PATH-FAILS", "SITE-CARD-PATH-FAILS", "SITE-NO-SIGNING-PATH",
                        "SITE-NOT-CONFIGURED", "LOCALSIGN-SITE-NOT-TRUSTED"})
    all.emplace_back(c);
  for (const auto& code : all) {
    const FailureCode* fc = find_failure_code(code);
    ASSERT_NE(fc, nullptr) << code;
    EXPECT_FALSE(fc->cause_zh.empty()) << code;
    EXPECT_FALSE(fc->cause_en.empty()) << code;
    EXPECT_FALSE(fc->remedy_zh.empty()) << code;
    EXPECT_FALSE(fc->remedy_en.empty()) << code;
  }
}

TEST(SiteErrors, EveryWireCodeMapsToItself) {
  for (const auto& code : kWire) {
    SiteFailure f;
    Error e = error_from_answer(403, error_body(code), &f);
    EXPECT_EQ(e.code, code);
    EXPECT_EQ(f.code, code);
    EXPECT_EQ(f.http_status, 403);
    EXPECT_NE(e.detail.find("HTTP 403"), std::string::npos);
    // The same error through each endpoint's parser.
    EXPECT_EQ(parse_lookup_answer(404, error_body(code)).error().code, code);
    EXPECT_EQ(parse_challenge_answer(400, error_body(code)).error().code, code);
    EXPECT_EQ(parse_bind_answer(401, error_body(code)).error().code, code);
    EXPECT_EQ(parse_login_answer(401, error_body(code)).error().code, code);
    EXPECT_EQ(parse_session_answer(401, error_body(code)).error().code, code);
    EXPECT_EQ(parse_logout_answer(401, error_body(code)).error().code, code);
    EXPECT_EQ(parse_apply_answer(409, error_body(code)).error().code, code);
  }
}

TEST(SiteErrors, AttemptsLeftAndFieldsAreKept) {
  SiteFailure f;
  Error e = error_from_answer(401, error_body("SITE-CODE-WRONG", 2), &f);
  EXPECT_EQ(e.code, "SITE-CODE-WRONG");
  EXPECT_EQ(f.attempts_left, 2);
  EXPECT_NE(e.detail.find("attempts left: 2"), std::string::npos);

  auto body = nlohmann::json::parse(error_body("SITE-FORM-INVALID"));
  body["fields"] = {{{"field", "ubn"}, {"code", "FORM-UBN-CHECKSUM"}}, {{"field", "email"}, {"code", "FORM-EMAIL-FORMAT"}},
                    "junk", {{"field", 3}}};
  e = error_from_answer(422, body.dump(), &f);
  EXPECT_EQ(e.code, "SITE-FORM-INVALID");
  ASSERT_EQ(f.fields.size(), 2u);
  EXPECT_EQ(f.fields[0].field, "ubn");
  EXPECT_EQ(f.fields[1].code, "FORM-EMAIL-FORMAT");
  EXPECT_NE(e.detail.find("ubn: FORM-UBN-CHECKSUM"), std::string::npos);
}

TEST(SiteErrors, OtherShapesAreAnswerMalformed) {
  for (const std::string& body :
       {std::string("<html><body>502 Bad Gateway</body></html>"), std::string(""), std::string("[]"),
        std::string(R"({"error":"SITE-INTERNAL"})"), std::string(R"({"error":{"code":5}})"),
        std::string(R"({"error":{"code":"NET-TIMEOUT"}})"),             // not a SITE- code
        std::string(R"({"error":{"code":"SITE-MADE-UP"}})"),            // not in the protocol
        std::string(R"({"error":{"code":"SITE-ANSWER-MALFORMED"}})"),   // client-side only
        std::string(R"({"message":"nope"})")}) {
    EXPECT_EQ(error_from_answer(500, body).code, "SITE-ANSWER-MALFORMED") << body;
    EXPECT_EQ(parse_login_answer(502, body).error().code, "SITE-ANSWER-MALFORMED") << body;
  }
  // An error body with a success status is not trusted either.
  EXPECT_EQ(parse_login_answer(200, error_body("SITE-INTERNAL")).error().code, "SITE-ANSWER-MALFORMED");
  // A redirect (e.g. to a captive portal) is an unexpected HTTP status.
  EXPECT_EQ(parse_login_answer(302, "").error().code, "SITE-HTTP-ERROR");
  EXPECT_EQ(parse_apply_answer(204, "").error().code, "SITE-HTTP-ERROR");
}

TEST(SiteAnswers, Lookup) {
  auto c = parse_lookup_answer(200, R"({"ubn":"83124560","name":"範例股份有限公司","owner":"王大明","address":"臺北市中正區重慶南路一段122號"})");
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->name, "範例股份有限公司");
  EXPECT_EQ(c->owner, "王大明");
  EXPECT_EQ(parse_lookup_answer(200, R"({"ubn":"83124560"})").error().code, "SITE-ANSWER-MALFORMED");
  EXPECT_EQ(parse_lookup_answer(200, R"({"ubn":83124560,"name":"x"})").error().code, "SITE-ANSWER-MALFORMED");
  EXPECT_EQ(parse_lookup_answer(200, "not json").error().code, "SITE-ANSWER-MALFORMED");
}

TEST(SiteAnswers, Apply) {
  auto r = parse_apply_answer(201, R"({"application":{"id":"APP-000001","status":"pending"}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, "APP-000001");
  EXPECT_EQ(parse_apply_answer(201, R"({"application":{"status":"pending"}})").error().code, "SITE-ANSWER-MALFORMED");
  EXPECT_EQ(parse_apply_answer(201, R"({"application":"APP-1"})").error().code, "SITE-ANSWER-MALFORMED");
}

TEST(SiteAnswers, Challenge) {
  auto c = parse_challenge_answer(200, challenge_body(tbs_login()));
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->id, "c_1");
  EXPECT_EQ(c->expires_in, 120);
  EXPECT_EQ(c->parsed.purpose, Purpose::login);
  EXPECT_EQ(c->tbs, tbs_login());
  // Missing pieces.
  auto j = nlohmann::json::parse(challenge_body(tbs_login()));
  for (const char* key : {"challenge_id", "nonce", "tbs", "expires_in"}) {
    auto k = j;
    k.erase(key);
    EXPECT_EQ(parse_challenge_answer(200, k.dump()).error().code, "SITE-ANSWER-MALFORMED") << key;
  }
  auto k = j;
  k["expires_in"] = -5;
  EXPECT_EQ(parse_challenge_answer(200, k.dump()).error().code, "SITE-ANSWER-MALFORMED");
  // A text to sign that is not a CertWiz challenge is refused before anything is signed.
  EXPECT_EQ(parse_challenge_answer(200, challenge_body("please sign: transfer NT$1,000,000")).error().code,
            "SITE-CHALLENGE-UNEXPECTED");
  EXPECT_EQ(parse_challenge_answer(200, challenge_body(tbs_login() + "\nextra: 1")).error().code,
            "SITE-CHALLENGE-UNEXPECTED");
}

TEST(SiteChallenge, CheckedAgainstWhatWasAsked) {
  const ChallengeExpectation login{Purpose::login, "127.0.0.1", "", ""};
  const ChallengeExpectation bind{Purpose::bind, "127.0.0.1", "83124560", "H5400001"};
  auto make = [](const std::string& tbs, const std::string& nonce = kNonce) {
    Challenge c;
    c.id = "c";
    c.nonce = nonce;
    c.tbs = tbs;
    return c;
  };
  EXPECT_TRUE(check_challenge(make(tbs_login()), login));
  EXPECT_TRUE(check_challenge(make(tbs_bind("83124560", "H5400001")), bind));
  auto code = [&](const Challenge& c, const ChallengeExpectation& x) {
    auto r = check_challenge(c, x);
    return r ? std::string("ok") : r.error().code;
  };
  // Purpose swapped either way.
  EXPECT_EQ(code(make(tbs_bind("83124560", "H5400001")), login), "SITE-CHALLENGE-UNEXPECTED");
  EXPECT_EQ(code(make(tbs_login()), bind), "SITE-CHALLENGE-UNEXPECTED");
  // Another site's challenge (a relay from a phishing page).
  EXPECT_EQ(code(make(tbs_login("waste.moenv.gov.tw.evil.example")), login), "SITE-CHALLENGE-UNEXPECTED");
  // Another company's UBN or control number.
  EXPECT_EQ(code(make(tbs_bind("22099131", "H5400001")), bind), "SITE-CHALLENGE-UNEXPECTED");
  EXPECT_EQ(code(make(tbs_bind("83124560", "H5400002")), bind), "SITE-CHALLENGE-UNEXPECTED");
  EXPECT_EQ(code(make(tbs_bind("83124560", "")), bind), "SITE-CHALLENGE-UNEXPECTED");
  // The answer's nonce and the text's nonce disagree.
  EXPECT_EQ(code(make(tbs_login(), "ZZCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE"), login), "SITE-CHALLENGE-UNEXPECTED");
  // CRLF line ends are not the protocol's text.
  std::string crlf = tbs_login();
  for (size_t p = crlf.find('\n'); p != std::string::npos; p = crlf.find('\n', p + 2)) crlf.replace(p, 1, "\r\n");
  EXPECT_EQ(code(make(crlf), login), "SITE-CHALLENGE-UNEXPECTED");
}

TEST(SiteAnswers, BindLoginSessionLogout) {
  auto b = parse_bind_answer(200, R"({"bound":true,"login_type":"business","message":"綁定成功","message_en":"Binding succeeded",
      "certificate":{"subject":"CN=x","issuer":"CN=y","serial":"0a1b","fingerprint_sha256":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}})");
  ASSERT_TRUE(b) << b.error().detail;
  EXPECT_EQ(b->login_type, LoginType::business);
  EXPECT_EQ(b->message.zh_TW, "綁定成功");
  EXPECT_EQ(b->certificate.serial, "0a1b");
  EXPECT_EQ(parse_bind_answer(200, R"({"bound":false,"login_type":"business"})").error().code, "SITE-ANSWER-MALFORMED");
  EXPECT_EQ(parse_bind_answer(200, R"({"bound":true,"login_type":"admin"})").error().code, "SITE-ANSWER-MALFORMED");
  EXPECT_EQ(parse_bind_answer(200, R"({"bound":true,"login_type":"citizen","certificate":{"fingerprint_sha256":"zz"}})")
                .error()
                .code,
            "SITE-ANSWER-MALFORMED");

  auto s = parse_login_answer(200, R"({"session":{"token":"t0k","expires_in":1800},"account":{"ubn":"83124560","company_name":"範例"},"login_type":"citizen"})");
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_EQ(s->token, "t0k");
  EXPECT_EQ(s->expires_in, 1800);
  EXPECT_EQ(s->ubn, "83124560");
  EXPECT_EQ(s->login_type, LoginType::citizen);
  EXPECT_EQ(parse_login_answer(200, R"({"session":{"token":""},"account":{"ubn":"1"},"login_type":"citizen"})").error().code,
            "SITE-ANSWER-MALFORMED");
  EXPECT_EQ(parse_login_answer(200, R"({"session":{"token":"t"},"login_type":"citizen"})").error().code,
            "SITE-ANSWER-MALFORMED");

  auto who = parse_session_answer(200, R"({"account":{"ubn":"83124560","company_name":"範例"},"login_type":"business"})");
  ASSERT_TRUE(who);
  EXPECT_EQ(who->company_name, "範例");
  EXPECT_EQ(parse_session_answer(200, R"({"account":{}})").error().code, "SITE-ANSWER-MALFORMED");

  EXPECT_TRUE(parse_logout_answer(200, R"({"logged_out":true})"));
  EXPECT_EQ(parse_logout_answer(200, R"({"logged_out":"yes"})").error().code, "SITE-ANSWER-MALFORMED");
}

TEST(SiteAnswers, OversizedAnswerIsRefused) {
  std::string huge = R"({"ubn":"83124560","name":")" + std::string(kMaxAnswerBytes, 'x') + "\"}";
  EXPECT_EQ(parse_lookup_answer(200, huge).error().code, "SITE-ANSWER-TOO-LARGE");
  EXPECT_EQ(error_from_answer(500, huge).code, "SITE-ANSWER-TOO-LARGE");
}

TEST(SitePaths, Verdicts) {
  auto ok = [](SigningPath p) {
    PathOutcome o;
    o.path = p;
    o.attempted = o.ok = true;
    return o;
  };
  auto bad = [](SigningPath p, const char* code) {
    PathOutcome o;
    o.path = p;
    o.attempted = true;
    o.error = Error{code, "x"};
    return o;
  };
  EXPECT_FALSE(paths_verdict({ok(SigningPath::card), ok(SigningPath::localsign)}));
  EXPECT_FALSE(paths_verdict({ok(SigningPath::localsign)}));
  // The classic: works in the tool, fails in the browser.
  auto v = paths_verdict({ok(SigningPath::card), bad(SigningPath::localsign, "LOCALSIGN-SITE-NOT-TRUSTED")});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code, "SITE-BROWSER-PATH-FAILS");
  EXPECT_NE(v->detail.find("LOCALSIGN-SITE-NOT-TRUSTED"), std::string::npos);
  v = paths_verdict({bad(SigningPath::card, "P11-MODULE-CRASHED"), ok(SigningPath::localsign)});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code, "SITE-CARD-PATH-FAILS");
  // Both fail the same way (the site refuses the certificate): that is the verdict.
  v = paths_verdict({bad(SigningPath::card, "SITE-CERT-NOT-BOUND"), bad(SigningPath::localsign, "SITE-CERT-NOT-BOUND")});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code, "SITE-CERT-NOT-BOUND");
  v = paths_verdict({bad(SigningPath::card, "P11-NO-TOKEN"), bad(SigningPath::localsign, "LOCALSIGN-NOT-RUNNING")});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code, "SITE-NO-SIGNING-PATH");
  // A single path: its own failure.
  v = paths_verdict({bad(SigningPath::localsign, "LOCALSIGN-SITE-NOT-TRUSTED")});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code, "LOCALSIGN-SITE-NOT-TRUSTED");
  // The card refused the PIN, so the component path was skipped: the PIN problem is the verdict.
  PathOutcome skipped;
  skipped.path = SigningPath::localsign;
  skipped.error = Error{"P11-PIN-WRONG", "skipped"};
  v = paths_verdict({bad(SigningPath::card, "P11-PIN-WRONG"), skipped});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code, "P11-PIN-WRONG");
}

TEST(SiteForm, ApplicationBodyCarriesTheFormAndPasswordOnce) {
  form::ValidatedForm v;
  v.ubn = "83124560";
  v.company_name = "範例\"股份\"有限公司";
  v.reg_address = {"100", "臺北市", "中正區", "重慶南路一段122號"};
  v.business_cert_login = true;
  Secret pw("Qz7#kLm2\"pX!w\\");
  std::string body = application_body(v, pw);
  auto j = nlohmann::json::parse(body);
  EXPECT_EQ(j["ubn"], "83124560");
  EXPECT_EQ(j["company_name"], "範例\"股份\"有限公司");
  EXPECT_EQ(j["reg_address"]["zip"], "100");
  EXPECT_EQ(j["business_cert_login"], "enable");
  EXPECT_EQ(j["citizen_cert_login"], "disable");
  EXPECT_EQ(j["password"], "Qz7#kLm2\"pX!w\\");
}

// ---- issue 17: the review state of an application -------------------------------------

TEST(SiteStatusAnswer, EachStateAndWhatItMeansForTheUser) {
  auto pending = parse_status_answer(
      200, R"({"application":{"id":"APP-000007","status":"pending","received_at":"2026-12-01T09:00:00Z","updated_at":"2026-12-01T09:00:00Z"}})");
  ASSERT_TRUE(pending) << pending.error().detail;
  EXPECT_EQ(pending->state, ApplicationState::pending);
  EXPECT_EQ(application_status_error(*pending)->code, "SITE-APPLICATION-PENDING");

  auto approved = parse_status_answer(
      200, R"({"application":{"id":"APP-000007","status":"approved","code_expires_at":"2026-12-15T09:00:00Z"}})");
  ASSERT_TRUE(approved);
  EXPECT_EQ(approved->code_expires_at, "2026-12-15T09:00:00Z");
  EXPECT_FALSE(application_status_error(*approved));

  for (auto [reason, code] : {std::pair{"attachment-unreadable", "SITE-APPLICATION-REJECTED-UNREADABLE"},
                              std::pair{"attachment-missing", "SITE-APPLICATION-REJECTED-MISSING-ATTACHMENT"},
                              std::pair{"seal-missing", "SITE-APPLICATION-REJECTED-NO-SEAL"},
                              std::pair{"data-mismatch", "SITE-APPLICATION-REJECTED-DATA-MISMATCH"},
                              std::pair{"something-new", "SITE-APPLICATION-REJECTED"}}) {
    nlohmann::json body{{"application",
                         {{"id", "APP-000007"},
                          {"status", "rejected"},
                          {"reason", {{"code", reason}, {"message", "m"}, {"message_zh", "訊息"}, {"note", "blurred\x1b[31m"}}}}}};
    auto r = parse_status_answer(200, body.dump());
    ASSERT_TRUE(r) << reason;
    auto e = application_status_error(*r);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code, code);
    EXPECT_EQ(r->note.find('\x1b'), std::string::npos) << "the reviewer's note is shown display-safe";
    EXPECT_NE(e->detail.find("blurred"), std::string::npos);
  }
}

TEST(SiteStatusAnswer, MalformedAndErrorAnswers) {
  EXPECT_EQ(parse_status_answer(200, R"({"application":{"id":"APP-1","status":"lost"}})").error().code, "SITE-ANSWER-MALFORMED");
  EXPECT_EQ(parse_status_answer(200, R"({"application":{"id":"APP-1","status":"rejected"}})").error().code,
            "SITE-ANSWER-MALFORMED");
  EXPECT_EQ(parse_status_answer(200, R"({"id":"APP-1"})").error().code, "SITE-ANSWER-MALFORMED");
  EXPECT_EQ(parse_status_answer(200, "[").error().code, "SITE-ANSWER-MALFORMED");
  EXPECT_EQ(parse_status_answer(404, R"({"error":{"code":"SITE-APPLICATION-UNKNOWN","message":"x","message_zh":"y"}})")
                .error()
                .code,
            "SITE-APPLICATION-UNKNOWN");
}
