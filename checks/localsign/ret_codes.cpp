#include "checks/localsign/ret_codes.h"

#include <array>

namespace certwiz::localsign {

namespace {
// Values from the facts file (public client code of the component).
const RetCodeInfo kCodes[] = {
    {0x00000000, "OK", "", {"成功", "Success"}},
    {0x76000006, "NO_CARD", "LOCALSIGN-NO-CARD", {"沒有插入卡片", "No card inserted"}},
    {0x7600000D, "PROGRAM_ERROR", "LOCALSIGN-PROGRAM-ERROR", {"程式錯誤或逾時", "Program error or timeout"}},
    {0x7600000F, "SITE_NOT_TRUSTED", "LOCALSIGN-SITE-NOT-TRUSTED", {"網站不在信任清單", "Site not trusted"}},
    {0x76000031, "SITE_NOT_TRUSTED", "LOCALSIGN-SITE-NOT-TRUSTED", {"網站不在信任清單", "Site not trusted"}},
    {0x76000998, "NO_PIN", "LOCALSIGN-NO-PIN", {"沒有輸入 PIN 碼", "No PIN given"}},
    {0x76000999, "CANCELLED", "LOCALSIGN-CANCELLED", {"使用者取消", "Cancelled by the user"}},
    {0x76100001, "NO_PKCS11", "LOCALSIGN-NO-PKCS11", {"無法載入 PKCS#11 模組", "Cannot load the PKCS#11 library"}},
    {0x76100003, "NO_READER", "LOCALSIGN-NO-READER", {"找不到讀卡機", "No reader"}},
    {0x76100006, "LOGIN_FAILED", "LOCALSIGN-LOGIN-FAILED", {"卡片登入失敗", "Card login failed"}},
    {0x7610000C, "CERT_NOT_FOUND", "LOCALSIGN-CERT-NOT-FOUND", {"找不到憑證", "Certificate not found"}},
    {0x76500001, "CERT_NOT_YET_VALID", "LOCALSIGN-CERT-NOT-YET-VALID", {"憑證尚未生效", "Certificate not yet valid"}},
    {0x76500002, "CERT_EXPIRED", "LOCALSIGN-CERT-EXPIRED", {"憑證已過期", "Certificate expired"}},
    {0x76210001, "ID_MISMATCH", "LOCALSIGN-ID-MISMATCH", {"身分證字號或居留證號不符", "ID or resident number mismatch"}},
};
const RetCodeInfo kSignError{0x76300000, "SIGN_ERROR", "LOCALSIGN-SIGN-ERROR", {"簽章錯誤", "Signing error"}};
}  // namespace

uint32_t normalize_code(int64_t raw) { return static_cast<uint32_t>(raw & 0xFFFFFFFFLL); }

const RetCodeInfo* describe_ret_code(uint32_t value) {
  for (const auto& c : kCodes)
    if (c.value == value) return &c;
  if ((value & 0xFFFFFF00u) == 0x76300000u) return &kSignError;
  return nullptr;
}

std::optional<LastError> describe_last_error(int64_t raw) {
  switch (raw) {
    case 0xA0: return LastError{"PIN_INCORRECT", {"PIN 碼錯誤", "Wrong PIN"}, std::nullopt, false};
    case 0xA2: return LastError{"PIN_LEN_RANGE", {"PIN 碼長度不符", "Wrong PIN length"}, std::nullopt, false};
    case 0xA4: return LastError{"PIN_LOCKED", {"卡片已鎖住", "Card locked"}, 0, true};
    case -2147483646: return LastError{"PIN_TWO_TRIES_LEFT", {"PIN 碼錯誤，還剩 2 次機會", "Wrong PIN, 2 tries left"}, 2, false};
    case -2147483647: return LastError{"PIN_ONE_TRY_LEFT", {"PIN 碼錯誤，只剩 1 次機會", "Wrong PIN, 1 try left"}, 1, false};
    default: return std::nullopt;
  }
}

}  // namespace certwiz::localsign
