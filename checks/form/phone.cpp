#include "checks/form/phone.h"

#include <phonenumbers/phonenumberutil.h>

namespace certwiz::form {

PhoneResult parse_tw_phone(std::string_view s) {
  using i18n::phonenumbers::PhoneNumberUtil;
  PhoneResult r;
  const std::string text(s);
  // libphonenumber reads letters as keypad digits (0800-FLOWERS); a Taiwanese form
  // never means that, so letters other than an "ext" marker are refused up front.
  std::string letters;
  for (char c : text)
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) letters += static_cast<char>(c | 0x20);
  if (!letters.empty() && letters != "ext" && letters != "x") {
    r.problem = Problem{"FORM-PHONE-INVALID",
                        {"「" + text + "」含有英文字母；電話號碼只能有數字（分機可寫在 # 之後）。",
                         "'" + text + "' contains letters; a phone number is digits (an extension may follow #)."}};
    return r;
  }
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  i18n::phonenumbers::PhoneNumber n;
  const auto err = util.Parse(text, "TW", &n);
  if (err != PhoneNumberUtil::NO_PARSING_ERROR) {
    r.problem = Problem{"FORM-PHONE-INVALID",
                        {"「" + text + "」看起來不是電話號碼。", "'" + text + "' does not look like a phone number."}};
    return r;
  }
  if (!util.IsValidNumberForRegion(n, "TW")) {
    std::string region;
    util.GetRegionCodeForNumber(n, &region);
    if (!region.empty() && region != "TW") {
      r.problem = Problem{"FORM-PHONE-INVALID",
                          {"「" + text + "」是其他國家（" + region + "）的號碼；請填臺灣的電話。",
                           "'" + text + "' is a number in another country (" + region + "); give a Taiwanese number."}};
    } else {
      r.problem = Problem{"FORM-PHONE-INVALID",
                          {"「" + text + "」不是有效的臺灣電話號碼：請含區碼（例如 02、04、07）或手機 09 開頭共 10 碼。",
                           "'" + text + "' is not a valid Taiwanese number: include the area code (02, 04, 07...) "
                                        "or give a 10-digit mobile number starting 09."}};
    }
    return r;
  }
  i18n::phonenumbers::PhoneNumber bare = n;
  bare.clear_extension();
  util.Format(bare, PhoneNumberUtil::NATIONAL, &r.number.national);
  util.Format(bare, PhoneNumberUtil::E164, &r.number.e164);
  r.number.extension = n.extension();
  r.number.mobile = util.GetNumberType(n) == PhoneNumberUtil::MOBILE;
  return r;
}

}  // namespace certwiz::form
