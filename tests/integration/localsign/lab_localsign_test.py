#!/usr/bin/env python3
"""lab_localsign_test.py --certwiz BIN --standin BIN  (run inside the lab)

The localsign.* checks of `certwiz diagnose` against the lab's stand-in of the local
signing component (127.0.0.1:61161): healthy and new enough; older than the site
profile requires (a second stand-in on another port reporting 1.3.4.2); nothing
listening; and the component refusing a page whose site is not in its whiteList
(ret_code 0x7600000F) while signing for a trusted one."""
import argparse
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

FAILURES = []


def expect(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        FAILURES.append(what)


def diagnose(certwiz, url=None):
    env = dict(os.environ)
    if url:
        env["CERTWIZ_LOCALSIGN_URL"] = url
    out = subprocess.run([certwiz, "diagnose", "--json", "-", "--trust", os.environ["CERTWIZ_LAB_TRUST"]],
                         env=env, capture_output=True, timeout=240)
    report = json.loads(out.stdout)
    return {r["id"]: r for r in report["results"]}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_listening(port, proc, seconds=20):
    end = time.time() + seconds
    while time.time() < end:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def sign(origin, pin="135790"):
    pkg = {"tbs": "lab localsign test", "tbsEncoding": "NONE", "hashAlgorithm": "SHA256", "withCardSN": "false",
           "pin": pin, "nonce": "bGFibm9uY2U", "func": "MakeSignature", "signatureType": "PKCS7",
           "slotDescription": ""}
    body = "tbsPackage=" + urllib.parse.quote(json.dumps(pkg), safe="")
    req = urllib.request.Request("http://127.0.0.1:61161/sign", data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": origin})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--certwiz", required=True)
    ap.add_argument("--standin", required=True)
    a = ap.parse_args()

    # 1. Healthy: the lab's stand-in (1.3.4.3) meets the default profile's Linux minimum.
    r = diagnose(a.certwiz)
    svc, tok = r.get("localsign.service", {}), r.get("localsign.tokens", {})
    expect(svc.get("status") == "pass", f"localsign.service passes (got {svc.get('status')} {svc.get('code')})")
    expect(svc.get("evidence", {}).get("version") == "1.3.4.3", "the component's version is reported")
    expect(tok.get("status") == "pass", f"localsign.tokens sees the inserted cards (got {tok.get('status')} {tok.get('code')})")

    # 2. Too old for the site: a second stand-in reporting 1.3.4.2.
    port = free_port()
    old = subprocess.Popen([a.standin, "--bind", "127.0.0.1", "--port", str(port), "--version", "1.3.4.2"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        expect(wait_listening(port, old), "an old stand-in starts")
        r = diagnose(a.certwiz, f"http://127.0.0.1:{port}")
        svc = r.get("localsign.service", {})
        expect(svc.get("code") == "LOCALSIGN-OLD-VERSION", f"1.3.4.2 is too old (got {svc.get('code')})")
        expect(bool(svc.get("remedy", {}).get("zh_TW")), "with a remedy")
    finally:
        old.send_signal(signal.SIGTERM)
        try:
            old.wait(timeout=5)
        except subprocess.TimeoutExpired:
            old.kill()
            old.wait()

    # 3. Nothing listening: not running, and the dependent check is skipped, not failed.
    r = diagnose(a.certwiz, f"http://127.0.0.1:{free_port()}")
    svc, tok = r.get("localsign.service", {}), r.get("localsign.tokens", {})
    expect(svc.get("code") == "LOCALSIGN-NOT-RUNNING", f"absent component (got {svc.get('code')})")
    expect(tok.get("status") == "skipped", f"localsign.tokens skipped when absent (got {tok.get('status')})")

    # 4. The whiteList: an untrusted page gets 0x7600000F and no PIN use; a trusted one signs.
    wl = os.path.join(os.environ["CERTWIZ_LAB_DIR"], "localsign-whiteList.txt")
    with open(wl, encoding="utf-8") as f:
        expect("127.0.0.1" in f.read().split(), "the lab whitelist trusts 127.0.0.1")
    state = os.path.join(os.environ["CERTWIZ_LAB_DIR"], "cardsim")
    before = {n: json.load(open(os.path.join(state, n))) for n in os.listdir(state) if n.endswith(".json")}
    ans = sign("https://evil.example")
    expect(ans.get("ret_code") == 0x7600000F, f"untrusted origin answers 0x7600000F (got {ans.get('ret_code')})")
    after = {n: json.load(open(os.path.join(state, n))) for n in os.listdir(state) if n.endswith(".json")}
    expect(all(before[n].get("pin_verifications") == after[n].get("pin_verifications") for n in before),
           "an untrusted page never reaches the card's PIN")
    ans = sign("https://127.0.0.1:8443")
    expect(ans.get("ret_code") == 0 and len(base64.b64decode(ans.get("signature", ""))) > 500,
           f"a trusted page gets a CMS signature (ret_code {ans.get('ret_code')})")
    cms = subprocess.run(["openssl", "cms", "-verify", "-noverify", "-inform", "DER"],
                         input=base64.b64decode(ans.get("signature", "")), capture_output=True)
    expect(cms.returncode == 0 and cms.stdout == b"lab localsign test", "its eContent is the tbs and it verifies")

    print(f"{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
