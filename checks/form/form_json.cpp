#include "checks/form/form_json.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace certwiz::form {
namespace {

using JsonDom = nlohmann::json;

void wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

std::string type_name(const JsonDom& j) {
  switch (j.type()) {
    case JsonDom::value_t::null: return "null";
    case JsonDom::value_t::boolean: return "true/false";
    case JsonDom::value_t::number_integer:
    case JsonDom::value_t::number_unsigned:
    case JsonDom::value_t::number_float: return "number";
    case JsonDom::value_t::array: return "array";
    case JsonDom::value_t::object: return "object";
    default: return "text";
  }
}

class Reader {
 public:
  explicit Reader(FormFile& f) : f_(f) {}

  void error(std::string field, std::string code, Text message) {
    f_.errors.push_back({std::move(field), std::move(code), std::move(message)});
  }

  // Copies a string member into `out`; reports missing / wrong type / too long.
  // `secret` fields never have their value quoted.
  void string_field(const JsonDom& obj, const std::string& key, const std::string& path, bool required, std::string& out,
                    bool secret = false) {
    const auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) missing(path);
      return;
    }
    if (it->is_null() && !required) return;
    if (!it->is_string()) {
      const Text l = field_label(path);
      std::string hint_zh, hint_en;
      if (it->is_number() && !secret) {
        hint_zh = "請用雙引號括住，例如 \"" + it->dump() + "\"（以免開頭的 0 被去掉）。";
        hint_en = " Put it in double quotes, e.g. \"" + it->dump() + "\" (so leading zeros are kept).";
      }
      error(path, "FORM-JSON-WRONG-TYPE",
            {l.zh_TW + "應為文字，檔案中卻是 " + type_name(*it) + "。" + hint_zh,
             l.en + " must be text, but the file has " + type_name(*it) + "." + hint_en});
      return;
    }
    const auto& s = it->get_ref<const std::string&>();
    if (s.size() > kMaxJsonStringBytes) {
      const Text l = field_label(path);
      const std::string n = std::to_string(s.size());
      error(path, "FORM-TEXT-TOO-LONG",
            {l.zh_TW + "有 " + n + " 個位元組，遠超過欄位上限。", l.en + " is " + n + " bytes, far beyond any field's limit."});
      return;
    }
    out = s;
  }

  void missing(const std::string& path) {
    const Text l = field_label(path);
    error(path, "FORM-FIELD-MISSING",
          {"檔案中缺少「" + path + "」（" + l.zh_TW + "）。", "The file has no \"" + path + "\" (" + l.en + ")."});
  }

  void unknown(const std::string& path) {
    error(path, "FORM-JSON-UNKNOWN-KEY",
          {"不認得的欄位「" + path + "」。", "Unknown field \"" + path + "\"."});
  }

  void address(const JsonDom& obj, const std::string& key, Address& out) {
    const auto it = obj.find(key);
    if (it == obj.end()) {
      missing(key);
      return;
    }
    if (!it->is_object()) {
      const Text l = field_label(key);
      error(key, "FORM-JSON-WRONG-TYPE",
            {l.zh_TW + "應為物件 {\"county\", \"district\", \"street\"}，檔案中卻是 " + type_name(*it) + "。",
             l.en + " must be an object {\"county\", \"district\", \"street\"}, but the file has " + type_name(*it) + "."});
      return;
    }
    for (const auto& [k, v] : it->items())
      if (k != "county" && k != "district" && k != "street" && k != "zip") unknown(key + "." + k);
    string_field(*it, "county", key + ".county", true, out.county);
    string_field(*it, "district", key + ".district", true, out.district);
    string_field(*it, "street", key + ".street", true, out.street);
    string_field(*it, "zip", key + ".zip", false, out.zip);
  }

 private:
  FormFile& f_;
};

// Line and column of a byte offset, so a syntax error can be located without
// quoting the text around it (which could be the password).
std::pair<size_t, size_t> line_column(std::string_view text, size_t byte) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++col;
    }
  }
  return {line, col};
}

size_t field_order(const std::string& field) {
  const std::string top = field.substr(0, field.find('.'));
  if (top.empty()) return 0;
  const auto fields = form_fields();
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].key == top) return i + 1;
  return fields.size() + 1;
}

}  // namespace

FormFile read_form_json(std::string_view text) {
  FormFile f;
  Reader r(f);
  if (text.size() > kMaxFormFileBytes) {
    const std::string n = std::to_string(text.size());
    r.error("", "FORM-JSON-TOO-LARGE",
            {"檔案有 " + n + " 個位元組，超過申請書檔案上限 " + std::to_string(kMaxFormFileBytes) + "。",
             "The file is " + n + " bytes, above the limit of " + std::to_string(kMaxFormFileBytes) + " for a form."});
    return f;
  }
  JsonDom j;
  try {
    j = JsonDom::parse(text);
  } catch (const JsonDom::parse_error& e) {
    const auto [line, col] = line_column(text, e.byte > 0 ? e.byte - 1 : 0);
    const std::string where_zh = "第 " + std::to_string(line) + " 行第 " + std::to_string(col) + " 字";
    const std::string where_en = "line " + std::to_string(line) + ", column " + std::to_string(col);
    r.error("", "FORM-JSON-SYNTAX",
            {"檔案不是有效的 JSON，問題在" + where_zh + "附近（引號、逗號或括號不成對，或不是 UTF-8）。",
             "The file is not valid JSON near " + where_en + " (unbalanced quotes, commas or brackets, or not UTF-8)."});
    return f;
  } catch (const JsonDom::exception&) {
    // Valid syntax the parser still cannot hold, e.g. a number beyond a double's
    // range (found by fuzzing: "2E5601234"); it has no byte position to report.
    r.error("", "FORM-JSON-SYNTAX",
            {"檔案含有無法讀取的數值（例如超出範圍的數字）；欄位值請以雙引號括住。",
             "The file has a value that cannot be read (e.g. a number out of range); put field values in double quotes."});
    return f;
  }
  if (!j.is_object()) {
    r.error("", "FORM-JSON-NOT-OBJECT",
            {"檔案最外層應為 JSON 物件 { ... }，卻是 " + type_name(j) + "。",
             "The file's top level must be a JSON object { ... }, but it is " + type_name(j) + "."});
    return f;
  }
  f.parsed = true;
  for (const auto& [k, v] : j.items())
    if (!find_field(k)) r.unknown(k);

  ApplicationForm& form = f.form;
  r.string_field(j, "ubn", "ubn", true, form.ubn);
  r.string_field(j, "control_no", "control_no", false, form.control_no);
  {
    std::string password;
    r.string_field(j, "password", "password", true, password, true);
    form.password = Secret(password);
    wipe(password);
    if (auto it = j.find("password"); it != j.end() && it->is_string()) wipe(it->get_ref<std::string&>());
  }
  r.string_field(j, "company_name", "company_name", true, form.company_name);
  r.string_field(j, "owner_name", "owner_name", true, form.owner_name);
  r.string_field(j, "owner_id", "owner_id", true, form.owner_id);
  r.address(j, "reg_address", form.reg_address);
  r.address(j, "mail_address", form.mail_address);
  r.string_field(j, "contact_name", "contact_name", true, form.contact_name);
  r.string_field(j, "phone1", "phone1", true, form.phone1);
  r.string_field(j, "phone1_ext", "phone1_ext", false, form.phone1_ext);
  r.string_field(j, "phone2", "phone2", false, form.phone2);
  r.string_field(j, "fax", "fax", true, form.fax);
  r.string_field(j, "email", "email", true, form.email);
  r.string_field(j, "citizen_cert_login", "citizen_cert_login", true, form.citizen_cert_login);
  r.string_field(j, "business_cert_login", "business_cert_login", true, form.business_cert_login);
  return f;
}

FormFile read_form_file(const std::string& path) {
  FormFile f;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    f.errors.push_back({"", "FORM-FILE-UNREADABLE", {"無法開啟「" + path + "」。", "Cannot open \"" + path + "\"."}});
    return f;
  }
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0 || static_cast<unsigned long long>(size) > kMaxFormFileBytes) {
    if (size < 0) {
      f.errors.push_back({"", "FORM-FILE-UNREADABLE", {"無法讀取「" + path + "」。", "Cannot read \"" + path + "\"."}});
    } else {
      const std::string n = std::to_string(size);
      f.errors.push_back({"", "FORM-JSON-TOO-LARGE",
                          {"檔案有 " + n + " 個位元組，超過申請書檔案上限。", "The file is " + n + " bytes, above the limit for a form."}});
    }
    return f;
  }
  std::string text(static_cast<size_t>(size), '\0');
  in.read(text.data(), size);
  if (in.gcount() != size) {
    wipe(text);
    f.errors.push_back({"", "FORM-FILE-UNREADABLE", {"無法讀取「" + path + "」。", "Cannot read \"" + path + "\"."}});
    return f;
  }
  f = read_form_json(text);
  wipe(text);
  return f;
}

namespace {
CheckedForm merge(FormFile file, const FormRules& rules) {
  CheckedForm c{std::move(file), {}, {}};
  c.errors = c.file.errors;
  if (c.file.parsed) {
    c.validation = validate(c.file.form, rules);
    for (const auto& e : c.validation.errors) {
      // A field the reader already flagged (missing, wrong type) is not reported twice.
      const bool already = std::any_of(c.file.errors.begin(), c.file.errors.end(), [&](const FieldError& r) {
        return !r.field.empty() && (e.field == r.field || e.field.starts_with(r.field + "."));
      });
      if (!already) c.errors.push_back(e);
    }
  }
  std::stable_sort(c.errors.begin(), c.errors.end(),
                   [](const FieldError& a, const FieldError& b) { return field_order(a.field) < field_order(b.field); });
  return c;
}
}  // namespace

CheckedForm check_form_json(std::string_view text, const FormRules& rules) { return merge(read_form_json(text), rules); }
CheckedForm check_form_file(const std::string& path, const FormRules& rules) { return merge(read_form_file(path), rules); }

}  // namespace certwiz::form
