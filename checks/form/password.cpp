#include "checks/form/password.h"

#include <pwquality.h>
#include <filesystem>
#include <memory>

namespace certwiz::form {
namespace {

bool file_exists(const std::string& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec);
}

bool dictionary_exists(const std::string& prefix) {
  return file_exists(prefix + ".pwd") && file_exists(prefix + ".pwi") && file_exists(prefix + ".hwm");
}

struct SettingsDeleter {
  void operator()(pwquality_settings_t* s) const { pwquality_free_settings(s); }
};

// libpwquality's reasons, in both languages; the English follows its own wording.
Problem pwquality_problem(int rc, void* aux) {
  char buf[PWQ_MAX_ERROR_MESSAGE_LEN];
  const std::string en = pwquality_strerror(buf, sizeof buf, rc, aux);
  std::string zh;
  switch (rc) {
    case PWQ_ERROR_CRACKLIB_CHECK:
      return {"FORM-PASSWORD-DICTIONARY", {"密碼是常見字詞或由字典字詞變化而成。", en + "."}};
    case PWQ_ERROR_PALINDROME: zh = "密碼是迴文（正讀反讀相同）。"; break;
    case PWQ_ERROR_CASE_CHANGES_ONLY: zh = "密碼只是大小寫變化。"; break;
    case PWQ_ERROR_ROTATED: zh = "密碼是旋轉排列的字串。"; break;
    case PWQ_ERROR_MAX_CONSECUTIVE: zh = "密碼有太多連續重複的相同字元。"; break;
    case PWQ_ERROR_MAX_CLASS_REPEAT: zh = "密碼有太多連續同類字元。"; break;
    case PWQ_ERROR_MAX_SEQUENCE: zh = "密碼含有太長的連續序列（例如 12345、abcde）。"; break;
    case PWQ_ERROR_USER_CHECK:
    case PWQ_ERROR_BAD_WORDS: zh = "密碼含有統一編號、身分證字號等與申請人有關的資料。"; break;
    default: zh = "密碼太容易被猜中。"; break;
  }
  return {"FORM-PASSWORD-WEAK", {zh, en + "."}};
}

}  // namespace

std::string find_cracklib_dictionary() {
  // Debian/Ubuntu (cracklib-runtime), Fedora/RHEL and Arch place it differently.
  for (const char* p : {"/var/cache/cracklib/cracklib_dict", "/usr/share/cracklib/pw_dict",
                        "/usr/lib/cracklib_dict", "/usr/share/dict/cracklib_dict"})
    if (dictionary_exists(p)) return p;
  return {};
}

PasswordCheck check_password(const Secret& password, const PasswordPolicy& policy,
                             const std::vector<std::string>& related, const std::string& dict_path) {
  PasswordCheck r;
  const std::string_view pw = password.reveal();
  if (pw.empty()) {
    r.problems.push_back({"FORM-FIELD-EMPTY", {"請自訂一組密碼。", "Choose a password."}});
    return r;
  }
  bool letter = false, digit = false, special = false, charset_ok = true;
  for (char ch : pw) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F) charset_ok = false;
    else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) letter = true;
    else if (c >= '0' && c <= '9') digit = true;
    else special = true;
  }
  if (!charset_ok)
    r.problems.push_back({"FORM-PASSWORD-CHARSET",
                          {"密碼含有空白、中文、全形或其他不能用的字元；只能用英文字母、數字與鍵盤上的符號。",
                           "The password has spaces, Chinese, full-width or other characters that cannot be used; "
                           "use English letters, digits and keyboard symbols only."}});
  if (static_cast<int>(pw.size()) < policy.min_length) {
    const std::string n = std::to_string(pw.size()), min = std::to_string(policy.min_length);
    r.problems.push_back({"FORM-PASSWORD-TOO-SHORT",
                          {"密碼只有 " + n + " 個字元，至少需要 " + min + " 個。",
                           "The password has " + n + " characters; at least " + min + " are needed."}});
  }
  std::vector<std::pair<const char*, const char*>> missing;
  if (policy.require_letter && !letter) missing.emplace_back("英文字母", "a letter");
  if (policy.require_digit && !digit) missing.emplace_back("數字", "a digit");
  if (policy.require_special && !special) missing.emplace_back("特殊符號（例如 ! @ # $）", "a special character (e.g. ! @ # $)");
  std::string missing_zh, missing_en;
  for (size_t i = 0; i < missing.size(); ++i) {
    missing_zh += (i ? "、" : "") + std::string(missing[i].first);
    missing_en += (i == 0 ? "" : i + 1 == missing.size() ? " and " : ", ") + std::string(missing[i].second);
  }
  if (!missing.empty())
    r.problems.push_back({"FORM-PASSWORD-CLASSES",
                          {"密碼缺少：" + missing_zh + "。", "The password lacks " + missing_en + "."}});

  std::unique_ptr<pwquality_settings_t, SettingsDeleter> settings(pwquality_default_settings());
  if (!settings) throw std::bad_alloc();
  // Length and character kinds are the site's policy, checked above; libpwquality adds
  // what a policy cannot express: dictionary words, sequences, the applicant's own data.
  pwquality_set_int_value(settings.get(), PWQ_SETTING_MIN_LENGTH, 6);
  pwquality_set_int_value(settings.get(), PWQ_SETTING_MAX_SEQUENCE, 4);
  pwquality_set_int_value(settings.get(), PWQ_SETTING_MAX_REPEAT, 3);
  std::string bad_words;
  for (const auto& w : related)
    if (w.size() >= 4 && w.find_first_of(" \t") == std::string::npos) bad_words += (bad_words.empty() ? "" : " ") + w;
  if (!bad_words.empty()) pwquality_set_str_value(settings.get(), PWQ_SETTING_BAD_WORDS, bad_words.c_str());
  const std::string dict = dict_path.empty() ? find_cracklib_dictionary() : dict_path;
  r.feedback.dictionary_checked = !dict.empty() && dictionary_exists(dict);
  if (r.feedback.dictionary_checked) {
    pwquality_set_str_value(settings.get(), PWQ_SETTING_DICT_PATH, dict.c_str());
  } else {
    pwquality_set_int_value(settings.get(), PWQ_SETTING_DICT_CHECK, 0);
    r.warnings.push_back({"FORM-PASSWORD-DICT-MISSING",
                          {"找不到 cracklib 密碼字典，未檢查密碼是否為常見字詞。",
                           "No cracklib dictionary was found; the password was not checked against common words."}});
  }
  // libpwquality wants a C string: a NUL-terminated copy that is itself a Secret.
  Secret c_string(pw);
  c_string.push_back('\0');
  void* aux = nullptr;
  const int rc = pwquality_check(settings.get(), c_string.reveal().data(), nullptr, nullptr, &aux);
  if (rc < 0) {
    // pwquality_strerror (inside pwquality_problem) releases `aux` where it was allocated.
    Problem p = pwquality_problem(rc, aux);
    if (rc != PWQ_ERROR_MIN_LENGTH || r.problems.empty()) r.problems.push_back(std::move(p));
  }
  if (!r.problems.empty()) {
    r.feedback.score = 0;
    r.feedback.strength = PasswordStrength::weak;
    r.feedback.summary = {"強度：弱（未通過檢查）", "Strength: weak (does not pass)"};
    return r;
  }
  r.feedback.score = rc;
  if (rc >= 60) {
    r.feedback.strength = PasswordStrength::strong;
    r.feedback.summary = {"強度：強", "Strength: strong"};
  } else if (rc >= 30) {
    r.feedback.strength = PasswordStrength::fair;
    r.feedback.summary = {"強度：中（可再加長）", "Strength: fair (a longer one is better)"};
  } else {
    r.feedback.strength = PasswordStrength::weak;
    r.feedback.summary = {"強度：弱（建議加長）", "Strength: weak (make it longer)"};
  }
  return r;
}

}  // namespace certwiz::form
