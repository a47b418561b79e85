#!/usr/bin/env bash
# The vulnerability battery (issue 13) beside testssl.sh -U and sslyze's vulnerability plugins, on
# the lab's servers whose truth is known by construction: battery-scripted (every weakness it is
# scripted with), sslv3-scripted, tls10-tls12-cbc (OpenSSL, TLS 1.0 to 1.2, CBC only) and good
# (rustls, TLS 1.2 and 1.3). Writes bench/out/battery/*.json and appends (or replaces) the
# section "Vulnerability battery" at the end of docs/benchmarks.md (run it after bench/run.sh,
# which rewrites that file).
#
#   bash bench/battery.sh             # the debug build in target/ (cargo build first)
#   DOCTOR=path/to/smtp-tls-doctor bash bench/battery.sh
#
# Connections are counted with strace (connect() calls to the scenario's port, every child
# process included: testssl.sh starts an openssl per test). Only loopback is ever contacted: the
# script re-runs itself with `unshare --net` (a namespace whose only interface is loopback);
# BENCH_NO_NETNS=1 skips that. Needs root (unshare), strace, testssl (apt: testssl.sh) and
# sslyze (pip).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/bench/out/battery"
DOCTOR="${DOCTOR:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/smtp-tls-doctor}"
BASE=42000
# The peer tools: sslyze from PATH or the virtualenv bench/run.sh makes; testssl from PATH.
SSLYZE="${SSLYZE:-$(command -v sslyze || echo "$ROOT/bench/out/venv/bin/sslyze")}"
for tool in "$SSLYZE" testssl strace bc; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench/battery.sh: $tool not found (bash bench/run.sh installs testssl.sh, strace and sslyze; or apt-get install testssl.sh strace bc, pip install sslyze, SSLYZE=path)" >&2
    exit 1
  fi
done
SCENARIOS=(battery-scripted sslv3-scripted tls10-tls12-cbc good)

if [ -z "${BATTERY_IN_NETNS:-}" ] && [ -z "${BENCH_NO_NETNS:-}" ]; then
  BATTERY_IN_NETNS=1 exec unshare --net -- bash "$0" "$@"
fi
[ -n "${BATTERY_IN_NETNS:-}" ] && ip link set lo up

mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.strace "$OUT"/*.txt
only=()
for s in "${SCENARIOS[@]}"; do only+=(--only "$s"); done
"$DOCTOR" lab --base-port "$BASE" --dir "$OUT/lab" "${only[@]}" >"$OUT/lab.txt" 2>&1 &
LAB=$!
trap 'kill "$LAB" 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q "^127.0.0.1:" "$OUT/lab.txt" 2>/dev/null && break; sleep 0.2; done
CA="$OUT/lab/lab-root-ca.pem"

port_of() { awk -v s="$1" '$2 == s { split($1, a, ":"); print a[2] }' "$OUT/lab.txt"; }

# connect() calls to PORT in an strace log.
connects() { grep -c "connect(.*htons($2).*= \(0\|-1 EINPROGRESS\)" "$1" || true; }

timed() { # NAME PORT -- command...
  local name="$1" port="$2"; shift 3
  local t0 t1
  t0=$(date +%s.%N)
  strace -f -qq -e trace=connect -o "$OUT/$name.strace" "$@" >"$OUT/$name.txt" 2>&1 || true
  t1=$(date +%s.%N)
  printf '%s\t%s\t%s\n' "$name" "$(connects "$OUT/$name.strace" "$port")" \
    "$(echo "$t1 - $t0" | bc)" >>"$OUT/runs.tsv"
}

: >"$OUT/runs.tsv"
for s in "${SCENARIOS[@]}"; do
  p="$(port_of "$s")"
  echo "== $s on port $p" >&2
  timed "$s.doctor" "$p" -- "$DOCTOR" check "mx.lab.test:$p" --resolve mx.lab.test:127.0.0.1 \
    --ca-file "$CA" --json --color never --no-fetch
  cp "$OUT/$s.doctor.txt" "$OUT/$s.doctor.json"
  timed "$s.testssl" "$p" -- testssl -U --quiet --color 0 --warnings off --nodns none \
    --starttls smtp --jsonfile-pretty "$OUT/$s.testssl.json" "127.0.0.1:$p"
  timed "$s.sslyze" "$p" -- "$SSLYZE" --starttls smtp --heartbleed --openssl_ccs --robot --reneg \
    --compression --fallback --json_out "$OUT/$s.sslyze.json" "127.0.0.1:$p"
done
python3 "$ROOT/bench/battery_table.py" "$OUT" --doc "$ROOT/docs/benchmarks.md" >"$OUT/table.md"
cat "$OUT/table.md"
