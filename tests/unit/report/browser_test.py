#!/usr/bin/env python3
"""browser_test.py --sample BIN --out DIR

Renders the sample HTML report in headless Chromium (Debian's `chromium`) to PNG
screenshots kept in DIR, and checks they are not blank: the page's status colours
are there and much of the page is drawn. Also prints it to PDF and checks the
printed text holds the summary, the next step and the table."""
import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

FAILURES = []


def expect(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILURES.append(what)


def chromium(url, out_dir, *extra):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        raise SystemExit("FAIL chromium is not installed (apt-get install chromium; scripts/install-deps does it)")
    with tempfile.TemporaryDirectory(prefix="certwiz-chromium-") as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}", *extra, url]
        p = subprocess.run(cmd, capture_output=True, timeout=120, cwd=out_dir)
        return p.returncode, p.stderr.decode("utf-8", "replace")


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def histogram(path):
    """{(r, g, b): count} through ImageMagick (a PNG decoder in Python is too slow)."""
    convert = shutil.which("convert")
    if not convert:
        raise SystemExit("FAIL ImageMagick's convert is not installed (scripts/install-deps installs imagemagick)")
    out = subprocess.run([convert, path, "-alpha", "off", "-format", "%c", "histogram:info:-"],
                         capture_output=True, timeout=120, check=True).stdout.decode()
    hist = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\d+):\s*\(\s*(\d+),\s*(\d+),\s*(\d+)", line)
        if m:
            n, r, g, b = map(int, m.groups())
            hist[(r, g, b)] = hist.get((r, g, b), 0) + n
    return hist


def near(c, target, tol=18):
    return all(abs(a - b) <= tol for a, b in zip(c, target))


def check_screenshot(png, lang):
    size = png_size(png)
    expect(size == (1280, 2000), f"{lang}: screenshot is 1280x2000 (got {size})")
    hist = histogram(png)
    total = sum(hist.values())
    background = sum(n for c, n in hist.items() if near(c, (255, 255, 255), 6) or near(c, (243, 245, 248), 6))
    drawn = 1 - background / total
    print(f"     {lang}: {len(hist)} colours, {drawn:.1%} of the page drawn over the background")
    expect(len(hist) > 200, f"{lang}: text and graphics rendered (many colours from anti-aliasing)")
    expect(drawn > 0.12, f"{lang}: not blank ({drawn:.1%} drawn)")
    for name, rgb in [("fail red", (0xC6, 0x28, 0x28)), ("pass green", (0x1A, 0x7F, 0x37)), ("accent blue", (0x0B, 0x5C, 0xAD))]:
        n = sum(cnt for c, cnt in hist.items() if near(c, rgb, 10))
        expect(n > 300, f"{lang}: {name} drawn ({n} pixels)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    subprocess.run([args.sample, args.out], check=True, timeout=60)

    for lang in ("zh_TW", "en"):
        html = os.path.join(args.out, f"report.{lang}.html")
        png = os.path.join(args.out, f"report.{lang}.png")
        rc, err = chromium("file://" + html, args.out, f"--screenshot={png}", "--window-size=1280,2000",
                           "--hide-scrollbars")
        expect(rc == 0 and os.path.exists(png), f"{lang}: chromium wrote {png} (exit {rc}) {err[-300:] if rc else ''}")
        if os.path.exists(png):
            check_screenshot(png, lang)

    # Printing: the print stylesheet must keep the summary and the table readable.
    pdf = os.path.join(args.out, "report.zh_TW.pdf")
    rc, err = chromium("file://" + os.path.join(args.out, "report.zh_TW.html"), args.out, f"--print-to-pdf={pdf}",
                       "--no-pdf-header-footer")
    expect(rc == 0 and os.path.exists(pdf), f"chromium printed {pdf}")
    pdftotext = shutil.which("pdftotext")
    if os.path.exists(pdf) and pdftotext:
        text = subprocess.run([pdftotext, "-layout", pdf, "-"], capture_output=True, timeout=60).stdout.decode("utf-8", "replace")
        pages = subprocess.run(["pdfinfo", pdf], capture_output=True, timeout=60).stdout.decode()
        m = re.search(r"Pages:\s+(\d+)", pages)
        print(f"     printed on {m.group(1) if m else '?'} pages")
        for needle in ("下一步", "憑證鏈", "certwiz setup", "CERT-CHAIN-INVALID", "執行環境", "已遮蔽個人資料"):
            expect(needle in text, f"printed PDF contains {needle!r}")
    elif os.path.exists(pdf):
        expect(False, "pdftotext (poppler-utils) is installed to read the printed report")

    print(f"screenshots in {args.out}")
    print(f"{'FAILED' if FAILURES else 'all checks passed'}: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
