#!/usr/bin/python3
"""Builds the lab's test PKI with openssl (never committed: made at `lab up` time).

    mkpki.py OUT_DIR IDENTITIES_JSON

Layout of OUT_DIR (see tests/lab/README.md):
    <ca>/            ca.key ca.pem index.txt openssl.cnf  (+ ocsp.key ocsp.pem for issuing CAs)
    crl/             <ca>.crl (DER), <ca>.crl.pem, <ca>.crt (DER, for AIA caIssuers)
    cards/<card>/    sign.key sign.pem keyx.key keyx.pem sign.pub.pem keyx.pub.pem chain.pem
    trust.pem        the lab root (what a client must trust)
    tls/             ca.key ca.pem (lab TLS CA), server.key server.pem (127.0.0.1, localhost: certwiz-site)
    manifest.json    what was made (serials, subjects, paths, URLs)
"""
import concurrent.futures
import datetime
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import identities  # noqa: E402
import topology as topo  # noqa: E402

OPENSSL = "openssl"


def run(*args, **kw):
    r = subprocess.run([OPENSSL, *args], capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed:\n{r.stderr.strip()}")
    return r.stdout


def asn1_time(days):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return t.strftime("%Y%m%d%H%M%SZ")


def genkey(path, bits):
    run("genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}", "-out", path)
    os.chmod(path, 0o600)


REQ_CNF = """\
[req]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
prompt = no
[dn]
"""


def ca_cnf(d):
    return f"""\
[ca]
default_ca = lab_ca
[lab_ca]
dir = {d}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = $dir/ca.pem
private_key = $dir/ca.key
serial = $dir/serial
crlnumber = $dir/crlnumber
rand_serial = yes
default_md = sha256
default_days = 365
default_crl_days = 7
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
preserve = yes
string_mask = utf8only
utf8 = yes
crl_extensions = crl_ext
[policy_any]
countryName = optional
[crl_ext]
authorityKeyIdentifier = keyid:always
"""


def printable(value):
    # A PrintableString carries only A-Z a-z 0-9 space '()+,-./:=?
    return f"PRINTABLESTRING:{value}"


def sda_section(name, attrs):
    """Subject Directory Attributes (2.5.29.9): SEQUENCE OF Attribute{type, SET OF value}."""
    lines = [f"[{name}]"]
    lines += [f"attr{i} = SEQUENCE:{name}_a{i}" for i in range(len(attrs))]
    for i, (oid, value) in enumerate(attrs):
        lines += [f"[{name}_a{i}]", f"type = OID:{oid}", f"values = SET:{name}_v{i}",
                  f"[{name}_v{i}]", f"value = {value}"]
    return "\n".join(lines) + "\n"


class Pki:
    def __init__(self, out, ids):
        self.out = os.path.abspath(out)
        self.ids = ids
        self.manifest = {"cas": {}, "cards": {}}

    def p(self, *parts):
        return os.path.join(self.out, *parts)

    def openssl_ca(self, ca, *args):
        run("ca", "-batch", "-config", self.p(ca, "openssl.cnf"), "-utf8", *args)

    def csr(self, key, subject, out):
        cnf = self.p("req.cnf")
        run("req", "-new", "-config", cnf, "-utf8", "-key", key, "-subj", subject, "-out", out)

    def build(self):
        os.makedirs(self.out, exist_ok=True)
        with open(self.p("req.cnf"), "w") as f:
            f.write(REQ_CNF)
        # Keys first, in parallel: RSA-4096 generation dominates a cold build.
        jobs = []
        for ca, spec in topo.CAS.items():
            os.makedirs(self.p(ca, "newcerts"), exist_ok=True)
            jobs.append((self.p(ca, "ca.key"), spec["bits"]))
            if ca in topo.ISSUING_CAS:
                jobs.append((self.p(ca, "ocsp.key"), 2048))
        for card in topo.CARDS:
            os.makedirs(self.p("cards", card), exist_ok=True)
            jobs += [(self.p("cards", card, "sign.key"), 2048),
                     (self.p("cards", card, "keyx.key"), 2048)]
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            for f in [pool.submit(genkey, path, bits) for path, bits in jobs]:
                f.result()
        for ca in topo.CAS:
            d = self.p(ca)
            open(os.path.join(d, "index.txt"), "w").close()
            with open(os.path.join(d, "index.txt.attr"), "w") as f:
                f.write("unique_subject = no\n")
            with open(os.path.join(d, "crlnumber"), "w") as f:
                f.write("1000\n")
            with open(os.path.join(d, "openssl.cnf"), "w") as f:
                f.write(ca_cnf(d))
        # Roots before the CAs they sign (dict order in topology puts them first).
        for ca in topo.CAS:
            self.make_ca(ca)
        for ca in topo.ISSUING_CAS:
            self.make_ocsp_signer(ca)
        for card in topo.CARDS:
            self.make_card(card)
        for ca in topo.CAS:
            self.make_crl(ca)
        shutil.copyfile(self.p("root", "ca.pem"), self.p("trust.pem"))
        self.make_tls()
        with open(self.p("manifest.json"), "w", encoding="utf-8") as f:
            json.dump(self.manifest, f, ensure_ascii=False, indent=2)
            f.write("\n")

    def make_ca(self, ca):
        spec = topo.CAS[ca]
        d = self.p(ca)
        root = spec["issuer"] == ca
        ext = [f"[ext]",
               "basicConstraints = critical, CA:TRUE" + ("" if root else ", pathlen:0"),
               "keyUsage = critical, digitalSignature, keyCertSign, cRLSign",
               "subjectKeyIdentifier = hash"]
        if not root:
            ext += ["authorityKeyIdentifier = keyid:always",
                    f"crlDistributionPoints = URI:{topo.crl_url(spec['issuer'])}",
                    f"authorityInfoAccess = caIssuers;URI:{topo.ca_cert_url(spec['issuer'])}",
                    "certificatePolicies = 2.16.886.101.0.3.3"]
        extfile = os.path.join(d, "ca.ext")
        with open(extfile, "w") as f:
            f.write("\n".join(ext) + "\n")
        self.csr(os.path.join(d, "ca.key"), spec["subject"], os.path.join(d, "ca.csr"))
        signer = ["-selfsign", "-keyfile", os.path.join(d, "ca.key")] if root else []
        self.openssl_ca(spec["issuer"], *signer, "-in", os.path.join(d, "ca.csr"),
                        "-out", os.path.join(d, "ca.pem"), "-notext", "-preserveDN",
                        "-startdate", asn1_time(spec["start_days"]),
                        "-enddate", asn1_time(spec["end_days"]),
                        "-extfile", extfile, "-extensions", "ext")
        os.makedirs(self.p("crl"), exist_ok=True)
        run("x509", "-in", os.path.join(d, "ca.pem"), "-outform", "DER",
            "-out", self.p("crl", f"{ca}.crt"))
        self.manifest["cas"][ca] = {
            "cert": os.path.join(d, "ca.pem"),
            "issuer": spec["issuer"],
            "ski": self.ski(os.path.join(d, "ca.pem")),
            "crl_url": topo.crl_url(ca),
            "crl_der": self.p("crl", f"{ca}.crl"),
            "crl_pem": self.p("crl", f"{ca}.crl.pem"),
        }
        if "ocsp_port" in spec:
            self.manifest["cas"][ca]["ocsp_url"] = topo.ocsp_url(ca)
            self.manifest["cas"][ca]["ocsp_port"] = spec["ocsp_port"]
            self.manifest["cas"][ca]["ocsp_signer"] = os.path.join(d, "ocsp.pem")

    def make_ocsp_signer(self, ca):
        d = self.p(ca)
        extfile = os.path.join(d, "ocsp.ext")
        with open(extfile, "w") as f:
            f.write("[ext]\nbasicConstraints = critical, CA:FALSE\n"
                    "keyUsage = critical, digitalSignature\nextendedKeyUsage = OCSPSigning\n"
                    "noCheck = ignored\nsubjectKeyIdentifier = hash\n"
                    "authorityKeyIdentifier = keyid:always\n")
        self.csr(os.path.join(d, "ocsp.key"), f"/C=TW/O=CertWiz Lab/CN=CertWiz Lab OCSP {ca}",
                 os.path.join(d, "ocsp.csr"))
        self.openssl_ca(ca, "-in", os.path.join(d, "ocsp.csr"), "-out", os.path.join(d, "ocsp.pem"),
                        "-notext", "-preserveDN", "-startdate", asn1_time(-1),
                        "-enddate", asn1_time(730), "-extfile", extfile, "-extensions", "ext")

    def make_card(self, card):
        spec = topo.CARDS[card]
        ident = self.ids["cards"][card]
        ca = spec["ca"]
        d = self.p("cards", card)
        if ident["kind"] == "moica":
            subject = f"/C=TW/CN={ident['name']}/serialNumber={ident['subject_serial']}"
            sda = [("2.16.886.1.100.2.1", printable("1")),   # subject class: natural person (lab assumption)
                   ("2.16.886.1.100.2.2", printable("1")),   # card rank: primary card (lab assumption)
                   ("2.16.886.1.100.2.51", printable(ident["national_id"][-4:]))]
        else:
            subject = f"/C=TW/O={ident['company_name']}/serialNumber={ident['ubn']}"
            sda = [("2.16.886.1.100.2.101", printable(ident["ubn"]))]
        if spec["variant"] == "expired":
            start, end = -1000, -10
        elif ca == "moica-g2":
            start, end = -400, 1100
        else:
            start, end = -30, 1800
        policy = topo.CAS[ca]["policy"]
        entry = {"subject": subject, "ca": ca, "variant": spec["variant"],
                 "chain": os.path.join(d, "chain.pem"), "ocsp_url": topo.ocsp_url(ca),
                 "crl_url": topo.crl_url(ca), "issuer_cert": self.p(ca, "ca.pem")}
        for usage, ku in (("sign", "digitalSignature, nonRepudiation"),
                          ("keyx", "keyEncipherment, dataEncipherment")):
            extfile = os.path.join(d, f"{usage}.ext")
            with open(extfile, "w", encoding="utf-8") as f:
                f.write("[ext]\n"
                        f"keyUsage = critical, {ku}\n"
                        "subjectKeyIdentifier = hash\n"
                        "authorityKeyIdentifier = keyid:always\n"
                        f"certificatePolicies = {policy}\n"
                        f"authorityInfoAccess = OCSP;URI:{topo.ocsp_url(ca)},"
                        f"caIssuers;URI:{topo.ca_cert_url(ca)}\n"
                        f"crlDistributionPoints = URI:{topo.crl_url(ca)}\n"
                        "2.5.29.9 = ASN1:SEQUENCE:sda\n")
                f.write(sda_section("sda", sda))
            key = os.path.join(d, f"{usage}.key")
            csr = os.path.join(d, f"{usage}.csr")
            pem = os.path.join(d, f"{usage}.pem")
            self.csr(key, subject, csr)
            self.openssl_ca(ca, "-in", csr, "-out", pem, "-notext", "-preserveDN",
                            "-startdate", asn1_time(start), "-enddate", asn1_time(end),
                            "-extfile", extfile, "-extensions", "ext")
            run("pkey", "-in", key, "-pubout", "-out", os.path.join(d, f"{usage}.pub.pem"))
            serial = run("x509", "-in", pem, "-noout", "-serial").strip().split("=", 1)[1]
            entry[usage] = {"cert": pem, "key": key, "pubkey": os.path.join(d, f"{usage}.pub.pem"),
                            "serial": serial.upper()}
            if spec["variant"] == "revoked":
                self.openssl_ca(ca, "-revoke", pem, "-crl_reason", "keyCompromise")
        with open(entry["chain"], "w") as out:
            for c in topo.ca_chain(ca):
                with open(self.p(c, "ca.pem")) as f:
                    out.write(f.read())
        self.manifest["cards"][card] = entry

    def make_crl(self, ca):
        pem = self.p("crl", f"{ca}.crl.pem")
        self.openssl_ca(ca, "-gencrl", "-crldays", "7", "-out", pem)
        run("crl", "-in", pem, "-outform", "DER", "-out", self.p("crl", f"{ca}.crl"))

    def make_tls(self):
        """The lab site's HTTPS certificate, from a TLS CA of its own: clients trust it
        for the site's TLS only, apart from the login PKI. EC P-256 keeps handshakes cheap."""
        d = self.p("tls")
        os.makedirs(d, exist_ok=True)
        for name in ("ca", "server"):
            run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", os.path.join(d, f"{name}.key"))
            os.chmod(os.path.join(d, f"{name}.key"), 0o600)
        with open(os.path.join(d, "server.ext"), "w") as f:
            f.write("[ext]\nbasicConstraints = critical, CA:FALSE\n"
                    "keyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\n"
                    "subjectAltName = IP:127.0.0.1, DNS:localhost\n"
                    "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n")
        run("req", "-new", "-x509", "-config", self.p("req.cnf"), "-key", os.path.join(d, "ca.key"),
            "-subj", "/C=TW/O=CertWiz Lab/CN=CertWiz Lab TLS CA", "-days", "3650", "-sha256",
            "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", os.path.join(d, "ca.pem"))
        run("req", "-new", "-config", self.p("req.cnf"), "-key", os.path.join(d, "server.key"),
            "-subj", "/C=TW/O=CertWiz Lab/CN=127.0.0.1", "-out", os.path.join(d, "server.csr"))
        run("x509", "-req", "-in", os.path.join(d, "server.csr"), "-CA", os.path.join(d, "ca.pem"),
            "-CAkey", os.path.join(d, "ca.key"), "-CAcreateserial", "-days", "825", "-sha256",
            "-extfile", os.path.join(d, "server.ext"), "-extensions", "ext", "-out", os.path.join(d, "server.pem"))
        self.manifest["tls"] = {"ca": os.path.join(d, "ca.pem"), "server_cert": os.path.join(d, "server.pem"),
                                "server_key": os.path.join(d, "server.key")}

    @staticmethod
    def ski(pem):
        text = run("x509", "-in", pem, "-noout", "-ext", "subjectKeyIdentifier")
        return text.strip().splitlines()[-1].strip().replace(":", "")


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[2], encoding="utf-8") as f:
        ids = json.load(f)
    problems = identities.check(ids)
    if problems:
        for p in problems:
            print(f"{argv[2]}: {p}", file=sys.stderr)
        return 1
    try:
        Pki(argv[1], ids).build()
    except RuntimeError as e:
        print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
