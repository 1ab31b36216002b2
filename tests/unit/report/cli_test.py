#!/usr/bin/env python3
"""cli_test.py SCENARIO --certwiz BIN --schema SCHEMA --golden DIR --work DIR

Runs build/bin/certwiz the way a user or a script would and asserts the documented
exit codes (docs/cli.md), that `--json -` writes the JSON alone, where the report
files go and who may read them, that a PIN given on stdin reaches no output, that the
terminal echoes again after a signal at the PIN prompt, and `report show`."""
import argparse
import fcntl
import getpass
import json
import os
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import termios
import time
import zipfile

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jsonschema  # noqa: E402
from validate_schema import problems  # noqa: E402

EXIT_FOR_OVERALL = {"pass": 0, "skipped": 0, "warn": 1, "unknown": 1, "fail": 2}
PIN = "135790"


class Scenario:
    def __init__(self, args):
        self.certwiz = args.certwiz
        self.golden = args.golden
        self.work = args.work
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        with open(args.schema, encoding="utf-8") as f:
            self.validator = jsonschema.Draft202012Validator(json.load(f))
        self.failures = []
        self.checks = 0

    def run(self, *argv, stdin=None, new_session=False, timeout=150):
        p = subprocess.run([self.certwiz, *argv], input=stdin, capture_output=True, timeout=timeout,
                           start_new_session=new_session, cwd=self.work)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

    def expect(self, ok, what):
        self.checks += 1
        if not ok:
            self.failures.append(what)
            print(f"FAIL {what}")
        else:
            print(f"ok   {what}")

    def path(self, name):
        return os.path.join(self.work, name)

    def validate(self, report, what):
        errs = problems(self.validator, report)
        self.expect(not errs, f"{what} validates against the schema {errs[:3]}")


def personal_strings():
    """The running user's and host's names, when they name someone."""
    out = []
    user = getpass.getuser()
    if user not in ("root", "user") and len(user) >= 3:
        out.append(user)
    host = socket.gethostname()
    if host not in ("localhost",) and len(host) >= 3:
        out.append(host)
    return out


def usage_errors(s):
    for argv, why, stdin, new_session in [
        ([], "no subcommand", None, False),
        (["diagnose", "--bogus"], "unknown flag", None, False),
        (["diagnose", "--lang", "fr"], "unsupported language", None, False),
        (["diagnose", "--pin", PIN], "a PIN as an argument is refused", None, False),
        (["diagnose", "--json", "/nonexistent-dir/r.json"], "report folder that does not exist", None, False),
        (["diagnose", "--html", "-"], "HTML to standard output", None, False),
        (["diagnose", "--pin-stdin", "--ask-pin"], "two PIN sources", None, False),
        (["diagnose", "--timeout", "0"], "a time limit under 1 s", None, False),
        (["diagnose", "--timeout", "soon"], "a time limit that is no number", None, False),
        (["diagnose", "--pin-stdin"], "empty standard input for --pin-stdin", b"", False),
        (["diagnose", "--ask-pin"], "--ask-pin without a terminal", None, True),
        (["report"], "report without show", None, False),
        (["report", "show"], "report show without FILE", None, False),
    ]:
        rc, out, err = s.run(*argv, stdin=stdin if stdin is not None else b"", new_session=new_session)
        s.expect(rc == 3, f"{why}: exit {rc} == 3")
    rc, _, err = s.run("diagnose", "--json", "/nonexistent-dir/r.json", "--lang", "en")
    s.expect("REPORT-WRITE-FAILED" in err and "/nonexistent-dir" in err, "a bad report path is named with its code")
    rc, out, _ = s.run("--help")
    s.expect(rc == 0 and "diagnose" in out and "report" in out, "--help exits 0 and lists the subcommands")


def json_stdout(s):
    rc, out, err = s.run("diagnose", "--json", "-", "--lang", "en")
    try:
        report = json.loads(out)
    except json.JSONDecodeError as e:
        s.expect(False, f"stdout is one JSON document and nothing else ({e}); stdout starts {out[:80]!r}")
        return
    s.expect(True, "stdout is one JSON document and nothing else")
    s.validate(report, "diagnose --json -")
    s.expect(rc == EXIT_FOR_OVERALL[report["overall"]], f"exit {rc} matches overall {report['overall']}")
    s.expect(report["redacted"] is True, "redacted by default")
    s.expect(report["lang"] == "en", "--lang en is recorded")
    for p in personal_strings():
        s.expect(p not in out, f"the local name {p!r} is redacted")
    env = report["environment"]
    s.expect(env.get("hostname") == "[host]", "hostname replaced")
    s.expect(env.get("pin_supplied") is False, "no PIN supplied")


def mode_of(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def report_files(s):
    os.umask(0o022)  # the usual umask; certwiz inherits it
    rc, out, err = s.run("diagnose", "--json", "a.json", "--html", "a.html", "--bundle", "a.zip", "--lang", "en")
    for kind, name in [("JSON report: ", "a.json"), ("HTML report: ", "a.html"), ("Report bundle (for the helpdesk): ", "a.zip")]:
        s.expect(kind + name in out, f"prints where {name} went")
        s.expect(os.path.getsize(s.path(name)) > 0 if os.path.exists(s.path(name)) else False, f"{name} written")
    if not os.path.exists(s.path("a.zip")):
        return
    with open(s.path("a.json"), encoding="utf-8") as f:
        report = json.load(f)
    s.validate(report, "a.json")
    s.expect(rc == EXIT_FOR_OVERALL[report["overall"]], f"exit {rc} matches overall {report['overall']}")
    with zipfile.ZipFile(s.path("a.zip")) as z:
        names = sorted(z.namelist())
        s.expect(names == ["certwiz.log", "report.html", "report.json"], f"bundle holds {names}")
        s.expect(z.read("report.json") == open(s.path("a.json"), "rb").read(), "bundle's JSON equals --json's")
        html = z.read("report.html").decode("utf-8")
        s.expect(html.startswith("<!DOCTYPE html>") and "badge redacted" in html, "bundle's HTML is redacted")
        everything = b"".join(z.read(n) for n in z.namelist()).decode("utf-8", "replace")
        for p in personal_strings():
            s.expect(p not in everything, f"the local name {p!r} is in no file of the bundle")
    for name in ("a.json", "a.html", "a.zip"):
        s.expect(mode_of(s.path(name)) == 0o644, f"redacted {name} follows the umask ({oct(mode_of(s.path(name)))})")

    rc, out, err = s.run("diagnose", "--json", "b.json", "--html", "b.html", "--no-redact", "--lang", "en")
    with open(s.path("b.json"), encoding="utf-8") as f:
        b = json.load(f)
    s.validate(b, "b.json")
    s.expect(b["redacted"] is False, "--no-redact is recorded as redacted: false")
    s.expect("personal data" in err, "--no-redact warns on stderr")
    s.expect("badge unredacted" in open(s.path("b.html"), encoding="utf-8").read(), "--no-redact is visible in the HTML")
    for name in ("b.json", "b.html"):
        s.expect(mode_of(s.path(name)) == 0o600, f"unredacted {name} is the owner's alone ({oct(mode_of(s.path(name)))})")

    # A symlink planted where the temporary file used to be (<path>.part) is not
    # followed: the file it points to stays as it was.
    victim = s.path("victim.txt")
    with open(victim, "w") as f:
        f.write("precious")
    for name in ("c.json", "c.zip"):
        os.symlink(victim, s.path(name + ".part"))
    rc, out, err = s.run("diagnose", "--json", "c.json", "--bundle", "c.zip", "--no-redact", "--lang", "en")
    s.expect(open(victim, "rb").read() == b"precious", "the planted symlink's target is untouched")
    s.expect(not os.path.islink(s.path("c.json")) and mode_of(s.path("c.json")) == 0o600,
             "c.json is a file of its own, the owner's alone")
    s.expect(mode_of(s.path("c.zip")) == 0o600, "the unredacted bundle is the owner's alone")
    left = [n for n in os.listdir(s.work) if ".part" in n and not os.path.islink(s.path(n))]
    s.expect(not left, f"no temporary file left behind {left}")

    rc, out, _ = s.run("diagnose", "--lang", "zh_TW")
    s.expect(("結果" in out or "沒有執行任何檢查" in out) and rc in (0, 1, 2), "human output in Chinese with a summary")


def pin_stdin(s):
    rc, out, err = s.run("diagnose", "--pin-stdin", "--json", "-", "--bundle", "p.zip", stdin=(PIN + "\n").encode())
    s.expect(rc in (0, 1, 2), f"runs with a PIN from stdin (exit {rc})")
    s.expect(PIN not in out and PIN not in err, "the PIN is in neither stdout nor stderr")
    report = json.loads(out)
    s.expect(report["environment"].get("pin_supplied") is True, "pin_supplied recorded")
    with zipfile.ZipFile(s.path("p.zip")) as z:
        for n in z.namelist():
            s.expect(PIN.encode() not in z.read(n), f"the PIN is not in {n}")


def pin_prompt_signal(s):
    """Ctrl-C, a kill or a hang-up at the no-echo PIN prompt (--ask-pin) puts the
    terminal's echo back: the user's shell must not go on typing blind. Runs certwiz
    on a real pseudo-terminal as its controlling terminal."""
    def on_new_tty():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    for how, sig in (("Ctrl-C", signal.SIGINT), ("SIGTERM", signal.SIGTERM), ("SIGHUP", signal.SIGHUP)):
        master, slave = os.openpty()
        s.expect(termios.tcgetattr(slave)[3] & termios.ECHO, f"{how}: the terminal echoes before the prompt")
        p = subprocess.Popen([s.certwiz, "diagnose", "--ask-pin", "--lang", "en"], stdin=slave, stdout=slave,
                             stderr=slave, cwd=s.work, preexec_fn=on_new_tty, env=dict(os.environ, TERM="dumb"))
        seen = b""
        deadline = time.monotonic() + 30
        while b"Card PIN:" not in seen and time.monotonic() < deadline and p.poll() is None:
            if select.select([master], [], [], 0.5)[0]:
                seen += os.read(master, 4096)
        s.expect(b"Card PIN:" in seen, f"{how}: certwiz asks for the PIN ({seen[-200:]!r})")
        time.sleep(0.2)
        s.expect(not termios.tcgetattr(slave)[3] & termios.ECHO, f"{how}: echo is off at the prompt")
        os.write(master, b"13")  # half a PIN typed
        time.sleep(0.2)
        if sig == signal.SIGINT:
            os.write(master, b"\x03")  # the terminal turns it into SIGINT for the foreground group
        else:
            p.send_signal(sig)
        try:
            rc = p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
        s.expect(rc == -sig, f"{how}: certwiz ends as the signal ends it (exit {rc}, expected {-sig})")
        s.expect(termios.tcgetattr(slave)[3] & termios.ECHO, f"{how}: the terminal echoes again afterwards")
        while select.select([master], [], [], 0.1)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        s.expect(b"13" not in seen.split(b"Card PIN:", 1)[-1], f"{how}: the typed digits were never shown")
        os.close(master)
        os.close(slave)


def report_show(s):
    golden = os.path.join(s.golden, "report.zh_TW.json")
    rc, out, err = s.run("report", "show", golden, "--lang", "en")
    s.expect(rc == 2, f"show of a report with failures exits 2 (got {rc}; {err.strip()[:200]})")
    s.expect("Certificate chain" in out and "Next step:" in out and "certwiz setup" in out,
             "show prints the checks and the next step")
    rc, out, _ = s.run("report", "show", golden, "--lang", "zh_TW")
    s.expect(rc == 2 and "下一步" in out and "憑證鏈" in out, "show speaks Chinese")

    rc, _, _ = s.run("diagnose", "--bundle", "run.zip")
    rc2, out, err = s.run("report", "show", "run.zip", "--lang", "en")
    s.expect(rc2 == rc, f"show of a fresh bundle exits as the run did ({rc2} == {rc})")
    s.expect("CertWiz report" in out, "show names the report")

    with open(s.path("garbage.json"), "w") as f:
        f.write("{ not json")
    with open(golden, encoding="utf-8") as f:
        newer = json.load(f)
    newer["schema_version"] = 2
    with open(s.path("newer.json"), "w") as f:
        json.dump(newer, f)
    with open(s.path("fake.zip"), "wb") as f:
        f.write(b"PK\x03\x04 not a zip")
    for name, code in [("garbage.json", "REPORT-FILE-INVALID"), ("newer.json", "REPORT-VERSION-UNSUPPORTED"),
                       ("fake.zip", "REPORT-FILE-INVALID"), ("missing.json", "REPORT-FILE-INVALID")]:
        rc, out, err = s.run("report", "show", s.path(name), "--lang", "en")
        s.expect(rc == 3, f"show {name}: exit {rc} == 3")
        s.expect(code in err and name in err, f"show {name}: stderr names {code} and the file")
        s.expect("What to do:" in err, f"show {name}: stderr says what to do")


def proxy(s):
    """--proxy and --timeout: a proxy that accepts and never answers is blamed within the
    time limit given, and a login in the proxy URL appears in no output or report file."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # the kernel accepts; nothing ever answers
    port = silent.getsockname()[1]
    url = f"http://helpdesk-user:Pr0xyPassw0rd@127.0.0.1:{port}"
    started = time.monotonic()
    rc, out, err = s.run("diagnose", "--json", "-", "--bundle", "proxy.zip", "--lang", "en", "--proxy", url,
                         "--timeout", "2")
    took = time.monotonic() - started
    silent.close()
    try:
        report = json.loads(out)
    except json.JSONDecodeError:
        s.expect(False, f"diagnose --proxy writes its JSON (exit {rc}; {err[-300:]})")
        return
    results = {r["id"]: r for r in report["results"]}
    site = results.get("net.site", {})
    s.expect(results.get("net.proxy", {}).get("status") == "pass", "the proxy is reachable (it accepts)")
    s.expect(site.get("code") == "NET-PROXY-FAILED", f"net.site is NET-PROXY-FAILED (got {site.get('code')})")
    s.expect("did not answer within 2 s" in site.get("summary", {}).get("en", ""),
             f"it says the proxy did not answer within 2 s: {site.get('summary', {}).get('en')!r}")
    s.expect(took < 30, f"the run ends soon after the 2 s limit ({took:.1f} s)")
    s.expect(report["environment"].get("proxy") == f"http://***@127.0.0.1:{port}",
             f"the environment names the proxy without its login ({report['environment'].get('proxy')!r})")
    everything = out + err
    with zipfile.ZipFile(s.path("proxy.zip")) as z:
        everything += "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    for secret in ("Pr0xyPassw0rd", "helpdesk-user"):
        s.expect(secret not in everything, f"{secret!r} is in no output and no file of the bundle")

    rc, out, _ = s.run("diagnose", "--json", "-", "--lang", "en", "--proxy", "direct", "--timeout", "2")
    results = {r["id"]: r for r in json.loads(out)["results"]}
    s.expect(results["net.proxy"]["status"] == "pass" and "direct" in results["net.proxy"]["summary"]["en"].lower(),
             "--proxy direct: the proxy check says the connection is direct")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("--certwiz", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--golden", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    s = Scenario(args)
    globals()[args.scenario](s)
    print(f"{s.checks - len(s.failures)} passed, {len(s.failures)} failed")
    return 1 if s.failures or s.checks == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
