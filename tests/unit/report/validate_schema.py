#!/usr/bin/env python3
"""validate_schema.py SCHEMA REPORT.json...: every report validates against
docs/report.schema.json and is consistent in what a schema cannot say (counts and
overall match the results, depends_on names existing checks). To show the check
can fail, broken variants of the first report must be rejected."""
import copy
import json
import sys

import jsonschema

RANK = {"pass": 0, "skipped": 1, "unknown": 2, "warn": 3, "fail": 4}


def problems(validator, report):
    found = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(report)]
    if found:
        return found
    results = report["results"]
    counts = {s: sum(1 for r in results if r["status"] == s) for s in RANK}
    if counts != report["counts"]:
        found.append(f"counts {report['counts']} do not match results {counts}")
    overall = max((r["status"] for r in results), key=RANK.get, default="pass")
    if overall != report["overall"]:
        found.append(f"overall {report['overall']} is not the worst status {overall}")
    ids = [r["id"] for r in results]
    if len(ids) != len(set(ids)):
        found.append("duplicate check ids")
    for r in results:
        for d in r.get("depends_on", []):
            if d not in ids:
                found.append(f"{r['id']} depends on unknown check {d}")
    return found


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 3
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failed = 0
    first = None
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
        first = first or report
        errs = problems(validator, report)
        print(f"{'ok ' if not errs else 'BAD'} {path} ({len(report.get('results', []))} results)")
        for e in errs:
            print(f"    {e}")
        failed += bool(errs)

    # The validator must reject reports that are wrong in ways a reader would trip on.
    def broken(change):
        r = copy.deepcopy(first)
        change(r)
        return r

    variants = {
        "newer schema": lambda r: r.update(schema_version=2),
        "status not in the list": lambda r: r["results"][0].update(status="ok") if r["results"] else r.update(overall="ok"),
        "missing redacted flag": lambda r: r.pop("redacted"),
        "counts off by one": lambda r: r["counts"].update(fail=r["counts"]["fail"] + 1),
        "failure without a code": lambda r: r["results"].append(dict(copy.deepcopy(r["results"][0]) if r["results"] else {}, id="x.y", status="fail", code=None)),
        "unknown top-level field": lambda r: r.update(pin="135790"),
        "bad created_at": lambda r: r.update(created_at="yesterday"),
    }
    for name, change in variants.items():
        if not problems(validator, broken(change)):
            print(f"BAD the schema accepts a report with: {name}")
            failed += 1
    print(f"{len(sys.argv) - 2} reports and {len(variants)} broken variants checked, {failed} problems")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
