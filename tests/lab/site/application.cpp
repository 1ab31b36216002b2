#include "tests/lab/site/application.h"

#include <cctype>
#include <set>

namespace certwiz::site_server {
namespace {

using nlohmann::json;

// The longest value the site stores for any field (characters are not counted: bytes
// bound the database row, which is what matters here).
constexpr size_t kMaxFieldBytes = 400;

bool has_control(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

// Codes people type with spaces or hyphens: upper case, those dropped.
std::string squeeze(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '-') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

struct FieldReader {
  const json& object;
  std::string prefix;
  std::vector<ApplicationFieldError>& errors;

  void fail(const std::string& key, const char* code) { errors.push_back({prefix + key, code}); }

  // The trimmed text of a string field; nullopt after recording why not.
  std::optional<std::string> text(const std::string& key, bool required) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
      if (required) fail(key, "FORM-FIELD-MISSING");
      return required ? std::nullopt : std::optional<std::string>(std::string());
    }
    if (!it->is_string()) {
      fail(key, "FORM-JSON-WRONG-TYPE");
      return std::nullopt;
    }
    const std::string& raw = it->get_ref<const std::string&>();
    if (raw.size() > kMaxFieldBytes) {
      fail(key, "FORM-TEXT-TOO-LONG");
      return std::nullopt;
    }
    if (has_control(raw)) {
      fail(key, "FORM-TEXT-CONTROL");
      return std::nullopt;
    }
    std::string v = trim(raw);
    if (v.empty() && required) {
      fail(key, "FORM-FIELD-EMPTY");
      return std::nullopt;
    }
    return v;
  }

  void unknown_keys(const std::set<std::string>& known) {
    for (const auto& [k, v] : object.items())
      if (!known.count(k)) fail(k, "FORM-JSON-UNKNOWN-KEY");
  }
};

int id_letter_value(char c) {
  // A=10 ... H=17, I=34, J=18 ... N=22, O=35, P=23 ... V=29, W=32, X=30, Y=31, Z=33.
  static constexpr int kCodes[26] = {10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21,
                                     22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33};
  return c >= 'A' && c <= 'Z' ? kCodes[c - 'A'] : -1;
}

bool valid_phone(std::string_view raw) {
  std::string digits;
  std::string_view s = raw;
  if (s.substr(0, 4) == "+886") {
    digits = "0";
    s.remove_prefix(4);
  }
  for (char c : s) {
    if (c >= '0' && c <= '9')
      digits += c;
    else if (c != ' ' && c != '-' && c != '(' && c != ')')
      return false;
  }
  // Taiwanese numbers: a trunk 0, then 8 to 9 digits (landlines with area code, mobiles 09xx).
  return digits.size() >= 9 && digits.size() <= 10 && digits[0] == '0' && digits[1] != '0';
}

bool valid_email(std::string_view e) {
  const size_t at = e.find('@');
  if (at == std::string_view::npos || at == 0 || e.find('@', at + 1) != std::string_view::npos) return false;
  for (char c : e.substr(0, at))
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("._%+-'").find(c) != std::string_view::npos))
      return false;
  std::string_view domain = e.substr(at + 1);
  const size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= domain.size()) return false;
  for (char c : domain)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-')) return false;
  if (domain.find("..") != std::string_view::npos) return false;
  for (char c : domain.substr(dot + 1))
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  return true;
}

std::optional<bool> login_choice(const std::string& v) {
  if (v == "enable" || v == "啟用") return true;
  if (v == "disable" || v == "停用") return false;
  return std::nullopt;
}

}  // namespace

bool valid_ubn(std::string_view ubn) {
  if (ubn.size() != 8 || !all_digits(ubn)) return false;
  static constexpr int kWeights[8] = {1, 2, 1, 2, 1, 2, 4, 1};
  int sum = 0;
  for (size_t i = 0; i < 8; ++i) {
    const int product = (ubn[i] - '0') * kWeights[i];
    sum += product / 10 + product % 10;
  }
  if (sum % 5 == 0) return true;  // divisible by 10 is divisible by 5 too
  return ubn[6] == '7' && (sum + 1) % 5 == 0;
}

std::optional<std::string> person_id_problem(std::string_view id) {
  if (id.size() != 10 || !all_digits(id.substr(2))) return "FORM-ID-FORMAT";
  const int letter = id_letter_value(id[0]);
  if (letter < 0) return "FORM-ID-LETTER";
  // Second character: 1/2 national ID, 8/9 new resident number, A-D old resident number
  // (that letter counts as the last digit of its code).
  int second = 0;
  if (id[1] == '1' || id[1] == '2' || id[1] == '8' || id[1] == '9')
    second = id[1] - '0';
  else if (id[1] >= 'A' && id[1] <= 'D')
    second = id_letter_value(id[1]) % 10;
  else
    return "FORM-ID-GENDER";
  int total = letter / 10 + (letter % 10) * 9 + second * 8;
  for (size_t i = 2; i < 9; ++i) total += (id[i] - '0') * static_cast<int>(9 - i);
  total += id[9] - '0';
  return total % 10 == 0 ? std::nullopt : std::optional<std::string>("FORM-ID-CHECKSUM");
}

ReadApplication read_application(std::string_view body) {
  ReadApplication out;
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return out;
  out.is_object = true;
  Application& a = out.application;
  FieldReader r{j, "", out.errors};
  r.unknown_keys({"ubn", "control_no", "password", "company_name", "owner_name", "owner_id", "reg_address",
                  "mail_address", "contact_name", "phone1", "phone1_ext", "phone2", "fax", "email",
                  "citizen_cert_login", "business_cert_login"});

  if (auto v = r.text("ubn", true)) {
    a.ubn = squeeze(*v);
    if (a.ubn.size() != 8 || !all_digits(a.ubn))
      r.fail("ubn", "FORM-UBN-FORMAT");
    else if (!valid_ubn(a.ubn))
      r.fail("ubn", "FORM-UBN-CHECKSUM");
  }
  if (auto v = r.text("control_no", false)) {
    a.control_no = squeeze(*v);
    // One letter, a letter or digit, six digits (the site's own rule; the real format is unverified).
    const bool shaped = a.control_no.empty() ||
                        (a.control_no.size() == 8 && std::isupper(static_cast<unsigned char>(a.control_no[0])) &&
                         std::isalnum(static_cast<unsigned char>(a.control_no[1])) && all_digits(a.control_no.substr(2)));
    if (!shaped) r.fail("control_no", "FORM-CONTROL-NO-FORMAT");
  }
  // The password is never trimmed or echoed: printable ASCII, 8 or more, letter + digit + other.
  if (auto it = j.find("password"); it == j.end() || it->is_null()) {
    r.fail("password", "FORM-FIELD-MISSING");
  } else if (!it->is_string()) {
    r.fail("password", "FORM-JSON-WRONG-TYPE");
  } else {
    std::string& pw = it->get_ref<std::string&>();
    bool letter = false, digit = false, other = false, printable = true;
    for (unsigned char c : pw) {
      if (c < 0x21 || c > 0x7e) printable = false;
      letter |= std::isalpha(c) != 0;
      digit |= std::isdigit(c) != 0;
      other |= c >= 0x21 && c <= 0x7e && !std::isalnum(c);
    }
    if (pw.size() < 8)
      r.fail("password", "FORM-PASSWORD-TOO-SHORT");
    else if (!printable)
      r.fail("password", "FORM-PASSWORD-CHARSET");
    else if (!(letter && digit && other))
      r.fail("password", "FORM-PASSWORD-CLASSES");
    out.password = pw;
    std::fill(pw.begin(), pw.end(), '\0');  // the parser's copy
  }
  if (auto v = r.text("company_name", true)) a.company_name = *v;
  if (auto v = r.text("owner_name", true)) a.owner_name = *v;
  if (auto v = r.text("owner_id", true)) {
    a.owner_id = squeeze(*v);
    if (auto problem = person_id_problem(a.owner_id)) r.fail("owner_id", problem->c_str());
  }
  for (auto [key, address] : {std::pair<const char*, ApplicationAddress*>{"reg_address", &a.reg_address},
                              std::pair<const char*, ApplicationAddress*>{"mail_address", &a.mail_address}}) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      r.fail(key, "FORM-FIELD-MISSING");
      continue;
    }
    if (!it->is_object()) {
      r.fail(key, "FORM-JSON-WRONG-TYPE");
      continue;
    }
    FieldReader ar{*it, std::string(key) + ".", out.errors};
    ar.unknown_keys({"zip", "county", "district", "street"});
    if (auto v = ar.text("county", true)) address->county = *v;
    if (auto v = ar.text("district", true)) address->district = *v;
    if (auto v = ar.text("street", true)) address->street = *v;
    if (auto v = ar.text("zip", false)) {
      address->zip = squeeze(*v);
      const size_t n = address->zip.size();
      if (!address->zip.empty() && (!all_digits(address->zip) || (n != 3 && n != 5 && n != 6)))
        ar.fail("zip", "FORM-ADDRESS-ZIP");
    }
  }
  if (auto v = r.text("contact_name", true)) a.contact_name = *v;
  for (auto [key, out_field, required] :
       {std::tuple<const char*, std::string*, bool>{"phone1", &a.phone1, true},
        std::tuple<const char*, std::string*, bool>{"phone2", &a.phone2, false},
        // The fax is required on the real form (*承辦人傳真號碼).
        std::tuple<const char*, std::string*, bool>{"fax", &a.fax, true}}) {
    if (auto v = r.text(key, required)) {
      *out_field = *v;
      if (!v->empty() && !valid_phone(*v)) r.fail(key, "FORM-PHONE-INVALID");
    }
  }
  if (auto v = r.text("phone1_ext", false)) {
    a.phone1_ext = *v;
    if (!v->empty() && (v->size() > 6 || !all_digits(*v))) r.fail("phone1_ext", "FORM-PHONE-EXT");
  }
  if (auto v = r.text("email", true)) {
    a.email = *v;
    if (!valid_email(*v)) r.fail("email", "FORM-EMAIL-FORMAT");
  }
  for (auto [key, flag] : {std::pair<const char*, bool*>{"citizen_cert_login", &a.citizen_cert_login},
                           std::pair<const char*, bool*>{"business_cert_login", &a.business_cert_login}}) {
    if (auto v = r.text(key, true)) {
      auto choice = login_choice(*v);
      if (!choice)
        r.fail(key, "FORM-CERT-LOGIN-CHOICE");
      else
        *flag = *choice;
    }
  }
  return out;
}

}  // namespace certwiz::site_server
