"""The lab's fixed layout: readers, ports, certificate authorities and cards.

Everything runs in the lab's private network namespace, so the ports are fixed
and cannot collide with another lab or with the host. tests/lab/README.md
describes the same tables for people.
"""

HOST = "127.0.0.1"

# vpcd reader entries. Each entry gives pcscd two readers ("<name> 00 00" on
# `port`, "<name> 00 01" on port+1). Each entry loads its own copy of the vpcd
# driver (see README, "Traps"): one copy serves only two readers.
READER_ENTRIES = [
    ("CertWiz Lab Reader A", 35963),
    ("CertWiz Lab Reader B", 35973),
    ("CertWiz Lab Reader C", 35983),
    ("CertWiz Lab Reader D", 35993),
]


def readers():
    """[(pcsc reader name, vicc port)] in pcscd's order."""
    out = []
    for name, port in READER_ENTRIES:
        out.append((f"{name} 00 00", port))
        out.append((f"{name} 00 01", port + 1))
    return out


CRL_HTTP_PORT = 18080  # python3 -m http.server serving <pki>/crl (CRLs and CA certs)
LOCALSIGN_PORT = 61161  # the real HiPKI local sign server's port (stand-in, later)
SITE_PORT = 8443  # reference HTTPS site (stand-in, later)

# Certificate authorities. `issuer` names the CA that signs this one (itself for a root).
# `ocsp_port` is set for the CAs that issue cards: one `openssl ocsp` responder each.
CAS = {
    "root": {
        "subject": "/C=TW/O=行政院/CN=CertWiz Lab Root CA - G3",
        "issuer": "root", "bits": 4096, "start_days": -1200, "end_days": 8000,
    },
    "moica-g2": {
        "subject": "/C=TW/O=行政院/OU=內政部憑證管理中心",
        "issuer": "root", "bits": 2048, "start_days": -1100, "end_days": 2900,
        "ocsp_port": 18092, "policy": "2.16.886.101.0.3.1",
    },
    "moica-g3": {
        "subject": "/C=TW/O=行政院/OU=內政部憑證管理中心",
        "issuer": "root", "bits": 4096, "start_days": -400, "end_days": 6500,
        "ocsp_port": 18091, "policy": "2.16.886.101.0.3.1",
    },
    "moeaca": {
        "subject": "/C=TW/O=行政院/OU=工商憑證管理中心",
        "issuer": "root", "bits": 2048, "start_days": -900, "end_days": 6000,
        "ocsp_port": 18093, "policy": "2.16.886.101.0.3.3",
    },
    "unknown-root": {
        "subject": "/C=TW/O=CertWiz Unknown Org/CN=CertWiz Unknown Root CA",
        "issuer": "unknown-root", "bits": 2048, "start_days": -1200, "end_days": 8000,
    },
    "unknown-ca": {
        "subject": "/C=TW/O=CertWiz Unknown Org/OU=未知憑證管理中心",
        "issuer": "unknown-root", "bits": 2048, "start_days": -900, "end_days": 6000,
        "ocsp_port": 18094, "policy": "2.16.886.101.0.3.1",
    },
}

ISSUING_CAS = [name for name, ca in CAS.items() if "ocsp_port" in ca]


def ca_chain(name):
    """CA names from `name` up to its root, inclusive."""
    chain = [name]
    while CAS[chain[-1]]["issuer"] != chain[-1]:
        chain.append(CAS[chain[-1]]["issuer"])
    return chain


def ocsp_url(ca):
    return f"http://{HOST}:{CAS[ca]['ocsp_port']}/"


def crl_url(ca):
    return f"http://{HOST}:{CRL_HTTP_PORT}/{ca}.crl"


def ca_cert_url(ca):
    return f"http://{HOST}:{CRL_HTTP_PORT}/{ca}.crt"


# Cards: reader index (into readers()), issuing CA, validity variant, card serial.
# `inserted`: put into its reader by `lab up`. Reader 6 stays free (fault cards use it).
# "renewed-business": the business card renewed (issue 17): same company and UBN, new keys,
# certificate and card serial, for the re-binding tests.
CARDS = {
    "citizen":    {"reader": 0, "ca": "moica-g3",   "variant": "valid",   "serial": "TP07240513190395", "inserted": True},
    "business":   {"reader": 1, "ca": "moeaca",     "variant": "valid",   "serial": "TP07240513190401", "inserted": True},
    "expired":    {"reader": 2, "ca": "moica-g2",   "variant": "expired", "serial": "TP07240513190418", "inserted": False},
    "revoked":    {"reader": 3, "ca": "moica-g3",   "variant": "revoked", "serial": "TP07240513190425", "inserted": False},
    "unknown-ca": {"reader": 4, "ca": "unknown-ca", "variant": "valid",   "serial": "TP07240513190432", "inserted": False},
    "g2-citizen": {"reader": 5, "ca": "moica-g2",   "variant": "valid",   "serial": "TP07240513190449", "inserted": False},
    "renewed-business": {"reader": 7, "ca": "moeaca", "variant": "valid", "serial": "TP07240513190456", "inserted": False},
}

# Card generation of each card's virtual HiCOS card (tests/lab/cards): gen1 unless named.
CARD_GENERATION = {"g2-citizen": "gen2"}


def card_generation(card):
    return CARD_GENERATION.get(card, "gen1")


USER_PIN = "135790"
SO_PIN = "24680135"
SIGN_ID = "5349474e"  # "SIGN"
KEYX_ID = "4b455958"  # "KEYX"
SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


def token_label(card):
    return f"lab-{card}"


# pkcs11-tool's --token-label matches a prefix: "lab-citizen" would also pick a
# token "lab-citizen-g2". Keep every label from being the start of another.
_labels = [token_label(c) for c in CARDS]
assert not any(a != b and b.startswith(a) for a in _labels for b in _labels), _labels
