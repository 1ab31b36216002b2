#!/usr/bin/env bash
# Checks of the lab itself, one per ctest test: lab_checks.sh CHECK
# Runs inside the lab (`lab run`), so it sees the lab's environment.
set -eu   # no pipefail: `cmd | grep -q` may end cmd with SIGPIPE
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/../../lab/lab
LABCTL=(/usr/bin/python3 "$HERE/../../lab/labctl.py")
fail() { echo "FAIL: $*" >&2; exit 1; }
: "${CERTWIZ_LAB:?run me inside the lab (lab run -- ...)}"
P=$CERTWIZ_LAB_PKI

card_json() {  # card_json CARD KEY -> value from cards.json
  /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cards"][sys.argv[2]][sys.argv[3]])' \
    "$CERTWIZ_LAB_CARDS" "$1" "$2"
}

reader_state() {  # reader_state "READER" -> present|empty
  "${LABCTL[@]}" pcsc-list | awk -F'\t' -v r="$1" '$1 == r { print $2 }'
}

check_env() {
  local v
  for v in CERTWIZ_LAB_DIR SOFTHSM2_CONF CARDSIM_CONFIG CERTWIZ_LAB_TRUST CERTWIZ_LAB_PKI \
           CERTWIZ_LAB_IDENTITIES CERTWIZ_LAB_CARDS CERTWIZ_PKCS11_MODULE; do
    [ -n "${!v:-}" ] || fail "$v is not set inside the lab"
  done
  for v in SOFTHSM2_CONF CARDSIM_CONFIG CERTWIZ_LAB_TRUST CERTWIZ_LAB_IDENTITIES CERTWIZ_LAB_CARDS; do
    [ -f "${!v}" ] || fail "$v=${!v} is not a file"
  done
  "$LAB" env | grep -q "^export CERTWIZ_LAB_CARDS='$CERTWIZ_LAB_CARDS'$" || fail "lab env does not match"
  # cardsim.json: one entry per card, exact PC/SC reader names, unique serials.
  /usr/bin/python3 - "$CARDSIM_CONFIG" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
assert cfg["softhsm_module"] == "/usr/lib/softhsm/libsofthsm2.so"
readers = [r["reader"] for r in cfg["readers"]]
serials = [r["serial"] for r in cfg["readers"]]
assert len(cfg["readers"]) == 7, cfg["readers"]
assert len(set(serials)) == 7 and all(len(s) == 16 for s in serials), serials
PY
  local listed
  listed=$("${LABCTL[@]}" pcsc-list | cut -f1)
  /usr/bin/python3 -c 'import json,sys; [print(r["reader"]) for r in json.load(open(sys.argv[1]))["readers"]]' \
    "$CARDSIM_CONFIG" | while read -r r; do
      grep -qxF "$r" <<<"$listed" || fail "cardsim reader '$r' is not a PC/SC reader"
    done
  [ "$(echo "$listed" | wc -l)" -ge 6 ] || fail "fewer than 6 readers: $listed"
  "$LAB" status >/dev/null || fail "lab status exited $? while up"
}

check_cards() {
  local citizen expired
  citizen=$(card_json citizen reader)
  expired=$(card_json expired reader)
  [ "$(reader_state "$citizen")" = present ] || fail "citizen not present at start"
  "$LAB" card remove citizen
  [ "$(reader_state "$citizen")" = empty ] || fail "citizen still present after remove"
  opensc-tool -l | grep -F "$citizen" | grep -q ' No ' || fail "opensc-tool still sees the citizen card"
  "$LAB" card insert citizen
  [ "$(reader_state "$citizen")" = present ] || fail "citizen not present after insert"
  opensc-tool -l | grep -F "$citizen" | grep -q ' Yes ' || fail "opensc-tool does not see the citizen card"
  "$LAB" card insert expired
  [ "$(reader_state "$expired")" = present ] || fail "expired card not present after insert"
  "$LAB" card insert expired   # idempotent
  "$LAB" card remove expired
  "$LAB" card remove expired   # idempotent
  [ "$(reader_state "$expired")" = empty ] || fail "expired card still present"
  if "$LAB" card insert no-such-card 2>/dev/null; then fail "unknown card accepted"; fi
  "$LAB" card reset citizen
  /usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["tries_left"] == 3, s' \
    "$CERTWIZ_LAB_DIR/cardsim/citizen.json" || fail "card reset did not give 3 tries"
}

check_pcscd() {
  local citizen
  citizen=$(card_json citizen reader)
  "$LAB" pcscd stop
  local out
  if out=$("${LABCTL[@]}" pcsc-list 2>&1); then fail "PC/SC still answers with pcscd stopped: $out"; fi
  grep -q 0x8010001D <<<"$out" || fail "expected SCARD_E_NO_SERVICE (0x8010001D), got: $out"
  "$LAB" status | grep -q "pcscd stopped" || fail "status does not say pcscd is stopped"
  "$LAB" pcscd start
  [ "$(reader_state "$citizen")" = present ] || fail "citizen card not back after pcscd start"
  "$LAB" status >/dev/null || fail "lab status not healthy after pcscd start"
}

ocsp_status() {  # ocsp_status CARD USAGE -> good|revoked|...
  local ca url
  ca=$(card_json "$1" ca)
  url=$(card_json "$1" ocsp_url)
  openssl ocsp -issuer "$P/$ca/ca.pem" -cert "$P/cards/$1/$2.pem" -url "$url" \
    -CAfile "$(card_json "$1" chain)" -timeout 10 2>/tmp/ocsp.$$ | awk -F': ' 'NR == 1 { print $2 }'
  grep -q "Response verify OK" /tmp/ocsp.$$ || { cat /tmp/ocsp.$$ >&2; rm -f /tmp/ocsp.$$; fail "OCSP response for $1 does not verify"; }
  rm -f /tmp/ocsp.$$
}

check_ocsp() {
  local card usage want got
  for spec in citizen:sign:good citizen:keyx:good business:sign:good g2-citizen:sign:good \
              revoked:sign:revoked revoked:keyx:revoked unknown-ca:sign:good; do
    IFS=: read -r card usage want <<<"$spec"
    got=$(ocsp_status "$card" "$usage")
    [ "$got" = "$want" ] || fail "OCSP for $card $usage: '$got', expected '$want'"
    echo "OCSP $card $usage: $got"
  done
  # A client that connects and says nothing must not wedge a responder (OpenSSL's own does).
  bash -c 'exec 3<>/dev/tcp/127.0.0.1/18091' && sleep 0.2
  [ "$(ocsp_status citizen sign)" = good ] || fail "responder wedged by a bare connection"
}

check_crl() {
  local crl serial
  crl=$(mktemp)
  curl -fsS -o "$crl" "$(card_json revoked crl_url)" || fail "cannot fetch the CRL"
  openssl crl -inform DER -in "$crl" -CAfile "$P/moica-g3/ca.pem" -noout 2>&1 | grep -q "verify OK" ||
    fail "CRL signature does not verify"
  for serial in $(card_json revoked sign_serial) $(card_json revoked keyx_serial); do
    openssl crl -inform DER -in "$crl" -noout -text | grep -q "Serial Number: $serial" ||
      fail "revoked serial $serial not in the CRL"
  done
  serial=$(card_json citizen sign_serial)
  if openssl crl -inform DER -in "$crl" -noout -text | grep -q "Serial Number: $serial"; then
    fail "citizen's serial is in the CRL"
  fi
  curl -fsS -o /dev/null "http://127.0.0.1:18080/moica-g3.crl.pem" || fail "PEM CRL not served"
  curl -fsS -o /dev/null "http://127.0.0.1:18080/moica-g3.crt" || fail "CA certificate (AIA) not served"
  rm -f "$crl"
}

check_pki() {
  local out id last4 ubn
  # Chains: lab cards verify against the lab root; unknown-ca does not.
  for c in citizen business g2-citizen revoked; do
    openssl verify -CAfile "$CERTWIZ_LAB_TRUST" -untrusted "$(card_json $c issuer_cert)" "$P/cards/$c/sign.pem" >/dev/null ||
      fail "$c SIGN does not chain to the lab root"
  done
  if openssl verify -CAfile "$CERTWIZ_LAB_TRUST" -untrusted "$P/unknown-ca/ca.pem" "$P/cards/unknown-ca/sign.pem" >/dev/null 2>&1; then
    fail "unknown-ca card chains to the lab root"
  fi
  out=$(openssl verify -CAfile "$CERTWIZ_LAB_TRUST" -untrusted "$P/moica-g2/ca.pem" "$P/cards/expired/sign.pem" 2>&1 || true)
  grep -q "certificate has expired" <<<"$out" || fail "expired card is not expired: $out"
  # MOICA G2 and G3: one subject DN, two keys.
  [ "$(openssl x509 -in "$P/moica-g2/ca.pem" -noout -subject -nameopt RFC2253)" = \
    "$(openssl x509 -in "$P/moica-g3/ca.pem" -noout -subject -nameopt RFC2253)" ] || fail "G2/G3 subjects differ"
  [ "$(openssl x509 -in "$P/moica-g2/ca.pem" -noout -ext subjectKeyIdentifier | tail -1)" != \
    "$(openssl x509 -in "$P/moica-g3/ca.pem" -noout -ext subjectKeyIdentifier | tail -1)" ] || fail "G2/G3 share a key id"
  openssl x509 -in "$P/moica-g3/ca.pem" -noout -ext basicConstraints | grep -q "CA:TRUE, pathlen:0" ||
    fail "MOICA G3 basicConstraints"
  # Citizen: subject, last 4 digits of the ID in Subject Directory Attributes.
  id=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cards"]["citizen"]["national_id"])' "$CERTWIZ_LAB_IDENTITIES")
  last4=${id: -4}
  out=$(openssl x509 -in "$P/cards/citizen/sign.pem" -noout -subject -nameopt utf8,sep_comma_plus_space)
  grep -q "^subject=C=TW, CN=.*, serialNumber=[0-9]\{16\}$" <<<"$out" || fail "citizen subject: $out"
  openssl x509 -in "$P/cards/citizen/sign.pem" -outform DER | od -An -tx1 -v | tr -d ' \n' |
    grep -q "06076086760164023331061304$(printf '%s' "$last4" | od -An -tx1 | tr -d ' \n')" ||
    fail "citizen SDA lacks 2.16.886.1.100.2.51 = $last4"
  openssl x509 -in "$P/cards/citizen/sign.pem" -noout -ext keyUsage | grep -q "Digital Signature, Non Repudiation" ||
    fail "SIGN keyUsage"
  openssl x509 -in "$P/cards/citizen/keyx.pem" -noout -ext keyUsage | grep -q "Key Encipherment, Data Encipherment" ||
    fail "KEYX keyUsage"
  openssl x509 -in "$P/cards/citizen/sign.pem" -noout -text | grep -q "OCSP - URI:http://127.0.0.1:18091/" ||
    fail "citizen AIA OCSP"
  # Business: UBN in subject serialNumber and in SDA 2.16.886.1.100.2.101, MOEACA policy.
  ubn=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cards"]["business"]["ubn"])' "$CERTWIZ_LAB_IDENTITIES")
  openssl x509 -in "$P/cards/business/sign.pem" -noout -subject -nameopt utf8,sep_comma_plus_space |
    grep -q "serialNumber=$ubn$" || fail "business subject lacks the UBN"
  openssl x509 -in "$P/cards/business/sign.pem" -outform DER | od -An -tx1 -v | tr -d ' \n' |
    grep -q "060760867601640265310a1308$(printf '%s' "$ubn" | od -An -tx1 | tr -d ' \n')" ||
    fail "business SDA lacks 2.16.886.1.100.2.101 = $ubn"
  openssl x509 -in "$P/cards/business/sign.pem" -noout -text | grep -q "Policy: 2.16.886.101.0.3.3" ||
    fail "business policy"
}

check_tokens() {
  local m=/usr/lib/softhsm/libsofthsm2.so msg sig
  pkcs11-tool --module $m -L 2>/dev/null | grep -c "token label *: lab-" | grep -qx 7 || fail "expected 7 lab tokens"
  msg=$(mktemp) sig=$(mktemp)
  echo "lab token check" >"$msg"
  for c in citizen business; do
    pkcs11-tool --module $m --token-label "lab-$c" --login --pin "$(card_json $c pin)" --sign --id 5349474e \
      -m SHA256-RSA-PKCS -i "$msg" -o "$sig" >/dev/null 2>&1 || fail "signing on lab-$c failed"
    openssl dgst -sha256 -verify <(openssl x509 -in "$(card_json $c sign_cert)" -pubkey -noout) \
      -signature "$sig" "$msg" >/dev/null || fail "lab-$c SIGN key does not match its certificate"
  done
  pkcs11-tool --module $m --token-label lab-citizen -O 2>/dev/null | grep -q "label: *CA moica-g3" ||
    fail "citizen token lacks its CA certificate"
  rm -f "$msg" "$sig"
}

"check_${1:?usage: lab_checks.sh env|cards|pcscd|ocsp|crl|pki|tokens}"
echo "PASS: $1"
