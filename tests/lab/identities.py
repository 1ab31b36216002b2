#!/usr/bin/python3
"""Checks the lab's identities file (tests/lab/identities.json or CERTWIZ_LAB_IDENTITIES).

The lab refuses to build certificates for identities that a real site would reject,
so a checksum slip shows up here rather than as a puzzling test failure later.

    identities.py check FILE         exit 0 when valid, 1 with one line per problem
    identities.py national-id ID     exit 0 when the national ID's checksum is valid
    identities.py ubn UBN            exit 0 when the UBN's checksum is valid
"""
import csv
import json
import os
import re
import sys

# Every card the lab knows must have an identity; the kind says which CA family issues it.
REQUIRED_CARDS = {
    "citizen": "moica",
    "g2-citizen": "moica",
    "expired": "moica",
    "revoked": "moica",
    "unknown-ca": "moica",
    "business": "moeaca",
    "renewed-business": "moeaca",
}

# National ID letters and their two-digit codes (I, O, W, X, Y, Z are out of order).
_LETTER_CODES = {c: v for c, v in zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36))}


def national_id_valid(value):
    """身分證字號: [A-Z][12] + 8 digits, weighted sum divisible by 10."""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z][12]\d{8}", value):
        return False
    code = _LETTER_CODES[value[0]]
    total = code // 10 + (code % 10) * 9
    for weight, digit in zip((8, 7, 6, 5, 4, 3, 2, 1, 1), value[1:]):
        total += weight * int(digit)
    return total % 10 == 0


def ubn_valid(value):
    """統一編號: 8 digits, weights 1,2,1,2,1,2,4,1, digit sums of the products,
    divisible by 5 (or sum+1 when the 7th digit is 7)."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{8}", value):
        return False
    total = 0
    for weight, digit in zip((1, 2, 1, 2, 1, 2, 4, 1), value):
        product = weight * int(digit)
        total += product // 10 + product % 10
    return total % 5 == 0 or (value[6] == "7" and (total + 1) % 5 == 0)


def _postal_table():
    here = os.path.dirname(os.path.abspath(__file__))
    for path in (os.path.join(here, "..", "..", "assets", "postal", "zip3.csv"),
                 "/work/shared/data/postal/zip3.csv"):
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                return {row["zip3"]: (row["county"], row["district"]) for row in csv.DictReader(f)}
    return None


def _check_address(where, addr, postal, problems):
    if not isinstance(addr, dict):
        problems.append(f"{where}: must be an object with zip3, county, district, street")
        return
    for key in ("zip3", "county", "district", "street"):
        if not isinstance(addr.get(key), str) or not addr.get(key):
            problems.append(f"{where}.{key}: missing")
    if postal is not None and isinstance(addr.get("zip3"), str):
        expected = postal.get(addr["zip3"])
        if expected is None:
            problems.append(f"{where}.zip3 {addr['zip3']}: not a known postal code")
        elif expected != (addr.get("county"), addr.get("district")):
            problems.append(f"{where}: zip3 {addr['zip3']} is {expected[0]}{expected[1]}, "
                            f"not {addr.get('county')}{addr.get('district')}")


def check(doc):
    """Returns a list of problems (empty when the identities are usable)."""
    problems = []
    cards = doc.get("cards") if isinstance(doc, dict) else None
    if not isinstance(cards, dict):
        return ["top level: \"cards\" must be an object"]
    postal = _postal_table()
    for name, kind in REQUIRED_CARDS.items():
        card = cards.get(name)
        if not isinstance(card, dict):
            problems.append(f"cards.{name}: missing")
            continue
        if card.get("kind") != kind:
            problems.append(f"cards.{name}.kind: must be {kind!r}")
        if kind == "moica":
            if not isinstance(card.get("name"), str) or not card["name"].strip():
                problems.append(f"cards.{name}.name: missing")
            if not national_id_valid(card.get("national_id")):
                problems.append(f"cards.{name}.national_id {card.get('national_id')!r}: "
                                "not a valid national ID (format or checksum)")
            serial = card.get("subject_serial")
            if not isinstance(serial, str) or not re.fullmatch(r"[0-9A-Z]{16}", serial):
                problems.append(f"cards.{name}.subject_serial: must be 16 digits/capitals")
        else:
            if not isinstance(card.get("company_name"), str) or not card["company_name"].strip():
                problems.append(f"cards.{name}.company_name: missing")
            if not ubn_valid(card.get("ubn")):
                problems.append(f"cards.{name}.ubn {card.get('ubn')!r}: "
                                "not a valid UBN (format or checksum)")
            person = card.get("responsible_person")
            if not isinstance(person, dict):
                problems.append(f"cards.{name}.responsible_person: missing")
            else:
                if not national_id_valid(person.get("national_id")):
                    problems.append(f"cards.{name}.responsible_person.national_id "
                                    f"{person.get('national_id')!r}: not a valid national ID")
                holder_card = person.get("card")
                if holder_card is not None:
                    holder = cards.get(holder_card)
                    if not isinstance(holder, dict) or holder.get("kind") != "moica":
                        problems.append(f"cards.{name}.responsible_person.card: "
                                        f"{holder_card!r} is not a citizen card")
                    elif (holder.get("name"), holder.get("national_id")) != \
                            (person.get("name"), person.get("national_id")):
                        problems.append(f"cards.{name}.responsible_person: name/ID differ "
                                        f"from the holder of card {holder_card!r}")
            for key in ("registered_address", "mailing_address"):
                if key in card or key == "registered_address":
                    _check_address(f"cards.{name}.{key}", card.get(key), postal, problems)
    # A renewed card ("renews": NAME) is the same holder's: same company and UBN (MOEACA) or
    # same person (MOICA), only the keys, certificate and card differ.
    for name, card in cards.items():
        if not isinstance(card, dict) or "renews" not in card:
            continue
        old = cards.get(card["renews"])
        keys = ("ubn", "company_name") if card.get("kind") == "moeaca" else ("name", "national_id")
        if not isinstance(old, dict) or old.get("kind") != card.get("kind"):
            problems.append(f"cards.{name}.renews: {card['renews']!r} is not a card of the same kind")
        elif any(old.get(k) != card.get(k) for k in keys):
            problems.append(f"cards.{name}: a renewal must keep {' and '.join(keys)} of {card['renews']!r}")
    serials = [c.get("subject_serial") for c in cards.values()
               if isinstance(c, dict) and c.get("kind") == "moica"]
    if len(serials) != len(set(serials)):
        problems.append("cards: subject_serial values must be unique")
    return problems


def main(argv):
    if len(argv) == 3 and argv[1] == "check":
        try:
            with open(argv[2], encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{argv[2]}: {e}", file=sys.stderr)
            return 1
        problems = check(doc)
        for p in problems:
            print(f"{argv[2]}: {p}", file=sys.stderr)
        return 1 if problems else 0
    if len(argv) == 3 and argv[1] == "national-id":
        return 0 if national_id_valid(argv[2]) else 1
    if len(argv) == 3 and argv[1] == "ubn":
        return 0 if ubn_valid(argv[2]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
