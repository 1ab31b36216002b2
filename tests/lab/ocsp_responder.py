#!/usr/bin/python3
"""An OCSP responder for the lab: HTTP in Python, the answers from `openssl ocsp`.

    ocsp_responder.py --port P --index index.txt --ca ca.pem --rsigner ocsp.pem --rkey ocsp.key

`openssl ocsp -port` (OpenSSL 3.0) wedges in a busy loop on the first client that
connects and closes without sending a request (openssl/openssl#23934, #31129): a
port probe is enough. Here each request is answered by a one-shot
`openssl ocsp -index ... -reqin req.der -respout resp.der`, so the index file is
read fresh every time (revocations show at once) and no connection can wedge it.
Accepts POST (body = DER OCSPRequest) and GET (/<base64 of the DER request>).
"""
import argparse
import base64
import http.server
import os
import subprocess
import sys
import tempfile
import urllib.parse

ARGS = None


def respond(der_request):
    with tempfile.TemporaryDirectory(prefix="lab-ocsp-") as tmp:
        req = os.path.join(tmp, "req.der")
        resp = os.path.join(tmp, "resp.der")
        with open(req, "wb") as f:
            f.write(der_request)
        r = subprocess.run(["openssl", "ocsp", "-index", ARGS.index, "-CA", ARGS.ca,
                            "-rsigner", ARGS.rsigner, "-rkey", ARGS.rkey,
                            "-ndays", str(ARGS.ndays), "-reqin", req, "-respout", resp],
                           capture_output=True, text=True, timeout=20)
        if r.returncode != 0 or not os.path.exists(resp):
            sys.stderr.write(f"openssl ocsp failed: {r.stderr.strip()}\n")
            return None
        with open(resp, "rb") as f:
            return f.read()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    timeout = 10  # a client that connects and says nothing is dropped

    def answer(self, der):
        body = respond(der) if der else None
        if body is None:
            self.send_error(400, "malformed OCSP request")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length") or 0)
        self.answer(self.rfile.read(length) if 0 < length < 1 << 20 else None)

    def do_GET(self):  # noqa: N802
        encoded = urllib.parse.unquote(self.path.lstrip("/"))
        try:
            der = base64.b64decode(encoded, validate=False) if encoded else None
        except ValueError:
            der = None
        self.answer(der)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--index", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--rsigner", required=True)
    p.add_argument("--rkey", required=True)
    p.add_argument("--ndays", type=int, default=1)
    ARGS = p.parse_args()
    server = http.server.ThreadingHTTPServer((ARGS.bind, ARGS.port), Handler)
    server.daemon_threads = True
    sys.stderr.write(f"OCSP responder for {ARGS.ca} on {ARGS.bind}:{ARGS.port}\n")
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
