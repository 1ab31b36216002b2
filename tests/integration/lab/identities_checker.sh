#!/usr/bin/env bash
# The identities checker accepts the lab's file and rejects bad checksums and
# inconsistencies; `lab up` refuses a bad file before starting anything.
# usage: identities_checker.sh LAB_SOURCE_DIR SCRATCH_DIR
set -euo pipefail
SRC=$1
T=$2
CHECK=("/usr/bin/python3" "$SRC/identities.py")
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$T"; mkdir -p "$T"

"${CHECK[@]}" check "$SRC/identities.json" || fail "the lab's own identities are rejected"
"${CHECK[@]}" national-id F131058274 || fail "valid national ID rejected"
! "${CHECK[@]}" national-id F131058275 || fail "bad national ID checksum accepted"
! "${CHECK[@]}" national-id F331058274 || fail "national ID with gender digit 3 accepted"
"${CHECK[@]}" ubn 83124560 || fail "valid UBN rejected"
"${CHECK[@]}" ubn 04595257 || fail "valid UBN (7th digit 7 rule) rejected"
! "${CHECK[@]}" ubn 83124561 || fail "bad UBN checksum accepted"

mutate() {  # mutate NAME PYTHON-EXPR-ON-d
  /usr/bin/python3 - "$SRC/identities.json" "$T/$1.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
}
mutate bad-id        'd["cards"]["citizen"]["national_id"] = "F131058275"'
mutate bad-ubn       'd["cards"]["business"]["ubn"] = "83124561"'
mutate bad-person    'd["cards"]["business"]["responsible_person"]["national_id"] = "B220493112"'
mutate bad-zip       'd["cards"]["business"]["registered_address"]["zip3"] = "100"'
mutate missing-card  'del d["cards"]["revoked"]'
for f in bad-id bad-ubn bad-person bad-zip missing-card; do
  if "${CHECK[@]}" check "$T/$f.json" 2>"$T/$f.err"; then fail "$f accepted"; fi
  echo "$f rejected: $(head -1 "$T/$f.err")"
done

# lab up refuses it, says why, and leaves nothing running.
set +e
out=$(CERTWIZ_LAB_DIR=$T/lab CERTWIZ_LAB_IDENTITIES=$T/bad-id.json "$SRC/lab" up 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] || fail "lab up accepted a bad identities file"
grep -q "national_id" <<<"$out" || fail "lab up did not say what is wrong: $out"
[ ! -e "$T/lab/pids/holder.pid" ] || fail "lab up started a holder with bad identities"
echo "PASS"
