#pragma once
// The card self-tests on a logged-in session. Each mechanism is tested on its own; one
// the card does not offer is "not offered by this card", never "card broken".
#include "checks/core/result.h"
#include "checks/pkcs11/session.h"

namespace certwiz::pkcs11 {

// Sign with the SIGN key (CKM_SHA256_RSA_PKCS and CKM_RSA_PKCS+DigestInfo, as offered),
// verify with OpenSSL against the SIGN certificate; a tampered message must fail.
CheckResult test_signing(Session& session);
// Encrypt random data with OpenSSL under the KEYX certificate (PKCS#1 v1.5; OAEP SHA-1
// when offered), decrypt on the card, compare.
CheckResult test_decryption(Session& session);
// CMS SignedData as the local signing component makes it, verified with CMS_verify.
CheckResult test_cms(Session& session);

}  // namespace certwiz::pkcs11
