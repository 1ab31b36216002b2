#include "tests/lab/site/testkit/site_client.h"

#include <httplib.h>

#include <csignal>

namespace certwiz::site_testkit {

std::string Answer::error_code() const {
  if (body.is_object() && body.contains("error") && body["error"].is_object() && body["error"].contains("code") &&
      body["error"]["code"].is_string())
    return body["error"]["code"].get<std::string>();
  return {};
}

SiteClient::SiteClient(std::string host, int port, std::string tls_ca_file)
    : http_(std::make_unique<httplib::SSLClient>(host, port)) {
  // A server that dies mid-request (the SIGKILL test) must cost an error, not the process.
  std::signal(SIGPIPE, SIG_IGN);
  http_->set_ca_cert_path(tls_ca_file.c_str());
  http_->enable_server_certificate_verification(true);
  http_->set_keep_alive(true);
  http_->set_tcp_nodelay(true);  // else each request body waits for a delayed ACK
  http_->set_connection_timeout(10);
  http_->set_read_timeout(60);
}

SiteClient::~SiteClient() = default;

void SiteClient::set_source_address(const std::string& ip) { http_->set_interface(ip.c_str()); }
SiteClient::SiteClient(SiteClient&&) noexcept = default;

std::string SiteClient::cookie_header() const {
  std::string h;
  for (const auto& [k, v] : cookies_) h += (h.empty() ? "" : "; ") + k + "=" + v;
  return h;
}

Answer SiteClient::finish(int status, const std::string& body, const std::string& set_cookie,
                          const std::string& date) {
  Answer a;
  a.status = status;
  a.raw = body;
  a.set_cookie = set_cookie;
  a.date = date;
  a.body = nlohmann::json::parse(body, nullptr, false);
  // "name=value; Secure; ..." → keep name=value (an empty value deletes it).
  if (!set_cookie.empty()) {
    const std::string first = set_cookie.substr(0, set_cookie.find(';'));
    const size_t eq = first.find('=');
    if (eq != std::string::npos) {
      const std::string name = first.substr(0, eq), value = first.substr(eq + 1);
      if (value.empty())
        cookies_.erase(name);
      else
        cookies_[name] = value;
    }
  }
  return a;
}

Answer SiteClient::get(const std::string& path, const std::string& bearer) {
  httplib::Headers h;
  if (!cookies_.empty()) h.emplace("Cookie", cookie_header());
  if (!bearer.empty()) h.emplace("Authorization", "Bearer " + bearer);
  auto r = http_->Get(path, h);
  if (!r) return Answer{};
  return finish(r->status, r->body, r->get_header_value("Set-Cookie"), r->get_header_value("Date"));
}

Answer SiteClient::post(const std::string& path, const std::string& body, const std::string& bearer) {
  httplib::Headers h;
  if (!cookies_.empty()) h.emplace("Cookie", cookie_header());
  if (!bearer.empty()) h.emplace("Authorization", "Bearer " + bearer);
  auto r = http_->Post(path, h, body, "application/json");
  if (!r) return Answer{};
  return finish(r->status, r->body, r->get_header_value("Set-Cookie"), r->get_header_value("Date"));
}

Answer SiteClient::post_json(const std::string& path, const nlohmann::json& body, const std::string& bearer) {
  return post(path, body.dump(), bearer);
}

Answer SiteClient::challenge_login() { return post_json(kChallenge, {{"purpose", "login"}}); }

Answer SiteClient::challenge_bind(const std::string& ubn, const std::string& control_no) {
  return post_json(kChallenge, {{"purpose", "bind"}, {"ubn", ubn}, {"control_no", control_no}});
}

Answer SiteClient::bind(const SignerFiles& card, const std::string& login_type, const std::string& ubn,
                        const std::string& control_no, const std::string& code) {
  Answer c = challenge_bind(ubn, control_no);
  if (c.status != 200) return c;
  const std::string sig = sign_cms_base64(card, c.body["tbs"].get<std::string>(), c.body["nonce"].get<std::string>());
  return post_json(kBind, {{"challenge_id", c.body["challenge_id"]},
                           {"ubn", ubn},
                           {"control_no", control_no},
                           {"verification_code", code},
                           {"login_type", login_type},
                           {"signature", sig}});
}

Answer SiteClient::login(const SignerFiles& card) {
  Answer c = challenge_login();
  if (c.status != 200) return c;
  const std::string sig = sign_cms_base64(card, c.body["tbs"].get<std::string>(), c.body["nonce"].get<std::string>());
  return post_json(kLogin, {{"challenge_id", c.body["challenge_id"]}, {"signature", sig}});
}

}  // namespace certwiz::site_testkit
