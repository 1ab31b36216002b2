#include "checks/site/protocol.h"

#include <openssl/rand.h>

#include <array>
#include <cctype>
#include <ctime>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "checks/core/catalogue.h"
#include "checks/core/platform.h"

namespace certwiz::site {
namespace {

constexpr std::string_view kHeader = "CertWiz-Challenge v1";

Error unexpected(std::string detail) {
  return Error{"SITE-CHALLENGE-UNEXPECTED", std::move(detail)};
}

bool clean_value(std::string_view v) {
  for (unsigned char c : v)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace

std::string_view purpose_name(Purpose p) { return p == Purpose::bind ? "bind" : "login"; }

std::optional<Purpose> parse_purpose(std::string_view name) {
  if (name == "bind") return Purpose::bind;
  if (name == "login") return Purpose::login;
  return std::nullopt;
}

std::string make_tbs(const Tbs& t) {
  std::string s{kHeader};
  s += "\npurpose: ";
  s += purpose_name(t.purpose);
  s += "\nsite: " + t.site;
  s += "\nnonce: " + t.nonce;
  s += "\nissued: " + t.issued;
  if (t.purpose == Purpose::bind) {
    s += "\nubn: " + t.ubn;
    s += "\ncontrol_no: " + t.control_no;
  }
  return s;
}

Expected<Tbs> parse_tbs(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (true) {
    size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  if (lines.empty() || lines[0] != kHeader) return unexpected("the text to sign does not start with \"CertWiz-Challenge v1\"");
  Tbs t;
  auto field = [&](size_t i, std::string_view key, std::string& out, bool may_be_empty) -> bool {
    if (i >= lines.size()) return false;
    std::string_view line = lines[i];
    if (line.size() < key.size() + 2 || line.substr(0, key.size()) != key || line.substr(key.size(), 2) != ": ")
      return false;
    std::string_view v = line.substr(key.size() + 2);
    if (!clean_value(v) || (!may_be_empty && v.empty())) return false;
    out.assign(v);
    return true;
  };
  std::string purpose;
  if (!field(1, "purpose", purpose, false)) return unexpected("line 2 must be \"purpose: bind|login\"");
  auto p = parse_purpose(purpose);
  if (!p) return unexpected("unknown purpose \"" + purpose + "\"");
  t.purpose = *p;
  if (!field(2, "site", t.site, false)) return unexpected("line 3 must be \"site: HOST\"");
  if (!field(3, "nonce", t.nonce, false)) return unexpected("line 4 must be \"nonce: ...\"");
  if (!field(4, "issued", t.issued, false)) return unexpected("line 5 must be \"issued: TIME\"");
  size_t expected_lines = 5;
  if (t.purpose == Purpose::bind) {
    if (!field(5, "ubn", t.ubn, false)) return unexpected("line 6 must be \"ubn: UBN\"");
    if (!field(6, "control_no", t.control_no, true)) return unexpected("line 7 must be \"control_no: ...\"");
    expected_lines = 7;
  }
  if (lines.size() != expected_lines) return unexpected("the text to sign has extra lines");
  if (t.nonce.size() != 43) return unexpected("the nonce is not 43 base64url characters");
  for (char c : t.nonce)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
      return unexpected("the nonce is not base64url");
  return t;
}

std::string random_token() {
  std::array<unsigned char, 32> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : raw) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

std::string format_utc(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  const std::tm tm = utc_calendar(tt);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string error_body(std::string_view code, int attempts_left) {
  nlohmann::json e{{"code", std::string(code)}};
  if (const FailureCode* fc = find_failure_code(code)) {
    e["message"] = std::string(fc->cause_en);
    e["message_zh"] = std::string(fc->cause_zh);
  } else {
    e["message"] = std::string(code);
    e["message_zh"] = std::string(code);
  }
  nlohmann::json body{{"error", e}};
  if (attempts_left >= 0) body["attempts_left"] = attempts_left;
  return body.dump();
}

std::optional<WireError> parse_error_body(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto it = j.find("error");
  if (it == j.end() || !it->is_object()) return std::nullopt;
  auto code = it->find("code");
  if (code == it->end() || !code->is_string()) return std::nullopt;
  WireError w;
  w.code = code->get<std::string>();
  if (w.code.rfind("SITE-", 0) != 0) return std::nullopt;
  if (auto m = it->find("message"); m != it->end() && m->is_string()) w.message = m->get<std::string>();
  if (auto m = it->find("message_zh"); m != it->end() && m->is_string()) w.message_zh = m->get<std::string>();
  if (auto a = j.find("attempts_left"); a != j.end() && a->is_number_integer()) w.attempts_left = a->get<int>();
  return w;
}

}  // namespace certwiz::site
