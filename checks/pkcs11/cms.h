#pragma once
// Signatures made on the card: raw SHA-256 RSA PKCS#1 v1.5, and CMS SignedData in the
// shape HiCOS's local signing component returns (shared/facts-taiwan-pki.md): eContent =
// the text signed, SHA-256, signed attributes contentType, signingTime, messageDigest,
// the nonce (1.2.840.113549.1.9.25.3) and optionally the card serial
// (2.16.886.1.100.2.204), signer by issuerAndSerialNumber, leaf certificate attached.
// OpenSSL builds the structure; only the RSA operation happens on the card (through
// PKCS#11 directly: the libp11 engine and pkcs11-provider crash with SoftHSM2).
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checks/core/result.h"
#include "checks/pkcs11/session.h"

namespace certwiz::pkcs11 {

inline constexpr std::string_view kNonceAttributeOid = "1.2.840.113549.1.9.25.3";
inline constexpr std::string_view kCardSerialAttributeOid = "2.16.886.1.100.2.204";

struct CardSignature {
  std::vector<uint8_t> signature;
  unsigned long mechanism = 0;  // what the card was asked to do
};

// SHA-256 with RSA PKCS#1 v1.5 over `data` with the key `key_id_hex`: `mechanism` 0 picks
// CKM_SHA256_RSA_PKCS when the token offers it, else CKM_RSA_PKCS over a DigestInfo
// made here. An explicit mechanism is used as given.
Expected<CardSignature> sign_sha256_rsa(Session& session, std::string_view key_id_hex, std::span<const uint8_t> data,
                                        unsigned long mechanism = 0);

// CMS SignedData (DER) over `tbs` with the card's SIGN key; the session must be logged in.
Expected<std::vector<uint8_t>> sign_cms(Session& session, std::string_view tbs, std::string_view nonce,
                                        bool with_card_sn);

// What a CMS SignedData says, after checking its signature against the attached signer
// certificate (not the chain: that is the certificate checks' business).
struct CmsContent {
  std::string content;
  size_t signer_count = 0;
  std::optional<std::string> nonce;
  std::optional<std::string> card_serial;
  std::vector<uint8_t> signer_certificate;  // DER
};
Expected<CmsContent> verify_cms(std::span<const uint8_t> der);

// Whether `signature` is a valid SHA-256 RSA PKCS#1 v1.5 signature over `data` by the
// public key of the DER certificate `cert`. Error P11-CRYPTO-FAILED when the certificate
// cannot be read.
Expected<bool> verify_sha256_rsa(std::span<const uint8_t> cert, std::span<const uint8_t> data,
                                 std::span<const uint8_t> signature);

}  // namespace certwiz::pkcs11
