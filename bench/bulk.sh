#!/usr/bin/env bash
# Benchmark of BULK checks: `smtp-tls-doctor check --targets FILE` over the bulk lab
# (`smtp-tls-doctor lab --bulk N`: N mail domains in bulk.lab.test on the lab's own authoritative
# DNS server, MX hosts on 127.0.0.150-157 sharing one port, a quarter of the domains broken in a
# known way, plus invalid, duplicate, comment and blank lines). Measures, in one run of the lab:
#
#   (a) bulk --quick            check --targets FILE --output OUT --quick <lab's check args>
#   (b) loop --quick            one `check --json --quick <args> LINE` per target line, in a shell loop
#   (c) bulk full               (a) without --quick (every version, suite and group scanned)
#   (d) checkdmarc --check-mx-tls over the domains of a lab of BENCH_BULK_CHECKDMARC_N domains (N by
#       default), beside bulk --quick over the same lab, in a network namespace where
#       nftables sends port 53 and 25 to the lab's DNS server and MX hosts (checkdmarc knows no
#       other ports); "not run: why" when checkdmarc, nft or unshare is missing
#   (e) bulk --quick, 10,000 domains (a second lab), for the peak RSS
#
# wall time (the shell's microsecond clock), peak RSS (GNU time's %M: the largest single process),
# exit status, and the TCP connections the MX hosts accepted (the lab's own counters, which it
# rewrites into TARGETS.connections.tsv). Each output is compared with TARGETS.expected.json (what
# a correct check reports per line; bench/bulk_compare.py), and the bulk output with the loop's.
# Prints a markdown table and writes it into docs/benchmarks.md as the section "## Bulk" (replaced
# on re-run; the other sections are left alone).
#
#   bash bench/bulk.sh                    # N=2000 domains, 10,000 for the RSS run
#   BENCH_BULK_N=500 bash bench/bulk.sh   # fewer domains
#   BENCH_BULK_BIG=0 ...                  # skip the 10,000-domain run
#   BENCH_BULK_CHECKDMARC_N=200 ...       # checkdmarc over 200 domains (0: skip it; default N)
#   BENCH_BULK_ARGS="--concurrency 32"    # further flags for every bulk run
#   BENCH_SKIP_INSTALL=1 ...              # do not apt-get/pip anything
#   CARGO_TARGET_DIR=... ...              # where to build (default bench/out/target)
#   BENCH_BUILD=worktree ...              # build the work tree as it is (default: the committed HEAD)
#   BENCH_NO_BUILD=1 ...                  # use the binary already in $CARGO_TARGET_DIR/release
#   BENCH_REV="..." ...                   # with BENCH_NO_BUILD: what to call that binary in the doc
#   BENCH_NO_DOC=1 ...                    # print the table, leave docs/benchmarks.md alone
#
# A build without `check --targets` (before the bulk mode lands) runs the loop only and says so.
# Only loopback is contacted: the lab listens on 127.0.0.0/8 and every check is given its DNS
# server (--dns), port (--port) and CA (--ca-file), with --no-fetch (no AIA fetch); checkdmarc runs
# in a network namespace whose only interface is loopback (`unshare --net --mount`, root needed).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/bench"
OUT="$BENCH/out/bulk"
N="${BENCH_BULK_N:-2000}"
BIG="${BENCH_BULK_BIG:-10000}"
CD_N="${BENCH_BULK_CHECKDMARC_N:-$N}"
MODE="${1:-main}"   # main, or __checkdmarc (the part run inside the network namespace)
read -r -a EXTRA <<< "${BENCH_BULK_ARGS:-}"
TOOL_TIMEOUT="${BENCH_TIMEOUT:-3600}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$BENCH/out/target}"
DOCTOR="$CARGO_TARGET_DIR/release/smtp-tls-doctor"
VENV="$BENCH/out/venv"
CHECKDMARC="$VENV/bin/checkdmarc"
PATH="/usr/sbin:/sbin:$PATH"
COMPARE="$BENCH/bulk_compare.py"
RESULTS="$OUT/results.tsv"

mkdir -p "$OUT"
log() { printf '[bulk-bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# 1. Tools and build
# ---------------------------------------------------------------------------------------------
install_tools() {
  local need=()
  [ -x /usr/bin/time ] || need+=(time)
  command -v python3 >/dev/null 2>&1 || need+=(python3 python3-venv)
  command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] || need+=(nftables)
  command -v unshare >/dev/null 2>&1 || need+=(util-linux)
  if [ ${#need[@]} -gt 0 ]; then
    log "apt-get install ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}"
  fi
  if [ ! -x "$CHECKDMARC" ]; then
    log "pip install checkdmarc into $VENV"
    [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV" \
      || { apt-get install -y -qq python3-venv && python3 -m venv "$VENV"; }
    "$VENV/bin/pip" install -q checkdmarc || log "checkdmarc could not be installed"
  fi
}

build_doctor() {
  local src
  if [ "${BENCH_BUILD:-head}" = worktree ]; then
    src="$ROOT"
    DOCTOR_REV="$(git -C "$ROOT" rev-parse --short HEAD) + work tree"
  else
    src="$BENCH/out/src"
    rm -rf "$src"; mkdir -p "$src"
    git -C "$ROOT" archive HEAD | tar -x -C "$src"
    DOCTOR_REV="$(git -C "$ROOT" rev-parse --short HEAD)"
  fi
  log "building smtp-tls-doctor $DOCTOR_REV (release) in $CARGO_TARGET_DIR"
  (cd "$src" && cargo build --release --locked -q -p smtp-tls-doctor)
}

if [ "$MODE" = main ]; then
  [ "${BENCH_SKIP_INSTALL:-0}" = 1 ] || install_tools
  if [ "${BENCH_NO_BUILD:-0}" = 1 ]; then
    DOCTOR_REV="${BENCH_REV:-$(git -C "$ROOT" rev-parse --short HEAD) (prebuilt)}"
  else
    build_doctor
  fi
  export DOCTOR_REV
fi
[ -x "$DOCTOR" ] || { log "no binary at $DOCTOR"; exit 2; }
HAVE_BULK=0
"$DOCTOR" check --help 2>/dev/null | grep -q -- '--targets' && HAVE_BULK=1
[ -x /usr/bin/time ] || { log "GNU time (/usr/bin/time) is needed for the peak RSS"; exit 2; }

# ---------------------------------------------------------------------------------------------
# 2. The lab
# ---------------------------------------------------------------------------------------------
LAB_PID=""
stop_lab() {
  if [ -n "$LAB_PID" ]; then
    kill -TERM "$LAB_PID" 2>/dev/null || true
    wait "$LAB_PID" 2>/dev/null || true
    LAB_PID=""
  fi
}
trap stop_lab EXIT

# start_lab DOMAINS: starts `lab --bulk DOMAINS`, waits for its targets file, sets TARGETS,
# EXPECTED, CONNS and ARGS (the check flags the lab printed).
start_lab() {
  local n=$1 dir="$OUT/lab-$1"
  rm -rf "$dir"; mkdir -p "$dir"
  TARGETS="$dir/targets.txt"; EXPECTED="$TARGETS.expected.json"; CONNS="$TARGETS.connections.tsv"
  "$DOCTOR" lab --bulk "$n" --dir "$dir" --targets-out "$TARGETS" > "$dir/lab.log" 2>&1 &
  LAB_PID=$!
  local i
  for i in $(seq 1 600); do
    [ -s "$TARGETS" ] && grep -q '^  smtp-tls-doctor check --targets' "$dir/lab.log" && break
    kill -0 "$LAB_PID" 2>/dev/null || { cat "$dir/lab.log" >&2; log "the lab stopped"; exit 2; }
    sleep 0.1
  done
  [ -s "$TARGETS" ] || { log "no targets file after 60 s"; exit 2; }
  local cmd
  cmd=$(grep '^  smtp-tls-doctor check --targets' "$dir/lab.log" | head -1)
  read -r -a ARGS <<< "$cmd"
  ARGS=("${ARGS[@]:4}")   # drop: smtp-tls-doctor check --targets FILE
  TARGET_LINES=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$EXPECTED")
  log "lab --bulk $n: $TARGET_LINES target lines, check args: ${ARGS[*]}"
}

# Sum of the connections the MX hosts accepted so far (the lab rewrites the file every 0.5 s);
# the file itself is kept as $1 for the per-host counts.
conns_now() {
  sleep 1.2
  cp "$CONNS" "$1"
  awk -F'\t' '$3 ~ /^[0-9]+$/ { s += $3 } END { print s + 0 }' "$1"
}

# per_host BEFORE AFTER: "mx1 3, mx2 0, ..." (the first label of each host that listens).
per_host() {
  awk -F'\t' 'NR == FNR { b[$1] = $3; next }
    $3 ~ /^[0-9]+$/ { split($1, l, "."); out = out sep l[1] " " ($3 - b[$1]); sep = ", " }
    END { print out }' "$1" "$2"
}

# ---------------------------------------------------------------------------------------------
# 3. Measurements
# ---------------------------------------------------------------------------------------------
if [ "$MODE" = main ]; then
  printf 'name\twall\trss\trc\tlines\tconns\tnote\tper_host\n' > "$RESULTS"
fi

# measure NAME OUTPUT CMD...: one timed run; OUTPUT is the JSON Lines file or LINE.json directory
# it writes, compared with the expected results afterwards.
measure() {
  local name=$1 output=$2; shift 2
  local before after t0 t1 rc wall rss note
  # check --output refuses a non-empty file (no earlier results are lost without --resume).
  case "$output" in *.jsonl) rm -f "$output" ;; esac
  before=$(conns_now "$OUT/$name.conns.before")
  set +e
  t0=$EPOCHREALTIME
  /usr/bin/time -f '%e %M' -o "$OUT/$name.time" timeout "$TOOL_TIMEOUT" "$@" \
    > "$OUT/$name.stdout" 2> "$OUT/$name.stderr" < /dev/null
  rc=$?
  t1=$EPOCHREALTIME
  set -e
  after=$(conns_now "$OUT/$name.conns.after")
  wall=$(python3 -c "print(f'{$t1 - $t0:.3f}')")
  rss=$(grep -E '^[0-9.]+ [0-9]+$' "$OUT/$name.time" | tail -1 | cut -d' ' -f2)
  if [ "$output" = - ]; then
    note="${NOTE:-not compared}"
  else
    note=$(python3 "$COMPARE" agree "$EXPECTED" "$output" --brief)
    python3 "$COMPARE" agree "$EXPECTED" "$output" > "$OUT/$name.agreement.json"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$wall" "${rss:--}" "$rc" "$TARGET_LINES" \
    "$((after - before))" "$note" \
    "$(per_host "$OUT/$name.conns.before" "$OUT/$name.conns.after")" >> "$RESULTS"
  log "$name: ${wall}s, ${rss:-?} KB, exit $rc, $((after - before)) connections, $note"
}

not_run() {
  printf '%s\t-\t-\t-\t-\t-\tnot run: %s\n' "$1" "$2" >> "$RESULTS"
  log "$1: not run: $2"
}

# (d), in the network namespace: checkdmarc takes nameservers by address only (-n, port 53) and tests MX hosts on port 25
# only; the lab listens on ports the system picks. So this part runs in a network namespace of its
# own (only loopback, nothing else reachable) and a mount namespace (its own /etc/resolv.conf),
# with its own, smaller lab, and nftables rules that
# send 127.0.0.1:53 to the lab's DNS server and port 25 of 127.0.0.150-158 to the MX hosts' port;
# bulk --quick runs over the same lab for the ratio.
checkdmarc_in_netns() {
  ip link set lo up
  # checkdmarc's SMTP test resolves MX host names with the system resolver: the lab's DNS server,
  # in this mount namespace only.
  printf 'nameserver 127.0.0.1\noptions edns0\n' > "$OUT/resolv.conf"
  mount --bind "$OUT/resolv.conf" /etc/resolv.conf
  start_lab "$CD_N"
  local dns_port="" mx_port="" ca="" i
  for i in "${!ARGS[@]}"; do
    case "${ARGS[$i]}" in
      --dns) dns_port="${ARGS[$((i + 1))]##*:}" ;;
      --port) mx_port="${ARGS[$((i + 1))]}" ;;
      --ca-file) ca="${ARGS[$((i + 1))]}" ;;
    esac
  done
  nft add table ip bulklab
  nft "add chain ip bulklab out { type nat hook output priority -100; }"
  nft add rule ip bulklab out ip daddr 127.0.0.1 udp dport 53 dnat to ":$dns_port"
  nft add rule ip bulklab out ip daddr 127.0.0.1 tcp dport 53 dnat to ":$dns_port"
  nft add rule ip bulklab out ip daddr 127.0.0.128/25 tcp dport 25 dnat to ":$mx_port"
  python3 -c "
import json, sys
seen = []
for e in json.load(open(sys.argv[1])):
    if e['class'] != 'invalid' and e['input'] not in seen:
        seen.append(e['input'])
print('\\n'.join(seen))" "$EXPECTED" > "$OUT/checkdmarc-domains.txt"
  if [ "$HAVE_BULK" = 1 ]; then
    measure "bulk-quick-$CD_N" "$OUT/bulk-quick-$CD_N.jsonl" "$DOCTOR" check --targets "$TARGETS" \
      --output "$OUT/bulk-quick-$CD_N.jsonl" --quick "${ARGS[@]}" "${EXTRA[@]}"
  fi
  TARGET_LINES="$(wc -l < "$OUT/checkdmarc-domains.txt") domains"
  NOTE="see below" measure checkdmarc "-" env SSL_CERT_FILE="$ca" REQUESTS_CA_BUNDLE="$ca" "$CHECKDMARC" \
    --check-mx-tls -n 127.0.0.1 -f json "$OUT/checkdmarc-domains.txt"
  # The agreement, in checkdmarc's terms (its MX TLS verdict per domain), replaces "see below".
  local cd_note
  cd_note=$(python3 "$COMPARE" checkdmarc "$EXPECTED" "$OUT/checkdmarc.stdout")
  python3 - "$RESULTS" "$cd_note" <<'PY'
import sys
path, note = sys.argv[1], sys.argv[2]
rows = open(path).read().split("\n")
for i, r in enumerate(rows):
    f = r.split("\t")
    if f[0] == "checkdmarc" and len(f) >= 7:
        f[6] = note
        rows[i] = "\t".join(f)
open(path, "w").write("\n".join(rows))
PY
  stop_lab
}

if [ "$MODE" = __checkdmarc ]; then
  checkdmarc_in_netns
  exit 0
fi

start_lab "$N"

# (a) bulk --quick
if [ $HAVE_BULK = 1 ]; then
  measure bulk-quick "$OUT/bulk-quick.jsonl" "$DOCTOR" check --targets "$TARGETS" \
    --output "$OUT/bulk-quick.jsonl" --quick "${ARGS[@]}" "${EXTRA[@]}"
else
  not_run bulk-quick "this build has no check --targets"
fi

# (b) the loop: one process per target line, the same flags.
rm -rf "$OUT/loop"; mkdir -p "$OUT/loop"
cat > "$OUT/loop.sh" <<'EOF'
#!/usr/bin/env bash
# loop.sh DOCTOR TARGETS OUTDIR ARGS...: one `check --json --quick` per target line.
doctor=$1 targets=$2 out=$3; shift 3
awk '{ t = $0; sub(/^[ \t]+/, "", t); sub(/[ \t\r]+$/, "", t);
       if (t != "" && substr(t, 1, 1) != "#") print NR "\t" t }' "$targets" |
{
  worst=0
  while IFS=$'\t' read -r line target; do
    "$doctor" check --json --quick "$@" -- "$target" > "$out/$line.json" 2> "$out/$line.err" < /dev/null
    rc=$?
    # The bulk mode's exit status: 2 if a line could not be checked (a usage error, 64, is one
    # here), else 1 if any has problems.
    if [ $rc -ge 2 ]; then worst=2; elif [ $rc = 1 ] && [ $worst = 0 ]; then worst=1; fi
  done
  exit $worst
}
EOF
measure loop-quick "$OUT/loop" bash "$OUT/loop.sh" "$DOCTOR" "$TARGETS" "$OUT/loop" "${ARGS[@]}"
if [ $HAVE_BULK = 1 ]; then
  PAIR=$(python3 "$COMPARE" pair "$OUT/bulk-quick.jsonl" "$OUT/loop" --brief)
  python3 "$COMPARE" pair "$OUT/bulk-quick.jsonl" "$OUT/loop" > "$OUT/bulk-vs-loop.json"
  log "bulk --quick vs loop: $PAIR"
else
  PAIR="not compared (no bulk run)"
fi

# (c) bulk, full scans
if [ $HAVE_BULK = 1 ]; then
  measure bulk-full "$OUT/bulk-full.jsonl" "$DOCTOR" check --targets "$TARGETS" \
    --output "$OUT/bulk-full.jsonl" "${ARGS[@]}" "${EXTRA[@]}"
else
  not_run bulk-full "this build has no check --targets"
fi
stop_lab

# (d) checkdmarc (see checkdmarc_in_netns above)
if [ "$CD_N" -le 0 ]; then
  not_run checkdmarc "BENCH_BULK_CHECKDMARC_N=0"
elif [ ! -x "$CHECKDMARC" ]; then
  not_run checkdmarc "checkdmarc is not installed (pip into bench/out/venv failed or was skipped)"
elif ! command -v nft >/dev/null 2>&1 || ! command -v unshare >/dev/null 2>&1; then
  not_run checkdmarc "it knows DNS port 53 and SMTP port 25 only; redirecting them to the lab needs nft and unshare"
elif ! HAVE_BULK=$HAVE_BULK unshare --net --mount bash "$0" __checkdmarc; then
  not_run checkdmarc "the network namespace run failed (root is needed for unshare --net --mount and nft)"
fi

# (e) 10,000 domains: peak RSS of one bulk run.
if [ "$BIG" -gt 0 ] && [ $HAVE_BULK = 1 ]; then
  start_lab "$BIG"
  measure "bulk-quick-$BIG" "$OUT/bulk-quick-$BIG.jsonl" "$DOCTOR" check --targets "$TARGETS" \
    --output "$OUT/bulk-quick-$BIG.jsonl" --quick "${ARGS[@]}" "${EXTRA[@]}"
  stop_lab
elif [ "$BIG" -gt 0 ]; then
  not_run "bulk-quick-$BIG" "this build has no check --targets"
fi

# ---------------------------------------------------------------------------------------------
# 4. Report
# ---------------------------------------------------------------------------------------------
MACHINE="$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
doc_args=()
[ "${BENCH_NO_DOC:-0}" = 1 ] || doc_args=(--doc "$ROOT/docs/benchmarks.md")
python3 "$COMPARE" report --results "$RESULTS" "${doc_args[@]}" --domains "$N" --checkdmarc-n "$CD_N" \
  --rev "$DOCTOR_REV" --machine "$MACHINE" \
  --note "Agreement: the verdict status and finding codes of each target line against the lab's TARGETS.expected.json (bench/bulk_compare.py); bulk \`--quick\` against the loop, line by line: $PAIR." \
  --note "TCP connections: what the lab's MX hosts accepted during the run (its own counters, TARGETS.connections.tsv), the dead and unreachable hosts excluded (nothing listens there); per host above. The bulk mode observes each MX address once per run and shares it among the domains that name it; the loop connects once per MX host per target." \
  --note "Peak RSS: GNU time's %M, the largest single process (for the loop: the largest single check)." \
  --note "One run of each, not repeated: on a machine shared with other work, wall times (and so the ratios) can differ by a factor of up to 2 from one run of the script to the next; the agreement and connection counts do not vary." \
  --note "Check flags of every run: the lab's \`--dns 127.0.0.1:PORT --port PORT --ca-file CA --no-fetch\`${EXTRA[*]:+ and ${EXTRA[*]}}."
log "done: raw results in $OUT"
