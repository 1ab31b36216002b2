#!/usr/bin/python3
"""An independent judge of CMS login signatures (issue 13): not CertWiz, not the site.

Reads the CMS with python3-asn1crypto and checks every signature with
python3-cryptography: exactly one signer; the signer's certificate attached and, among
the lab's cards, a SIGN certificate; SHA-256 with RSA PKCS#1 v1.5; signed attributes
contentType (id-data), messageDigest (= SHA-256 of the eContent), signingTime and the
nonce (1.2.840.113549.1.9.25.3) each once; eContent attached and equal to the text the
site issued, the nonce equal to the one it issued; the certificate chained to the lab's
anchors by signature (each link checked here), within its dates, keyUsage
digitalSignature, an accepted policy, not on its CA's CRL (read from the lab's PKI
files). The card serial attribute (2.16.886.1.100.2.204), when present or asked for,
must be the token serial of the card whose SIGN key signed.

The verdict is named with the wire code the site must give (docs/site-protocol.md
steps 3 and 4, in that order), so the two can be compared: "ok" or SITE-CMS-* /
SITE-CERT-*.

    cms_oracle.py --cms FILE.der --tbs FILE --nonce N [--expect-card-serial S]
prints the verdict; exit 0 when ok, 1 when rejected.
"""
import argparse
import datetime
import glob
import hashlib
import json
import os
import sys

from asn1crypto import cms as acms
from asn1crypto import core as acore
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

NONCE_OID = "1.2.840.113549.1.9.25.3"
CARD_SERIAL_OID = "2.16.886.1.100.2.204"
DEFAULT_POLICIES = ("2.16.886.101.0.3.1", "2.16.886.101.0.3.3")


class Verdict:
    def __init__(self, code="ok", why="", signer_der=None, card_serial=None):
        self.code, self.why, self.signer_der, self.card_serial = code, why, signer_der, card_serial
        self.findings = []  # CertWiz defects outside the site's verdict (card serial)

    @property
    def ok(self):
        return self.code == "ok"

    def __repr__(self):
        return f"{self.code} ({self.why})" if self.why else self.code


def reject(code, why):
    return Verdict(code, why)


def load_pems(path):
    with open(path, "rb") as f:
        data = f.read()
    out, marker = [], b"-----BEGIN CERTIFICATE-----"
    for part in data.split(marker)[1:]:
        out.append(x509.load_pem_x509_certificate(marker + part))
    return out


class LabTrust:
    """What the oracle trusts: the lab's anchors and CAs, its cards, its CRL files."""

    def __init__(self, anchors, intermediates=(), policies=DEFAULT_POLICIES, cards_json=None, crl_dir=None):
        self.anchors = [c for p in anchors for c in load_pems(p)]
        self.intermediates = [c for p in intermediates for c in load_pems(p)]
        self.policies = set(policies or DEFAULT_POLICIES)
        self.sign_certs = {}  # DER → token serial
        if cards_json and os.path.exists(cards_json):
            with open(cards_json, encoding="utf-8") as f:
                cards = json.load(f)["cards"]
            for card in cards.values():
                for cert in load_pems(card["sign_cert"]):
                    self.sign_certs[cert.public_bytes(_der())] = card["serial"]
        self.crls = []
        for path in sorted(glob.glob(os.path.join(crl_dir, "*"))) if crl_dir else []:
            with open(path, "rb") as f:
                data = f.read()
            try:
                self.crls.append(x509.load_der_x509_crl(data))
            except ValueError:
                try:
                    self.crls.append(x509.load_pem_x509_crl(data))
                except ValueError:
                    pass  # CA certificates share the folder

    @classmethod
    def from_lab(cls, policies=None, anchors=None, intermediates=None):
        pki = os.environ["CERTWIZ_LAB_PKI"]
        return cls(anchors or [os.path.join(pki, "root", "ca.pem")],
                   intermediates if intermediates is not None else
                   [os.path.join(pki, ca, "ca.pem") for ca in ("moica-g2", "moica-g3", "moeaca")],
                   policies or DEFAULT_POLICIES, os.environ.get("CERTWIZ_LAB_CARDS"), os.path.join(pki, "crl"))


def _der():
    from cryptography.hazmat.primitives.serialization import Encoding
    return Encoding.DER


def _hash_for(name):
    return {"sha256": hashes.SHA256(), "sha1": hashes.SHA1(), "sha384": hashes.SHA384(),
            "sha512": hashes.SHA512()}.get(name)


def _issued_by(cert, issuer):
    """`issuer` signed `cert` (names and key identifiers agree, the signature verifies)."""
    if cert.issuer != issuer.subject:
        return False
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        if aki is not None and aki != ski:
            return False
    except x509.ExtensionNotFound:
        pass
    try:
        issuer.public_key().verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                                   cert.signature_hash_algorithm)
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


def _chain(leaf, trust, extra):
    """[leaf, ..., anchor] or None."""
    anchors = {a.public_bytes(_der()): a for a in trust.anchors}
    pool = trust.anchors + trust.intermediates + extra
    chain = [leaf]
    while len(chain) < 8:
        cur = chain[-1]
        if cur.public_bytes(_der()) in anchors:
            return chain
        nxt = next((c for c in pool if c not in chain and _issued_by(cur, c)), None)
        if nxt is None:
            return None
        chain.append(nxt)
    return None


def _string_value(value):
    """The bytes of an attribute value that is an OCTET STRING, PrintableString or UTF8String."""
    parsed = value.parsed if isinstance(value, acore.Any) else value
    if isinstance(parsed, acore.OctetString):
        return parsed.native
    if isinstance(parsed, (acore.PrintableString, acore.UTF8String)):
        return parsed.native.encode("utf-8")
    return None


def judge(cms_der, tbs, nonce, trust, expect_card_serial=None, now=None):
    """The site's verdict as the protocol defines it, reached independently."""
    now = now or datetime.datetime.utcnow()
    tbs = tbs.encode("utf-8") if isinstance(tbs, str) else tbs
    nonce = nonce.encode("utf-8") if isinstance(nonce, str) else nonce
    try:
        info = acms.ContentInfo.load(cms_der, strict=True)
        if info["content_type"].native != "signed_data":
            return reject("SITE-CMS-MALFORMED", "not SignedData")
        sd = info["content"]
        signers = list(sd["signer_infos"])
        certs = [c.chosen for c in (sd["certificates"] or []) if c.name == "certificate"]
    except (ValueError, TypeError, KeyError) as e:
        return reject("SITE-CMS-MALFORMED", f"does not parse: {e}")
    if len(signers) != 1:
        return reject("SITE-CMS-SIGNERS", f"{len(signers)} signers")
    si = signers[0]
    sid = si["sid"]
    signer = None
    for c in certs:
        if sid.name == "issuer_and_serial_number":
            if c.issuer == sid.chosen["issuer"] and c.serial_number == sid.chosen["serial_number"].native:
                signer = c
        elif c.key_identifier == sid.chosen.native:
            signer = c
    if signer is None:
        return reject("SITE-CMS-NO-CERT", "the signer's certificate is not attached")
    econtent = sd["encap_content_info"]["content"]
    if econtent.native is None:
        return reject("SITE-CMS-CONTENT-MISMATCH", "detached: no eContent")
    content = econtent.native if isinstance(econtent.native, bytes) else econtent.parsed.native
    digest = si["digest_algorithm"]["algorithm"].native
    sig_alg = si["signature_algorithm"]["algorithm"].native
    if digest != "sha256":
        return reject("SITE-CMS-MALFORMED", f"digest {digest}, not SHA-256")
    if sig_alg not in ("rsassa_pkcs1v15", "sha256_rsa"):
        return reject("SITE-CMS-MALFORMED", f"signature algorithm {sig_alg}")
    attrs = si["signed_attrs"]
    if not attrs or attrs.native is None:
        return reject("SITE-CMS-MALFORMED", "no signed attributes")
    by_type = {}
    for a in attrs:
        by_type.setdefault(a["type"].dotted, []).append(a)
    for oid, name in (("1.2.840.113549.1.9.3", "contentType"), ("1.2.840.113549.1.9.4", "messageDigest"),
                      ("1.2.840.113549.1.9.5", "signingTime")):
        if len(by_type.get(oid, [])) != 1 or len(by_type[oid][0]["values"]) != 1:
            return reject("SITE-CMS-MALFORMED", f"{name} missing or repeated")
    if by_type["1.2.840.113549.1.9.3"][0]["values"][0].dotted != sd["encap_content_info"]["content_type"].dotted:
        return reject("SITE-CMS-MALFORMED", "contentType differs from eContentType")
    # The signature over the DER of the signed attributes as a SET (RFC 5652 §5.4).
    signed_bytes = b"\x31" + attrs.dump()[1:]
    leaf = x509.load_der_x509_certificate(signer.dump())
    try:
        leaf.public_key().verify(si["signature"].native, signed_bytes, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError) as e:
        return reject("SITE-CMS-MALFORMED", f"signature does not verify {type(e).__name__}")
    if by_type["1.2.840.113549.1.9.4"][0]["values"][0].native != hashlib.sha256(content).digest():
        return reject("SITE-CMS-MALFORMED", "messageDigest differs from the eContent's SHA-256")
    if content != tbs:
        return reject("SITE-CMS-CONTENT-MISMATCH", "eContent is not the issued text")
    nonces = by_type.get(NONCE_OID, [])
    if len(nonces) != 1 or len(nonces[0]["values"]) != 1:
        return reject("SITE-CMS-CONTENT-MISMATCH", f"{len(nonces)} nonce attributes")
    if _string_value(nonces[0]["values"][0]) != nonce:
        return reject("SITE-CMS-CONTENT-MISMATCH", "nonce attribute is not the issued nonce")

    # Step 4: the certificate.
    extra = [x509.load_der_x509_certificate(c.dump()) for c in certs if c is not signer]
    chain = _chain(leaf, trust, extra)
    if chain is None:
        return reject("SITE-CERT-UNTRUSTED", "no chain to a lab anchor")
    for c in chain:
        if not c.not_valid_before <= now <= c.not_valid_after:
            return reject("SITE-CERT-EXPIRED", f"{c.subject.rfc4514_string()} valid "
                                               f"{c.not_valid_before}..{c.not_valid_after}")
    try:
        ku = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        if not ku.digital_signature:
            return reject("SITE-CERT-USAGE", "keyUsage without digitalSignature")
    except x509.ExtensionNotFound:
        pass
    leaf_der = leaf.public_bytes(_der())
    if trust.sign_certs and leaf_der not in trust.sign_certs:
        return reject("SITE-CERT-USAGE", "the signer is not a card's SIGN certificate")
    try:
        pols = {p.policy_identifier.dotted_string
                for p in leaf.extensions.get_extension_for_class(x509.CertificatePolicies).value}
    except x509.ExtensionNotFound:
        pols = set()
    if trust.policies and not pols & trust.policies:
        return reject("SITE-CERT-POLICY", f"policies {sorted(pols)}")
    issuer = chain[1] if len(chain) > 1 else None
    crls = [c for c in trust.crls if issuer is not None and c.issuer == issuer.subject
            and c.is_signature_valid(issuer.public_key())]
    if not crls:
        return reject("SITE-CERT-REVOCATION-UNKNOWN", "no CRL of the issuer in the lab's PKI")
    if any(c.get_revoked_certificate_by_serial_number(leaf.serial_number) is not None for c in crls):
        return reject("SITE-CERT-REVOKED", "on the issuer's CRL")

    v = Verdict("ok", signer_der=leaf_der)
    serials = by_type.get(CARD_SERIAL_OID, [])
    if serials:
        v.card_serial = (_string_value(serials[0]["values"][0]) or b"").decode("utf-8", "replace")
    token = trust.sign_certs.get(leaf_der)
    if len(serials) > 1:
        v.findings.append("card serial attribute repeated")
    if v.card_serial is not None and token is not None and v.card_serial != token:
        v.findings.append(f"card serial attribute {v.card_serial!r}, the card's token serial is {token!r}")
    if expect_card_serial is not None and v.card_serial != expect_card_serial:
        v.findings.append(f"card serial attribute {v.card_serial!r}, expected {expect_card_serial!r}")
    return v


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cms", required=True, help="DER file")
    p.add_argument("--tbs", required=True, help="file holding the issued text")
    p.add_argument("--nonce", required=True)
    p.add_argument("--expect-card-serial")
    a = p.parse_args()
    with open(a.cms, "rb") as f:
        der = f.read()
    with open(a.tbs, "rb") as f:
        tbs = f.read()
    v = judge(der, tbs, a.nonce, LabTrust.from_lab(), a.expect_card_serial)
    print(v, *v.findings, sep="\n")
    return 0 if v.ok and not v.findings else 1


if __name__ == "__main__":
    sys.exit(main())
