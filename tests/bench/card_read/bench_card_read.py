#!/usr/bin/env python3
"""bench_card_read: how long `certwiz card read` takes to read every certificate of a card
straight over PC/SC (SELECT / READ BINARY through pcscd, vpcd and the lab's virtual HiCOS
card), against `pkcs11-tool -O` (list every object, certificates included) through the
lab's PKCS#11 module on the same card; both as whole processes, median of N runs, and
the ratio (target <= 1.0). Also prints the APDU count of one read per card.

Run inside the lab:  tests/lab/lab run -- build/bin/bench_card_read [--runs N] [--card NAME]
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
        sys.exit(f"bench_card_read: {name} is not set; run it inside the lab (tests/lab/lab run -- {sys.argv[0]})")
    return v


def timed(cmd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"bench_card_read: failed ({p.returncode}): {' '.join(cmd[:5])} ...\n"
                 f"{p.stdout.decode(errors='replace')[-1500:]}{p.stderr.decode(errors='replace')[-1500:]}")
    return dt, p


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--card", default="citizen")
    a = ap.parse_args()
    module = need("CERTWIZ_PKCS11_MODULE")
    with open(need("CERTWIZ_LAB_CARDS")) as f:
        cards = json.load(f)
    card = cards["cards"][a.card]
    reader = card["reader"]
    certwiz = os.path.join(os.environ.get("CERTWIZ_BUILD_DIR", os.path.dirname(BIN)), "bin", "certwiz")
    apdu = [certwiz, "card", "read", "--lang", "en", "--slot", reader]
    tool = ["pkcs11-tool", "--module", module, "--slot-description", reader, "-O"]
    with tempfile.TemporaryDirectory(prefix="bench-card-read-") as work:
        out = os.path.join(work, "read.json")
        timed(apdu + ["--no-redact", "--json", out])  # warm-up, and the figures of one read
        with open(out) as f:
            read = json.load(f)["cards"][0]
        p = timed(tool)[1]
        tool_certs = p.stdout.decode(errors="replace").count("Certificate Object")
        ours, theirs = [], []
        for _ in range(a.runs):
            ours.append(timed(apdu)[0])
            theirs.append(timed(tool)[0])
    med = statistics.median
    certs = [c for c in read["certificates"] if "der_base64" in c]
    size = sum(len(c["der_base64"]) * 3 // 4 for c in certs)
    print(f"card: {a.card} ({reader}, {read.get('generation')}), runs: {a.runs}, module: {module}")
    print(f"certwiz card read (APDU, {len(certs)} certificates, ~{size} bytes, {read['apdu_count']} APDUs, "
          f"in-process read {read['ms']:.1f} ms)  median {med(ours)*1000:8.1f} ms  (min {min(ours)*1000:.1f})")
    print(f"pkcs11-tool -O through the lab module ({tool_certs} certificate objects)        "
          f"median {med(theirs)*1000:8.1f} ms  (min {min(theirs)*1000:.1f})")
    print(f"ratio certwiz card read / pkcs11-tool -O: {med(ours)/med(theirs):.2f}")


if __name__ == "__main__":
    main()
