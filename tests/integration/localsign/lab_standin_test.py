#!/usr/bin/env python3
"""lab_standin_test.py --source-dir DIR  (run inside the lab; SERIAL: it spends PIN tries)

The lab's local signing component stand-in (tests/lab/localsign) on its own terms:
- independent of CertWiz: its sources name nothing from checks/, installer/ or app/, the
  build only copies it, and the running service maps no CertWiz library (only the lab's
  card module);
- faithful to the facts: GET / version page, /pkcs11info (GET and POST, withcert, a token
  only where a card is in), no CORS headers, /popupForm and /selfTest.htm, POST /sign with
  the form-encoded tbsPackage ('+' must come as %2B), a CMS that OpenSSL verifies against
  the lab CA with the documented signed attributes, PKCS1 signatures;
- harsh where the real one is: a wrong PIN spends a try (0x76100006 with last_error
  two / one try left, then 0xA4 locked) with no guard at the final try; a site not in
  whiteList.txt is refused with 0x7600000F (Origin, then Referer), /addDomain adds one;
- its request log counts requests and never holds a PIN or a tbs; the lab's fault file
  makes it misbehave."""
import argparse
import base64
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

FAILURES = []
PORT = 61161
LAB = os.environ.get("CERTWIZ_LAB_DIR", "")
TRUSTED = "https://127.0.0.1:8443"


def expect(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        FAILURES.append(what)


def request(method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def sign(pin, origin=TRUSTED, referer=None, tbs="lab stand-in test", slot="CertWiz Lab Reader A 00 00",
         raw_plus=False, **extra):
    pkg = {"tbs": tbs, "tbsEncoding": "NONE", "hashAlgorithm": "SHA256", "withCardSN": "true", "pin": pin,
           "nonce": "bm9uY2UtMTIz", "func": "MakeSignature", "signatureType": "PKCS7", "slotDescription": slot}
    pkg.update(extra)
    text = json.dumps(pkg)
    encoded = urllib.parse.quote(text, safe="+" if raw_plus else "")
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if origin:
        headers["Origin"] = origin
    if referer:
        headers["Referer"] = referer
    status, hdrs, data = request("POST", "/sign", ("tbsPackage=" + encoded).encode(), headers)
    return status, hdrs, json.loads(data)


def card_state(card):
    try:
        with open(os.path.join(LAB, "cardsim", card + ".json"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"tries_left": 3, "logins": 0, "pin_verifications": 0}


def sign_lines():
    try:
        with open(os.path.join(LAB, "logs", "localsign-requests.jsonl"), encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except OSError:
        return []


def check_independence(source_dir):
    standin_dir = os.path.join(source_dir, "tests", "lab", "localsign")
    product = re.compile(r"(?<![\w/])(checks|installer|app)/|#include|libcertwiz_|certwiz_(core|pkcs11|localsign|site|"
                         r"net|cert|pcsc|report|form|installer|assets)\b")
    hits = []
    for name in sorted(os.listdir(standin_dir)):
        with open(os.path.join(standin_dir, name), encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if product.search(line):
                    hits.append(f"{name}:{n}: {line.strip()}")
    expect(not hits, "the stand-in's sources name nothing of CertWiz's product code" + "".join("\n     " + h for h in hits))
    with open(os.path.join(standin_dir, "CMakeLists.txt"), encoding="utf-8") as f:
        cmake = f.read()
    expect("target_link_libraries" not in cmake and "add_executable" not in cmake,
           "the stand-in's build compiles and links nothing")
    # The running service: python3 with the lab's card module loaded, no CertWiz library.
    with open(os.path.join(LAB, "pids", "localsign.pid"), encoding="utf-8") as f:
        pid = f.read().split()[0]
    with open(f"/proc/{pid}/maps", encoding="utf-8") as f:
        mapped = {line.split()[-1] for line in f if "/" in line.split()[-1]}
    build = os.path.realpath(os.environ["CERTWIZ_BUILD_DIR"])
    own = [m for m in mapped if os.path.realpath(m).startswith(build + "/") and not m.endswith("libcertwiz-cardsim.so")]
    expect(any(m.endswith("libcertwiz-cardsim.so") for m in mapped), "the service loaded the lab's card module")
    expect(not own, f"the service maps no other file of the build ({own})")
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        argv = f.read().split(b"\0")
    expect(any(b"python3" in a for a in argv[:2]), f"the service is the Python stand-in ({argv[:2]})")


def check_api():
    status, hdrs, data = request("GET", "/")
    expect(status == 200 and b"version:1.3.4.3" in data, "GET / answers version:1.3.4.3")
    status, hdrs, data = request("GET", "/pkcs11info")
    info = json.loads(data)
    expect(info.get("ret_code") == 0 and info.get("serverVersion") == "1.3.4.3", "GET /pkcs11info answers ret_code 0")
    expect(info.get("libraryDescription") == "CertWiz card simulator" and info.get("libraryVersion"),
           f"it names the module it loaded ({info.get('libraryDescription')} {info.get('libraryVersion')})")
    slots = info.get("slots", [])
    with_token = [s["slotDescription"] for s in slots if "token" in s]
    with open(os.environ["CARDSIM_CONFIG"], encoding="utf-8") as f:
        readers = [r["reader"] for r in json.load(f)["readers"]]
    expect([s.get("slotDescription") for s in slots] == readers,
           f"one slot per reader of the module, named as PC/SC names it ({len(slots)} of {len(readers)})")
    expect(with_token == ["CertWiz Lab Reader A 00 00", "CertWiz Lab Reader A 00 01"],
           f"a token only where a card is in ({with_token})")
    expect(all("certb64" not in c for s in slots if "token" in s for c in s["token"]["certs"]),
           "no certificate bodies without withcert")
    status, hdrs, data = request("POST", "/pkcs11info?withcert=true", b"", {"Content-Length": "0"})
    info = json.loads(data)
    token = next(s["token"] for s in info["slots"] if s["slotDescription"] == "CertWiz Lab Reader A 00 00")
    sign_entry = next((c for c in token["certs"] if c.get("label") == "SIGN"), {})
    expect(token.get("serialNumber") == "TP07240513190395", "the citizen card's serial")
    expect(sign_entry.get("usage") == "digitalSignature" and sign_entry.get("certb64") and sign_entry.get("sn"),
           "POST /pkcs11info?withcert=true lists the SIGN certificate with its body")
    for method, path in (("GET", "/"), ("GET", "/pkcs11info"), ("GET", "/popupForm"), ("GET", "/selfTest.htm")):
        status, hdrs, data = request(method, path, headers={"Origin": TRUSTED})
        expect(status == 200 and not any(h.startswith("access-control-") for h in hdrs),
               f"{method} {path}: 200 without CORS headers")
    status, hdrs, page = request("GET", "/popupForm")
    expect(b'{"func":"getTbs"}' in page and b"MakeSignature" in page and b"GetUserCert" in page
           and b"CheckEnvir" in page and b"window.close" in page, "/popupForm is the browser bridge page")
    status, hdrs, _ = request("OPTIONS", "/sign", headers={"Origin": TRUSTED, "Access-Control-Request-Method": "POST"})
    expect(not any(h.startswith("access-control-") for h in hdrs), f"a CORS preflight gets no CORS answer ({status})")


def check_sign(pin, trust_pem):
    before = card_state("citizen")
    status, hdrs, ans = sign(pin, tbs="a+b=c 你好")
    expect(status == 200 and ans.get("ret_code") == 0, f"a trusted page gets a signature (ret_code {ans.get('ret_code')})")
    expect(not any(h.startswith("access-control-") for h in hdrs), "the /sign answer has no CORS headers")
    expect(ans.get("cardSN") == "TP07240513190395", "cardSN is the card's serial")
    der = base64.b64decode(ans.get("signature", ""))
    with tempfile.NamedTemporaryFile(suffix=".der") as f:
        f.write(der)
        f.flush()
        out = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER", "-in", f.name, "-CAfile", trust_pem,
                              "-purpose", "any"], capture_output=True)
    expect(out.returncode == 0 and out.stdout == "a+b=c 你好".encode(),
           f"OpenSSL verifies the CMS against the lab CA and its eContent is the tbs ('+' sent as %2B) "
           f"{out.stderr.decode(errors='replace')[-200:]}")
    signed = cms.ContentInfo.load(der)["content"]
    si = signed["signer_infos"][0]
    attrs = {a["type"].dotted: a["values"] for a in si["signed_attrs"]}
    expect({"1.2.840.113549.1.9.3", "1.2.840.113549.1.9.4", "1.2.840.113549.1.9.5", "1.2.840.113549.1.9.25.3",
            "2.16.886.1.100.2.204"} <= set(attrs), f"signed attributes as documented ({sorted(attrs)})")
    expect(attrs.get("1.2.840.113549.1.9.25.3", [None])[0].native == b"bm9uY2UtMTIz", "the nonce attribute")
    expect(attrs.get("2.16.886.1.100.2.204", [None])[0].native == "TP07240513190395", "the card serial attribute")
    expect(si["sid"].name == "issuer_and_serial_number", "signer by issuerAndSerialNumber")
    leaf = x509.load_der_x509_certificate(base64.b64decode(ans["certb64"]))
    expect(leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature, "signed with the SIGN certificate")
    after = card_state("citizen")
    expect(after.get("pin_verifications", 0) == before.get("pin_verifications", 0) + 1, "one PIN verification per /sign")

    status, _, ans = sign(pin, tbs="a+b", raw_plus=True)
    out = subprocess.run(["openssl", "cms", "-verify", "-noverify", "-inform", "DER"],
                         input=base64.b64decode(ans.get("signature", "")), capture_output=True)
    expect(out.stdout == b"a b", f"an unescaped '+' arrives as a space, as from any form decoder ({out.stdout!r})")

    status, _, ans = sign(pin, signatureType="PKCS1", tbs="pkcs1 text")
    leaf = x509.load_der_x509_certificate(base64.b64decode(ans.get("certb64", "")))
    try:
        leaf.public_key().verify(base64.b64decode(ans.get("signature", "")), b"pkcs1 text", padding.PKCS1v15(),
                                 hashes.SHA256())
        ok = True
    except Exception:  # noqa: BLE001 - any failure is the finding
        ok = False
    expect(ans.get("ret_code") == 0 and ok, "signatureType PKCS1: an RSA PKCS#1 v1.5 SHA-256 signature of the tbs")


def check_whitelist(pin):
    wl = os.path.join(LAB, "localsign-whiteList.txt")
    with open(wl, encoding="utf-8") as f:
        original = f.read()
    before = card_state("citizen")
    _, _, ans = sign(pin, origin="https://evil.example")
    expect(ans.get("ret_code") == 0x7600000F, f"a site not in whiteList.txt gets 0x7600000F (got {ans.get('ret_code')})")
    _, _, ans = sign(pin, origin=None, referer="https://evil.example/login")
    expect(ans.get("ret_code") == 0x7600000F, "judged by the Referer when there is no Origin")
    _, _, ans = sign(pin, origin=None)
    expect(ans.get("ret_code") == 0x7600000F, "a request naming no site is refused")
    expect(card_state("citizen").get("logins") == before.get("logins"), "refused requests never reach the card")
    _, _, ans = sign(pin, origin=None, referer=TRUSTED + "/login")
    expect(ans.get("ret_code") == 0, "a trusted Referer signs")
    status, _, data = request("GET", "/addDomain?domain=evil.example")
    expect(json.loads(data).get("ret_code") == 0, "/addDomain answers ret_code 0")
    with open(wl, encoding="utf-8") as f:
        expect("evil.example" in f.read().split(), "/addDomain wrote whiteList.txt")
    _, _, ans = sign(pin, origin="https://evil.example")
    expect(ans.get("ret_code") == 0, "the added site is trusted")
    with open(wl, "w", encoding="utf-8") as f:
        f.write(original)


def check_wrong_pins(pin, lab_cmd):
    subprocess.run(lab_cmd + ["card", "reset", "citizen"], check=True, capture_output=True)
    _, _, ans = sign("")
    expect(ans.get("ret_code") == 0x76000998, "an empty PIN answers 0x76000998")
    _, _, ans = sign("123")
    expect(ans.get("ret_code") == 0x76100006 and ans.get("last_error") == 0xA2, f"a 3-digit PIN: 0xA2 ({ans})")
    expect(card_state("citizen").get("tries_left", 3) == 3, "a PIN of the wrong length spends no try")
    wrong = "000000" if pin != "000000" else "111111"
    seen = []
    for _ in range(4):
        _, _, ans = sign(wrong)
        seen.append((ans.get("ret_code"), ans.get("last_error"), card_state("citizen").get("tries_left")))
    expected = [(0x76100006, -2147483646, 2), (0x76100006, -2147483647, 1), (0x76100006, 0xA4, 0), (0x76100006, 0xA4, 0)]
    expect(seen == expected, f"wrong PINs spend the tries with no guard at the last one, then locked: {seen}")
    _, _, ans = sign(pin)
    expect(ans.get("ret_code") == 0x76100006 and ans.get("last_error") == 0xA4, "the right PIN on a locked card: 0xA4")
    subprocess.run(lab_cmd + ["card", "reset", "citizen"], check=True, capture_output=True)
    _, _, ans = sign(pin)
    expect(ans.get("ret_code") == 0, "after the issuer's reset the card signs again")


def check_request_log(pin, start):
    lines = sign_lines()[start:]
    signs = [e for e in lines if e.get("path") == "/sign"]
    expect(len(signs) >= 10 and all(e.get("method") == "POST" and e.get("time") for e in signs),
           f"every /sign request is in the log with method and time ({len(signs)})")
    with open(os.path.join(LAB, "logs", "localsign-requests.jsonl"), encoding="utf-8") as f:
        text = f.read()
    expect(pin not in text and "lab stand-in test" not in text and "pkcs1 text" not in text,
           "the request log holds no PIN and no tbs")


def check_fault_file():
    fault = os.path.join(LAB, "localsign-fault")
    with open(fault, "w", encoding="utf-8") as f:
        f.write("http500@/pkcs11info\n")
    try:
        status, _, _ = request("GET", "/pkcs11info")
        status_root, _, _ = request("GET", "/")
    finally:
        os.remove(fault)
    expect(status == 500 and status_root == 200, "the lab's fault file makes /pkcs11info answer HTTP 500, / untouched")
    status, _, _ = request("GET", "/pkcs11info")
    expect(status == 200, "and the fault is gone with the file")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-dir", required=True)
    a = ap.parse_args()
    lab_cmd = [os.path.join(a.source_dir, "tests", "lab", "lab")]
    with open(os.environ["CERTWIZ_LAB_CARDS"], encoding="utf-8") as f:
        cards = json.load(f)
    pin = cards["pin"]
    pki = os.environ["CERTWIZ_LAB_PKI"]
    trust = os.path.join(tempfile.mkdtemp(), "trust.pem")
    with open(trust, "w") as out:
        for ca in ("root", "moica-g3"):
            with open(os.path.join(pki, ca, "ca.pem")) as f:
                out.write(f.read())
    start = len(sign_lines())
    check_api()
    check_independence(a.source_dir)
    try:
        check_sign(pin, trust)
        check_whitelist(pin)
        check_wrong_pins(pin, lab_cmd)
    finally:
        subprocess.run(lab_cmd + ["card", "reset", "citizen"], capture_output=True)
    check_request_log(pin, start)
    check_fault_file()
    print(f"{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
