#!/usr/bin/python3
"""A virtual HiCOS card for the lab: a vsmartcard (vicc) card OS that answers like the
cards in the facts file ("The card's file system"), from an image written by
personalise.py, and logs every APDU it receives.

    hicos_card.py --image <state>/cards/citizen.json --port 35963 --log <state>/logs/apdu-citizen.log
                  [--fault foreign | --fault removed-after:N]

Gen1: CLA 80 only (00 gets 6E 00), SELECT by FID without FCP, READ BINARY of at most
200 bytes (more gets 69 87). Gen2: SELECT of the GPPKI applet by AID, then CLA 00 with
SELECT P2=04. Everything else (VERIFY, writes, GET CHALLENGE...) gets 6D 00 or 6E 00,
and is in the log, so a test can prove a reader never sent it.

Faults: `foreign` answers 6A 82 to the applet AID and to 5030 (a card of another
scheme); `removed-after:N` leaves the reader (the process exits, vpcd reports the card
gone) when the N+1th command arrives.

Run as the lab runs vicc (README, "Traps"): /usr/bin/python3 with
PYTHONPATH=/usr/lib/python3/site-packages/virtualsmartcard:<state>/pylib.
"""
import argparse
import json
import logging
import os
import socket
import sys
import time

from virtualsmartcard.VirtualSmartcard import SmartcardOS, VirtualICC

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import carddata as cd  # noqa: E402

OK = b"\x90\x00"
NOT_FOUND = b"\x6a\x82"
READ_ALLOWED = {0xA4, 0xB0, 0xC0}


class HicosCardOS(SmartcardOS):
    def __init__(self, image, log_path, fault):
        self.gen = image["generation"]
        self.atr = bytes.fromhex(image["atr"].replace(" ", ""))
        self.files = {k: bytes.fromhex(v) for k, v in image["files"].items()}
        self.fault = fault or ""
        self.removed_after = None
        if self.fault.startswith("removed-after:"):
            self.removed_after = int(self.fault.split(":", 1)[1])
        self.log = open(log_path, "a", buffering=1) if log_path else None
        self.count = 0
        self.pending = b""
        self.reset()

    def getATR(self):
        return self.atr

    def powerUp(self):
        self.reset()

    def reset(self):
        self.dir, self.ef = "", ""

    def execute(self, msg):
        self.count += 1
        if self.removed_after is not None and self.count > self.removed_after:
            if self.log:
                self.log.write(f"{msg.hex().upper()} -> (card removed)\n")
                self.log.flush()
            os._exit(0)
        answer = self.answer(bytes(msg))
        if self.log:
            self.log.write(f"{msg.hex().upper()} -> {answer.hex().upper()}\n")
        return answer

    # ---- ISO 7816-4, as much as these cards need ---------------------------------
    def answer(self, c):
        if len(c) < 4:
            return b"\x67\x00"
        cla, ins, p1, p2 = c[0], c[1], c[2], c[3]
        lc_data, le = b"", None
        if len(c) == 5:
            le = c[4] or 256
        elif len(c) > 5:
            lc_data = c[5:5 + c[4]]
            if len(c) > 5 + c[4]:
                le = c[5 + c[4]] or 256
        if ins not in READ_ALLOWED:
            return b"\x6d\x00"
        if self.gen == "gen1" and cla != 0x80 and not (ins == 0xA4 and p1 == 0x04) and ins != 0xC0:
            return b"\x6e\x00"
        if self.gen == "gen2" and cla != 0x00:
            return b"\x6e\x00"
        if ins == 0xA4:
            return self.select(p1, p2, lc_data)
        if ins == 0xB0:
            return self.read_binary((p1 << 8) | p2, le or 256)
        if ins == 0xC0:
            out, self.pending = self.pending, b""
            return out + OK
        return b"\x6d\x00"

    def is_dir(self, p):
        return any(k.startswith(p + "/") for k in self.files)

    def select(self, p1, p2, data):
        if p1 == 0x04:
            if self.gen == "gen2" and data == cd.GEN2_AID and self.fault != "foreign":
                self.dir, self.ef = "applet", ""
                return OK
            return NOT_FOUND
        if self.gen == "gen2" and p2 != 0x04:
            return b"\x6a\x86"
        if len(data) != 2:
            return b"\x67\x00"
        fid = data.hex().upper()
        if self.fault == "foreign" and fid == "5030":
            return NOT_FOUND
        if self.gen == "gen1" and fid == "3F00":
            self.dir, self.ef = "3F00", ""
            return OK
        candidate = f"{self.dir}/{fid}"
        if self.is_dir(candidate):
            self.dir, self.ef = candidate, ""
            return OK
        if candidate in self.files:
            self.ef = candidate
            return OK
        return NOT_FOUND

    def read_binary(self, offset, le):
        if not self.ef:
            return b"\x69\x86"
        if self.gen == "gen1" and le > 200:
            return b"\x69\x87"
        data = self.files[self.ef]
        if offset >= len(data):
            return b"\x6b\x00"
        out = data[offset:offset + le]
        return out + (OK if len(out) == le else b"\x62\x82")


class QuickAckSocket:
    """vicc's socket to vpcd, acknowledging at once. vpcd writes a command's length and
    its bytes separately; with Nagle on its side and a delayed ACK (40 ms) on ours, every
    APDU would wait 40 ms for nothing: a lab artefact, not how a card behaves."""

    def __init__(self, sock):
        self._sock = sock
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def recv(self, n):
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        return self._sock.recv(n)

    def __getattr__(self, name):
        return getattr(self._sock, name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--image", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log")
    ap.add_argument("--fault")
    args = ap.parse_args()
    with open(args.image, encoding="utf-8") as f:
        image = json.load(f)
    card_os = HicosCardOS(image, args.log, args.fault)
    if args.log:
        card_os.log.write(f"# {time.strftime('%Y-%m-%dT%H:%M:%S')} {image.get('card', '?')} {image['generation']}"
                          f" inserted{' fault ' + args.fault if args.fault else ''}\n")
    # vicc's own iso7816 OS is built first and then replaced by this one.
    icc = VirtualICC(None, "iso7816", "localhost", args.port, logginglevel=logging.WARNING)
    icc.os = card_os
    icc.sock = QuickAckSocket(icc.sock)
    icc.run()


if __name__ == "__main__":
    main()
