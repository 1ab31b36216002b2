#!/usr/bin/env python3
"""bench_selftest: how long CertWiz's full card self-test takes, against the same card
operations done as separate pkcs11-tool runs (the way a helpdesk would check a card by
hand), and how much of CertWiz's time is its own rather than the PKCS#11 module's.

Run inside the lab:  tests/lab/lab run -- build/bin/bench_selftest [--runs N] [--card NAME]
The PIN goes to CertWiz on standard input; pkcs11-tool (the reference) takes it with --pin.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

BIN = os.path.dirname(os.path.realpath(__file__))


def need(name):
    v = os.environ.get(name)
    if not v:
        sys.exit(f"bench_selftest: {name} is not set; run it inside the lab (tests/lab/lab run -- {sys.argv[0]})")
    return v


def timed(cmd, **kw):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"bench_selftest: failed ({p.returncode}): {' '.join(cmd[:4])} ...\n{p.stderr.decode(errors='replace')[-2000:]}")
    return dt, p


def certwiz_run(certwiz, reader, pin, work):
    report = os.path.join(work, "selftest.json")
    dt, _ = timed([certwiz, "selftest", "--lang", "en", "--pin-stdin", "--slot", reader, "--json", report],
                  input=(pin + "\n").encode())
    with open(report) as f:
        rep = json.load(f)
    bad = [r["id"] for r in rep["results"] if r["status"] != "pass"]
    if bad:
        sys.exit(f"bench_selftest: self-test did not pass: {bad}")
    pkcs11_ms = sum(r["evidence"].get("pkcs11_ms", 0.0) for r in rep["results"])
    slot = next(t["slot_id"] for t in next(r for r in rep["results"] if r["id"] == "pkcs11.tokens")["evidence"]["tokens"]
                if t["reader"] == reader)
    return dt, pkcs11_ms, slot, rep


def pkcs11_tool_run(module, slot, pin, work):
    """The self-test's card operations as separate pkcs11-tool processes."""
    base = ["pkcs11-tool", "--module", module]
    s = ["--slot", str(slot)]
    login = s + ["--login", "--pin", pin]
    msg = os.path.join(work, "msg")
    with open(msg, "wb") as f:
        f.write(b"CertWiz bench message " + os.urandom(16).hex().encode())
    digest_info = os.path.join(work, "digestinfo")
    # SHA-256 DigestInfo for CKM_RSA_PKCS: the fixed prefix + the digest.
    import hashlib
    with open(digest_info, "wb") as f:
        f.write(bytes.fromhex("3031300d060960864801650304020105000420") + hashlib.sha256(open(msg, "rb").read()).digest())
    keyx_pem = os.path.join(work, "keyx.pem")
    subprocess.run(base + s + ["--read-object", "--type", "cert", "--id", "4b455958", "-o", keyx_pem + ".der"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["openssl", "x509", "-inform", "DER", "-in", keyx_pem + ".der", "-out", keyx_pem], check=True)
    plain = os.path.join(work, "plain")
    with open(plain, "wb") as f:
        f.write(os.urandom(32))
    enc_pkcs1, enc_oaep = os.path.join(work, "enc1"), os.path.join(work, "enc2")
    subprocess.run(["openssl", "pkeyutl", "-encrypt", "-certin", "-inkey", keyx_pem, "-in", plain, "-out", enc_pkcs1], check=True)
    subprocess.run(["openssl", "pkeyutl", "-encrypt", "-certin", "-inkey", keyx_pem, "-in", plain, "-out", enc_oaep,
                    "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha1"], check=True)
    out = os.path.join(work, "out")
    steps = [
        ("info", base + ["--show-info"]),
        ("slots", base + ["--list-slots"]),
        ("objects", base + s + ["--list-objects"]),
        ("mechanisms", base + s + ["--list-mechanisms"]),
        ("login+sign SHA256-RSA-PKCS", base + login + ["--sign", "--mechanism", "SHA256-RSA-PKCS", "--id", "5349474e", "-i", msg, "-o", out]),
        ("login+sign RSA-PKCS", base + login + ["--sign", "--mechanism", "RSA-PKCS", "--id", "5349474e", "-i", digest_info, "-o", out]),
        ("login+decrypt RSA-PKCS", base + login + ["--decrypt", "--mechanism", "RSA-PKCS", "--id", "4b455958", "-i", enc_pkcs1, "-o", out]),
        ("login+decrypt RSA-PKCS-OAEP", base + login + ["--decrypt", "--mechanism", "RSA-PKCS-OAEP", "--hash-algorithm", "SHA-1",
                                                        "--mgf", "MGF1-SHA1", "--id", "4b455958", "-i", enc_oaep, "-o", out]),
        ("login+sign (CMS)", base + login + ["--sign", "--mechanism", "SHA256-RSA-PKCS", "--id", "5349474e", "-i", msg, "-o", out]),
    ]
    times = {}
    for name, cmd in steps:
        dt, _ = timed(cmd)
        times[name] = dt
        if name.startswith("login+decrypt") and open(out, "rb").read() != open(plain, "rb").read():
            sys.exit(f"bench_selftest: pkcs11-tool {name} gave the wrong plaintext")
    return sum(times.values()), times


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--card", default="citizen")
    ap.add_argument("--certwiz", help="the certwiz binary to measure (default: the build's; e.g. an older build to compare)")
    a = ap.parse_args()
    module = need("CERTWIZ_PKCS11_MODULE")
    with open(need("CERTWIZ_LAB_CARDS")) as f:
        cards = json.load(f)
    reader, pin = cards["cards"][a.card]["reader"], cards["pin"]
    certwiz = a.certwiz or os.path.join(os.environ.get("CERTWIZ_BUILD_DIR", os.path.dirname(BIN)), "bin", "certwiz")
    with tempfile.TemporaryDirectory(prefix="bench-selftest-") as work:
        cw, cw_p11, tool = [], [], []
        step_times = {}
        slot = None
        certwiz_run(certwiz, reader, pin, work)  # warm-up (page cache, SoftHSM2 files)
        for _ in range(a.runs):
            dt, p11, slot, _ = certwiz_run(certwiz, reader, pin, work)
            cw.append(dt)
            cw_p11.append(p11 / 1000.0)
            total, steps = pkcs11_tool_run(module, slot, pin, work)
            tool.append(total)
            for k, v in steps.items():
                step_times.setdefault(k, []).append(v)
    med = statistics.median
    print(f"card: {a.card} ({reader}), runs: {a.runs}, module: {module}")
    print(f"certwiz selftest (6 checks, one process + module host)  median {med(cw)*1000:8.1f} ms  (min {min(cw)*1000:.1f})")
    print(f"  of which inside PKCS#11 calls (host-timed)           median {med(cw_p11)*1000:8.1f} ms")
    overhead = [c - p for c, p in zip(cw, cw_p11)]
    print(f"  CertWiz overhead beyond the PKCS#11 calls            median {med(overhead)*1000:8.1f} ms")
    print(f"pkcs11-tool, same operations, {len(step_times)} invocations         median {med(tool)*1000:8.1f} ms  (min {min(tool)*1000:.1f})")
    for k, v in step_times.items():
        print(f"    {k:32s} {med(v)*1000:8.1f} ms")
    print(f"ratio certwiz / pkcs11-tool: {med(cw)/med(tool):.2f}")


if __name__ == "__main__":
    main()
