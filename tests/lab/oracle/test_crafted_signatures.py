#!/usr/bin/python3
"""Crafted CMS signatures judged by the reference site and by the independent oracle
(issue 13): they must agree on every one, and each must get the verdict its defect
calls for. Runs inside the lab (certwiz_lab_test); starts a certwiz-site of its own.

    test_crafted_signatures.py --site BUILD/bin/certwiz-site
"""
import argparse
import base64
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cms_craft  # noqa: E402
import cms_oracle  # noqa: E402
from site_session import OwnSite  # noqa: E402


def card(name, usage="sign"):
    d = os.path.join(os.environ["CERTWIZ_LAB_PKI"], "cards", name)
    return cms_craft.Signer(os.path.join(d, f"{usage}.key"), os.path.join(d, f"{usage}.pem"),
                            os.path.join(d, "chain.pem"))


def truncated(der):
    return der[: len(der) // 2]


def flipped(der):
    b = bytearray(der)
    b[-5] ^= 0x01  # inside the RSA signature, the last field
    return bytes(b)


# (name, expected verdict, how to make it from (signer, tbs, nonce))
CASES = [
    ("valid", "ok", lambda t, n: cms_craft.craft(card("business"), t, n)),
    ("valid, another CA (MOICA G2)", "ok", lambda t, n: cms_craft.craft(card("g2-citizen"), t, n)),
    ("extra chain certificates", "ok", lambda t, n: cms_craft.craft(card("citizen"), t, n, attach_chain=True)),
    ("wrong content", "SITE-CMS-CONTENT-MISMATCH",
     lambda t, n: cms_craft.craft(card("business"), t, n, content=t + "\nextra: 1")),
    ("wrong nonce", "SITE-CMS-CONTENT-MISMATCH",
     lambda t, n: cms_craft.craft(card("business"), t, n, sign_nonce="A" * 43)),
    ("no nonce attribute", "SITE-CMS-CONTENT-MISMATCH",
     lambda t, n: cms_craft.craft(card("business"), t, n, with_nonce=False)),
    ("two signers", "SITE-CMS-SIGNERS", lambda t, n: cms_craft.craft(card("business"), t, n, second=card("citizen"))),
    ("detached content", "SITE-CMS-CONTENT-MISMATCH", lambda t, n: cms_craft.craft(card("business"), t, n, detached=True)),
    ("signer certificate not attached", "SITE-CMS-NO-CERT",
     lambda t, n: cms_craft.craft(card("business"), t, n, attach_cert=False)),
    ("signer not the SIGN certificate (KEYX)", "SITE-CERT-USAGE",
     lambda t, n: cms_craft.craft(card("business", "keyx"), t, n)),
    ("expired certificate", "SITE-CERT-EXPIRED", lambda t, n: cms_craft.craft(card("expired"), t, n)),
    ("revoked certificate", "SITE-CERT-REVOKED", lambda t, n: cms_craft.craft(card("revoked"), t, n)),
    ("unknown CA", "SITE-CERT-UNTRUSTED", lambda t, n: cms_craft.craft(card("unknown-ca"), t, n, attach_chain=True)),
    ("SHA-1", "SITE-CMS-MALFORMED", lambda t, n: cms_craft.craft(card("business"), t, n, digest="sha1")),
    ("tampered signed attribute", "SITE-CMS-MALFORMED",
     lambda t, n: cms_craft.craft(card("business"), t, n, tamper_attr=True)),
    ("no signed attributes", "SITE-CMS-MALFORMED",
     lambda t, n: cms_craft.craft(card("business"), t, n, with_attrs=False)),
    ("signature bit flipped", "SITE-CMS-MALFORMED", lambda t, n: flipped(cms_craft.craft(card("business"), t, n))),
    ("truncated DER", "SITE-CMS-MALFORMED", lambda t, n: truncated(cms_craft.craft(card("business"), t, n))),
]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--site", required=True)
    a = p.parse_args()
    work = os.path.join(os.environ["CERTWIZ_LAB_DIR"], "oracle-crafted")
    site = OwnSite(a.site, work)
    trust = cms_oracle.LabTrust.from_lab()
    failures = []
    started = time.monotonic()
    try:
        c = site.client()
        print(f"{'case':42} {'expected':27} {'site':27} oracle")
        for name, expected, make in CASES:
            ch = c.challenge()
            der = make(ch["tbs"], ch["nonce"])
            status, data = c.request("POST", "/api/certwiz/v1/login",
                                     {"challenge_id": ch["challenge_id"],
                                      "signature": base64.b64encode(der).decode()})
            site_code = c.code(status, data)
            # Past the signature and certificate checks, an unbound card ends here (a renewed
            # or replaced one too: those answers also come after every check).
            if site_code in ("SITE-CERT-NOT-BOUND", "SITE-CERT-RENEWED", "SITE-CERT-REPLACED"):
                site_code = "ok"
            verdict = cms_oracle.judge(der, ch["tbs"], ch["nonce"], trust)
            print(f"{name:42} {expected:27} {site_code:27} {verdict}")
            if site_code != verdict.code:
                failures.append(f"{name}: the site says {site_code}, the oracle {verdict}")
            elif verdict.code != expected:
                failures.append(f"{name}: both say {verdict.code}, the defect calls for {expected}")
        # The site's capture (what the oracle checks after the suite) says what it answered.
        captured = sorted(os.listdir(site.capture_dir)) if os.path.isdir(site.capture_dir) else []
        if len([f for f in captured if f.endswith(".json")]) != len(CASES):
            failures.append(f"the site captured {len(captured)} CMS for {len(CASES)} logins")
    finally:
        site.stop()
    print(f"{len(CASES)} crafted signatures, {len(CASES) - len(failures)} agreed as expected, "
          f"{time.monotonic() - started:.1f} s")
    for f in failures:
        print("DISAGREEMENT:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
