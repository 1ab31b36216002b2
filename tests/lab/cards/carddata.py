"""DER pieces of a HiCOS card's file system, written for the lab from the facts file
("The card's file system"): PKCS#15 CDF records (CertificateInfo: label, iD, authority,
path with index/length, subject, issuer, serial) and TokenInfo. Shares no code with the
product (it is the independent side of the read tests).
"""

from asn1crypto import x509

ATR_GEN1 = "3B B8 13 00 81 31 FA 52 43 48 54 4D 4F 49 43 41 A5"         # RCHTMOICA
ATR_GEN2 = "3B D8 96 00 81 B1 FE 45 1F 07 43 48 54 47 50 4B 49 4A DD"   # CHTGPKIJ
GEN2_AID = bytes.fromhex("A0000002830000062201696400010101")


def tlv(tag, value):
    n = len(value)
    if n < 0x80:
        head = bytes([tag, n])
    elif n < 0x100:
        head = bytes([tag, 0x81, n])
    else:
        head = bytes([tag, 0x82, n >> 8, n & 0xFF])
    return head + value


def der_int(n):
    out = n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big")
    return tlv(0x02, out)


def path(fids, index=None, length=None):
    v = tlv(0x04, fids)
    if index is not None:
        v += der_int(index)
    if length is not None:
        v += tlv(0x80, length.to_bytes(2, "big"))
    return tlv(0x30, v)


def cdf_record(label, obj_id, authority, path_der, cert_der=None):
    common = tlv(0x30, tlv(0x0C, label.encode()))
    attrs = tlv(0x04, obj_id) + (tlv(0x01, b"\xff") if authority else b"")
    x509_attrs = path_der
    if cert_der is not None:
        cert = x509.Certificate.load(cert_der)
        tbs = cert["tbs_certificate"]
        subject = tbs["subject"].dump()
        issuer = tbs["issuer"].dump()
        # subject Name, issuer [0] IMPLICIT Name, serialNumber INTEGER
        x509_attrs += subject + b"\xa0" + issuer[1:] + tbs["serial_number"].dump()
    return tlv(0x30, common + tlv(0x30, attrs) + tlv(0xA1, tlv(0x30, x509_attrs)))


def token_info(serial, label="HiCOS PKI Smart Card", manufacturer="Chunghwa TeleCom Co., Ltd."):
    return tlv(0x30, der_int(0) + tlv(0x04, serial.encode()) + tlv(0x0C, manufacturer.encode())
               + tlv(0x80, label.encode()) + tlv(0x03, b"\x00\x00"))


def directory_file(records, size=None):
    """Records, 00 padding, and the content length in the last two bytes (little-endian)."""
    size = size or ((len(records) + 2 + 0xFF) // 0x100 + 1) * 0x100
    body = records + b"\x00" * (size - len(records) - 2)
    return body + len(records).to_bytes(2, "little")
