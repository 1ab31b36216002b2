#!/usr/bin/env python3
"""bench_startup: how long the wizard takes from launch to its first paint, under Xvfb.

The wizard is started with --exit-after-first-paint: it prints, as JSON, when its frame
was built and when the frame's contents were first painted (milliseconds since main(),
and the instant on CLOCK_MONOTONIC), then closes. Launch to first paint is that instant
minus the moment this script started the process (also CLOCK_MONOTONIC), so it includes
the dynamic loader, GTK's start and the connection to the X server. Median of N launches
after one warm-up (target <= 500 ms). Also prints the whole process's wall time and
peak memory (wait4's maxrss).

Runs inside the lab or outside it (the wizard's first page talks to nothing):
    tests/lab/lab run -- build/bin/bench_startup [--runs N]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BIN = os.path.dirname(os.path.realpath(__file__))


def start_xvfb():
    if not shutil.which("Xvfb"):
        sys.exit("bench_startup: Xvfb is not installed (package xvfb)")
    r, w = os.pipe()
    p = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset"],
                         pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    number = b""
    deadline = time.monotonic() + 10
    while not number.endswith(b"\n") and time.monotonic() < deadline:
        chunk = os.read(r, 16)
        if not chunk:
            break
        number += chunk
    os.close(r)
    if not number.strip():
        p.kill()
        sys.exit("bench_startup: Xvfb did not start")
    return p, ":" + number.decode().strip()


def launch(wizard, env):
    t0 = time.monotonic_ns()
    p = subprocess.Popen([wizard, "--lang", "zh_TW", "--exit-after-first-paint"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall_ms = (time.monotonic_ns() - t0) / 1e6
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench_startup: the wizard exited with {os.waitstatus_to_exitcode(status)}")
    try:
        line = json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        sys.exit(f"bench_startup: no first-paint line from the wizard: {out[-500:]!r}")
    return {"launch_to_paint_ms": (line["first_paint_steady_ns"] - t0) / 1e6,
            "main_to_paint_ms": line["first_paint_ms"],
            "main_to_frame_built_ms": line["frame_built_ms"],
            "wall_ms": wall_ms,
            "maxrss_mib": ru.ru_maxrss / 1024}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--wizard", help="the certwiz-wizard binary to measure (default: the build's)")
    a = ap.parse_args()
    wizard = a.wizard or os.path.join(os.environ.get("CERTWIZ_BUILD_DIR", os.path.dirname(BIN)), "bin", "certwiz-wizard")
    if not os.access(wizard, os.X_OK):
        sys.exit(f"bench_startup: {wizard} is not built")
    xvfb, display = start_xvfb()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-startup-") as home:
            env = dict(os.environ, DISPLAY=display, NO_AT_BRIDGE="1", XDG_CONFIG_HOME=os.path.join(home, "config"),
                       XDG_CACHE_HOME=os.environ.get("XDG_CACHE_HOME", os.path.join(home, "cache")))
            launch(wizard, env)  # warm-up: page cache, fontconfig cache
            runs = [launch(wizard, env) for _ in range(a.runs)]
    finally:
        xvfb.terminate()
        xvfb.wait()
    med = statistics.median
    load = open("/proc/loadavg").read().split()[:3]
    print(f"runs: {a.runs}, load average: {' '.join(load)}, nproc: {os.cpu_count()}, Xvfb {display}")
    for key, label in [("launch_to_paint_ms", "launch to first paint (target <= 500 ms)"),
                       ("main_to_frame_built_ms", "main() to frame built"),
                       ("main_to_paint_ms", "main() to first paint"),
                       ("wall_ms", "whole process (to exit)")]:
        v = [r[key] for r in runs]
        print(f"  {label:42s} median {med(v):7.1f} ms  (min {min(v):.1f}, max {max(v):.1f})")
    print(f"  peak memory (maxrss)                       median {med([r['maxrss_mib'] for r in runs]):7.1f} MiB")


if __name__ == "__main__":
    main()
