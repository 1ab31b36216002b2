#pragma once
// Readable names for PKCS#11 return values and mechanisms (for reports and logs).
#include <string>

namespace certwiz::pkcs11 {

// "CKR_PIN_INCORRECT"; unknown values as "CKR_0x...".
std::string rv_name(unsigned long rv);
// "CKM_SHA256_RSA_PKCS"; unknown values as "CKM_0x...".
std::string mechanism_name(unsigned long mechanism);

}  // namespace certwiz::pkcs11
