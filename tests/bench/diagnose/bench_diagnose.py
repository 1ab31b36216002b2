#!/usr/bin/env python3
"""bench_diagnose: how long `certwiz diagnose` (no PIN) takes as a whole process, against
the three commands a helpdesk would type by hand on the same lab, run back to back:
`opensc-tool -l`, `pkcs11-tool --module M -L` and `pkcs11-tool --module M -O`.

Runs are interleaved (CertWiz, reference, CertWiz, reference, ...) so that the load of a
shared machine hits both alike; the figures are medians and the ratio is taken within
this one run (target <= 1.0). Also prints the median time of each check (the report's own
durations, with the time it started) and the peak memory of each side:
  - maxrss: what wait4() reports for the command (the largest process of its tree that
    was waited for, as /usr/bin/time -v shows it);
  - tree: the largest sum of VmRSS over the command and all its descendants at one time
    (sampled from /proc every 2 ms in separate runs, so sampling does not slow the timed ones).
Target: <= 25 MiB.

Run inside the lab:  tests/lab/lab run -- build/bin/bench_diagnose [--runs N]
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
        sys.exit(f"bench_diagnose: {name} is not set; run it inside the lab (tests/lab/lab run -- {sys.argv[0]})")
    return v


def run_waited(cmd, ok_codes=(0,)):
    """Runs cmd once (warm-up); returns (seconds, stdout)."""
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if p.returncode not in ok_codes:
        sys.exit(f"bench_diagnose: failed ({p.returncode}): {' '.join(cmd[:5])} ...\n"
                 f"{p.stdout.decode(errors='replace')[-1500:]}{p.stderr.decode(errors='replace')[-1500:]}")
    return dt, p.stdout


def wait4_run(cmd, ok_codes=(0,)):
    """Runs cmd with stdout/stderr to /dev/null; returns (seconds, maxrss KiB)."""
    t0 = time.perf_counter()
    pid = os.posix_spawnp(cmd[0], cmd, os.environ,
                          file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                                        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    _, status, ru = os.wait4(pid, 0)
    dt = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in ok_codes:
        sys.exit(f"bench_diagnose: failed ({code}): {' '.join(cmd[:5])}")
    return dt, ru.ru_maxrss


def tree_rss_kib(root):
    """Sum of VmRSS of root and its descendants now (KiB)."""
    children = {}
    total = 0
    rss = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/status") as f:
                ppid, kib = None, 0
                for line in f:
                    if line.startswith("PPid:"):
                        ppid = int(line.split()[1])
                    elif line.startswith("VmRSS:"):
                        kib = int(line.split()[1])
        except OSError:
            continue
        children.setdefault(ppid, []).append(int(d))
        rss[int(d)] = kib
    todo = [root]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def tree_peak_run(cmds, ok_codes=(0,)):
    """Runs each command of cmds in turn, sampling the tree; returns the largest tree sum (KiB)."""
    peak = 0
    for cmd in cmds:
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while p.poll() is None:
            peak = max(peak, tree_rss_kib(p.pid))
            time.sleep(0.002)
        if p.returncode not in ok_codes:
            sys.exit(f"bench_diagnose: failed ({p.returncode}): {' '.join(cmd[:5])}")
    return peak


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--memory-runs", type=int, default=3)
    ap.add_argument("--certwiz", help="the certwiz binary to measure (default: the build's; e.g. an older build to compare)")
    a = ap.parse_args()
    module = need("CERTWIZ_PKCS11_MODULE")
    need("CERTWIZ_LAB_CARDS")
    certwiz = a.certwiz or os.path.join(os.environ.get("CERTWIZ_BUILD_DIR", os.path.dirname(BIN)), "bin", "certwiz")
    # diagnose exits 0 (all passed), 1 (warnings) or 2 (a failure): the verdicts are the
    # tests' business, this measures time; a crash or a usage error still stops the bench.
    diag_codes = (0, 1, 2)
    reference = [["opensc-tool", "-l"],
                 ["pkcs11-tool", "--module", module, "-L"],
                 ["pkcs11-tool", "--module", module, "-O"]]
    with tempfile.TemporaryDirectory(prefix="bench-diagnose-") as work:
        report = os.path.join(work, "report.json")
        diagnose = [certwiz, "diagnose", "--lang", "en", "--json", report]
        run_waited(diagnose, diag_codes)  # warm-up (page cache, CRL cache)
        for cmd in reference:
            run_waited(cmd)
        ours, theirs, ours_rss, theirs_rss = [], [], [], []
        per_check, started = {}, {}
        for _ in range(a.runs):
            dt, rss = wait4_run(diagnose, diag_codes)
            ours.append(dt)
            ours_rss.append(rss)
            with open(report) as f:
                for r in json.load(f)["results"]:
                    per_check.setdefault(r["id"], []).append(r.get("duration_ms", 0.0))
                    started.setdefault(r["id"], []).append(r.get("started_ms", 0.0))
            total, peak = 0.0, 0
            for cmd in reference:
                dt, rss = wait4_run(cmd)
                total += dt
                peak = max(peak, rss)
            theirs.append(total)
            theirs_rss.append(peak)
        ours_tree = [tree_peak_run([diagnose], diag_codes) for _ in range(a.memory_runs)]
        theirs_tree = [tree_peak_run(reference) for _ in range(a.memory_runs)]
    med = statistics.median
    try:
        load = open("/proc/loadavg").read().split()[:3]
    except OSError:
        load = ["?"]
    print(f"runs: {a.runs} (interleaved), load average: {' '.join(load)}, nproc: {os.cpu_count()}, module: {module}")
    print(f"certwiz diagnose (no PIN)                     median {med(ours)*1000:8.1f} ms  (min {min(ours)*1000:.1f})")
    print(f"opensc-tool -l + pkcs11-tool -L + -O          median {med(theirs)*1000:8.1f} ms  (min {min(theirs)*1000:.1f})")
    print(f"ratio certwiz / reference: {med(ours)/med(theirs):.2f}  (target <= 1.0)")
    print(f"peak memory, certwiz:    maxrss {med(ours_rss)/1024:6.1f} MiB, tree {max(ours_tree)/1024:6.1f} MiB  (target <= 25 MiB)")
    print(f"peak memory, reference:  maxrss {med(theirs_rss)/1024:6.1f} MiB, tree {max(theirs_tree)/1024:6.1f} MiB")
    print("per check (report durations, medians): started at / took")
    for cid, v in per_check.items():
        print(f"    {cid:28s} {med(started[cid]):8.1f} ms  {med(v):8.1f} ms")


if __name__ == "__main__":
    main()
