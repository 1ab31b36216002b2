"""CMS SignedData made by hand from the lab PKI's key files (python3-asn1crypto builds
the structure, python3-cryptography signs), in the protocol's shape or with one chosen
defect. Shares nothing with CertWiz or the site: what both must judge alike.
"""
import datetime
import hashlib

from asn1crypto import algos, cms, core, x509 as ax509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

NONCE_OID = "1.2.840.113549.1.9.25.3"
CARD_SERIAL_OID = "2.16.886.1.100.2.204"


class Signer:
    def __init__(self, key_pem, cert_pem, chain_pem=None):
        with open(key_pem, "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), None)
        self.cert = _pems(cert_pem)[0]
        self.chain = _pems(chain_pem) if chain_pem else []


def _pems(path):
    with open(path, "rb") as f:
        data = f.read()
    out = []
    for part in data.split(b"-----BEGIN CERTIFICATE-----")[1:]:
        body = part.split(b"-----END CERTIFICATE-----")[0]
        import base64
        out.append(ax509.Certificate.load(base64.b64decode(b"".join(body.split()))))
    return out


def _attr(oid, value):
    return cms.CMSAttribute({"type": cms.CMSAttributeType(oid), "values": [value]})


def signer_info(signer, content, nonce, digest="sha256", card_serial=None, with_nonce=True, with_attrs=True,
                tamper_attr=False):
    h = {"sha256": hashes.SHA256(), "sha1": hashes.SHA1()}[digest]
    md = hashlib.new(digest, content).digest()
    attrs = [
        _attr("1.2.840.113549.1.9.3", cms.ContentType("data")),
        _attr("1.2.840.113549.1.9.5", cms.Time({"utc_time": core.UTCTime(
            datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0))})),
        _attr("1.2.840.113549.1.9.4", core.OctetString(md)),
    ]
    if with_nonce:
        attrs.append(cms.CMSAttribute({"type": cms.CMSAttributeType(NONCE_OID),
                                       "values": [core.OctetString(nonce.encode())]}))
    if card_serial is not None:
        attrs.append(cms.CMSAttribute({"type": cms.CMSAttributeType(CARD_SERIAL_OID),
                                       "values": [core.PrintableString(card_serial)]}))
    signed_attrs = cms.CMSAttributes(attrs)
    to_sign = signed_attrs.dump() if with_attrs else content
    signature = signer.key.sign(to_sign, padding.PKCS1v15(), h)
    if tamper_attr:
        # Another signingTime after signing: the signature no longer covers what is there.
        attrs[1] = _attr("1.2.840.113549.1.9.5", cms.Time({"utc_time": core.UTCTime(
            datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone.utc))}))
        signed_attrs = cms.CMSAttributes(attrs)
    info = {
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
            "issuer": signer.cert.issuer, "serial_number": signer.cert.serial_number})}),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": digest}),
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"}),
        "signature": signature,
    }
    if with_attrs:
        info["signed_attrs"] = signed_attrs
    return cms.SignerInfo(info)


def signed_data(signers_infos, certs, content, detached=False, digests=("sha256",)):
    encap = {"content_type": "data"}
    if not detached:
        encap["content"] = content
    sd = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": d}) for d in digests],
        "encap_content_info": encap,
        "certificates": [cms.CertificateChoices({"certificate": c}) for c in certs],
        "signer_infos": signers_infos,
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()


def craft(signer, tbs, nonce, *, content=None, sign_nonce=None, second=None, detached=False, attach_cert=True,
          attach_chain=False, digest="sha256", tamper_attr=False, with_nonce=True, with_attrs=True,
          card_serial=None):
    """DER of a CMS over `tbs` (or `content`) with the nonce attribute `sign_nonce or nonce`."""
    data = (content if content is not None else tbs).encode("utf-8")
    infos = [signer_info(signer, data, sign_nonce or nonce, digest, card_serial, with_nonce, with_attrs, tamper_attr)]
    certs = [signer.cert] if attach_cert else []
    if attach_chain:
        certs += signer.chain
    if second is not None:
        infos.append(signer_info(second, data, nonce))
        certs.append(second.cert)
    return signed_data(infos, certs, data, detached, (digest,))
