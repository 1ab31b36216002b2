#!/usr/bin/python3
"""certwiz-localsign-lab: the lab's stand-in for HiCOS's local signing component
(跨平台網頁元件, HiPKI Local Sign Server on 127.0.0.1:61161).

It shares no code with CertWiz on purpose: it is Python over Debian's PyKCS11 (the
card), asn1crypto (the CMS) and cryptography (certificate names), so a bug in
CertWiz's own PKCS#11 or CMS code cannot hide behind the same bug here. It behaves
like the real component as shared/facts-taiwan-pki.md describes it, harshly where the
real one is harsh: it calls C_Login with whatever PIN it is given, without looking at
the card's retry counter first (a wrong PIN spends a try; at the final try it locks the
card), sends no CORS headers, and refuses sites missing from its whiteList.txt.

What the facts leave unknown is chosen here and configurable (tests/lab/README.md,
"The local signing component stand-in"): which site asks (Origin, then Referer,
--site-from), which value last_error takes after a wrong PIN (--last-error), and that
only /sign is guarded by the whitelist.

For the tests it also records every request (method, path, time; never a PIN, a tbs or
any query value) as JSON lines (--request-log), and misbehaves on demand (--fault and
the control file --fault-file): slow answers, HTTP 500, malformed JSON, bodies of tens
of megabytes, connections reset mid-answer, wrong Content-Length.
"""
import argparse
import base64
import datetime
import hashlib
import json
import os
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import PyKCS11
from asn1crypto import algos, cms, core, x509 as asn1_x509
from cryptography import x509
from cryptography.x509.oid import NameOID

# ---- the component's answer codes (facts: "Error codes") -------------------------------
OK = 0
NO_CARD = 0x76000006
PROGRAM_ERROR = 0x7600000D
SITE_NOT_TRUSTED = 0x7600000F
NO_PIN = 0x76000998
NO_PKCS11 = 0x76100001
NO_READER = 0x76100003
LOGIN_FAILED = 0x76100006
CERT_NOT_FOUND = 0x7610000C
SIGN_ERROR = 0x76300001
NOT_YET_VALID = 0x76500001
EXPIRED = 0x76500002
# last_error after a failed C_Login: PKCS#11 return values and the vendor's tries-left values.
LAST_WRONG_PIN = 0xA0           # CKR_PIN_INCORRECT
LAST_PIN_LENGTH = 0xA2          # CKR_PIN_LEN_RANGE
LAST_LOCKED = 0xA4              # CKR_PIN_LOCKED
LAST_TWO_LEFT = -2147483646
LAST_ONE_LEFT = -2147483647

SIGN_KEY_ID = bytes.fromhex("5349474e")  # "SIGN"
NONCE_OID = "1.2.840.113549.1.9.25.3"
CARD_SN_OID = "2.16.886.1.100.2.204"
HASHES = {"SHA1": ("sha1", PyKCS11.CKM_SHA1_RSA_PKCS), "SHA256": ("sha256", PyKCS11.CKM_SHA256_RSA_PKCS),
          "SHA384": ("sha384", PyKCS11.CKM_SHA384_RSA_PKCS), "SHA512": ("sha512", PyKCS11.CKM_SHA512_RSA_PKCS)}
MAX_REQUEST_BODY = 1 << 20

POPUP_FORM = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>HiPKI Local Sign Server</title></head>
<body><p id="state">HiPKI Local Sign Server (CertWiz lab stand-in)</p>
<script>
// The browser bridge: the component sends no CORS headers, so a site's page opens this
// popup (same origin as the component), which asks its opener for one request, runs it
// here and posts the raw answer back.
(function () {
  var done = false;
  function answer(origin, text) {
    if (window.opener) window.opener.postMessage(text, origin);
    done = true;
    window.close();
  }
  function call(method, path, body, origin) {
    var x = new XMLHttpRequest();
    x.open(method, path, true);
    if (body !== null) x.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
    x.onload = function () { answer(origin, x.responseText); };
    x.onerror = function () { answer(origin, JSON.stringify({ret_code: 0x7600000D, last_error: 0})); };
    x.send(body);
  }
  window.addEventListener("message", function (ev) {
    if (done || ev.source !== window.opener) return;
    var req;
    try { req = typeof ev.data === "string" ? JSON.parse(ev.data) : ev.data; } catch (e) { return; }
    if (!req || typeof req !== "object" || !req.func) return;
    // The page that asked, as the browser reports it: the component trusts by site.
    var opener = "opener=" + encodeURIComponent(ev.origin);
    if (req.func === "MakeSignature") {
      call("POST", "/sign?" + opener, "tbsPackage=" + encodeURIComponent(JSON.stringify(req)), ev.origin);
    } else if (req.func === "GetUserCert") {
      call("GET", "/pkcs11info?withcert=true&" + opener, null, ev.origin);
    } else if (req.func === "CheckEnvir") {
      call("GET", "/pkcs11info?" + opener, null, ev.origin);
    }
  });
  if (window.opener) window.opener.postMessage('{"func":"getTbs"}', "*");
})();
</script></body></html>
"""

SELF_TEST = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>HiPKI Local Sign Server self test</title></head>
<body><h1>HiPKI Local Sign Server self test (CertWiz lab stand-in)</h1>
<p><button id="envir">CheckEnvir</button> <button id="certs">GetUserCert</button></p>
<p><label>PIN <input id="pin" type="password"></label> <button id="sign">MakeSignature</button></p>
<pre id="out"></pre>
<script>
function show(x) { document.getElementById("out").textContent = x.responseText; }
function get(path) { var x = new XMLHttpRequest(); x.open("GET", path); x.onload = function () { show(x); }; x.send(); }
document.getElementById("envir").onclick = function () { get("/pkcs11info"); };
document.getElementById("certs").onclick = function () { get("/pkcs11info?withcert=true"); };
document.getElementById("sign").onclick = function () {
  var pkg = {tbs: "self test", tbsEncoding: "NONE", hashAlgorithm: "SHA256", withCardSN: "true",
             pin: document.getElementById("pin").value, nonce: "", func: "MakeSignature",
             signatureType: "PKCS7", slotDescription: ""};
  var x = new XMLHttpRequest(); x.open("POST", "/sign");
  x.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
  x.onload = function () { show(x); };
  x.send("tbsPackage=" + encodeURIComponent(JSON.stringify(pkg)));
};
</script></body></html>
"""


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def host_of(url):
    """The host of an Origin or Referer value ("https://a.b:8443/x" -> "a.b")."""
    try:
        return (urllib.parse.urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


# ---- faults ---------------------------------------------------------------------------

class Fault:
    """MODE[:ARG][@PATH]: slow[:SECONDS], http500, malformed, huge[:MB], reset,
    badlength[:long|short]; PATH limits it to requests whose path starts with it."""
    MODES = ("slow", "http500", "malformed", "huge", "reset", "badlength")

    def __init__(self, text):
        spec, _, self.path = text.strip().partition("@")
        self.mode, _, self.arg = spec.partition(":")
        if self.mode not in self.MODES:
            raise ValueError(f"unknown fault mode {self.mode!r} (one of {', '.join(self.MODES)})")
        if self.mode in ("slow", "huge") and self.arg:
            float(self.arg)
        if self.mode == "badlength" and self.arg not in ("", "long", "short"):
            raise ValueError("badlength takes long or short")

    def applies(self, path):
        return not self.path or path.startswith(self.path)

    def __str__(self):
        return self.mode + (":" + self.arg if self.arg else "") + ("@" + self.path if self.path else "")


def parse_faults(text):
    return [Fault(t) for t in text.replace("\n", ",").split(",") if t.strip() and not t.strip().startswith("#")]


# ---- the card, through the PKCS#11 module ---------------------------------------------

class CardError(Exception):
    def __init__(self, ret_code, last_error=0):
        super().__init__(hex(ret_code))
        self.ret_code = ret_code
        self.last_error = last_error


def pretty_dn(name):
    return name.rfc4514_string({NameOID.SERIAL_NUMBER: "serialNumber", NameOID.EMAIL_ADDRESS: "emailAddress"})


class Card:
    """The PKCS#11 side. One module, loaded once and kept (as the component keeps it);
    calls are serialised, as a card takes one command at a time."""

    def __init__(self, module, last_error_style):
        self.module = module
        self.last_error_style = last_error_style
        self.lib = None
        self.lock = threading.Lock()

    def _loaded(self):
        if self.lib is None:
            if not self.module:
                raise CardError(NO_PKCS11)
            lib = PyKCS11.PyKCS11Lib()
            try:
                lib.load(self.module)
            except PyKCS11.PyKCS11Error:
                raise CardError(NO_PKCS11)
            self.lib = lib
        return self.lib

    def _slots(self):
        """[(slot, description, token_info or None)] in the module's order."""
        lib = self._loaded()
        out = []
        for slot in lib.getSlotList(tokenPresent=False):
            info = lib.getSlotInfo(slot)
            token = None
            if info.flags & PyKCS11.CKF_TOKEN_PRESENT:
                try:
                    token = lib.getTokenInfo(slot)
                except PyKCS11.PyKCS11Error:
                    token = None  # pulled between the two calls
            out.append((slot, info.slotDescription.strip(), token))
        return out

    def _certificates(self, slot):
        session = self.lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION)
        try:
            objs = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE)])
            out = []
            for o in objs:
                value, label, cka_id = session.getAttributeValue(o, [PyKCS11.CKA_VALUE, PyKCS11.CKA_LABEL,
                                                                     PyKCS11.CKA_ID])
                out.append((bytes(value), (label or "").strip() if isinstance(label, str) else bytes(label).decode(
                    "utf-8", "replace"), bytes(cka_id or b"")))
            return out
        finally:
            session.closeSession()

    def info(self, with_cert):
        with self.lock:
            lib = self._loaded()
            i = lib.getInfo()
            out = {"ret_code": OK, "libraryDescription": i.libraryDescription.strip(),
                   "libraryVersion": "%d.%d" % tuple(i.libraryVersion), "slots": []}
            for slot, description, token in self._slots():
                entry = {"slotDescription": description}
                if token is not None:
                    certs = []
                    for der, label, _ in self._certificates(slot):
                        c = {"label": label}
                        try:
                            cert = x509.load_der_x509_certificate(der)
                            c["subjectDN"] = pretty_dn(cert.subject)
                            c["issuerDN"] = pretty_dn(cert.issuer)
                            c["sn"] = "%X" % cert.serial_number
                            c["usage"] = usage_of(cert)
                        except ValueError:
                            c["usage"] = ""
                        if with_cert:
                            c["certb64"] = base64.b64encode(der).decode()
                        certs.append(c)
                    entry["token"] = {"serialNumber": token.serialNumber.strip(), "certs": certs}
                out["slots"].append(entry)
            return out

    def _tries_value(self, slot):
        """last_error after a wrong PIN, from the token's flags (the vendor module's style)."""
        try:
            flags = self.lib.getTokenInfo(slot).flags
        except PyKCS11.PyKCS11Error:
            return LAST_WRONG_PIN
        if flags & PyKCS11.CKF_USER_PIN_LOCKED:
            return LAST_LOCKED
        if flags & PyKCS11.CKF_USER_PIN_FINAL_TRY:
            return LAST_ONE_LEFT
        if flags & PyKCS11.CKF_USER_PIN_COUNT_LOW:
            return LAST_TWO_LEFT
        return LAST_WRONG_PIN

    def sign(self, pkg):
        with self.lock:
            self._loaded()
            slots = self._slots()
            if not slots:
                raise CardError(NO_READER)
            wanted = str(pkg.get("slotDescription") or "").strip()
            chosen = None
            for slot, description, token in slots:
                if token is not None and (not wanted or description == wanted):
                    chosen = (slot, token)
                    break
            if chosen is None:
                raise CardError(NO_CARD)
            slot, token = chosen
            pin = pkg.get("pin")
            if not isinstance(pin, str) or not pin:
                raise CardError(NO_PIN)
            session = self.lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION)
            try:
                try:
                    # No look at the retry counter first: the real component does not.
                    session.login(pin)
                except PyKCS11.PyKCS11Error as e:
                    rv = e.value
                    if rv == PyKCS11.CKR_PIN_LOCKED:
                        raise CardError(LOGIN_FAILED, LAST_LOCKED)
                    if rv == PyKCS11.CKR_PIN_LEN_RANGE:
                        raise CardError(LOGIN_FAILED, LAST_PIN_LENGTH)
                    if rv == PyKCS11.CKR_PIN_INCORRECT:
                        raise CardError(LOGIN_FAILED, self._tries_value(slot) if self.last_error_style == "tries"
                                        else LAST_WRONG_PIN)
                    raise CardError(LOGIN_FAILED, rv)
                try:
                    return self._signed(session, token, pkg)
                finally:
                    try:
                        session.logout()
                    except PyKCS11.PyKCS11Error:
                        pass
            finally:
                try:
                    session.closeSession()
                except PyKCS11.PyKCS11Error:
                    pass

    def _signed(self, session, token, pkg):
        certs = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE), (PyKCS11.CKA_ID, SIGN_KEY_ID)])
        keys = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_ID, SIGN_KEY_ID)])
        if not certs or not keys:
            raise CardError(CERT_NOT_FOUND)
        der = bytes(session.getAttributeValue(certs[0], [PyKCS11.CKA_VALUE])[0])
        cert = x509.load_der_x509_certificate(der)
        now = now_utc()
        if cert.not_valid_before.replace(tzinfo=datetime.timezone.utc) > now:
            raise CardError(NOT_YET_VALID)
        if cert.not_valid_after.replace(tzinfo=datetime.timezone.utc) < now:
            raise CardError(EXPIRED)
        hash_name = str(pkg.get("hashAlgorithm") or "SHA256").upper()
        if hash_name not in HASHES:
            raise CardError(SIGN_ERROR)
        digest_name, mechanism = HASHES[hash_name]
        tbs = str(pkg.get("tbs") or "")
        encoding = str(pkg.get("tbsEncoding") or "NONE").upper()
        try:
            content = base64.b64decode(tbs, validate=True) if encoding == "BASE64" else tbs.encode("utf-8")
        except ValueError:
            raise CardError(PROGRAM_ERROR)
        serial = token.serialNumber.strip()
        kind = str(pkg.get("signatureType") or "PKCS7").upper()
        try:
            if kind == "PKCS1":
                signature = bytes(session.sign(keys[0], content, PyKCS11.Mechanism(mechanism)))
            elif kind == "PKCS7":
                signature = make_cms(session, keys[0], mechanism, digest_name, der, content,
                                     str(pkg.get("nonce") or ""),
                                     serial if str(pkg.get("withCardSN")).lower() == "true" else None)
            else:
                raise CardError(PROGRAM_ERROR)
        except PyKCS11.PyKCS11Error:
            raise CardError(SIGN_ERROR)
        return {"ret_code": OK, "last_error": 0, "signature": base64.b64encode(signature).decode(),
                "certb64": base64.b64encode(der).decode(), "cardSN": serial}


def usage_of(cert):
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return ""
    if ku.digital_signature:
        return "digitalSignature"
    if ku.key_encipherment:
        return "keyEncipherment"
    return ""


def make_cms(session, key, mechanism, digest_name, cert_der, content, nonce, card_sn):
    """CMS SignedData as the facts describe the component's: eContent = the tbs, signed
    attributes contentType / signingTime / messageDigest / nonce (/ card serial), signer
    by issuerAndSerialNumber, the leaf certificate attached."""
    leaf = asn1_x509.Certificate.load(cert_der)
    attrs = [
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": now_utc()})]}),
        cms.CMSAttribute({"type": "message_digest", "values": [hashlib.new(digest_name, content).digest()]}),
        cms.CMSAttribute({"type": NONCE_OID, "values": [core.OctetString(nonce.encode("utf-8"))]}),
    ]
    if card_sn is not None:
        printable = all(c.isalnum() and c.isascii() or c in " '()+,-./:=?" for c in card_sn)
        value = core.PrintableString(card_sn) if printable else core.UTF8String(card_sn)
        attrs.append(cms.CMSAttribute({"type": CARD_SN_OID, "values": [value]}))
    signed_attrs = cms.CMSAttributes(attrs)
    # The signature covers the attributes' DER as a SET (tag 0x31), not the [0] form.
    signature = bytes(session.sign(key, signed_attrs.dump(), PyKCS11.Mechanism(mechanism)))
    digest_algorithm = algos.DigestAlgorithm({"algorithm": digest_name})
    signer = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber(
            {"issuer": leaf.issuer, "serial_number": leaf.serial_number})}),
        "digest_algorithm": digest_algorithm,
        "signed_attrs": signed_attrs,
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"}),
        "signature": signature,
    })
    signed_data = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [digest_algorithm],
        "encap_content_info": {"content_type": "data", "content": content},
        "certificates": [leaf],
        "signer_infos": [signer],
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


# ---- the HTTP side --------------------------------------------------------------------

class Whitelist:
    """whiteList.txt: one host a line. Reread when it changes (tests edit it)."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.mtime = None
        self.hosts = set()

    def _reload(self):
        try:
            st = os.stat(self.path)
        except OSError:
            self.hosts, self.mtime = set(), None
            return
        if (st.st_mtime_ns, st.st_size) == self.mtime:
            return
        with open(self.path, encoding="utf-8", errors="replace") as f:
            self.hosts = {line.strip().lower() for line in f if line.strip()}
        self.mtime = (st.st_mtime_ns, st.st_size)

    def trusts(self, host):
        with self.lock:
            self._reload()
            return bool(host) and host in self.hosts

    def add(self, host):
        with self.lock:
            self._reload()
            if host in self.hosts:
                return
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(host + "\n")
            self.mtime = None


class RequestLog:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def write(self, entry):
        if not self.path:
            return
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self.lock, open(self.path, "a", encoding="utf-8") as f:
            f.write(line)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # the real component is a Node server: keep-alive
    server_version = "HiPKILocalSignServer"

    def version_string(self):
        return self.server_version

    # --- plumbing
    def log_message(self, fmt, *args):  # the request log is ours; stderr stays quiet
        pass

    def _faults(self, path):
        cfg = self.server.cfg
        faults = list(cfg.faults)
        if cfg.fault_file:
            try:
                with open(cfg.fault_file, encoding="utf-8") as f:
                    faults += parse_faults(f.read())
            except FileNotFoundError:
                pass
            except ValueError as e:
                sys.stderr.write(f"certwiz-localsign-lab: ignoring {cfg.fault_file}: {e}\n")
        return [f for f in faults if f.applies(path)]

    def _send(self, status, body, content_type, fault=None):
        if fault is not None and fault.mode == "huge":
            return self._send_huge(float(fault.arg or 40))
        if isinstance(body, str):
            body = body.encode("utf-8")
        if fault is not None and fault.mode == "http500":
            status, body, content_type = 500, b"Internal Server Error", "text/plain"
        if fault is not None and fault.mode == "malformed":
            body = body[: max(1, len(body) // 2)] if body.startswith(b"{") else b'{"ret_code":0,"slots":[{"slotDes'
        length = len(body)
        if fault is not None and fault.mode == "badlength":
            length = len(body) + 4096 if fault.arg in ("", "long") else max(1, len(body) // 3)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        if fault is not None and fault.mode == "badlength":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if fault is not None and fault.mode == "reset":
            self.wfile.write(body[: max(1, len(body) // 2)])
            self.wfile.flush()
            # RST instead of FIN: the client sees the connection reset mid-answer.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()  # the socket really closes (RST) only when no file holds it
            self.connection.close()
            self.close_connection = True
            return
        self.wfile.write(body)
        self.wfile.flush()

    def _send_huge(self, megabytes):
        size = int(megabytes * 1024 * 1024)
        head = b'{"ret_code":0,"padding":"'
        tail = b'"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(head) + size + len(tail)))
        self.end_headers()
        chunk = b"A" * 65536
        self.wfile.write(head)
        left = size
        while left > 0:
            n = min(left, len(chunk))
            self.wfile.write(chunk[:n])
            left -= n
        self.wfile.write(tail)
        self.wfile.flush()

    def _json(self, obj, fault):
        self._send(200, json.dumps(obj, ensure_ascii=False), "application/json", fault)

    def _read_body(self):
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        n = int(length)
        if n < 0 or n > MAX_REQUEST_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(n)

    def _site(self, query):
        """The host of the page that asks (see the module's docstring)."""
        for source in self.server.cfg.site_from:
            if source == "origin":
                origin = self.headers.get("Origin", "")
                own = origin and host_of(origin) in ("127.0.0.1", "localhost") and \
                    urllib.parse.urlsplit(origin).port == self.server.server_address[1]
                if own:  # the popup bridge: the page that opened it, as the browser reported it
                    return host_of(query.get("opener", [""])[0])
                if origin and origin != "null":
                    return host_of(origin)
            elif source == "referer":
                referer = self.headers.get("Referer", "")
                if referer:
                    return host_of(referer)
        return ""

    def _handle(self, method):
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
        faults = self._faults(path)
        # Logged when it arrives, so a client that gave up is still counted. No values:
        # a query or a body may carry a PIN.
        self.server.request_log.write({
            "time": now_utc().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "method": method, "path": path, "query_keys": sorted(query),
            "origin": self.headers.get("Origin", ""), "faults": [str(f) for f in faults]})
        fault = None
        for f in faults:
            if f.mode == "slow":
                time.sleep(float(f.arg or 30))
            else:
                fault = f
        try:
            body = self._read_body() if method == "POST" else b""
        except ValueError:
            self._send(413, "too large", "text/plain", None)
            self.close_connection = True
            return
        try:
            self._route(method, path, query, body, fault)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _route(self, method, path, query, body, fault):
        cfg = self.server.cfg
        if path == "/" and method == "GET":
            return self._send(200, f"HiPKI Local Sign Server (CertWiz lab stand-in)\nversion:{cfg.version}\n",
                              "text/plain; charset=utf-8", fault)
        if path == "/pkcs11info" and method in ("GET", "POST"):
            with_cert = query.get("withcert", [""])[0] == "true"
            if method == "POST" and not with_cert:
                form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
                with_cert = form.get("withcert", [""])[0] == "true"
            try:
                answer = self.server.card.info(with_cert)
            except CardError as e:
                answer = {"ret_code": e.ret_code, "slots": []}
            except PyKCS11.PyKCS11Error:
                answer = {"ret_code": PROGRAM_ERROR, "slots": []}
            answer["serverVersion"] = cfg.version
            return self._json(answer, fault)
        if path == "/sign" and method == "POST":
            return self._json(self._sign(query, body), fault)
        if path == "/addDomain" and method in ("GET", "POST"):
            domain = query.get("domain", [""])[0].strip().lower()
            ok = domain and len(domain) < 256 and all(c.isalnum() or c in ".-_:[]" for c in domain)
            if ok:
                self.server.whitelist.add(domain)
            return self._json({"ret_code": OK if ok else PROGRAM_ERROR}, fault)
        if path == "/popupForm" and method == "GET":
            return self._send(200, POPUP_FORM, "text/html; charset=utf-8", fault)
        if path == "/selfTest.htm" and method == "GET":
            return self._send(200, SELF_TEST, "text/html; charset=utf-8", fault)
        return self._send(404, "Not Found", "text/plain", fault)

    def _sign(self, query, body):
        # Form decoding as a server does it: '+' is a space, so clients send %2B.
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        site = self._site(query)
        if not self.server.whitelist.trusts(site):
            return {"ret_code": self.server.cfg.untrusted_code, "last_error": 0}
        try:
            pkg = json.loads(form.get("tbsPackage", [""])[0])
        except ValueError:
            return {"ret_code": PROGRAM_ERROR, "last_error": 0}
        if not isinstance(pkg, dict):
            return {"ret_code": PROGRAM_ERROR, "last_error": 0}
        func = pkg.get("func", "MakeSignature")
        if func != "MakeSignature":
            return {"ret_code": PROGRAM_ERROR, "last_error": 0}
        try:
            return self.server.card.sign(pkg)
        except CardError as e:
            return {"ret_code": e.ret_code, "last_error": e.last_error}
        except PyKCS11.PyKCS11Error:
            return {"ret_code": PROGRAM_ERROR, "last_error": 0}
        finally:
            pkg.clear()

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, cfg):
        super().__init__((cfg.bind, cfg.port), Handler)
        self.cfg = cfg
        self.card = Card(cfg.module, cfg.last_error)
        self.whitelist = Whitelist(cfg.whitelist)
        self.request_log = RequestLog(cfg.request_log)


def preload_sanitizer_runtime(module, argv):
    """A PKCS#11 module built with AddressSanitizer (the lab's card wrapper in an ASan
    build) aborts when Python loads it: the ASan runtime must come first. Re-execute with
    the runtimes it needs preloaded, as ASan's own message says to. Python's own
    allocations are not ours to judge, so leak detection is off in this process."""
    if not module or os.environ.get("CERTWIZ_LOCALSIGN_PRELOADED") or not os.path.exists(module):
        return
    import subprocess
    try:
        out = subprocess.run(["ldd", module], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return
    runtimes = []
    for line in out.splitlines():
        m = re.match(r"\s*(lib(?:asan|ubsan)\.so[.\d]*)\s*=>\s*(\S+)", line)
        if m and os.path.exists(m.group(2)):
            runtimes.append(m.group(2))
    if not runtimes:
        return
    env = dict(os.environ)
    env["CERTWIZ_LOCALSIGN_PRELOADED"] = "1"
    env["LD_PRELOAD"] = ":".join(runtimes + [p for p in env.get("LD_PRELOAD", "").split(":") if p])
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    sys.stderr.write(f"certwiz-localsign-lab: {module} is sanitized; preloading {' '.join(runtimes)}\n")
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, os.path.abspath(argv[0])] + argv[1:], env)


def main(argv=None):
    lab = os.environ.get("CERTWIZ_LAB_DIR", "")
    ap = argparse.ArgumentParser(prog="certwiz-localsign-lab", description=__doc__.split("\n\n")[0])
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=61161, help="the real component uses 61161; 0 picks a free port")
    ap.add_argument("--version", default="1.3.4.3", help="version reported by GET /")
    ap.add_argument("--module", default=os.environ.get("CERTWIZ_PKCS11_MODULE", ""),
                    help="PKCS#11 module (default $CERTWIZ_PKCS11_MODULE)")
    ap.add_argument("--whitelist", default=os.path.join(lab, "localsign-whiteList.txt") if lab else "whiteList.txt",
                    help="trusted sites, one host a line (the component's whiteList.txt)")
    ap.add_argument("--request-log", default=os.path.join(lab, "logs", "localsign-requests.jsonl") if lab else "",
                    help="append one JSON line per request received")
    ap.add_argument("--fault", action="append", default=[], help="MODE[:ARG][@PATH], see Fault")
    ap.add_argument("--fault-file", default=os.path.join(lab, "localsign-fault") if lab else "",
                    help="faults read at every request (same syntax, one or more lines)")
    ap.add_argument("--site-from", default="origin,referer",
                    help="where the asking site is read from, in order (origin, referer)")
    ap.add_argument("--last-error", choices=("tries", "rv"), default="tries",
                    help="after a wrong PIN: tries = the vendor's tries-left values from the token flags; "
                         "rv = C_Login's return value (0xA0)")
    ap.add_argument("--untrusted-code", type=lambda s: int(s, 0), default=SITE_NOT_TRUSTED,
                    help="ret_code for a site not in the whitelist (0x7600000F; 0x76000031 is also documented)")
    ap.add_argument("--port-file", default="", help="write the port listened on to this file")
    cfg = ap.parse_args(argv)
    if argv is None:
        preload_sanitizer_runtime(cfg.module, sys.argv)
    try:
        cfg.faults = [f for text in cfg.fault for f in parse_faults(text)]
    except ValueError as e:
        ap.error(str(e))
    cfg.site_from = [s.strip() for s in cfg.site_from.split(",") if s.strip()]
    if any(s not in ("origin", "referer") for s in cfg.site_from):
        ap.error("--site-from takes origin and/or referer")
    if not os.path.exists(cfg.whitelist):
        # A fresh install trusts the lab's own site hosts, as HiCOS's installer seeds the
        # government sites.
        with open(cfg.whitelist, "w", encoding="utf-8") as f:
            f.write("localhost\n127.0.0.1\n")
    if cfg.request_log:
        os.makedirs(os.path.dirname(os.path.abspath(cfg.request_log)), exist_ok=True)
    try:
        server = Server(cfg)
    except OSError as e:
        sys.stderr.write(f"certwiz-localsign-lab: cannot listen on {cfg.bind}:{cfg.port}: {e}\n")
        return 1
    port = server.server_address[1]
    if cfg.port_file:
        with open(cfg.port_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        os.replace(cfg.port_file + ".tmp", cfg.port_file)
    sys.stderr.write(f"certwiz-localsign-lab: version {cfg.version} on {cfg.bind}:{port}, module {cfg.module}, "
                     f"faults {[str(f) for f in cfg.faults]}\n")
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
