"""A certwiz-site of a test's own on the lab's PKI (fresh database, free port), and an
HTTPS client for it that trusts only the lab's TLS CA and keeps its cookies."""
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess


class OwnSite:
    def __init__(self, binary, workdir, extra=()):
        pki = os.environ["CERTWIZ_LAB_PKI"]
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir)
        self.capture_dir = os.path.join(workdir, "capture")
        self.log_path = os.path.join(workdir, "site.log")
        argv = [binary, "serve", "--db", os.path.join(workdir, "site.db"),
                "--cert", os.path.join(pki, "tls", "server.pem"), "--key", os.path.join(pki, "tls", "server.key"),
                "--bind", "127.0.0.1", "--port", "0", "--anchors", os.path.join(pki, "root", "ca.pem"),
                "--intermediates", *[os.path.join(pki, ca, "ca.pem") for ca in ("moica-g2", "moica-g3", "moeaca")],
                "--site-host", "127.0.0.1", "--crl-cache", os.path.join(workdir, "crl-cache"),
                "--seed-identities", os.environ["CERTWIZ_LAB_IDENTITIES"],
                "--capture-cms", self.capture_dir, *extra]
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("listening on "):
            self.stop()
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                raise RuntimeError("certwiz-site did not start: " + line + f.read())
        self.port = int(line.strip().rsplit(":", 1)[1])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def client(self, source=None):
        return SiteHttps(self.port, source)


class SiteHttps:
    def __init__(self, port, source=None):
        ctx = ssl.create_default_context(cafile=os.environ["CERTWIZ_LAB_TLS_CA"])
        self.conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30,
                                                source_address=(source, 0) if source else None)
        self.cookies = {}

    def request(self, method, path, body=None, cookies=None):
        headers = {"Content-Type": "application/json"}
        jar = self.cookies if cookies is None else cookies
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        r = self.conn.getresponse()
        raw = r.read()
        set_cookie = r.getheader("Set-Cookie")
        if set_cookie and cookies is None:
            name, _, value = set_cookie.split(";", 1)[0].partition("=")
            self.cookies[name] = value
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        return r.status, data

    def code(self, status, data):
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            return data["error"].get("code")
        return "ok" if status == 200 else f"HTTP {status}"

    def challenge(self, **body):
        status, data = self.request("POST", "/api/certwiz/v1/challenge", {"purpose": "login", **body})
        if status != 200:
            raise RuntimeError(f"challenge: {status} {data}")
        return data
