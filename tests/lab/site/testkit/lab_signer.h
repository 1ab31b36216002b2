#pragma once
// CMS SignedData over a challenge, made with OpenSSL from the lab PKI's key files
// (<pki>/cards/<card>/sign.key ...): the shape of docs/site-protocol.md, or a chosen
// defect, so the site is tested without a card or the client.
#include <string>
#include <string_view>

namespace certwiz::site_testkit {

struct SignerFiles {
  std::string key_pem, cert_pem, chain_pem;  // chain_pem may be empty
};

struct CmsShape {
  bool attach_cert = true;        // leaf certificate in the CMS
  bool attach_chain = false;      // CA certificates too
  bool detached = false;          // no eContent
  const SignerFiles* second_signer = nullptr;  // a second SignerInfo
  bool with_nonce = true;
};

// Base64 of the DER CMS. Throws std::runtime_error when a file cannot be used.
std::string sign_cms_base64(const SignerFiles& signer, std::string_view content, std::string_view nonce,
                            const CmsShape& shape = {});

}  // namespace certwiz::site_testkit
