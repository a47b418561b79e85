#!/usr/bin/env bash
# Benchmark of DOMAIN checks: `smtp-tls-doctor check DOMAIN` against Postfix's `posttls-finger`
# (DANE verification of a domain's MX) and `checkdmarc --check-mx-tls` (MX, STARTTLS, MTA-STS,
# TLS-RPT), on a private mail domain served entirely on loopback: NSD (authoritative, the signed
# zones `test.` and `bench.test.` with a DS chain between them), Unbound (validating, trust anchor
# `test.`) on 127.0.0.1:53, one Postfix with three listeners on 127.0.0.{2,3,5}:25 and an HTTPS
# server for the MTA-STS policies on 127.0.0.4:443. Measures wall time, peak RSS, the SMTP
# connections (Postfix's log), the DNS queries (Unbound's log) and the policy fetches (the HTTPS
# server's log) of each run, checks what each tool reports against the truth the script built,
# and appends (or replaces) the section "Domain checks" at the end of docs/benchmarks.md.
#
#   bash bench/domain.sh                 # BENCH_RUNS=3 rounds, BENCH_REPEAT=5 runs per round
#   BENCH_SKIP_INSTALL=1 ...             # do not apt-get/pip anything
#   CARGO_TARGET_DIR=... ...             # where to build (default bench/out/target)
#   BENCH_BUILD=worktree ...             # build the work tree as it is (default: the committed HEAD)
#   BENCH_NO_BUILD=1 ...                 # use the binary already in $CARGO_TARGET_DIR/release
#
# Only loopback is ever contacted: after installing and building, the script re-runs itself with
# `unshare --net --mount`: a network namespace whose only interface is loopback (the kernel keeps
# every tool off any other address) and a mount namespace of its own, in which the script binds
# its own resolv.conf (nameserver 127.0.0.1, the private Unbound) over /etc/resolv.conf, because
# posttls-finger and checkdmarc's SMTP and HTTPS connections use the system resolver. Nothing
# outside the namespaces sees that mount. Package installs (apt, pip) and the build are the only
# other traffic. Unlike bench/run.sh there is no BENCH_NO_NETNS: the private DNS must be on
# 127.0.0.1:53 and Postfix on port 25, which needs the namespace.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/bench"
OUT="$BENCH/out/domain"
RUNS="${BENCH_RUNS:-3}"
REPEAT="${BENCH_REPEAT:-5}"
TOOL_TIMEOUT="${BENCH_TIMEOUT:-300}"
WORK="/tmp/smtp-tls-doctor-bench-domain"   # Postfix config + queue, DNS, HTTPS (must be 755)
PFDIR="$WORK/postfix"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$BENCH/out/target}"
DOCTOR="$CARGO_TARGET_DIR/release/smtp-tls-doctor"
VENV="$OUT/venv"
CHECKDMARC="$VENV/bin/checkdmarc"
NSD_PORT=5353
PATH="/usr/sbin:/sbin:$PATH"

mkdir -p "$OUT"
log() { printf '[domain-bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# 1. Tools (outside the namespace)
# ---------------------------------------------------------------------------------------------
install_tools() {
  local need=()
  command -v postfix >/dev/null 2>&1 || need+=(postfix)
  command -v posttls-finger >/dev/null 2>&1 || need+=(postfix)
  command -v nsd >/dev/null 2>&1 || need+=(nsd)
  command -v unbound >/dev/null 2>&1 || need+=(unbound)
  command -v ldns-signzone >/dev/null 2>&1 || need+=(ldnsutils)
  [ -x /usr/bin/time ] || need+=(time)
  command -v openssl >/dev/null 2>&1 || need+=(openssl)
  command -v python3 >/dev/null 2>&1 || need+=(python3 python3-venv)
  command -v ip >/dev/null 2>&1 || need+=(iproute2)
  command -v unshare >/dev/null 2>&1 || need+=(util-linux)
  if [ ${#need[@]} -gt 0 ]; then
    log "apt-get install ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    # No system nsd, unbound or postfix may start during the install (as .ci/run does).
    local added_policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
      added_policy=1
    fi
    apt-get update -qq
    apt-get install -y -qq "${need[@]}"
    if [ -n "$added_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
  fi
  if [ ! -x "$CHECKDMARC" ]; then
    log "pip install checkdmarc into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV" || { apt-get install -y -qq python3-venv && python3 -m venv "$VENV"; }
    "$VENV/bin/pip" install -q checkdmarc
  fi
}

# As bench/run.sh: a snapshot of the committed HEAD (git archive), or the work tree.
build_doctor() {
  local src
  if [ "${BENCH_BUILD:-head}" = worktree ]; then
    src="$ROOT"
    DOCTOR_REV="$(git -C "$ROOT" rev-parse --short HEAD) + work tree"
  else
    src="$BENCH/out/src-domain"
    rm -rf "$src"; mkdir -p "$src"
    git -C "$ROOT" archive HEAD | tar -x -C "$src"
    DOCTOR_REV="$(git -C "$ROOT" rev-parse --short HEAD)"
  fi
  echo "$DOCTOR_REV" > "$OUT/doctor_rev.txt"
  if [ -n "${BENCH_NO_BUILD:-}" ]; then
    log "BENCH_NO_BUILD: using $DOCTOR as it is"
    echo "$DOCTOR_REV (prebuilt, BENCH_NO_BUILD)" > "$OUT/doctor_rev.txt"
    return
  fi
  log "building smtp-tls-doctor $DOCTOR_REV (release) in $CARGO_TARGET_DIR"
  (cd "$src" && cargo build --release --locked -q -p smtp-tls-doctor)
}

# ---------------------------------------------------------------------------------------------
# 2. PKI: root CA -> intermediate -> leaf for the MX hosts (mx1, mx2, mx3.bench.test) and leaf
#    for the MTA-STS policy hosts (mta-sts.bench.test, mta-sts.bad.bench.test); plus a spare key
#    whose TLSA record is the "stale" one of bad.bench.test.
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
[mx]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:mx1.bench.test, DNS:mx2.bench.test, DNS:mx3.bench.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[sts]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:mta-sts.bench.test, DNS:mta-sts.bad.bench.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    for k in root inter mx sts old; do
      openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$k.key" 2>/dev/null
    done
    openssl req -new -x509 -key root.key -subj "/CN=Bench Root CA" -days 3650 -sha256 \
      -extensions root -config <(cat /etc/ssl/openssl.cnf ext.cnf) -out root.pem
    openssl req -new -key inter.key -subj "/CN=Bench Intermediate CA" -out inter.csr
    openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -days 1825 \
      -sha256 -extfile ext.cnf -extensions inter -out inter.pem 2>/dev/null
    for leaf in mx sts; do
      openssl req -new -key "$leaf.key" -subj "/CN=$leaf.bench.test" -out "$leaf.csr"
      openssl x509 -req -in "$leaf.csr" -CA inter.pem -CAkey inter.key -CAcreateserial -days 365 \
        -sha256 -extfile ext.cnf -extensions "$leaf" -out "$leaf.pem" 2>/dev/null
      openssl verify -CAfile root.pem -untrusted inter.pem "$leaf.pem" >/dev/null
    done
    cat mx.key mx.pem inter.pem > mx-chain.pem      # Postfix: key, leaf, intermediate
    cat sts.pem inter.pem > sts-chain.pem           # the HTTPS server: leaf, intermediate
    # TLSA 3 1 1: SHA-256 of the SubjectPublicKeyInfo (DER).
    spki_sha256() { openssl pkey -in "$1" -pubout -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1; }
    spki_sha256 mx.key > mx.tlsa311
    spki_sha256 old.key > old.tlsa311
  )
}
CA="$PKI/root.pem"

if [ -z "${BENCH_IN_NETNS:-}" ]; then
  printf '%s, load average %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(cut -d' ' -f1-3 /proc/loadavg)" > "$OUT/started.txt"
  if [ -z "${BENCH_SKIP_INSTALL:-}" ]; then install_tools; fi
  build_doctor
  make_pki
  log "re-running in new network and mount namespaces: only loopback exists there"
  BENCH_IN_NETNS=1 exec unshare --net --mount --propagation private -- bash "$0"
fi

# ---------------------------------------------------------------------------------------------
# 3. Inside the namespaces: loopback, resolv.conf, DNS, Postfix, HTTPS
# ---------------------------------------------------------------------------------------------
ip link set lo up
# Never let anything here reach a real resolver: the namespace's resolv.conf names Unbound only.
rm -rf "$WORK"; mkdir -p "$WORK"; chmod 755 "$WORK"
printf 'nameserver 127.0.0.1\noptions edns0 trust-ad\n' > "$WORK/resolv.conf"
mount --bind "$WORK/resolv.conf" /etc/resolv.conf
# No hosts-file shortcut for the bench names either (they are only in DNS).
grep -q 'bench\.test' /etc/hosts && { log "/etc/hosts mentions bench.test: remove it"; exit 1; }

PIDS=()
cleanup() {
  local p
  if [ -f "$PFDIR/main.cf" ]; then postfix -c "$PFDIR" stop >/dev/null 2>&1 || true; fi
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

MX_TLSA=$(cat "$PKI/mx.tlsa311")
OLD_TLSA=$(cat "$PKI/old.tlsa311")
SERIAL=$(date +%s)
DNS="$WORK/dns"; mkdir -p "$DNS"

# The test zone: bench.test (everything right) and bad.bench.test (one defect per policy).
cat > "$DNS/bench.test.zone" <<EOF
\$ORIGIN bench.test.
\$TTL 3600
@ IN SOA ns.bench.test. hostmaster.bench.test. $SERIAL 3600 900 604800 300
@ IN NS ns
ns IN A 127.0.0.1
; --- bench.test: two MX hosts, DANE 3 1 1 matching, MTA-STS enforce covering both, TLS-RPT
@ IN MX 10 mx1
@ IN MX 20 mx2
mx1 IN A 127.0.0.2
mx2 IN A 127.0.0.3
_25._tcp.mx1 IN TLSA 3 1 1 $MX_TLSA
_25._tcp.mx2 IN TLSA 3 1 1 $MX_TLSA
_mta-sts IN TXT "v=STSv1; id=20261125bench"
mta-sts IN A 127.0.0.4
_smtp._tls IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@bench.test"
; --- bad.bench.test: one MX whose TLSA record is that of another key (a renewal without a TLSA
; update), an MTA-STS policy in enforce mode that does not list its MX, a TLS-RPT record whose
; rua has no URI scheme
bad IN MX 10 mx3
mx3 IN A 127.0.0.5
_25._tcp.mx3 IN TLSA 3 1 1 $OLD_TLSA
_mta-sts.bad IN TXT "v=STSv1; id=20261125bad"
mta-sts.bad IN A 127.0.0.4
_smtp._tls.bad IN TXT "v=TLSRPTv1; rua=tlsrpt@bench.test"
EOF

# Sign bench.test (one ECDSAP256SHA256 CSK, as crates/cli/tests/common/dns.rs does), put its DS
# into the signed parent zone test., and make test.'s key the resolver's trust anchor: a real
# chain of trust, so checkdmarc's DS-based DNSSEC check has a DS to find.
sign() {  # sign ORIGIN ZONEFILE -> ZONEFILE.signed; prints the key's base name
  local origin=$1 file=$2 base now
  base=$(cd "$DNS" && ldns-keygen -a ECDSAP256SHA256 -k -r /dev/urandom "$origin")
  now=$(date +%s)
  (cd "$DNS" && ldns-signzone -i $((now - 86400)) -e $((now + 30 * 86400)) -f "$file.signed" "$file" "$base")
  echo "$base"
}
CHILD_KEY=$(sign bench.test "$DNS/bench.test.zone")
(cd "$DNS" && ldns-key2ds -n -2 "$CHILD_KEY.key" > bench.test.ds)
cat > "$DNS/test.zone" <<EOF
\$ORIGIN test.
\$TTL 3600
@ IN SOA ns.test. hostmaster.test. $SERIAL 3600 900 604800 300
@ IN NS ns
ns IN A 127.0.0.1
bench IN NS ns.bench
ns.bench IN A 127.0.0.1
$(cat "$DNS/bench.test.ds")
EOF
PARENT_KEY=$(sign test "$DNS/test.zone")
# Trust anchor: test.'s DNSKEY in presentation format, one line (also for --trust-anchor).
cut -d';' -f1 "$DNS/$PARENT_KEY.key" | awk '{printf "%s 3600 IN DNSKEY %s %s %s ", $1, $4, $5, $6; for (i = 7; i <= NF; i++) printf "%s", $i; print ""}' > "$DNS/trust-anchor.keys"
nsd-checkzone test. "$DNS/test.zone.signed" >/dev/null
nsd-checkzone bench.test. "$DNS/bench.test.zone.signed" >/dev/null
cp "$DNS/trust-anchor.keys" "$OUT/trust-anchor.keys"
cp "$DNS/bench.test.zone" "$OUT/bench.test.zone"

cat > "$DNS/nsd.conf" <<EOF
server:
  ip-address: 127.0.0.1
  port: $NSD_PORT
  do-ip4: yes
  do-ip6: no
  reuseport: no
  username: ""
  chroot: ""
  zonesdir: "$DNS"
  database: ""
  zonelistfile: "$DNS/nsd.zonelist"
  xfrdfile: "$DNS/nsd.xfrd.state"
  xfrdir: "$DNS"
  pidfile: ""
  logfile: "$DNS/nsd.log"
  server-count: 1
  verbosity: 1
  hide-version: yes
remote-control:
  control-enable: no
zone:
  name: "test."
  zonefile: "$DNS/test.zone.signed"
zone:
  name: "bench.test."
  zonefile: "$DNS/bench.test.zone.signed"
EOF
# Unbound as in dns.rs, on 127.0.0.1:53 (the system resolver's port: posttls-finger and
# checkdmarc's sockets only know port 53), every query logged (the DNS query counts).
cat > "$DNS/unbound.conf" <<EOF
server:
  interface: 127.0.0.1
  port: 53
  do-ip4: yes
  do-ip6: no
  do-udp: yes
  do-tcp: yes
  so-reuseport: no
  username: ""
  chroot: ""
  directory: "$DNS"
  pidfile: ""
  use-syslog: no
  logfile: "$DNS/unbound.log"
  log-time-ascii: yes
  log-queries: yes
  verbosity: 1
  val-log-level: 2
  num-threads: 1
  outgoing-range: 64
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  module-config: "validator iterator"
  trust-anchor-signaling: no
  root-key-sentinel: no
  qname-minimisation: no
  aggressive-nsec: no
  prefetch: no
  harden-referral-path: no
  # Nothing outside the bench's zones: REFUSED, never the internet.
  local-zone: "." refuse
  local-zone: "test." transparent
  local-zone: "bench.test." transparent
  trust-anchor-file: "$DNS/trust-anchor.keys"
stub-zone:
  name: "bench.test."
  stub-addr: 127.0.0.1@$NSD_PORT
stub-zone:
  name: "test."
  stub-addr: 127.0.0.1@$NSD_PORT
stub-zone:
  name: "."
  stub-addr: 127.0.0.1@$NSD_PORT
remote-control:
  control-enable: no
EOF
nsd -d -c "$DNS/nsd.conf" > "$DNS/nsd.out" 2>&1 & PIDS+=($!)
unbound -d -c "$DNS/unbound.conf" > "$DNS/unbound.out" 2>&1 & PIDS+=($!)

# The MTA-STS policy server: HTTPS on 127.0.0.4:443, one policy per Host header.
mkdir -p "$WORK/https"
cat > "$WORK/https/bench.test.txt" <<'EOF'
version: STSv1
mode: enforce
mx: mx1.bench.test
mx: mx2.bench.test
max_age: 86400
EOF
cat > "$WORK/https/bad.bench.test.txt" <<'EOF'
version: STSv1
mode: enforce
mx: mx1.bench.test
max_age: 86400
EOF
sed -i 's/$/\r/' "$WORK/https/"*.txt   # RFC 8461 §3.2: CRLF
python3 "$BENCH/domain_analyze.py" serve --addr 127.0.0.4 --port 443 --dir "$WORK/https" \
  --cert "$PKI/sts-chain.pem" --key "$PKI/sts.key" --log "$WORK/https/access.log" \
  > "$WORK/https/server.out" 2>&1 & PIDS+=($!)

# Postfix: three listeners on port 25 (mx1, mx2: bench.test; mx3: bad.bench.test), one
# certificate for the three names; as bench/run.sh does otherwise.
mkdir -p "$PFDIR/queue" "$PFDIR/data"
chmod 755 "$PFDIR" "$PFDIR/queue" "$PFDIR/data"
chown postfix "$PFDIR/data" 2>/dev/null || true
cp "$PKI/mx-chain.pem" "$PFDIR/chain.pem"; chmod 600 "$PFDIR/chain.pem"
cat > "$PFDIR/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PFDIR/queue
data_directory = $PFDIR/data
mail_owner = postfix
inet_interfaces = all
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
smtpd_tls_chain_files = $PFDIR/chain.pem
# A modern configuration (bench/run.sh's listener p12-13): TLS 1.2 and 1.3, six TLS 1.2 suites.
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_tls_ciphers = high
tls_high_cipherlist = ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES256-GCM-SHA384:AES256-GCM-SHA384:AES128-SHA
tls_preempt_cipherlist = yes
EOF
# posttls-finger reads a main.cf (its defaults are all it needs): a client configuration of its
# own, MAIL_CONFIG=$WORK/client, so the system's /etc/postfix is neither needed nor read.
mkdir -p "$WORK/client"
printf 'compatibility_level = 3.6\nsmtp_dns_support_level = dnssec\n' > "$WORK/client/main.cf"
: > "$WORK/client/master.cf"
{
  echo "127.0.0.2:25 inet n - n - - smtpd -o syslog_name=postfix-mx1"
  echo "127.0.0.3:25 inet n - n - - smtpd -o syslog_name=postfix-mx2"
  echo "127.0.0.5:25 inet n - n - - smtpd -o syslog_name=postfix-mx3"
  cat <<'EOF'
pickup unix n - n 60 1 pickup
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
EOF
} > "$PFDIR/master.cf"
postfix -c "$PFDIR" check
postfix -c "$PFDIR" start

wait_tcp() {  # wait_tcp ADDR PORT WHAT
  local deadline=$((SECONDS + 30))
  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { log "$3 does not listen on $1:$2"; exit 1; }
    sleep 0.1
  done
}
for a in 127.0.0.2 127.0.0.3 127.0.0.5; do wait_tcp "$a" 25 Postfix; done
wait_tcp 127.0.0.4 443 "the HTTPS policy server"
wait_tcp 127.0.0.1 53 Unbound
# The resolver must validate: the MX answer of bench.test carries AD=1.
ad=""
for _ in $(seq 1 50); do
  ad=$(python3 "$BENCH/domain_analyze.py" adcheck --server 127.0.0.1 --name bench.test --type MX || true)
  [ "$ad" = "ad=1" ] && break
  sleep 0.2
done
[ "$ad" = "ad=1" ] || { log "Unbound does not validate bench.test ($ad)"; cat "$DNS/unbound.log" "$DNS/nsd.log" >&2; exit 1; }
log "DNS (NSD 127.0.0.1:$NSD_PORT, Unbound 127.0.0.1:53, AD=1), Postfix (127.0.0.2, .3, .5:25), HTTPS (127.0.0.4:443) up"
sleep 1

# ---------------------------------------------------------------------------------------------
# 4. The runs
# ---------------------------------------------------------------------------------------------
DOMAINS=(bench.test bad.bench.test)
TOOLS=(doctor doctor-quick doctor-validate posttls-finger checkdmarc)
RAW="$OUT/raw"
rm -rf "$RAW"; mkdir -p "$RAW"
RESULTS="$OUT/results.tsv"
printf 'domain\ttool\trun\twall_s\tmaxrss_kb\tuser_s\tsys_s\texit\tconnections\tdns_queries\tpolicy_fetches\n' > "$RESULTS"
PFLOG="$PFDIR/postfix.log"
UBLOG="$DNS/unbound.log"
HTLOG="$WORK/https/access.log"
touch "$HTLOG"
lines() { wc -l < "$1" 2>/dev/null || echo 0; }

# Wait until postlogd has written everything: no new line for 0.6 s (at most 15 s).
log_settle() {
  local last now same=0
  last=$(lines "$PFLOG")
  for _ in $(seq 1 75); do
    sleep 0.2
    now=$(lines "$PFLOG")
    if [ "$now" = "$last" ]; then
      same=$((same + 1)); [ $same -ge 3 ] && return 0
    else
      same=0
    fi
    last=$now
  done
}

# checkdmarc's own trust: Python's ssl default context (SSL_CERT_FILE) for STARTTLS and
# requests (REQUESTS_CA_BUNDLE) for the policy fetch are given the bench's root only.
tool_cmd() {
  local tool=$1 domain=$2 prefix=$3
  case $tool in
    doctor) echo "$DOCTOR" check "$domain" --domain --dns 127.0.0.1:53 --ca-file "$CA" --json --color never ;;
    doctor-quick) echo "$DOCTOR" check "$domain" --domain --dns 127.0.0.1:53 --ca-file "$CA" --json --color never --quick ;;
    doctor-validate) echo "$DOCTOR" check "$domain" --domain --dns 127.0.0.1:53 --ca-file "$CA" --json --color never --quick --dnssec-validate --trust-anchor "$OUT/trust-anchor.keys" ;;
    posttls-finger) echo env MAIL_CONFIG="$WORK/client" posttls-finger -c -l dane -t 10 -T 30 -F "$CA" "$domain" ;;
    checkdmarc) echo env SSL_CERT_FILE="$CA" REQUESTS_CA_BUNDLE="$CA" "$CHECKDMARC" --check-mx-tls -n 127.0.0.1 -f json "$domain" ;;
  esac
}

measure() {
  local domain=$1 tool=$2 run=$3
  local prefix="$RAW/$domain/$tool.$run" before_pf before_ub before_ht rc conns queries fetches wall rss usr sys
  mkdir -p "$RAW/$domain"
  local cmd; cmd=$(tool_cmd "$tool" "$domain" "$prefix")
  echo "$cmd" > "$prefix.cmd"
  log_settle
  before_pf=$(lines "$PFLOG"); before_ub=$(lines "$UBLOG"); before_ht=$(lines "$HTLOG")
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
  conns=$(tail -n "+$((before_pf + 1))" "$PFLOG" | grep -c 'postfix-mx[0-9]/smtpd\[[0-9]*\]: connect from' || true)
  queries=$(tail -n "+$((before_ub + 1))" "$UBLOG" | grep -c 'info: 127\.0\.0\.1 .* IN$' || true)
  fetches=$(tail -n "+$((before_ht + 1))" "$HTLOG" | grep -c . || true)
  read -r _ rss usr sys < <(grep -E '^[0-9.]+ [0-9]+ [0-9.]+ [0-9.]+$' "$prefix.time" | tail -1)
  wall=$(python3 -c "print(f'{$t1 - $t0:.4f}')")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$domain" "$tool" "$run" "$wall" "$rss" "$usr" "$sys" "$rc" "$conns" "$queries" "$fetches" >> "$RESULTS"
  log "$domain $tool run $run: ${wall}s, ${rss} KB, exit $rc, $conns SMTP connections, $queries DNS queries, $fetches policy fetches"
}

for round in $(seq 1 "$RUNS"); do
  for domain in "${DOMAINS[@]}"; do
    for rep in $(seq 1 "$REPEAT"); do
      for tool in "${TOOLS[@]}"; do
        measure "$domain" "$tool" "$(( (round - 1) * REPEAT + rep ))"
      done
    done
  done
done

printf '%s, load average %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(cut -d' ' -f1-3 /proc/loadavg)" > "$OUT/ended.txt"
cp "$PFLOG" "$OUT/postfix.log"; cp "$UBLOG" "$OUT/unbound.log"; cp "$HTLOG" "$OUT/https-access.log"
cleanup
trap - EXIT

{
  echo "posttls-finger=$(postconf -c "$WORK/client" -h mail_version 2>/dev/null || echo unknown)"
  echo "checkdmarc=$("$CHECKDMARC" --version 2>&1 | tail -1)"
  echo "dnspython=$("$VENV/bin/python" -c 'import dns.version; print(dns.version.version)' 2>/dev/null || echo unknown)"
  echo "python=$("$VENV/bin/python" -c 'import sys, ssl; print(sys.version.split()[0] + " (" + ssl.OPENSSL_VERSION + ")")')"
  echo "nsd=$(nsd -v 2>&1 | head -1)"
  echo "unbound=$(unbound -V 2>&1 | head -1)"
  echo "openssl=$(openssl version)"
  echo "doctor=$("$DOCTOR" --version 2>&1 | head -1)"
} > "$OUT/versions.txt"

log "writing the section \"Domain checks\" of docs/benchmarks.md"
python3 "$BENCH/domain_analyze.py" report --out "$OUT" --doc "$ROOT/docs/benchmarks.md" \
  --runs "$RUNS" --repeat "$REPEAT"
log "done: docs/benchmarks.md, raw results in bench/out/domain/"
