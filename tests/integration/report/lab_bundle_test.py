#!/usr/bin/env python3
"""lab_bundle_test.py --certwiz BIN --schema SCHEMA --work DIR  (run inside the lab)

`certwiz diagnose --bundle` on the lab's cards writes a bundle whose report.json
validates and that holds none of the lab's personal values (names, national IDs,
subject serials, e-mails, token and certificate serials, the company's name and
UBN, the holder certificates' key identifiers and fingerprints), while the same run
with --no-redact shows that those values were really there to be redacted."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import zipfile

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "unit", "report"))
import jsonschema  # noqa: E402
from validate_schema import problems  # noqa: E402

FAILURES = []
CHECKS = [0]


def expect(ok, what):
    CHECKS[0] += 1
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILURES.append(what)


def personal_values():
    """Values from the lab's identities and cards that must never leave in a report."""
    values = set()
    with open(os.environ["CERTWIZ_LAB_IDENTITIES"], encoding="utf-8") as f:
        identities = json.load(f)
    for card in identities["cards"].values():
        for key in ("name", "national_id", "subject_serial", "email", "company_name", "ubn"):
            if card.get(key):
                values.add(card[key])
        for person in ("responsible_person", "contact"):
            p = card.get(person) or {}
            for key in ("name", "national_id", "email"):
                if p.get(key):
                    values.add(p[key])
    with open(os.environ["CERTWIZ_LAB_CARDS"], encoding="utf-8") as f:
        cards = json.load(f)
    for card in cards["cards"].values():
        for key in ("serial", "sign_serial", "keyx_serial"):
            v = card.get(key)
            if v:
                values.add(str(v))
                values.add(str(v).replace(":", ""))
    return sorted(v for v in values if len(v) >= 3), cards


def certificate_identifiers(cards):
    """The holder certificates' subject key identifiers and SHA-256 fingerprints, as the
    openssl CLI computes them (independent of CertWiz), in the spellings tools print:
    stable identifiers that would undo the report's salted serial tokens."""
    values = set()
    for card in cards["cards"].values():
        for key in ("sign_cert", "keyx_cert"):
            pem = card.get(key)
            if not pem or not os.path.exists(pem):
                continue
            fp = subprocess.run(["openssl", "x509", "-in", pem, "-noout", "-fingerprint", "-sha256"],
                                capture_output=True, text=True, check=True).stdout
            ski = subprocess.run(["openssl", "x509", "-in", pem, "-noout", "-ext", "subjectKeyIdentifier"],
                                 capture_output=True, text=True, check=True).stdout
            for v in (fp.strip().split("=", 1)[-1], ski.strip().splitlines()[-1].strip() if ski.strip() else ""):
                if len(v) >= 20:
                    values.update({v.upper(), v.replace(":", "").lower()})
    return sorted(values)


def found_in(blob, values):
    low = blob.lower()
    return [v for v in values if v.lower() in low]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--certwiz", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    with open(args.schema, encoding="utf-8") as f:
        validator = jsonschema.Draft202012Validator(json.load(f))
    values, cards = personal_values()
    identifiers = certificate_identifiers(cards)
    values = sorted(set(values) | set(identifiers))
    pin = (cards.get("pin") or "") + "\n"
    print(f"     {len(values)} personal values from the lab to look for ({len(identifiers)} key ids and fingerprints)")

    def diagnose(*extra):
        p = subprocess.run([args.certwiz, "diagnose", "--pin-stdin", "--lang", "en", *extra], input=pin.encode(),
                           capture_output=True, timeout=240, cwd=args.work)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

    bundle = os.path.join(args.work, "out.zip")
    rc, out, err = diagnose("--bundle", bundle, "--json", "out.json")
    expect(rc in (0, 1, 2), f"diagnose --bundle exits 0/1/2 (got {rc}) {err[-300:] if rc not in (0, 1, 2) else ''}")
    expect(os.path.exists(bundle), "bundle written")
    if not os.path.exists(bundle):
        return 1
    with zipfile.ZipFile(bundle) as z:
        names = sorted(z.namelist())
        expect(names == ["certwiz.log", "report.html", "report.json"], f"bundle holds {names}")
        entries = {n: z.read(n) for n in names}
    report = json.loads(entries["report.json"])
    errs = problems(validator, report)
    expect(not errs, f"report.json validates against the schema {errs[:3]}")
    expect(report["redacted"] is True, "redacted by default")
    expect(len(report["results"]) > 0, f"the lab run has results ({len(report['results'])})")
    expect(rc == {"pass": 0, "skipped": 0, "warn": 1, "unknown": 1, "fail": 2}[report["overall"]],
           f"exit {rc} matches overall {report['overall']}")
    expect(report["environment"].get("pin_supplied") is True, "the PIN was supplied (and is recorded as a yes only)")
    expect(len(entries["certwiz.log"]) > 0, "the log is in the bundle")
    for name, data in entries.items():
        text = data.decode("utf-8", "replace")
        leaked = found_in(text, values)
        expect(not leaked, f"{name}: no personal value of the lab {leaked}")
        expect(cards.get("pin", "135790") not in text, f"{name}: no PIN")
    for r in report["results"]:
        print(f"     {r['status']:8} {r['id']:28} {r['code'] or ''}")

    # The same run unredacted: the personal values are really there, so the check
    # above is not vacuous; and the same checks ran.
    rc2, _, err2 = diagnose("--json", "raw.json", "--no-redact")
    with open(os.path.join(args.work, "raw.json"), encoding="utf-8") as f:
        raw_text = f.read()
    raw = json.loads(raw_text)
    expect(not problems(validator, raw), "unredacted report validates")
    expect(raw["redacted"] is False, "--no-redact recorded")
    expect([r["id"] for r in raw["results"]] == [r["id"] for r in report["results"]], "same checks in both runs")
    present = found_in(raw_text, values)
    print(f"     personal values present without redaction: {present}")
    expect(len(present) > 0, "the unredacted report carries lab personal data (so redaction had work to do)")
    expect(any(v in raw_text or v.lower() in raw_text.lower() for v in identifiers),
           "the unredacted report carries a holder certificate's key id or fingerprint (so that kind was tested)")

    rc3, out3, err3 = subprocess.run([args.certwiz, "report", "show", bundle, "--lang", "en"], capture_output=True,
                                     timeout=60).returncode, "", ""
    expect(rc3 == rc, f"report show of the bundle exits as the run did ({rc3} == {rc})")

    print(f"{CHECKS[0] - len(FAILURES)} passed, {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
