#!/usr/bin/env bash
# lab up/down three times: every cycle comes up with the cards seen by PC/SC, and
# down leaves no process behind (by recorded PID, by the lab's network namespace,
# and by a /proc scan for the lab's daemons). Runs on the shared lab (its PKI cache
# keeps up fast) and leaves it up for the tests after it.
# usage: lab_cycles.sh LAB STATE_DIR
set -euo pipefail
LAB=$1
export CERTWIZ_LAB_DIR=$2
fail() { echo "FAIL: $*" >&2; exit 1; }

# A process counts as alive while its status file says so and it is not a zombie. One that
# is exiting as we look (its /proc entry going away between two reads) is not a leftover;
# one still there after a second is.
alive() {
  local state
  state=$(sed -n 's/^State:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "${state#Z}" = "$state" ]
}
alive_after_grace() {
  local i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    alive "$1" || return 1
    sleep 0.1
  done
  return 0
}
describe() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || echo "(gone)"; }

lab_procs() {  # PIDs of live processes naming the state dir, or vicc with its PYTHONPATH
  local d pid
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    grep -q '^State:.*Z' "$d/status" 2>/dev/null && continue
    case $(cat "$d/comm" 2>/dev/null) in pcscd | python3 | openssl | sleep) ;; *) continue ;; esac
    if tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -qF "$CERTWIZ_LAB_DIR/" ||
      tr '\0' '\n' <"$d/environ" 2>/dev/null | grep -q "^PYTHONPATH=.*$CERTWIZ_LAB_DIR/pylib"; then
      echo "$pid"
    fi
  done
  return 0
}

"$LAB" down >/dev/null
for cycle in 1 2 3; do
  t0=$(date +%s%N)
  "$LAB" up
  echo "cycle $cycle: up in $((($(date +%s%N) - t0) / 1000000)) ms"
  "$LAB" status >/dev/null || fail "status after up exited $?"
  pids=$(cat "$CERTWIZ_LAB_DIR"/pids/*.pid | cut -d' ' -f1)
  netns=$(cat "$CERTWIZ_LAB_DIR/netns")
  [ "$(echo "$pids" | wc -w)" -ge 8 ] || fail "expected at least 8 recorded services, got: $pids"
  "$LAB" run -- "$(dirname "$LAB")/labctl.py" pcsc-wait present 5 \
    "CertWiz Lab Reader A 00 00" "CertWiz Lab Reader A 00 01" || fail "citizen/business not present"
  # Something a test might leave behind inside the lab: down must stop it too.
  "$LAB" run -- setsid sleep 1000 </dev/null >/dev/null 2>&1 &
  sleep 0.3
  t0=$(date +%s%N)
  "$LAB" down
  echo "cycle $cycle: down in $((($(date +%s%N) - t0) / 1000000)) ms"
  set +e; "$LAB" status >/dev/null; rc=$?; set -e
  [ $rc -eq 3 ] || fail "status after down exited $rc, expected 3"
  for pid in $pids; do
    alive_after_grace "$pid" && fail "process $pid still alive after down: $(describe "$pid")"
  done
  for d in /proc/[0-9]*; do
    [ "$(readlink "$d/ns/net" 2>/dev/null)" = "$netns" ] || continue
    alive_after_grace "${d#/proc/}" && fail "process ${d#/proc/} still in the lab's network namespace: $(describe "${d#/proc/}")"
  done
  left=$(lab_procs)
  [ -z "$left" ] || fail "lab processes left after down: $left"
  wait || true
done
"$LAB" down >/dev/null   # idempotent
echo "3 cycles: no leftovers"
"$LAB" up
"$LAB" up | grep -q "already up" || fail "a second up is not a no-op"
