#!/usr/bin/python3
"""Every CMS the lab's sites judged during the test run, judged again by the oracle
(issue 13): CertWiz's own signatures (bind and login through the card and through the
local signing component, from the CLI and the wizard) and the tests' crafted ones.
Fails on any disagreement with the site's recorded verdict, on any card-serial defect,
and when nothing was captured (the tests that produce signatures did not run).

    check_captured.py [--dir $CERTWIZ_LAB_DIR/cms-capture] [--min N]

Each record is judged once (then moved to judged/), so a run judges what the tests
before it produced.
"""
import argparse
import base64
import collections
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cms_oracle  # noqa: E402

# Verdicts that depend on what only the site was told (a revocation service it could not
# reach, a temporary failure): the oracle has no view of them, so they are counted, not compared.
SITE_ONLY = {"SITE-CERT-REVOCATION-UNKNOWN", "SITE-INTERNAL"}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", default=os.path.join(os.environ.get("CERTWIZ_LAB_DIR", ""), "cms-capture"))
    p.add_argument("--min", type=int, default=1, help="fewer captured CMS than this is a failure")
    a = p.parse_args()
    started = time.monotonic()
    files = sorted(f for f in os.listdir(a.dir) if f.endswith(".json")) if os.path.isdir(a.dir) else []
    # Each record is judged once: afterwards it moves to judged/, which holds the last run's
    # records only (for a look after a failure). A lab restarted during the suite keeps them.
    judged = os.path.join(a.dir, "judged")
    shutil.rmtree(judged, ignore_errors=True)
    os.makedirs(judged, exist_ok=True)
    trusts = {}
    counts = collections.Counter()
    failures = []
    for name in files:
        with open(os.path.join(a.dir, name), encoding="utf-8") as f:
            rec = json.load(f)
        key = (tuple(rec.get("anchors") or ()), tuple(rec.get("intermediates") or ()), tuple(rec.get("policies") or ()))
        if key not in trusts:
            # What the site used; the lab's defaults for a record that does not say (the self-test's).
            trusts[key] = cms_oracle.LabTrust.from_lab(rec.get("policies") or None, list(key[0]) or None,
                                                       list(key[1]) if key[0] else None)
        try:
            der = base64.b64decode(rec["cms_base64"], validate=True)
        except ValueError:
            der = b""
        verdict = cms_oracle.judge(der, rec["tbs"], rec["nonce"], trusts[key], rec.get("expect_card_serial"))
        os.replace(os.path.join(a.dir, name), os.path.join(judged, name))
        site = rec["site_verdict"]
        counts[(rec.get("endpoint", "?"), site)] += 1
        if site in SITE_ONLY:
            counts["not comparable"] += 1
            continue
        if verdict.code != site:
            failures.append(f"{name} ({rec.get('endpoint')}): site {site} ({rec.get('site_detail', '')}), "
                            f"oracle {verdict}")
        for finding in verdict.findings:
            failures.append(f"{name}: {finding}")
    for (k, n) in sorted(((str(k), n) for k, n in counts.items())):
        print(f"{n:6}  {k}")
    print(f"{len(files)} captured CMS judged by the oracle in {time.monotonic() - started:.1f} s; "
          f"{len(failures)} disagreement(s)")
    for f in failures:
        print("DISAGREEMENT:", f)
    if len(files) < a.min:
        print(f"FAIL: {len(files)} captured CMS in {a.dir}, at least {a.min} expected: the tests that sign "
              "through the site did not run before this one")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
