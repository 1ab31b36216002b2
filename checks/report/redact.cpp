#include "checks/report/redact.h"

#include "checks/core/ascii.h"
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <optional>
#include <regex>
#include <stdexcept>

#include "checks/core/secret.h"
#include "checks/report/environment.h"
#include "checks/report/phone_numbers.h"

namespace certwiz::report {
namespace {

// Placeholders: short, bracketed, never themselves matched by a pattern below.
constexpr std::string_view kName = "[name]";
constexpr std::string_view kRedacted = "[redacted]";
constexpr std::string_view kNationalId = "[national-id]";
constexpr std::string_view kUbn = "[ubn]";
constexpr std::string_view kIp = "[ip]";
constexpr std::string_view kMac = "[mac]";
constexpr std::string_view kHost = "[host]";
constexpr std::string_view kUser = "[user]";
constexpr std::string_view kEmail = "[email]";
constexpr std::string_view kPhone = "[phone]";

std::string normalise_key(std::string_view key) {
  std::string k;
  for (char c : key) k += c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return k;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool has_non_ascii(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

enum class KeyKind { none, serial, person_name, personal, personal_subtree, ubn, company, blob, user, home, host, mac, name };

KeyKind classify(const std::string& k) {
  static const std::array<std::string_view, 24> personal = {
      "holder",   "holder_name", "cn",       "common_name",  "subject_cn", "national_id", "id_number", "id_last4",
      "last4",    "personal_id", "resident_id", "birth_date", "birthday",  "email",       "mobile",    "phone",
      "fax",      "phone_ext",   "street",   "full_name",    "display_name", "given_name", "surname",  "mail"};
  static const std::array<std::string_view, 8> subtrees = {"person",  "responsible_person", "contact", "owner",
                                                           "address", "registered_address", "mailing_address", "identity"};
  static const std::array<std::string_view, 11> blobs = {"der",  "der_base64", "der_hex", "cert_der", "certificate_der",
                                                         "pem",  "cert_pem",   "certificate_pem", "base64", "blob",
                                                         "certificate_base64"};
  if (k == "serial" || k == "serialnumber" || ends_with(k, "_serial") || ends_with(k, "serial_number") ||
      k == "sn" || k == "card_number")
    return KeyKind::serial;
  static const std::array<std::string_view, 9> person_names = {
      "holder", "holder_name", "cn", "common_name", "subject_cn", "full_name", "display_name", "given_name", "surname"};
  if (std::find(person_names.begin(), person_names.end(), k) != person_names.end()) return KeyKind::person_name;
  if (std::find(personal.begin(), personal.end(), k) != personal.end()) return KeyKind::personal;
  if (std::find(subtrees.begin(), subtrees.end(), k) != subtrees.end()) return KeyKind::personal_subtree;
  if (k == "ubn" || ends_with(k, "_ubn") || k == "tax_id" || k == "unified_business_number") return KeyKind::ubn;
  if (k == "company_name" || k == "company" || k == "organization_name") return KeyKind::company;
  if (std::find(blobs.begin(), blobs.end(), k) != blobs.end()) return KeyKind::blob;
  if (k == "user" || k == "username" || k == "user_name" || k == "login" || k == "login_name") return KeyKind::user;
  if (k == "home" || k == "home_dir" || k == "home_directory") return KeyKind::home;
  if (k == "hostname" || k == "host_name" || k == "computer_name" || k == "machine_name" || k == "nodename")
    return KeyKind::host;
  if (k == "mac" || k == "mac_address" || k == "hwaddr") return KeyKind::mac;
  if (k == "name" || k == "subject" || k == "subject_dn" || k == "subjectdn" || k == "dn") return KeyKind::name;
  return KeyKind::none;
}

bool is_secret_key(const std::string& k) {
  return k == "pin" || k == "puk" || k == "password" || k == "passwd" || k == "passphrase" || k == "secret" ||
         ends_with(k, "_pin") || ends_with(k, "_puk") || ends_with(k, "_password") || ends_with(k, "_passphrase") ||
         ends_with(k, "_secret");
}

bool is_personal_parent(const std::string& k) {
  return k == "holder" || k == "subject" || k == "person" || k == "responsible_person" || k == "contact" ||
         k == "owner" || k == "user" || k == "identity";
}

// The characters around a match, 0 beyond the text's ends: std::regex has no
// look-behind, and "192.168.1.23." (an address ending a sentence) differs from
// "1.2.3.4.5" (a version) only two characters away.
struct Around {
  char before2, before, after, after2;
};

// Replaces every match of `re` for which `fn` returns a value.
std::string replace_each(const std::string& text, const std::regex& re,
                         const std::function<std::optional<std::string>(const std::smatch&, const Around&)>& fn) {
  std::string out;
  out.reserve(text.size());
  auto begin = text.cbegin();
  size_t copied = 0;
  auto at = [&text](size_t i) { return i < text.size() ? text[i] : '\0'; };
  for (std::sregex_iterator it(begin, text.cend(), re), end; it != end; ++it) {
    const auto& m = *it;
    const size_t pos = static_cast<size_t>(m.position(0));
    const size_t len = static_cast<size_t>(m.length(0));
    const Around around{pos > 1 ? text[pos - 2] : '\0', pos ? text[pos - 1] : '\0', at(pos + len), at(pos + len + 1)};
    if (auto rep = fn(m, around)) {
      out.append(text, copied, pos - copied);
      out += *rep;
      copied = pos + len;
    }
  }
  out.append(text, copied, std::string::npos);
  return out;
}

// A match stands alone when no letter or digit touches it: "id_A123456789" and
// "身分證A123456789" hold an ID, "XA1234567890" does not. (std::regex's \b would
// count '_' as part of a word.)
bool stands_alone(const Around& a) { return !is_ascii_alnum(a.before) && !is_ascii_alnum(a.after); }

// Part of a longer dotted or dashed number ("1.3.4.3.1", "2024-05-13"), where a
// sentence's full stop after a number is not.
bool inside_number(const Around& a) {
  return ((a.before == '.' || a.before == '-') && is_ascii_digit(a.before2)) ||
         ((a.after == '.' || a.after == '-') && is_ascii_digit(a.after2));
}

bool valid_ubn(const std::string& d) {
  // 統一編號 checksum: weights 1,2,1,2,1,2,4,1, digit sums of the products; divisible
  // by 5 since 2023 (by 10 before, a subset), with the 7th-digit-is-7 special case.
  static constexpr int w[8] = {1, 2, 1, 2, 1, 2, 4, 1};
  int sum = 0;
  for (int i = 0; i < 8; ++i) {
    const int p = (d[static_cast<size_t>(i)] - '0') * w[i];
    sum += p / 10 + p % 10;
  }
  if (sum % 5 == 0) return true;
  return d[6] == '7' && (sum + 1) % 5 == 0;
}

// 20240513: a date in a log or a version, not a company.
bool looks_like_date(const std::string& d) {
  const int year = std::stoi(d.substr(0, 4)), month = std::stoi(d.substr(4, 2)), day = std::stoi(d.substr(6, 2));
  return year >= 1900 && year <= 2099 && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// Removes PEM blocks and long base64 runs by scanning (no regex: a certificate is
// thousands of characters, too deep for std::regex's recursive matcher).
std::string remove_blobs(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  auto is_b64 = [](char c) { return is_ascii_alnum(c) || c == '+' || c == '/' || c == '='; };
  while (i < text.size()) {
    if (text.compare(i, 11, "-----BEGIN ") == 0) {
      const size_t end_marker = text.find("-----END ", i);
      if (end_marker != std::string_view::npos) {
        const size_t close = text.find("-----", end_marker + 9);
        if (close != std::string_view::npos) {
          out += "[pem removed]";
          i = close + 5;
          continue;
        }
      }
    }
    if (is_b64(text[i]) && (i == 0 || !is_b64(text[i - 1]))) {
      size_t j = i;
      bool mixed = false;  // a base64 blob has letters and digits; long words or numbers do not count
      bool digit = false, alpha = false;
      while (j < text.size() && (is_b64(text[j]) || text[j] == '\n' || text[j] == '\r')) {
        digit |= text[j] >= '0' && text[j] <= '9';
        alpha |= std::isalpha(static_cast<unsigned char>(text[j])) != 0;
        ++j;
      }
      mixed = digit && alpha;
      if (j - i >= 64 && mixed) {
        out += "[base64 removed, " + std::to_string(j - i) + " chars]";
        i = j;
        continue;
      }
      out.append(text.substr(i, j - i));
      i = j;
      continue;
    }
    out += text[i++];
  }
  return out;
}

// Boundaries are checked by the callers (stands_alone), not with \b: see above.
struct Patterns {
  std::regex national_id{R"([A-Z][12ABCD89][0-9]{8})"};
  std::regex token_serial{R"([A-Z]{2}[0-9]{14})"};
  std::regex digits16{R"([0-9]{16})"};
  std::regex ubn{R"([0-9]{8})"};
  std::regex email{R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"};
  std::regex tw_mobile{R"(\b09[0-9]{2}-?[0-9]{3}-?[0-9]{3}\b)"};
  std::regex home{R"((/home|/Users)/[^/\s"'<>:;,]+)"};
  std::regex windows_home{R"([A-Za-z]:\\(Users|Documents and Settings)\\[^\\\s"'<>:;,]+)"};
  std::regex root_home{R"(/root\b)"};
  std::regex mac{R"(([0-9A-Fa-f]{2}[:-]){5,}[0-9A-Fa-f]{2})"};
  std::regex ipv4{R"(([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3}))"};
  std::regex ipv6_full{R"(\b([0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b)"};
  std::regex ipv6_short{R"(\b([0-9A-Fa-f]{1,4}:){1,6}(:[0-9A-Fa-f]{1,4}){1,6}\b|\b([0-9A-Fa-f]{1,4}:){1,7}:(?![0-9A-Fa-f:]))"};
};

const Patterns& patterns() {
  static const Patterns p;
  return p;
}

const std::regex& version_pattern() {
  static const std::regex re(R"([0-9]{1,6}(\.[0-9]{1,6}){1,3})");
  return re;
}

// Prefilters: a pattern cannot match a token without the characters it requires, and
// most tokens ("the", "reader", "OK") have none of them; std::regex is slow to say no.
// Each test reads the token as it is at that step (a replacement can add characters).
bool has(const std::string& s, char c) { return s.find(c) != std::string::npos; }
bool has(const std::string& s, std::string_view sub) { return s.find(sub) != std::string::npos; }
bool has_digit(const std::string& s) { return std::any_of(s.begin(), s.end(), is_ascii_digit); }

bool is_path_char(char c) { return is_ascii_alnum(c) || c == '_' || c == '.' || c == '-' || c == '/'; }

}  // namespace

void remove_secrets(Json& j) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (is_secret_key(normalise_key(it.key()))) it.value() = "[removed]";
      else remove_secrets(it.value());
    }
  } else if (j.is_array()) {
    for (auto& e : j) remove_secrets(e);
  } else if (j.is_string()) {
    j = hide_url_credentials(j.get_ref<const std::string&>());
  }
}

void remove_secrets(Report& r) {
  remove_secrets(r.environment);
  for (auto& c : r.results) {
    remove_secrets(c.evidence);
    c.summary = {hide_url_credentials(c.summary.zh_TW), hide_url_credentials(c.summary.en)};
    c.detail = hide_url_credentials(c.detail);
  }
}

Redactor::Redactor(RedactionOptions options) : o_(std::move(options)) {
  if (o_.salt.empty()) {
    std::array<unsigned char, 16> salt{};
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) throw std::runtime_error("RAND_bytes failed");
    o_.salt.assign(reinterpret_cast<const char*>(salt.data()), salt.size());
  }
  if (o_.use_system_identity) {
    const LocalIdentity id = local_identity();
    o_.user_names.insert(o_.user_names.end(), id.user_names.begin(), id.user_names.end());
    o_.host_names.insert(o_.host_names.end(), id.host_names.begin(), id.host_names.end());
  }
  // "root" and "localhost" name no one; scrubbing them would garble "root CA".
  auto generic = [](const std::string& s) {
    return s.size() < 2 || s == "root" || s == "localhost" || s == "localhost.localdomain" || s == "user";
  };
  std::erase_if(o_.user_names, generic);
  std::erase_if(o_.host_names, generic);
  for (const auto& u : o_.user_names) learn(u, std::string(kUser));
  for (const auto& h : o_.host_names) learn(h, std::string(kHost));
}

std::string Redactor::serial_token(std::string_view serial) const {
  std::string norm;
  for (char c : serial)
    if (c != ':' && c != ' ' && c != '-') norm += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool hashed = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                      EVP_DigestUpdate(ctx, o_.salt.data(), o_.salt.size()) == 1 &&
                      EVP_DigestUpdate(ctx, "\0", 1) == 1 && EVP_DigestUpdate(ctx, norm.data(), norm.size()) == 1 &&
                      EVP_DigestFinal_ex(ctx, md, &len) == 1 && len >= 3;
  EVP_MD_CTX_free(ctx);
  // Without a digest the serial is still hidden; it only loses the token that tells two serials apart.
  if (!hashed) return "sn#??????";
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "sn#";
  for (int i = 0; i < 3; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

void Redactor::learn(const std::string& value, const std::string& replacement) {
  // Very short values ("TW", a 2-digit count) would scrub unrelated text, and
  // "root" or "localhost" name no one (scrubbing them garbles "root CA").
  if (value.size() < 3 && !has_non_ascii(value)) return;
  if (value == "root" || value == "localhost" || value == "localhost.localdomain" || value == "user") return;
  if (value.empty() || value.front() == '[' || value.rfind("sn#", 0) == 0) return;
  known_.emplace(value, replacement);
}

void Redactor::learn_serial(const std::string& value) {
  const std::string token = serial_token(value);
  learn(value, token);
  std::string bare, upper, lower;
  for (char c : value) {
    if (c != ':' && c != ' ' && c != '-') bare += c;
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  learn(bare, token);
  learn(upper, token);
  learn(lower, token);
}

namespace {

// One attribute of a DN as printed: `lead` is everything before its value (the
// separator, spaces, the type and '='), so the DN is rebuilt exactly.
struct DnAttribute {
  std::string lead;
  std::string type;   // normalised: "cn", "serialnumber", "2.5.4.97"
  std::string value;  // as printed (escapes and quotes kept)
};

// "CN", "serialNumber", "2.5.4.5" followed by '=' at `i` (after spaces): the start of
// an attribute.
size_t attribute_type_end(std::string_view dn, size_t i) {
  while (i < dn.size() && dn[i] == ' ') ++i;
  const size_t start = i;
  if (i < dn.size() && std::isalpha(static_cast<unsigned char>(dn[i]))) {
    while (i < dn.size() && (is_ascii_alnum(dn[i]) || dn[i] == '-')) ++i;
  } else {
    while (i < dn.size() && (is_ascii_digit(dn[i]) || dn[i] == '.')) ++i;
  }
  if (i == start || i - start > 64) return std::string_view::npos;
  size_t eq = i;
  while (eq < dn.size() && dn[eq] == ' ') ++eq;
  return eq < dn.size() && dn[eq] == '=' ? eq : std::string_view::npos;
}

// Parses a DN as CertWiz, OpenSSL and local components print it: "C=TW, O=行政院",
// "/C=TW/CN=x", RFC 4514 "CN=a\,b,O=\"x, y\"", multi-valued "CN=x+serialNumber=y".
// A separator counts only where an attribute type and '=' follow: printers that do
// not escape (CertWiz's own, many components) leave commas inside values, as in
// "O=Acme Trading Co., Ltd.". Empty when `dn` is not a DN.
std::vector<DnAttribute> parse_dn(std::string_view dn) {
  std::vector<DnAttribute> out;
  const bool slashed = !dn.empty() && dn[0] == '/';
  auto is_separator = [slashed](char c) { return slashed ? c == '/' : c == ',' || c == ';' || c == '+'; };
  size_t i = slashed ? 1 : 0;
  size_t lead_start = 0;
  while (i <= dn.size()) {
    const size_t eq = attribute_type_end(dn, i);
    if (eq == std::string_view::npos) return {};
    DnAttribute a;
    const size_t type_start = dn.find_first_not_of(' ', i);
    a.type = normalise_key(dn.substr(type_start, dn.find_last_not_of(' ', eq - 1) + 1 - type_start));
    a.lead = std::string(dn.substr(lead_start, eq + 1 - lead_start));
    size_t j = eq + 1;
    bool quoted = false;
    for (; j < dn.size(); ++j) {
      if (dn[j] == '\\') {
        ++j;
        continue;
      }
      if (dn[j] == '"') quoted = !quoted;
      if (!quoted && is_separator(dn[j]) && attribute_type_end(dn, j + 1) != std::string_view::npos) break;
    }
    a.value = std::string(dn.substr(eq + 1, std::min(j, dn.size()) - eq - 1));
    out.push_back(std::move(a));
    if (j >= dn.size()) break;
    lead_start = j;
    i = j + 1;
  }
  return out;
}

// The value without quotes and escapes ("\"Acme, Inc\"" and "Acme\, Inc" → "Acme, Inc").
std::string dn_value_text(std::string_view v) {
  const size_t a = v.find_first_not_of(' '), b = v.find_last_not_of(' ');
  if (a == std::string_view::npos) return {};
  v = v.substr(a, b + 1 - a);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) ++i;
    out += v[i];
  }
  return out;
}

// A CN that names a CA or a service ("... Root CA - G3", "內政部憑證管理中心", "OCSP
// responder", a host name), not a person.
bool names_ca_or_service(const std::string& cn) {
  static const std::regex ca_word(R"((^|[^A-Za-z])(CA|OCSP|TSA)([^A-Za-z]|$)|Certification Authority|Root)");
  if (std::regex_search(cn, ca_word)) return true;
  if (cn.find("憑證") != std::string::npos || cn.find("管理中心") != std::string::npos) return true;
  // A host name or an address (a TLS server's CN): letters, digits, dots, with a dot.
  return cn.find('.') != std::string::npos &&
         std::all_of(cn.begin(), cn.end(), [](char c) { return is_ascii_alnum(c) || c == '.' || c == '-' || c == '*' || c == ':'; });
}

// A holder's DN names a person or a company: it has a serialNumber (ID-derived or
// UBN), or a CN that names neither a CA nor a service, whatever OUs it has
// ("C=TW, O=…, OU=醫事人員, CN=王大明"). A CA's DN ("C=TW, O=行政院, OU=內政部憑證管理中心")
// has neither.
bool is_holder_dn(const std::vector<DnAttribute>& attributes) {
  bool holder = false;
  for (const auto& a : attributes) {
    if (a.type == "serialnumber" || a.type == "2.5.4.5") return true;
    if ((a.type == "cn" || a.type == "commonname") && !names_ca_or_service(dn_value_text(a.value))) holder = true;
  }
  return holder;
}

bool is_holder_dn(const std::string& dn) { return is_holder_dn(parse_dn(dn)); }

}  // namespace

std::string Redactor::redact_dn(const std::string& dn) {
  const std::vector<DnAttribute> attributes = parse_dn(dn);
  if (attributes.empty()) {
    // Under a subject key but no DN anyone prints: a name can be in it anywhere.
    learn(dn, std::string(kRedacted));
    return std::string(kRedacted);
  }
  if (!is_holder_dn(attributes)) return dn;
  // "C=TW, CN=陳志明, serialNumber=0000000112831644": keep the country and units (they
  // name the CA or the card type), replace the rest per attribute.
  std::string out;
  for (const auto& a : attributes) {
    out += a.lead;
    const std::string text = dn_value_text(a.value);
    std::string replacement;
    if (a.type == "c" || a.type == "ou") {
      replacement = a.value;
    } else if (a.type == "serialnumber" || a.type == "2.5.4.5") {
      learn_serial(text);
      replacement = serial_token(text);
    } else if (a.type == "o" && o_.keep_ubn) {
      replacement = a.value;  // a company's name is as public as its UBN
    } else {
      replacement = std::string(a.type == "cn" ? kName : kRedacted);
      learn(text, replacement);
      learn(a.value, replacement);
    }
    out += replacement;
  }
  return out;
}

void Redactor::redact_value(Json& v, const std::string& key, bool personal_subtree) {
  if (!v.is_string() && !v.is_number()) return;
  const std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (v.is_string() && (key.find("version") != std::string::npos || key.find("minimum") != std::string::npos) &&
      std::regex_match(s, version_pattern()))
    versions_.insert(s);
  KeyKind kind = classify(key);
  if (personal_subtree && (kind == KeyKind::none || kind == KeyKind::name)) kind = KeyKind::personal;
  switch (kind) {
    case KeyKind::serial:
      learn_serial(s);
      v = serial_token(s);
      break;
    case KeyKind::person_name:
      learn(s, std::string(kName));
      v = std::string(kName);
      break;
    case KeyKind::personal:
    case KeyKind::personal_subtree:
      if (const std::string t = scrub_token(s); t == kIp) {  // an "address" that is a network address
        learn(s, t);
        v = t;
        break;
      }
      learn(s, std::string(kRedacted));
      v = std::string(kRedacted);
      break;
    case KeyKind::ubn:
      if (!o_.keep_ubn) {
        learn(s, std::string(kUbn));
        v = std::string(kUbn);
      }
      break;
    case KeyKind::company:
      if (!o_.keep_ubn) {
        learn(s, std::string(kRedacted));
        v = std::string(kRedacted);
      }
      break;
    case KeyKind::blob:
      v = "[removed, " + std::to_string(s.size()) + " chars]";
      break;
    case KeyKind::user:
      learn(s, std::string(kUser));
      v = std::string(kUser);
      break;
    case KeyKind::home:
      v = "~";
      break;
    case KeyKind::host:
      learn(s, std::string(kHost));
      v = std::string(kHost);
      break;
    case KeyKind::mac:
      learn(s, std::string(kMac));
      v = std::string(kMac);
      break;
    case KeyKind::name:
      if (s.find('=') != std::string::npos &&
          (key == "subject" || key == "subject_dn" || key == "subjectdn" || key == "dn")) {
        v = redact_dn(s);
      } else if (key == "subject" || has_non_ascii(s)) {
        // A holder's or company's name; reader and module names are ASCII and a
        // helpdesk needs them.
        learn(s, std::string(kName));
        v = std::string(kName);
      }
      break;
    case KeyKind::none:
      break;
  }
}

namespace {

// Keys whose value identifies one certificate for good: a holder's key identifier or
// fingerprint would undo the salted serial tokens (anyone holding the certificate can
// compute them). A CA's stay: they tell MOICA G2 from G3.
const char* certificate_identifier_placeholder(const std::string& k) {
  if (k == "subject_key_id" || k == "subject_key_identifier" || k == "subjectkeyidentifier" || k == "ski")
    return "[key-id]";
  if (ends_with(k, "fingerprint") || k == "sha256" || k == "sha1") return "[fingerprint]";
  return nullptr;
}

// An object describing a holder's certificate: its subject is a holder's DN.
bool describes_holder_certificate(const Json& j) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string k = normalise_key(it.key());
    if ((k == "subject" || k == "subject_dn" || k == "subjectdn") && it.value().is_string() &&
        is_holder_dn(it.value().get_ref<const std::string&>()))
      return true;
  }
  return false;
}

}  // namespace

void Redactor::learn_identifier(const std::string& value, const std::string& replacement) {
  std::string bare;
  for (char c : value)
    if (c != ':' && c != ' ' && c != '-') bare += c;
  for (const std::string& v : {value, bare}) {
    std::string upper = v, lower = v;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    learn(v, replacement);
    learn(upper, replacement);
    learn(lower, replacement);
  }
}

void Redactor::redact_keys(Json& j, bool personal_subtree, const std::string& parent_key) {
  if (j.is_object()) {
    const bool holder_certificate = describes_holder_certificate(j);
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string k = normalise_key(it.key());
      const KeyKind kind = classify(k);
      Json& v = it.value();
      if (const char* placeholder = certificate_identifier_placeholder(k);
          placeholder && holder_certificate && v.is_string()) {
        learn_identifier(v.get<std::string>(), placeholder);
        v = placeholder;
        continue;
      }
      if (v.is_structured()) {
        const bool sub = personal_subtree || kind == KeyKind::personal_subtree || kind == KeyKind::personal ||
                         kind == KeyKind::person_name ||
                         (kind == KeyKind::company && !o_.keep_ubn);
        redact_keys(v, sub, k);
      } else if (k == "name" && is_personal_parent(parent_key)) {
        redact_value(v, "holder", true);
      } else {
        redact_value(v, k, personal_subtree);
      }
    }
  } else if (j.is_array()) {
    for (auto& e : j) {
      if (e.is_structured()) redact_keys(e, personal_subtree, parent_key);
      else redact_value(e, parent_key, personal_subtree);
    }
  }
}

std::string Redactor::replace_known(std::string_view text) const {
  if (known_.empty()) return std::string(text);
  // Longest first, so "陳志明先生" is not half-replaced by a shorter learned value.
  std::vector<const std::pair<const std::string, std::string>*> order;
  for (const auto& kv : known_) order.push_back(&kv);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->first.size() > b->first.size(); });
  std::string s(text);
  for (const auto* kv : order) {
    const std::string& needle = kv->first;
    const bool word = is_ascii_alnum(needle.front()) || is_ascii_alnum(needle.back());
    std::string out;
    size_t from = 0;
    for (size_t pos; (pos = s.find(needle, from)) != std::string::npos;) {
      const char before = pos ? s[pos - 1] : '\0';
      const char after = pos + needle.size() < s.size() ? s[pos + needle.size()] : '\0';
      // ASCII values match whole words only: user "ann" must not eat "announce".
      const bool whole = !word || (!is_ascii_alnum(before) && !is_ascii_alnum(after));
      out.append(s, from, pos - from);
      out += whole ? kv->second : needle;
      from = pos + needle.size();
    }
    out.append(s, from, std::string::npos);
    s = std::move(out);
  }
  return s;
}

std::string Redactor::scrub(std::string_view text) const {
  // Phones before the per-token patterns: "(02) 2345 6789" spans spaces.
  const std::string s = replace_phone_numbers(remove_blobs(replace_known(text)), kPhone);
  // The patterns never span whitespace, so they run per token: libstdc++'s regex
  // matcher recurses once per repeated character, and a token of thousands of
  // characters would overflow the stack. Such a token is removed whole.
  constexpr size_t kMaxToken = 1024;
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  auto space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; };
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && space(s[j])) ++j;
    out.append(s, i, j - i);
    i = j;
    while (j < s.size() && !space(s[j])) ++j;
    if (j == i) continue;
    if (j - i > kMaxToken) out += "[long value removed, " + std::to_string(j - i) + " chars]";
    else out += scrub_token(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string Redactor::scrub_token(std::string s) const {
  const Patterns& p = patterns();
  if (has(s, '@')) s = std::regex_replace(s, p.email, std::string(kEmail));
  if (has(s, "/home") || has(s, "/Users")) s = replace_each(s, p.home, [](const std::smatch&, const Around& a) -> std::optional<std::string> {
    if (is_path_char(a.before) && a.before != '\0') return std::nullopt;
    return std::string("~");
  });
  if (has(s, '\\')) s = std::regex_replace(s, p.windows_home, "~");
  if (has(s, "/root")) s = replace_each(s, p.root_home, [](const std::smatch&, const Around& a) -> std::optional<std::string> {
    if ((a.before != '\0' && is_path_char(a.before)) || a.after == '.' || a.after == '-' || a.after == '_')
      return std::nullopt;
    return std::string("~");
  });
  if (has_digit(s)) s = replace_each(s, p.national_id, [](const std::smatch&, const Around& a) -> std::optional<std::string> {
    if (!stands_alone(a)) return std::nullopt;
    return std::string(kNationalId);
  });
  auto serial = [this](const std::smatch& m, const Around& a) -> std::optional<std::string> {
    if (!stands_alone(a)) return std::nullopt;
    return serial_token(m.str());
  };
  if (has_digit(s)) s = replace_each(s, p.token_serial, serial);
  if (has_digit(s)) s = replace_each(s, p.digits16, serial);
  if (has_digit(s)) s = std::regex_replace(s, p.tw_mobile, std::string(kPhone));
  if (!o_.keep_ubn && has_digit(s)) {
    s = replace_each(s, p.ubn, [](const std::smatch& m, const Around& a) -> std::optional<std::string> {
      if (!stands_alone(a) || inside_number(a)) return std::nullopt;  // a version, a date
      if (!valid_ubn(m.str()) || looks_like_date(m.str())) return std::nullopt;
      return std::string(kUbn);
    });
  }
  if (has(s, ':') || has(s, '-')) s = replace_each(s, p.mac, [](const std::smatch& m, const Around& a) -> std::optional<std::string> {
    // Exactly six groups with one separator kind; longer runs are fingerprints.
    const std::string t = m.str();
    if (t.size() != 17) return std::nullopt;
    if (std::isxdigit(static_cast<unsigned char>(a.before)) || a.before == ':' || a.after == ':') return std::nullopt;
    if (t.find(':') != std::string::npos && t.find('-') != std::string::npos) return std::nullopt;
    return std::string(kMac);
  });
  if (has(s, '.') && has_digit(s)) s = replace_each(s, p.ipv4, [this](const std::smatch& m, const Around& a) -> std::optional<std::string> {
    if (!stands_alone(a) || inside_number(a)) return std::nullopt;  // part of a longer dotted version
    if (versions_.count(m.str()) > 0) return std::nullopt;          // a version the evidence named as one
    int o[4];
    for (int i = 0; i < 4; ++i) {
      if (m[i + 1].length() > 1 && m[i + 1].str()[0] == '0') return std::nullopt;  // "01.02.03.04" is not an address
      o[i] = std::stoi(m[i + 1].str());
      if (o[i] > 255) return std::nullopt;
    }
    // Loopback and the unspecified address name no one, and local services (the
    // signing component on 127.0.0.1) need them in a report.
    if (o[0] == 127 || (o[0] == 0 && o[1] == 0 && o[2] == 0 && o[3] == 0)) return std::nullopt;
    return std::string(kIp);
  });
  auto ipv6 = [](const std::smatch& m, const Around& a) -> std::optional<std::string> {
    if (a.before == ':' || a.after == ':' || std::isxdigit(static_cast<unsigned char>(a.before))) return std::nullopt;
    const std::string t = m.str();
    if (t == "::" || t == "::1") return std::nullopt;
    return std::string(kIp);
  };
  if (has(s, ':')) s = replace_each(s, p.ipv6_full, ipv6);
  if (has(s, ':')) s = replace_each(s, p.ipv6_short, ipv6);
  return s;
}

void Redactor::scrub_tree(Json& j) const {
  if (j.is_string()) {
    j = scrub(j.get_ref<const std::string&>());
  } else if (j.is_object()) {
    // Keys can carry data too (a path, a reader's user-given name): rebuild the object.
    Json out = Json::object();
    for (auto it = j.begin(); it != j.end(); ++it) {
      Json v = it.value();
      scrub_tree(v);
      out[scrub(it.key())] = std::move(v);
    }
    j = std::move(out);
  } else if (j.is_array()) {
    for (auto& e : j) scrub_tree(e);
  }
}

void Redactor::redact_json(Json& j) {
  remove_secrets(j);
  redact_keys(j, false, "");
  scrub_tree(j);
}

Report Redactor::redact(const Report& r) {
  Report out = r;
  remove_secrets(out);
  // Learn from every tree first, so a name found in the last check's evidence is
  // also removed from the first check's summary.
  redact_keys(out.environment, false, "");
  for (auto& c : out.results) redact_keys(c.evidence, false, "");
  scrub_tree(out.environment);
  for (auto& c : out.results) {
    scrub_tree(c.evidence);
    c.title = {scrub(c.title.zh_TW), scrub(c.title.en)};
    c.summary = {scrub(c.summary.zh_TW), scrub(c.summary.en)};
    c.detail = scrub(c.detail);
  }
  out.redacted = true;
  return out;
}

}  // namespace certwiz::report
