#!/usr/bin/env bash
# Benchmark: smtp-tls-doctor against sslscan, sslyze and testssl.sh on a private Postfix on
# loopback. Measures wall time, peak RSS and the TCP connections each tool makes (counted in
# Postfix's own log), compares the protocol versions and cipher suites each tool reports with the
# truth measured by `openssl s_client`, and writes docs/benchmarks.md.
#
#   bash bench/run.sh                 # BENCH_RUNS=3 runs of each tool per listener
#   BENCH_RUNS=5 bash bench/run.sh    # rounds (testssl.sh runs once per round and listener)
#   BENCH_REPEAT=5 ...                # runs per round of the fast tools (all but testssl.sh)
#   BENCH_SKIP_INSTALL=1 ...          # do not apt-get/pip anything
#   CARGO_TARGET_DIR=... ...          # where to build (default bench/out/target)
#   BENCH_BUILD=worktree ...          # build the work tree as it is (default: the committed HEAD)
#
# Only loopback is ever contacted: after installing and building, the script re-runs itself with
# `unshare --net`, in a new network namespace whose only interface is loopback, so the kernel
# itself keeps every tool off any other address (testssl.sh, for one, probes its local openssl
# with `s_client -connect invalid.`, a DNS look-up, even with --nodns none). Postfix listens on
# 127.0.0.1 there; every tool is given 127.0.0.1 (smtp-tls-doctor: --resolve
# mx.bench.test:127.0.0.1). Package installs (apt, pip) and the build are the only other traffic.
# BENCH_NO_NETNS=1 skips the namespace (then testssl.sh's probes do reach the DNS resolver).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/bench"
OUT="$BENCH/out"
RUNS="${BENCH_RUNS:-3}"
REPEAT="${BENCH_REPEAT:-5}"                # runs of each fast tool per round (testssl.sh: 1)
TOOL_TIMEOUT="${BENCH_TIMEOUT:-900}"       # seconds per tool run (testssl.sh takes minutes)
PFDIR="/tmp/smtp-tls-doctor-bench-postfix"  # Postfix config + queue (must be reachable: 755)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$OUT/target}"
DOCTOR="$CARGO_TARGET_DIR/release/smtp-tls-doctor"
VENV="$OUT/venv"

mkdir -p "$OUT"
log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# 1. Tools
# ---------------------------------------------------------------------------------------------
install_tools() {
  local need=()
  command -v sslscan >/dev/null 2>&1 || need+=(sslscan)
  command -v testssl >/dev/null 2>&1 || need+=(testssl.sh)
  command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] || need+=(postfix)
  [ -x /usr/bin/time ] || need+=(time)
  command -v openssl >/dev/null 2>&1 || need+=(openssl)
  command -v python3 >/dev/null 2>&1 || need+=(python3 python3-venv)
  command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || need+=(iproute2)
  if [ ${#need[@]} -gt 0 ]; then
    log "apt-get install ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update -qq
    apt-get install -y -qq "${need[@]}"
  fi
  if [ ! -x "$VENV/bin/sslyze" ]; then
    log "pip install sslyze into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV" || { apt-get install -y -qq python3-venv && python3 -m venv "$VENV"; }
    "$VENV/bin/pip" install -q sslyze
  fi
}

PATH="/usr/sbin:/sbin:$PATH"
SSLYZE="$VENV/bin/sslyze"

# The tool is built from a snapshot of the committed HEAD (git archive), so that edits in progress
# in the work tree neither break nor blur the measurement; BENCH_BUILD=worktree builds the work
# tree as it is instead.
build_doctor() {
  local src
  if [ "${BENCH_BUILD:-head}" = worktree ]; then
    src="$ROOT"
    DOCTOR_REV="$(git -C "$ROOT" rev-parse --short HEAD) + work tree"
    archive_commit=""
  else
    src="$OUT/src"
    rm -rf "$src"; mkdir -p "$src"
    git -C "$ROOT" archive HEAD | tar -x -C "$src"
    DOCTOR_REV="$(git -C "$ROOT" rev-parse --short HEAD)"
    archive_commit="$DOCTOR_REV"
  fi
  export DOCTOR_REV
  log "building smtp-tls-doctor $DOCTOR_REV (release) in $CARGO_TARGET_DIR"
  # A git archive has no .git: name the commit for --version (empty: build.rs asks git).
  (cd "$src" && SMTP_TLS_DOCTOR_COMMIT="$archive_commit" cargo build --release --locked -q -p smtp-tls-doctor)
}

# ---------------------------------------------------------------------------------------------
# 2. PKI (openssl CLI): root CA -> intermediate CA -> leaf mx.bench.test, all RSA-2048
# ---------------------------------------------------------------------------------------------
PKI="$OUT/pki"
make_pki() {
  rm -rf "$PKI"; mkdir -p "$PKI"
  (
    cd "$PKI"
    cat > ext.cnf <<'EOF'
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[inter]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:mx.bench.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    for k in root inter leaf; do
      openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$k.key" 2>/dev/null
    done
    openssl req -new -x509 -key root.key -subj "/CN=Bench Root CA" -days 3650 -sha256 \
      -extensions root -config <(cat /etc/ssl/openssl.cnf ext.cnf) -out root.pem
    openssl req -new -key inter.key -subj "/CN=Bench Intermediate CA" -out inter.csr
    openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -days 1825 \
      -sha256 -extfile ext.cnf -extensions inter -out inter.pem 2>/dev/null
    openssl req -new -key leaf.key -subj "/CN=mx.bench.test" -out leaf.csr
    openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 365 \
      -sha256 -extfile ext.cnf -extensions leaf -out leaf.pem 2>/dev/null
    openssl verify -CAfile root.pem -untrusted inter.pem leaf.pem >/dev/null
    # Postfix's smtpd_tls_chain_files: the key, then the leaf, then the intermediate.
    cat leaf.key leaf.pem inter.pem > chain.pem
  )
}
CA="$PKI/root.pem"

if [ -z "${BENCH_IN_NETNS:-}" ]; then
  printf '%s, load average %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(cut -d' ' -f1-3 /proc/loadavg)" > "$OUT/started.txt"
  if [ -z "${BENCH_SKIP_INSTALL:-}" ]; then install_tools; fi
  build_doctor
  make_pki
  if [ -z "${BENCH_NO_NETNS:-}" ]; then
    log "re-running in a new network namespace: only loopback exists there"
    BENCH_IN_NETNS=1 exec unshare --net -- bash "$0"
  fi
else
  ip link set lo up
fi

# ---------------------------------------------------------------------------------------------
# 3. A private Postfix on loopback (as crates/cli/tests/postfix.rs does)
# ---------------------------------------------------------------------------------------------
LISTENERS=(p12-13 p10-12)
declare -A PORT
# Listener (a): TLS 1.2 + 1.3, six TLS 1.2 suites + OpenSSL's three default TLS 1.3 suites,
# server order. Listener (b): TLS 1.0 to 1.2, OpenSSL's DEFAULT list at security level 0.
LIST_A="ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES256-GCM-SHA384:AES256-GCM-SHA384:AES128-SHA"
declare -A OVERRIDES=(
  [p12-13]="-o smtpd_tls_protocols=>=TLSv1.2 -o smtpd_tls_mandatory_protocols=>=TLSv1.2 -o smtpd_tls_ciphers=high -o tls_high_cipherlist=$LIST_A -o tls_preempt_cipherlist=yes"
  [p10-12]="-o smtpd_tls_protocols=>=TLSv1,<=TLSv1.2 -o smtpd_tls_mandatory_protocols=>=TLSv1,<=TLSv1.2 -o smtpd_tls_ciphers=medium -o tls_medium_cipherlist=DEFAULT:@SECLEVEL=0"
)

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

postfix_stop() {
  if [ -f "$PFDIR/main.cf" ]; then postfix -c "$PFDIR" stop >/dev/null 2>&1 || true; fi
}

postfix_start() {
  postfix_stop
  rm -rf "$PFDIR"
  mkdir -p "$PFDIR/queue" "$PFDIR/data"
  chmod 755 "$PFDIR" "$PFDIR/queue" "$PFDIR/data"
  chown postfix "$PFDIR/data" 2>/dev/null || true
  cp "$PKI/chain.pem" "$PFDIR/chain.pem"
  chmod 600 "$PFDIR/chain.pem"
  cat > "$PFDIR/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PFDIR/queue
data_directory = $PFDIR/data
mail_owner = postfix
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.bench.test
mydestination =
relay_domains =
mynetworks =
alias_maps =
alias_database =
smtpd_relay_restrictions = reject
smtpd_recipient_restrictions = reject
smtpd_peername_lookup = no
maillog_file_prefixes = $PFDIR
maillog_file = $PFDIR/postfix.log
smtpd_tls_security_level = may
smtpd_tls_exclude_ciphers =
smtpd_tls_chain_files = $PFDIR/chain.pem
EOF
  local master="" name
  for name in "${LISTENERS[@]}"; do
    PORT[$name]=$(free_port)
    master+="127.0.0.1:${PORT[$name]} inet n - n - - smtpd -o syslog_name=postfix-$name ${OVERRIDES[$name]}"$'\n'
  done
  master+='pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
tlsmgr unix - - n 1000? 1 tlsmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
'
  printf '%s' "$master" > "$PFDIR/master.cf"
  postfix -c "$PFDIR" check
  postfix -c "$PFDIR" start
  local deadline=$((SECONDS + 30))
  for name in "${LISTENERS[@]}"; do
    until (exec 3<>"/dev/tcp/127.0.0.1/${PORT[$name]}") 2>/dev/null; do
      [ $SECONDS -lt $deadline ] || { log "Postfix does not listen on ${PORT[$name]}"; cat "$PFDIR/postfix.log" >&2; exit 1; }
      sleep 0.1
    done
  done
}

trap postfix_stop EXIT
log "starting Postfix in $PFDIR"
postfix_start
for name in "${LISTENERS[@]}"; do log "listener $name on 127.0.0.1:${PORT[$name]}"; done
sleep 1

# ---------------------------------------------------------------------------------------------
# 4. The runs
# ---------------------------------------------------------------------------------------------
RAW="$OUT/raw"
rm -rf "$RAW"; mkdir -p "$RAW"
RESULTS="$OUT/results.tsv"
printf 'listener\ttool\trun\twall_s\tmaxrss_kb\tuser_s\tsys_s\texit\tconnections\n' > "$RESULTS"
PFLOG="$PFDIR/postfix.log"

log_lines() { wc -l < "$PFLOG" 2>/dev/null || echo 0; }

# Wait until postlogd has written everything: no new line for 0.6 s (at most 15 s).
log_settle() {
  local last now i same=0
  last=$(log_lines)
  for i in $(seq 1 75); do
    sleep 0.2
    now=$(log_lines)
    if [ "$now" = "$last" ]; then
      same=$((same + 1))
      [ $same -ge 3 ] && return 0
    else
      same=0
    fi
    last=$now
  done
}

# tool_cmd TOOL LISTENER PREFIX: the command line of TOOL, writing its report under PREFIX.
tool_cmd() {
  local tool=$1 name=$2 prefix=$3 port=${PORT[$2]}
  case $tool in
    doctor) echo "$DOCTOR" check "mx.bench.test:$port" --resolve mx.bench.test:127.0.0.1 --ca-file "$CA" --json --color never ;;
    doctor-quick) echo "$DOCTOR" check "mx.bench.test:$port" --resolve mx.bench.test:127.0.0.1 --ca-file "$CA" --json --color never --quick ;;
    sslscan) echo sslscan --starttls-smtp --no-colour "127.0.0.1:$port" ;;
    sslyze) echo "$SSLYZE" --starttls smtp --certinfo_ca_file "$CA" --json_out "$prefix.json" "127.0.0.1:$port" ;;
    testssl) echo testssl --quiet --color 0 --warnings off --nodns none --add-ca "$CA" --starttls smtp --jsonfile-pretty "$prefix.json" "127.0.0.1:$port" ;;
  esac
}

TOOLS=(doctor doctor-quick sslscan sslyze testssl)

measure() {
  local name=$1 tool=$2 run=$3
  local prefix="$RAW/$name/$tool.$run" before rc conns wall rss usr sys
  mkdir -p "$RAW/$name"
  rm -f "$prefix".*
  local cmd; cmd=$(tool_cmd "$tool" "$name" "$prefix")
  echo "$cmd" > "$prefix.cmd"
  log_settle
  before=$(log_lines)
  local t0 t1
  set +e
  t0=$EPOCHREALTIME
  # shellcheck disable=SC2086  # the command line is split on purpose (no spaces in paths)
  /usr/bin/time -f '%e %M %U %S' -o "$prefix.time" timeout "$TOOL_TIMEOUT" $cmd \
    > "$prefix.out" 2> "$prefix.err" < /dev/null
  rc=$?
  t1=$EPOCHREALTIME
  set -e
  log_settle
  conns=$(tail -n "+$((before + 1))" "$PFLOG" | grep -c "postfix-$name/smtpd\[[0-9]*\]: connect from" || true)
  # Wall time from the shell's microsecond clock (GNU time's %e has 10 ms steps), the rest from
  # GNU time: %M is the peak RSS of the largest single process of the tool (not a sum).
  read -r _ rss usr sys < <(grep -E '^[0-9.]+ [0-9]+ [0-9.]+ [0-9.]+$' "$prefix.time" | tail -1)
  wall=$(python3 -c "print(f'{$t1 - $t0:.4f}')")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$tool" "$run" "$wall" "$rss" "$usr" "$sys" "$rc" "$conns" >> "$RESULTS"
  log "$name $tool run $run: ${wall}s, ${rss} KB, exit $rc, $conns connections"
}

# Rounds: each round runs every tool against each listener, interleaved, so that slow drifts of
# the shared machine's load spread over all tools alike. The fast tools (all but testssl.sh) run
# REPEAT times per round, for steadier medians of their short times.
for round in $(seq 1 "$RUNS"); do
  for name in "${LISTENERS[@]}"; do
    for rep in $(seq 1 "$REPEAT"); do
      for tool in "${TOOLS[@]}"; do
        [ "$tool" = testssl ] && continue
        measure "$name" "$tool" "$(( (round - 1) * REPEAT + rep ))"
      done
    done
    measure "$name" testssl "$round"
  done
done

# ---------------------------------------------------------------------------------------------
# 5. Truth (openssl s_client against the still running Postfix), comparison, report
# ---------------------------------------------------------------------------------------------
ports_arg=()
for name in "${LISTENERS[@]}"; do ports_arg+=("$name=${PORT[$name]}"); done
log "measuring the truth with openssl s_client"
python3 "$BENCH/analyze.py" truth --out "$OUT" "${ports_arg[@]}"

postfix_stop
trap - EXIT

log "writing docs/benchmarks.md"
python3 "$BENCH/analyze.py" report --out "$OUT" --doc "$ROOT/docs/benchmarks.md" \
  --doctor "$DOCTOR" --sslyze "$SSLYZE" --runs "$RUNS" --repeat "$REPEAT" "${ports_arg[@]}"
log "done: docs/benchmarks.md, raw results in bench/out/"
