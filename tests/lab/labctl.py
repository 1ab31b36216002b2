#!/usr/bin/python3
"""The lab's data work, called by tests/lab/lab (which handles the processes).

    labctl.py pki STATE IDENTITIES        build or reuse the PKI (cached on content)
    labctl.py tokens STATE                build or reuse the SoftHSM2 tokens
    labctl.py configs STATE BUILD IDENTITIES   reader.conf.d, cardsim.json, cards.json, env
    labctl.py card NAME FIELD             print a card's reader|port|serial|token
    labctl.py table                       cards, OCSP and service ports, for the shell
    labctl.py cards                       print the card names
    labctl.py issuing-cas                 "<ca> <ocsp port>" per card-issuing CA
    labctl.py port crl-http|localsign|site   a service's fixed port
    labctl.py readers                     print the expected reader names
    labctl.py pcsc-list                   "<reader>\t<present|empty>" per reader, from PC/SC
    labctl.py pcsc-wait present|empty TIMEOUT READER...   wait for the readers' state
    labctl.py check-readers               exit 0 when PC/SC shows exactly the lab's readers
    labctl.py leftovers STATE [SKIP_PID...]   PIDs of lab processes still alive
    labctl.py reset STATE CARD            give the cardsim card 3 PIN tries again
"""
import concurrent.futures
import ctypes
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import topology as topo  # noqa: E402

PKI_MAX_AGE_S = 5 * 24 * 3600  # CRLs are valid 7 days: rebuild well before that


def _sha256_files(paths):
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()


def pki_key(identities_file):
    """The PKI depends on the identities and on the code that makes it."""
    return _sha256_files([identities_file, os.path.join(HERE, "pki", "mkpki.py"),
                          os.path.join(HERE, "topology.py")])


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def cmd_pki(state, identities_file):
    pki = os.path.join(state, "pki")
    key = pki_key(identities_file)
    stamp = os.path.join(pki, ".cache-key")
    if _read(stamp) == key and time.time() - os.path.getmtime(stamp) < PKI_MAX_AGE_S:
        print("cached")
        return 0
    if os.path.isdir(pki):
        shutil.rmtree(pki)
    r = subprocess.run([sys.executable, os.path.join(HERE, "pki", "mkpki.py"), pki, identities_file])
    if r.returncode != 0:
        return r.returncode
    with open(stamp, "w") as f:
        f.write(key + "\n")
    print("built")
    return 0


def _softhsm_env(state):
    env = dict(os.environ)
    env["SOFTHSM2_CONF"] = os.path.join(state, "softhsm2.conf")
    return env


def _run(args, env=None):
    r = subprocess.run(args, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return r.stdout


def cmd_tokens(state):
    pki = os.path.join(state, "pki")
    tokens = os.path.join(state, "tokens")
    key = _read(os.path.join(pki, ".cache-key"))
    stamp = os.path.join(tokens, ".cache-key")
    if key is not None and _read(stamp) == key:
        print("cached")
        return 0
    with open(os.path.join(pki, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    if os.path.isdir(tokens):
        shutil.rmtree(tokens)
    os.makedirs(tokens)
    with open(os.path.join(state, "softhsm2.conf"), "w") as f:
        f.write(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                "log.level = ERROR\nslots.removable = false\n")
    env = _softhsm_env(state)
    m = topo.SOFTHSM_MODULE
    def fill(card):
        label = topo.token_label(card)
        entry = manifest["cards"][card]
        base = ["pkcs11-tool", "--module", m, "--token-label", label,
                "--login", "--pin", topo.USER_PIN]
        for usage, oid, lab in (("sign", topo.SIGN_ID, "SIGN"), ("keyx", topo.KEYX_ID, "KEYX")):
            u = entry[usage]
            for typ, path in (("privkey", u["key"]), ("pubkey", u["pubkey"]), ("cert", u["cert"])):
                _run(base + ["--write-object", path, "--type", typ, "--id", oid, "--label", lab], env)
        # The card carries its CA certificates (issuing CA, then up to the root).
        for i, ca in enumerate(topo.ca_chain(entry["ca"])):
            _run(base + ["--write-object", manifest["cas"][ca]["cert"], "--type", "cert",
                         "--id", f"4341{i:02x}", "--label", f"CA {ca}"], env)

    try:
        # Tokens one by one (--free picks the first free slot), filled in parallel.
        for card in topo.CARDS:
            _run(["softhsm2-util", "--init-token", "--free", "--label", topo.token_label(card),
                  "--so-pin", topo.SO_PIN, "--pin", topo.USER_PIN], env)
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            for f in [pool.submit(fill, card) for card in topo.CARDS]:
                f.result()
    except RuntimeError as e:
        print(e, file=sys.stderr)
        return 1
    with open(stamp, "w") as f:
        f.write(key + "\n")
    print("built")
    return 0


def _shell_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def cmd_configs(state, build, identities_file):
    readers = topo.readers()
    # pcscd reader.conf.d: one file per vpcd entry, each with its own driver copy.
    conf = os.path.join(state, "reader.conf.d")
    drivers = os.path.join(state, "drivers")
    for d in (conf, drivers):
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
    # One file, so pcscd adds the readers in this order (files come in readdir order).
    with open(os.path.join(conf, "certwiz-lab"), "w") as f:
        for i, (name, port) in enumerate(topo.READER_ENTRIES):
            drv = os.path.join(drivers, f"libifdvpcd-{i}.so")
            shutil.copyfile("/usr/lib/pcsc/drivers/serial/libifdvpcd.so", drv)
            f.write(f'FRIENDLYNAME "{name}"\nDEVICENAME /dev/null:{port}\n'
                    f"LIBPATH {drv}\nCHANNELID {port}\n\n")
    with open(os.path.join(state, "pki", "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    with open(identities_file, encoding="utf-8") as f:
        ids = json.load(f)
    cardsim = {"softhsm_module": topo.SOFTHSM_MODULE,
               "state_dir": os.path.join(state, "cardsim"), "readers": []}
    cards = {}
    for card, spec in topo.CARDS.items():
        reader, port = readers[spec["reader"]]
        entry = manifest["cards"][card]
        cardsim["readers"].append({"reader": reader, "card": card,
                                   "token_label": topo.token_label(card), "serial": spec["serial"]})
        cards[card] = {
            "reader": reader, "vicc_port": port, "token_label": topo.token_label(card),
            "serial": spec["serial"], "pin": topo.USER_PIN, "inserted_by_up": spec["inserted"],
            "variant": spec["variant"], "ca": spec["ca"], "subject": entry["subject"],
            "generation": topo.card_generation(card),
            "identity": ids["cards"][card],
            "sign_cert": entry["sign"]["cert"], "sign_serial": entry["sign"]["serial"],
            "keyx_cert": entry["keyx"]["cert"], "keyx_serial": entry["keyx"]["serial"],
            "issuer_cert": entry["issuer_cert"], "chain": entry["chain"],
            "ocsp_url": entry["ocsp_url"], "crl_url": entry["crl_url"],
        }
    os.makedirs(cardsim["state_dir"], exist_ok=True)
    _write_json(os.path.join(state, "cardsim.json"), cardsim)
    _write_json(os.path.join(state, "cards.json"),
                {"readers": [r for r, _ in readers], "cards": cards,
                 "cas": manifest["cas"], "pin": topo.USER_PIN, "so_pin": topo.SO_PIN})
    pki = os.path.join(state, "pki")
    env = [
        ("CERTWIZ_LAB", "1"),
        ("CERTWIZ_LAB_DIR", state),
        ("CERTWIZ_BUILD_DIR", build),
        ("SOFTHSM2_CONF", os.path.join(state, "softhsm2.conf")),
        ("CARDSIM_CONFIG", os.path.join(state, "cardsim.json")),
        ("CERTWIZ_PKCS11_MODULE", os.path.join(build, "lib", "libcertwiz-cardsim.so")),
        ("CERTWIZ_LAB_TRUST", os.path.join(pki, "trust.pem")),
        ("CERTWIZ_LAB_PKI", pki),
        ("CERTWIZ_LAB_IDENTITIES", identities_file),
        ("CERTWIZ_LAB_CARDS", os.path.join(state, "cards.json")),
        ("CERTWIZ_LAB_CRL_BASE_URL", f"http://{topo.HOST}:{topo.CRL_HTTP_PORT}/"),
        ("CERTWIZ_LAB_LOCALSIGN_URL", f"http://{topo.HOST}:{topo.LOCALSIGN_PORT}"),
        ("CERTWIZ_LAB_SITE_URL", f"https://{topo.HOST}:{topo.SITE_PORT}"),
        ("CERTWIZ_LAB_SITE_PROFILE", os.path.join(state, "site-profile.json")),
        ("CERTWIZ_LAB_SITE_DB", os.path.join(state, "site", "site.db")),
        ("CERTWIZ_LAB_TLS_CA", os.path.join(pki, "tls", "ca.pem")),
    ]
    _write_site_profile(state, pki)
    for ca in topo.ISSUING_CAS:
        var = ca.upper().replace("-", "_")
        env.append((f"CERTWIZ_LAB_OCSP_URL_{var}", topo.ocsp_url(ca)))
        env.append((f"CERTWIZ_LAB_CRL_URL_{var}", topo.crl_url(ca)))
    with open(os.path.join(state, "env"), "w") as f:
        for k, v in env:
            f.write(f"export {k}={_shell_quote(v)}\n")
    return 0


def _write_site_profile(state, pki):
    """The lab site as a site profile (same format as assets/sites/default.json)."""
    with open(os.path.join(HERE, "..", "..", "assets", "sites", "default.json"), encoding="utf-8") as f:
        profile = json.load(f)
    profile.update({
        "name": "lab",
        "title": "CertWiz Lab reference site (certwiz-site)",
        "base_url": f"https://{topo.HOST}:{topo.SITE_PORT}",
        "tls_ca_files": [os.path.join(pki, "tls", "ca.pem")],
        "login_trust_anchors": [os.path.join(pki, ca, "ca.pem") for ca in ("root", *topo.ISSUING_CAS)
                                if os.path.isdir(os.path.join(pki, ca)) and ca != "unknown-ca"],
        "trusted_domain": topo.HOST,
        "unverified": [],
    })
    _write_json(os.path.join(state, "site-profile.json"), profile)


def _write_json(path, doc):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def cmd_reset(state, card):
    """Same file and lock as the cardsim's PinCounter (<state_dir>/<card>.json, flock on .lock)."""
    if card not in topo.CARDS:
        print(f"unknown card {card!r}", file=sys.stderr)
        return 2
    d = os.path.join(state, "cardsim")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, f"{card}.json")
    with open(os.path.join(d, f"{card}.lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        old = {}
        try:
            with open(path) as f:
                old = json.load(f)
        except (OSError, ValueError):
            pass
        _write_json(path, {"tries_left": 3, "max_tries": 3, "locked": False,
                           "logins": int(old.get("logins", 0)),
                           "pin_verifications": int(old.get("pin_verifications", 0))})
    return 0


# --- PC/SC through ctypes on libpcsclite (pyscard is not packaged for this) ---

class _ReaderState(ctypes.Structure):
    _fields_ = [("szReader", ctypes.c_char_p), ("pvUserData", ctypes.c_void_p),
                ("dwCurrentState", ctypes.c_ulong), ("dwEventState", ctypes.c_ulong),
                ("cbAtr", ctypes.c_ulong), ("rgbAtr", ctypes.c_ubyte * 33)]


SCARD_STATE_EMPTY = 0x10
SCARD_STATE_PRESENT = 0x20
SCARD_E_NO_READERS_AVAILABLE = 0x8010002E


class Pcsc:
    def __init__(self):
        self.lib = ctypes.CDLL("libpcsclite.so.1")
        self.ctx = ctypes.c_long(0)
        rv = self.lib.SCardEstablishContext(ctypes.c_ulong(2), None, None, ctypes.byref(self.ctx))
        if rv != 0:
            raise OSError(f"SCardEstablishContext: 0x{rv & 0xffffffff:08X}")

    def close(self):
        self.lib.SCardReleaseContext(self.ctx)

    def readers(self):
        size = ctypes.c_ulong(0)
        rv = self.lib.SCardListReaders(self.ctx, None, None, ctypes.byref(size))
        if rv & 0xffffffff == SCARD_E_NO_READERS_AVAILABLE:
            return []
        if rv != 0:
            raise OSError(f"SCardListReaders: 0x{rv & 0xffffffff:08X}")
        buf = ctypes.create_string_buffer(size.value)
        rv = self.lib.SCardListReaders(self.ctx, None, buf, ctypes.byref(size))
        if rv != 0:
            raise OSError(f"SCardListReaders: 0x{rv & 0xffffffff:08X}")
        return [n.decode() for n in buf.raw[:size.value].split(b"\0") if n]

    def states(self, names):
        arr = (_ReaderState * len(names))()
        for i, n in enumerate(names):
            arr[i].szReader = n.encode()
            arr[i].dwCurrentState = 0
        rv = self.lib.SCardGetStatusChange(self.ctx, ctypes.c_ulong(0), arr, ctypes.c_ulong(len(names)))
        if rv != 0:
            raise OSError(f"SCardGetStatusChange: 0x{rv & 0xffffffff:08X}")
        return {names[i]: ("present" if arr[i].dwEventState & SCARD_STATE_PRESENT else "empty")
                for i in range(len(names))}


def cmd_pcsc_list():
    try:
        p = Pcsc()
        names = p.readers()
        states = p.states(names) if names else {}
        p.close()
    except OSError as e:
        print(e, file=sys.stderr)
        return 1
    for n in names:
        print(f"{n}\t{states[n]}")
    return 0


def cmd_pcsc_wait(want, timeout, *readers):
    """Waits until every reader in `readers` shows `want` (present or empty)."""
    deadline = time.monotonic() + float(timeout)
    last = {}
    while True:
        try:
            p = Pcsc()
            try:
                names = p.readers()
                listed = [r for r in readers if r in names]
                last = {r: "reader not listed" for r in readers if r not in names}
                if listed:
                    last.update(p.states(listed))
            finally:
                p.close()
            if all(v == want for v in last.values()):
                return 0
        except OSError as e:
            last = {r: str(e) for r in readers}
        if time.monotonic() >= deadline:
            for r, v in last.items():
                if v != want:
                    print(f"{r}: still {v} after {timeout} s (wanted {want})", file=sys.stderr)
            return 1
        time.sleep(0.05)


def cmd_check_readers(timeout=5.0):
    want = [r for r, _ in topo.readers()]
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        try:
            p = Pcsc()
            got = p.readers()
            p.close()
            if got == want:
                return 0
        except OSError as e:
            got = str(e)
        time.sleep(0.1)
    print(f"PC/SC readers are {got!r}, expected {want!r}", file=sys.stderr)
    return 1


def cmd_leftovers(state, *skip):
    """PIDs of live processes in the lab's network namespace (recorded in
    <state>/netns at up), or lab daemons whose command line or PYTHONPATH names the
    state dir. `skip`: PIDs not to report (the holder, the caller)."""
    try:
        with open(os.path.join(state, "netns")) as f:
            netns = f.read().strip()
    except OSError:
        netns = None
    me = {str(os.getpid()), str(os.getppid()), *skip}
    marker = state.rstrip("/") + "/"
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or pid in me:
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
            if netns and os.readlink(f"/proc/{pid}/ns/net") == netns:
                print(pid)
                continue
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() not in ("pcscd", "openssl", "python3", "sleep"):
                    continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().decode(errors="replace")
            with open(f"/proc/{pid}/environ", "rb") as f:
                environ = f.read().decode(errors="replace").split("\0")
            if marker in cmdline or any(e.startswith("PYTHONPATH=") and marker in e for e in environ):
                print(pid)
        except (OSError, IndexError):
            continue
    return 0


def main(argv):
    cmd, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if cmd == "pki" and len(args) == 2:
        return cmd_pki(*args)
    if cmd == "tokens" and len(args) == 1:
        return cmd_tokens(*args)
    if cmd == "configs" and len(args) == 3:
        return cmd_configs(*args)
    if cmd == "card" and len(args) == 2:
        name, field = args
        if name not in topo.CARDS:
            print(f"unknown card {name!r}; cards: {' '.join(topo.CARDS)}", file=sys.stderr)
            return 2
        reader, port = topo.readers()[topo.CARDS[name]["reader"]]
        values = {"reader": reader, "port": port, "serial": topo.CARDS[name]["serial"],
                  "token": topo.token_label(name), "inserted": int(topo.CARDS[name]["inserted"])}
        if field not in values:
            return 2
        print(values[field])
        return 0
    if cmd == "table" and not args:
        # One call gives the shell everything it needs (tab-separated; reader names have spaces).
        for card, spec in topo.CARDS.items():
            reader, port = topo.readers()[spec["reader"]]
            print(f"card\t{card}\t{reader}\t{port}\t{int(spec['inserted'])}")
        for ca in topo.ISSUING_CAS:
            print(f"ocsp\t{ca}\t{topo.CAS[ca]['ocsp_port']}")
        for name, port in (("crl-http", topo.CRL_HTTP_PORT), ("localsign", topo.LOCALSIGN_PORT),
                           ("site", topo.SITE_PORT)):
            print(f"port\t{name}\t{port}")
        return 0
    if cmd == "issuing-cas" and not args:
        print("\n".join(f"{ca} {topo.CAS[ca]['ocsp_port']}" for ca in topo.ISSUING_CAS))
        return 0
    if cmd == "port" and len(args) == 1:
        ports = {"crl-http": topo.CRL_HTTP_PORT, "localsign": topo.LOCALSIGN_PORT, "site": topo.SITE_PORT}
        if args[0] not in ports:
            return 2
        print(ports[args[0]])
        return 0
    if cmd == "cards" and not args:
        print("\n".join(topo.CARDS))
        return 0
    if cmd == "readers" and not args:
        print("\n".join(r for r, _ in topo.readers()))
        return 0
    if cmd == "pcsc-list" and not args:
        return cmd_pcsc_list()
    if cmd == "pcsc-wait" and len(args) >= 3 and args[0] in ("present", "empty"):
        return cmd_pcsc_wait(*args)
    if cmd == "check-readers" and not args:
        return cmd_check_readers()
    if cmd == "leftovers" and args:
        return cmd_leftovers(*args)
    if cmd == "reset" and len(args) == 2:
        return cmd_reset(*args)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
