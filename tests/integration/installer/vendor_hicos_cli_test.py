#!/usr/bin/env python3
"""certwiz against a HiCOS installed by the vendor's installer, and against servers that
send terminal escape sequences.

A vendor-style installation is planted under a test root (CERTWIZ_SYSTEM_ROOT): the PKCS#11
module in /usr/local/HiPKILocalSignServerApp (a copy of SoftHSM2, so it loads), and a
loopback stand-in of the local signing component answers `version:1.3.4.3`. Its other
answers, and the Date header of a loopback HTTPS site, carry ESC sequences (CSI, OSC,
hyperlinks), C1 controls and bidi overrides.

Checked: `certwiz diagnose` says "Installed 1.3.4.3 (vendor installer)", shows no remedy
that runs certwiz install-hicos, and neither its terminal output nor its JSON and HTML
reports hold an escape sequence, a control character or a bidi override (raw or escaped),
while the component's text itself is there; `certwiz report show` of a report file whose
text was tampered with prints none either; an older component gives INSTALL-VENDOR-OUTDATED.
Exit 0 when every check holds; FAIL lines otherwise.
"""
import argparse
import http.server
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading

ESC_PAGE = "HiPKI Local Sign Server \x1b]0;pwned\x07\x1b[2J\nversion:{version}\n"
PKCS11INFO = {
    "ret_code": 0,
    "serverVersion": "1.3.4.3\x1b[2J",
    "libraryDescription": "HiCOS \x1b]8;;http://evil.example\x1b\\PKCS#11\x1b]8;;\x1b\\",
    "libraryVersion": "2.0",
    "slots": [{
        "slotDescription": "Reader \x1b[31mA\x1b[0m \u202egnp.exe",
        "token": {"serialNumber": "TP0724\u009b31m0513",
                  "certs": [{"certb64": "", "label": "SIGN", "usage": "sign", "sn": "01",
                             "subjectDN": "CN=\x1b[1mEvil\x1b[0m Corp\u2066x\u2069", "issuerDN": "C=TW"}]},
    }],
}
# What no output may hold: raw bytes a terminal acts on, and their JSON / HTML escapes.
FORBIDDEN = [b"\x1b", b"\x07", b"\xc2\x9b", b"\xc2\x9d", b"\xe2\x80\xae", b"\xe2\x81\xa6", b"\xe2\x81\xa9",
             b"\\u001b", b"\\u001B", b"\\x1b", b"\\u0007", b"\\u009b", b"\\u202e", b"\\u202E", b"\\u2066", b"\\u2069"]

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL " + what)


def inert(name, data):
    for bad in FORBIDDEN:
        check(bad not in data, f"{name} holds {bad!r}")


class Component(http.server.BaseHTTPRequestHandler):
    version = "1.3.4.3"

    def log_message(self, *args):
        pass

    def send(self, body, ctype):
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.startswith("/pkcs11info"):
            self.send(json.dumps(PKCS11INFO), "application/json")
        else:
            self.send(ESC_PAGE.format(version=Component.version), "text/plain")


class Site(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.send_response_only(200)
        self.send_header("Date", "\x1b]0;site\x07Mon, 01 Dec 2026 00:00:00 GMT\x1b[2J")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD


def serve(server):
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    return server


def run(cmd, env, name):
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    sys.stdout.write(f"--- {name}: exit {p.returncode}\n" + p.stdout.decode("utf-8", "replace"))
    if p.stderr:
        sys.stdout.write("--- stderr:\n" + p.stderr.decode("utf-8", "replace"))
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--certwiz", required=True)
    ap.add_argument("--softhsm", default="/usr/lib/softhsm/libsofthsm2.so")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="certwiz-vendor-hicos-")
    try:
        root = os.path.join(work, "root")
        app = os.path.join(root, "usr/local/HiPKILocalSignServerApp")
        os.makedirs(os.path.join(app, "lib"))
        shutil.copy(a.softhsm, os.path.join(app, "lib/libHicos_p11v1.so"))
        with open(os.path.join(app, "start.sh"), "w") as f:
            f.write("#!/bin/sh\n")
        os.makedirs(os.path.join(work, "tokens"))
        with open(os.path.join(work, "softhsm2.conf"), "w") as f:
            f.write(f"directories.tokendir = {work}/tokens\nobjectstore.backend = file\n")

        subprocess.run(
            "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=Test CA' && "
            "openssl req -newkey rsa:2048 -nodes -keyout site.key -out site.csr -subj '/CN=127.0.0.1' && "
            "printf 'subjectAltName=IP:127.0.0.1\\n' > ext.cnf && "
            "openssl x509 -req -in site.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out site.pem -days 2 -extfile ext.cnf",
            shell=True, cwd=work, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        component = serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Component))
        site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Site)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(work, "site.pem"), os.path.join(work, "site.key"))
        site.socket = ctx.wrap_socket(site.socket, server_side=True)
        serve(site)

        profile = os.path.join(work, "site.json")
        with open(profile, "w") as f:
            json.dump({"name": "test", "base_url": f"https://127.0.0.1:{site.server_address[1]}",
                       "endpoints": {}, "tls_ca_files": [os.path.join(work, "ca.pem")], "login_trust_anchors": [],
                       "min_localsign_version": {"windows": "1.3.4.103328", "macos": "1.3.4.13", "linux": "1.3.4.3"},
                       "trusted_domain": "127.0.0.1"}, f)

        env = {k: v for k, v in os.environ.items() if not k.startswith(("CERTWIZ_", "XDG_", "SOFTHSM"))}
        env.update({"HOME": os.path.join(work, "home"), "CERTWIZ_SYSTEM_ROOT": root,
                    "CERTWIZ_LOCALSIGN_URL": f"http://127.0.0.1:{component.server_address[1]}",
                    "SOFTHSM2_CONF": os.path.join(work, "softhsm2.conf"), "NO_COLOR": "1"})
        os.makedirs(env["HOME"])
        jpath, hpath = os.path.join(work, "r.json"), os.path.join(work, "r.html")

        p = run([a.certwiz, "diagnose", "--site", profile, "--json", jpath, "--html", hpath, "--lang", "en"], env, "diagnose")
        out = p.stdout + p.stderr
        check(b"Installed 1.3.4.3 (vendor installer)" in p.stdout, "diagnose does not say 'Installed 1.3.4.3 (vendor installer)'")
        check(b"INSTALL-NOT-INSTALLED" not in out, "diagnose says INSTALL-NOT-INSTALLED next to a vendor install")
        check(b"install-hicos" not in out, "a remedy says to run certwiz install-hicos though HiCOS is installed")
        inert("the terminal output of diagnose", out)
        report = open(jpath, "rb").read()
        html = open(hpath, "rb").read()
        inert("the JSON report", report)
        inert("the HTML report", html)
        check(b"install-hicos" not in report, "the JSON report tells to run certwiz install-hicos")
        # The component's and the site's text is there, made safe (not dropped).
        check(b"Reader A gnp.exe" in report, "the JSON report lacks the component's reader name")
        check(b"Mon, 01 Dec 2026 00:00:00 GMT" in report, "the JSON report lacks the site's Date header")
        j = json.loads(report)
        status = next((r for r in j["results"] if r["id"] == "installer.status"), None)
        check(status is not None and status["evidence"].get("source") == "vendor installer",
              "installer.status does not name the vendor installer as the source")

        # A report file whose text was tampered with: `report show` prints it inert.
        j["results"][0]["summary"]["en"] = "\x1b]0;owned\x07boom\x1b[2J\u202eok"
        tampered = os.path.join(work, "tampered.json")
        with open(tampered, "w") as f:
            json.dump(j, f)
        p = run([a.certwiz, "report", "show", tampered, "--lang", "en"], env, "report show")
        check(b"boomok" in p.stdout, "report show did not print the tampered summary")
        inert("the terminal output of report show", p.stdout + p.stderr)

        # An older component than the site requires: the vendor's update, not CertWiz's installer.
        Component.version = "1.3.4.2"
        p = run([a.certwiz, "install-hicos", "--check", "--lang", "en"], env, "install-hicos --check (old component)")
        check(b"INSTALL-VENDOR-OUTDATED" in p.stdout, "an old vendor install gives no INSTALL-VENDOR-OUTDATED")
        check(b"install-hicos" not in p.stdout, "the old vendor install's remedy runs certwiz install-hicos")
        check(p.returncode == 1, f"install-hicos --check exit {p.returncode}, not 1 (warning)")
        inert("the terminal output of install-hicos --check", p.stdout + p.stderr)
        component.shutdown()
        site.shutdown()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("PASS" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
