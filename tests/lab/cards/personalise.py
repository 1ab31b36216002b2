#!/usr/bin/python3
"""Personalise the lab's virtual HiCOS cards: `personalise.py STATE` writes one image per
card, <STATE>/cards/<card>.json, from <STATE>/cards.json (written by `labctl.py configs`)
and the lab PKI: the same SIGN, KEYX and CA certificates as the card's SoftHSM2 token.

Gen1 (MOEACA-like and first-generation MOICA-like cards): MF 3F00, DF 5030 with TokenInfo
5032, CDF 4104 and all certificates concatenated in EF 08F2 (the CDF gives index and
length). Gen2 (g2-citizen): the GPPKI applet, TokenInfo 5032 and CDF 4104 in it (those
two FIDs are inferred), one EF per certificate (0C01...), CDF paths 7FFF/<FID>.

Two fault images of the citizen card are written too: `citizen+cdf-past-end` (the last
CDF entry's length runs past the end of 08F2) and `citizen+cdf-garbage` (records that are
not certificate entries between the real ones).
"""
import hashlib
import json
import os
import sys

from asn1crypto import pem

import carddata as cd

SIGN_ID, KEYX_ID = b"SIGN", b"KEYX"


def der_of(path):
    with open(path, "rb") as f:
        data = f.read()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return data


def chain_ders(chain_path):
    with open(chain_path, "rb") as f:
        data = f.read()
    return [der for _, _, der in pem.unarmor(data, multiple=True)]


def objects(card):
    out = [("SIGN", SIGN_ID, False, der_of(card["sign_cert"])),
           ("KEYX", KEYX_ID, False, der_of(card["keyx_cert"]))]
    for i, der in enumerate(chain_ders(card["chain"])):
        out.append((f"CA {i}", bytes([0x43, 0x41, i]), True, der))
    return out


def gen1_image(card, fault=None):
    objs = objects(card)
    data, records = b"", b""
    for label, oid, auth, der in objs:
        index = len(data)
        length = len(der)
        if fault == "cdf-past-end" and label == objs[-1][0]:
            length += 0x400
        records += cd.cdf_record(label, oid, auth, cd.path(bytes.fromhex("3F00503008F2"), index, length), der)
        if fault == "cdf-garbage" and label == "SIGN":
            # Not certificate entries: another CertificateType choice, and a framed record
            # whose insides are not CertificateInfo.
            records += cd.tlv(0xA0, b"\x01\x02\x03") + cd.tlv(0x30, cd.tlv(0x05, b"") + cd.tlv(0x05, b""))
        data += der
        data += b"\xff" * (-len(data) % 0x100)  # each certificate starts on a 0x100 boundary
    files = {
        "3F00/5030/5032": cd.directory_file(cd.token_info(card["serial"])),
        "3F00/5030/4104": cd.directory_file(records),
        "3F00/5030/08F2": data + b"\xff" * 0x100,
        "3F00/5030/4100": cd.directory_file(b""),
    }
    return {"generation": "gen1", "atr": cd.ATR_GEN1, "files": {k: v.hex() for k, v in files.items()}}


def gen2_image(card):
    files, records = {}, b""
    for i, (label, oid, auth, der) in enumerate(objects(card)):
        fid = 0x0C01 + i
        files[f"applet/{fid:04X}"] = der + b"\x00" * 16
        records += cd.cdf_record(label, oid, auth, cd.path(bytes.fromhex("7FFF") + fid.to_bytes(2, "big")), der)
    files["applet/5032"] = cd.directory_file(cd.token_info(card["serial"]))
    files["applet/4104"] = cd.directory_file(records)
    return {"generation": "gen2", "atr": cd.ATR_GEN2, "files": {k: v.hex() for k, v in files.items()}}


def cache_key(state):
    """Same cards.json, PKI and card code: the images on disk are still right."""
    h = hashlib.sha256()
    here = os.path.dirname(os.path.abspath(__file__))
    for path in (os.path.join(state, "cards.json"), os.path.join(state, "pki", ".cache-key"),
                 os.path.join(here, "personalise.py"), os.path.join(here, "carddata.py")):
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def main(state):
    with open(os.path.join(state, "cards.json"), encoding="utf-8") as f:
        cards = json.load(f)["cards"]
    out_dir = os.path.join(state, "cards")
    os.makedirs(out_dir, exist_ok=True)
    key, stamp = cache_key(state), os.path.join(out_dir, ".cache-key")
    if os.path.exists(stamp) and open(stamp).read().strip() == key:
        print("card images cached")
        return 0
    images = {}
    for name, card in cards.items():
        images[name] = gen2_image(card) if card.get("generation") == "gen2" else gen1_image(card)
    for fault in ("cdf-past-end", "cdf-garbage"):
        images[f"citizen+{fault}"] = gen1_image(cards["citizen"], fault)
    for name, image in images.items():
        image["card"] = name
        with open(os.path.join(out_dir, f"{name}.json"), "w", encoding="utf-8") as f:
            json.dump(image, f, indent=1)
    with open(stamp, "w") as f:
        f.write(key + "\n")
    print(f"{len(images)} card images")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
