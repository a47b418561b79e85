#!/usr/bin/env python3
"""Helper of bench/domain.sh (standard library only).

  serve    the MTA-STS policy server: HTTPS, /.well-known/mta-sts.txt per Host header
  adcheck  one DNS query with DO=1 and AD=1; prints "ad=1" or "ad=0" (is the resolver validating?)
  report   reads bench/out/domain/ and writes the section "Domain checks" of docs/benchmarks.md
"""
import argparse
import json
import os
import random
import re
import socket
import ssl
import statistics
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


# ---------------------------------------------------------------------------------------------
# serve
# ---------------------------------------------------------------------------------------------
def serve(args):
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            host = (self.headers.get("Host") or "").split(":")[0].lower().rstrip(".")
            body = None
            if self.path == "/.well-known/mta-sts.txt" and host.startswith("mta-sts."):
                path = os.path.join(args.dir, host[len("mta-sts."):] + ".txt")
                if os.path.isfile(path):
                    with open(path, "rb") as f:
                        body = f.read()
            with lock, open(args.log, "a") as f:
                f.write(f"{host} {self.path} {200 if body is not None else 404}\n")
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)
    ctx.set_alpn_protocols(["http/1.1"])
    httpd = ThreadingHTTPServer((args.addr, args.port), Handler)
    httpd.daemon_threads = True
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    httpd.serve_forever()


# ---------------------------------------------------------------------------------------------
# adcheck
# ---------------------------------------------------------------------------------------------
def adcheck(args):
    qtype = {"A": 1, "MX": 15, "TXT": 16, "TLSA": 52, "SOA": 6}[args.type]
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0x0120, 1, 0, 0, 1)  # RD + AD
    for label in args.name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", qtype, 1)
    q += b"\0" + struct.pack(">HHIH", 41, 1232, 0x8000, 0)  # OPT, DO=1
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    s.sendto(q, (args.server, 53))
    data, _ = s.recvfrom(4096)
    rid, flags = struct.unpack(">HH", data[:4])
    if rid != qid:
        print("ad=?")
        return
    print(f"ad={1 if flags & 0x0020 else 0} rcode={flags & 0xF}" if flags & 0xF else f"ad={1 if flags & 0x0020 else 0}")


# ---------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------
TOOLS = ["doctor", "doctor-quick", "doctor-validate", "posttls-finger", "checkdmarc"]
LABEL = {
    "doctor": "smtp-tls-doctor (full scan)",
    "doctor-quick": "smtp-tls-doctor --quick",
    "doctor-validate": "smtp-tls-doctor --quick --dnssec-validate",
    "posttls-finger": "posttls-finger",
    "checkdmarc": "checkdmarc --check-mx-tls",
}
OURS = ["doctor", "doctor-quick", "doctor-validate"]
PEERS = ["posttls-finger", "checkdmarc"]

# What the script built (bench/domain.sh, section 3): the truth every report is compared with.
TRUTH = {
    "bench.test": {
        "mx": "mx1 (10), mx2 (20)",
        "starttls": "mx1 yes, mx2 yes",
        "pkix": "mx1 yes, mx2 yes",
        "dnssec": "secure",
        "tlsa": "mx1 3 1 1, mx2 3 1 1",
        "dane": "mx1 match, mx2 match",
        "sts": "enforce, valid",
        "covered": "mx1 yes, mx2 yes",
        "tlsrpt": "valid",
    },
    "bad.bench.test": {
        "mx": "mx3 (10)",
        "starttls": "mx3 yes",
        "pkix": "mx3 yes",
        "dnssec": "secure",
        "tlsa": "mx3 3 1 1",
        "dane": "mx3 no match",
        "sts": "enforce, valid",
        "covered": "mx3 no",
        "tlsrpt": "invalid",
    },
}
COLUMNS = [
    ("mx", "MX hosts (pref.)"),
    ("starttls", "STARTTLS"),
    ("pkix", "chain valid for the MX name"),
    ("dnssec", "DNSSEC"),
    ("tlsa", "TLSA found"),
    ("dane", "DANE match"),
    ("sts", "MTA-STS"),
    ("covered", "MX in the MTA-STS policy"),
    ("tlsrpt", "TLS-RPT"),
]
NOT_CHECKED = "–"


def short(host):
    return host.rstrip(".").split(".")[0]


def read_rows(out):
    rows = []
    with open(os.path.join(out, "results.tsv")) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            rows.append(dict(zip(head, line.rstrip("\n").split("\t"))))
    return rows


def extract_doctor(text):
    j = json.loads(text)
    dm = j["domain"]
    hosts = [h for h in dm["mx_results"]]
    res = {
        "mx": ", ".join(f"{short(h['host'])} ({h['preference']})" for h in hosts),
        "starttls": ", ".join(
            f"{short(h['host'])} " + ("yes" if all(a["status"] in ("ok", "tls-problems", "tls-failed") for a in h["addresses"]) and h["addresses"] else "no")
            for h in hosts),
        "pkix": ", ".join(
            f"{short(h['host'])} " + ("yes" if h["addresses"] and all(a["certificate_valid"] for a in h["addresses"]) else "no")
            for h in hosts),
        "tlsa": ", ".join(
            f"{short(h['host'])} " + (" / ".join(f"{r['usage']} {r['selector']} {r['matching']}" for r in h["tlsa_records"]) if h["tlsa_records"] else "none")
            for h in hosts),
        "dane": ", ".join(
            f"{short(h['host'])} " + ("match" if h["addresses"] and all(any(r["result"] == "match" for r in a["tlsa_results"]) for a in h["addresses"]) else "no match")
            for h in hosts),
        "covered": ", ".join(f"{short(h['host'])} " + ("yes" if h["mta_sts_covered"] else "no") for h in hosts),
    }
    secs = {h["tlsa"] for h in hosts}
    res["dnssec"] = "secure" if secs == {"secure"} else "/".join(sorted(secs))
    pol = dm.get("policy")
    res["sts"] = f"{pol['mode']}, {'valid' if pol['usable'] and not pol['errors'] else 'invalid'}" if pol else "none"
    codes = {f["code"] for f in dm["findings"]}
    has_rpt = any(r.get("text", "").startswith("v=TLSRPTv1") for r in (dm["tlsrpt_txt"].get("records") or []))
    res["tlsrpt"] = "invalid" if "tlsrpt-invalid" in codes else ("valid" if has_rpt else "none")
    res["_findings"] = sorted(codes)
    res["_senders"] = ", ".join(f"{s['kind']}: {s['result']}" for s in dm["senders"])
    res["_connections"] = j.get("connections")
    res["_ep_findings"] = sorted({f["code"] for e in j["endpoints"] for f in e.get("findings", [])})
    return res


PTF_EST = re.compile(r"(Verified|Trusted|Untrusted|Anonymous) TLS connection established to ([^\[]+)\[([^\]]+)\]:(\d+)")


def extract_posttls(text):
    # posttls-finger logs to stderr; -c: only the TLS lines.
    hosts = []
    est = {}
    for m in PTF_EST.finditer(text):
        h = short(m.group(2))
        hosts.append(h)
        est[h] = m.group(1)
    matched = {short(m.group(1)) for m in re.finditer(r"([\w.-]+)\[[^\]]+\]:\d+: Matched DANE", text)}
    nomatch = {short(m.group(1)) for m in re.finditer(r"verification failed for ([\w.-]+)\[[^\]]+\]:\d+: num=\d+:no matching DANE TLSA", text)}
    dane_hosts = matched | nomatch
    res = {k: NOT_CHECKED for k, _ in COLUMNS}
    res["mx"] = ", ".join(hosts) + " (the first MX that worked: it stops there)" if hosts else "none contacted"
    res["starttls"] = ", ".join(f"{h} yes" for h in hosts) if hosts else "no"
    res["dane"] = ", ".join(f"{h} " + ("match" if h in matched else "no match") for h in hosts if h in dane_hosts) or "no TLSA used"
    # DANE is only used with DNSSEC-secure TLSA records (the resolver's AD bit): using it means
    # both "secure" and "TLSA found"; the record's parameters are printed on a match only.
    if dane_hosts:
        res["dnssec"] = "secure"
        res["tlsa"] = ", ".join(f"{h} " + (m.group(1) if (m := re.search(re.escape(h) + r"[\w.]*\[[^\]]+\]:\d+: Matched DANE \S+ certificate at depth \d+: (\d \d \d)", text)) else "(records not shown)") for h in hosts if h in dane_hosts)
    res["_result"] = ", ".join(f"{h}: {est[h]}" for h in hosts)
    return res


def extract_checkdmarc(text):
    j = json.loads(text)
    hosts = j["mx"]["hosts"]
    warns = " ".join(j["mx"].get("warnings", []))
    res = {
        "mx": ", ".join(f"{short(h['hostname'])} ({h['preference']})" for h in hosts),
        # Python's default context verifies chain and name: a failure is "starttls": false.
        "starttls": ", ".join(f"{short(h['hostname'])} " + ("yes" if h.get("starttls") else "no") for h in hosts),
        "pkix": ", ".join(f"{short(h['hostname'])} " + ("yes" if h.get("starttls") else "no") for h in hosts),
        "dnssec": "secure" if j.get("dnssec") and all(h.get("dnssec") for h in hosts) else "not secure",
        "tlsa": ", ".join(f"{short(h['hostname'])} " + (" / ".join(t.rsplit(" ", 1)[0] for t in h.get("tlsa", [])) or "none") for h in hosts),
        "dane": NOT_CHECKED,
    }
    sts = j.get("mta_sts", {})
    pol = sts.get("policy") or {}
    res["sts"] = f"{pol.get('mode', '?')}, valid" if sts.get("valid") else "invalid"
    if sts.get("valid"):
        res["covered"] = ", ".join(
            f"{short(h['hostname'])} " + ("no" if f"{h['hostname']} is not included in the MTA-STS policy" in warns else "yes") for h in hosts)
    rpt = j.get("smtp_tls_reporting", {})
    res["tlsrpt"] = "valid" if rpt.get("valid") else "invalid"
    res["_error"] = rpt.get("error") or ""
    res["_warnings"] = j["mx"].get("warnings", []) + sts.get("warnings", [])
    return res


def extract(tool, out_text, err_text):
    try:
        if tool.startswith("doctor"):
            return extract_doctor(out_text)
        if tool == "posttls-finger":
            return extract_posttls(err_text + out_text)
        return extract_checkdmarc(out_text)
    except Exception as e:  # a report that cannot be read is a disagreement, shown as such
        return {k: f"unreadable ({e.__class__.__name__})" for k, _ in COLUMNS}


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt_s(x):
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def fmt_ratio(x):
    if x != x:
        return "–"
    return f"{x:.2f}×" if x < 10 else f"{x:.1f}×" if x < 100 else f"{x:.0f}×"


def report(args):
    out = args.out
    rows = read_rows(out)
    domains = list(dict.fromkeys(r["domain"] for r in rows))
    by = {}
    for r in rows:
        by.setdefault((r["domain"], r["tool"]), []).append(r)
    versions = {}
    for line in open(os.path.join(out, "versions.txt")):
        k, _, v = line.rstrip("\n").partition("=")
        versions[k] = v
    rev = open(os.path.join(out, "doctor_rev.txt")).read().strip()
    started = open(os.path.join(out, "started.txt")).read().strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
    import datetime
    ended = os.path.join(out, "ended.txt")  # "DATE, load average L1 L5 L15", written by domain.sh
    if os.path.exists(ended):
        now, _, load = open(ended).read().strip().partition(", load average ")
    else:
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        load = " ".join(open("/proc/loadavg").read().split()[:3])
    n = args.runs * args.repeat

    L = []
    w = L.append
    w("## Domain checks")
    w("")
    w("Generated by `bash bench/domain.sh` (do not edit by hand: re-run it; `bench/run.sh` rewrites this file without this section, so run `bench/domain.sh` after it). "
      "`smtp-tls-doctor check DOMAIN` against the two peer tools that check a mail *domain* rather than one server: Postfix's `posttls-finger` (an MX lookup and DANE verification, as Postfix's SMTP client does it) and `checkdmarc --check-mx-tls` (MX, STARTTLS, DNSSEC, TLSA records, MTA-STS, TLS-RPT, plus SPF, DMARC and BIMI). "
      "sslscan, sslyze and testssl.sh (above) take one server, not a domain, and are not in this comparison.")
    w("")
    w("### Set-up")
    w("")
    w("Everything runs in a network namespace whose only interface is loopback, and a mount namespace in which the script's own `resolv.conf` (`nameserver 127.0.0.1`, `options edns0 trust-ad`) is bound over `/etc/resolv.conf`, since posttls-finger and checkdmarc's SMTP and HTTPS connections resolve through the system resolver:")
    w("")
    w("- **DNS**: NSD (authoritative, 127.0.0.1:5353) serves two zones signed with `ldns-signzone` (ECDSAP256SHA256): `test.` and its child `bench.test.` (the DS of `bench.test` in `test.`, so that there is a chain of trust for tools that look for a DS, as checkdmarc does); Unbound (validating, 127.0.0.1:53, trust anchor: the DNSKEY of `test.`, everything else REFUSED), the resolver of every tool. It logs every query, which gives the DNS queries per run. Unbound's cache is warm after the first run: every tool gets cached answers alike.")
    w("- **SMTP**: one Postfix " + versions.get("posttls-finger", "?") + " with three listeners on port 25, 127.0.0.2 (`mx1`), 127.0.0.3 (`mx2`), 127.0.0.5 (`mx3`), all with the same chain (private root → intermediate → RSA-2048 leaf for mx1, mx2 and mx3.bench.test) and bench/run.sh's listener `p12-13` settings (TLS 1.2 and 1.3, six TLS 1.2 suites, server order). Postfix's log gives the SMTP connections per run.")
    w("- **HTTPS**: the MTA-STS policy server on 127.0.0.4:443 (Python's `http.server` with `ssl`, TLS 1.2+, a leaf for mta-sts.bench.test and mta-sts.bad.bench.test from the same CA, `Content-Type: text/plain`, CRLF lines), which logs every fetch.")
    w("")
    w("The two domains (the truth every report is compared with):")
    w("")
    w("| domain | MX | DANE | MTA-STS | TLS-RPT |")
    w("|---|---|---|---|---|")
    w("| `bench.test` (all right) | `10 mx1`, `20 mx2` | `_25._tcp.mx1` and `_25._tcp.mx2`: `TLSA 3 1 1` of the served key (match) | `v=STSv1; id=...`; policy `mode: enforce`, `mx: mx1.bench.test`, `mx: mx2.bench.test` | `v=TLSRPTv1; rua=mailto:tlsrpt@bench.test` |")
    w("| `bad.bench.test` (one defect each) | `10 mx3` | `_25._tcp.mx3`: `TLSA 3 1 1` of another key (a renewal without a TLSA update: DANE senders defer) | policy `mode: enforce` listing only `mx1.bench.test` (mx3 not covered: MTA-STS senders defer) | `v=TLSRPTv1; rua=tlsrpt@bench.test` (no URI scheme: invalid) |")
    w("")
    w("### Machine and tools")
    w("")
    w(f"- date: {now} (end of the measurements); started {started}; load average at the end {load}")
    w(f"- CPU: {cpu}, `nproc` = {os.cpu_count()}, memory {round(mem / 1024 / 1024)} GiB, Linux {os.uname().release}")
    w(f"- the machine is shared and noisy: absolute times move from run to run, so the comparison is in ratios of runs **measured in the same rounds**: {args.runs} rounds; in each round, per domain, the five commands run one after the other, {args.repeat} times over (interleaved), so every median is over {n} runs, and every ratio is the median of the {n} paired ratios (run *i* of ours ÷ run *i* of the peer, measured within a second of each other)")
    w(f"- smtp-tls-doctor: {versions.get('doctor', '?').replace('smtp-tls-doctor ', '')} (commit {rev})")
    w(f"- posttls-finger: Postfix {versions.get('posttls-finger', '?')} (Debian package `postfix`)")
    w(f"- checkdmarc: {versions.get('checkdmarc', '?')} (PyPI, in `bench/out/domain/venv`; dnspython {versions.get('dnspython', '?')}, Python {versions.get('python', '?')})")
    w(f"- NSD: {versions.get('nsd', '?').replace('NSD version ', '')}; Unbound: {versions.get('unbound', '?').replace('Version ', '')}; {versions.get('openssl', '?')}")
    w("")
    w("Commands (`root.pem` is the bench's private root CA, `trust-anchor.keys` the DNSKEY of `test.`):")
    w("")
    w("| tool | command |")
    w("|---|---|")
    w("| smtp-tls-doctor | `smtp-tls-doctor check DOMAIN --domain --dns 127.0.0.1:53 --ca-file root.pem --json --color never` (full scan of every MX address), and the same with `--quick` (one handshake per MX address), and with `--quick --dnssec-validate --trust-anchor trust-anchor.keys` (validating DNSSEC itself instead of trusting the resolver's AD bit) |")
    w("| posttls-finger | `MAIL_CONFIG=DIR posttls-finger -c -l dane -t 10 -T 30 -F root.pem DOMAIN` (DIR holds a two-line `main.cf`: `compatibility_level = 3.6`, `smtp_dns_support_level = dnssec`; `-F` only matters when no usable TLSA record is found) |")
    w("| checkdmarc | `SSL_CERT_FILE=root.pem REQUESTS_CA_BUNDLE=root.pem checkdmarc --check-mx-tls -n 127.0.0.1 -f json DOMAIN` (the two variables give Python's `ssl` and `requests` the private root) |")
    w("")
    w("Wall time is measured around the command (microseconds); peak RSS is GNU time's `%M` (the largest single process); SMTP connections are Postfix's `connect from` lines; DNS queries are the queries Unbound logged (`log-queries`); policy fetches are the HTTPS server's requests.")
    w("")

    for d in domains:
        w(f"### `{d}`: cost")
        w("")
        w("| tool | median wall (s) [min–max] | median peak RSS (MB) | median CPU (s) | SMTP connections | DNS queries | policy fetches | exit |")
        w("|---|---|---|---|---|---|---|---|")
        for t in TOOLS:
            rs = by.get((d, t), [])
            if not rs:
                continue
            walls = [float(r["wall_s"]) for r in rs]
            rss = [int(r["maxrss_kb"]) / 1024 for r in rs if r["maxrss_kb"]]
            cpu_s = [float(r["user_s"]) + float(r["sys_s"]) for r in rs if r["user_s"]]
            def spread(key):
                vals = sorted({int(r[key]) for r in rs})
                m = med([int(r[key]) for r in rs])
                m = int(m) if m == int(m) else m
                return f"{m}" + ("" if len(vals) == 1 else f" [{vals[0]}–{vals[-1]}]")
            exits = sorted({r["exit"] for r in rs})
            w(f"| {LABEL[t]} | {fmt_s(med(walls))} [{fmt_s(min(walls))}–{fmt_s(max(walls))}] | {med(rss):.1f} | {med(cpu_s):.2f} | {spread('connections')} | {spread('dns_queries')} | {spread('policy_fetches')} | {', '.join(exits)} |")
        w("")
        w(f"Ratios, ours ÷ peer (below 1: ours is faster, smaller, or makes fewer connections; median of the {n} paired runs):")
        w("")
        w("| smtp-tls-doctor | wall ÷ posttls-finger | wall ÷ checkdmarc | RSS ÷ posttls-finger | RSS ÷ checkdmarc | SMTP conn. ÷ posttls-finger | SMTP conn. ÷ checkdmarc | DNS queries ÷ posttls-finger | DNS queries ÷ checkdmarc |")
        w("|---|---|---|---|---|---|---|---|---|")
        for t in OURS:
            cells = []
            for key, conv in (("wall_s", float), ("maxrss_kb", int), ("connections", int), ("dns_queries", int)):
                for p in PEERS:
                    a = {r["run"]: conv(r[key]) for r in by.get((d, t), [])}
                    b = {r["run"]: conv(r[key]) for r in by.get((d, p), [])}
                    pairs = [a[k] / b[k] for k in a if k in b and b[k]]
                    cells.append((key, p, fmt_ratio(med(pairs))))
            order = [("wall_s", "posttls-finger"), ("wall_s", "checkdmarc"), ("maxrss_kb", "posttls-finger"), ("maxrss_kb", "checkdmarc"),
                     ("connections", "posttls-finger"), ("connections", "checkdmarc"), ("dns_queries", "posttls-finger"), ("dns_queries", "checkdmarc")]
            look = {(k, p): v for k, p, v in cells}
            w(f"| {LABEL[t].replace('smtp-tls-doctor', '').strip() or 'full scan'} | " + " | ".join(look[o] for o in order) + " |")
        w("")
        ours_conn = sorted({x for r in by.get((d, "doctor"), []) for x in [json_connections(out, d, "doctor", r["run"])] if x is not None})
        if ours_conn:
            w(f"smtp-tls-doctor's own count of its connections (`connections` in its JSON, the policy fetch included) in the full-scan runs: {', '.join(map(str, ours_conn))}.")
            w("")

    w("### What each tool reported")
    w("")
    w(f"Read from every run's report ({n} runs per tool and domain); `–`: the tool does not check it. A cell in **bold** disagrees with the truth.")
    w("")
    agree_notes = []
    for d in domains:
        w(f"#### `{d}`")
        w("")
        w("| tool | " + " | ".join(c for _, c in COLUMNS) + " | agrees with the truth |")
        w("|---|" + "---|" * (len(COLUMNS) + 1))
        w("| **truth** | " + " | ".join(TRUTH[d][k] for k, _ in COLUMNS) + " | |")
        for t in TOOLS:
            rs = by.get((d, t), [])
            if not rs:
                continue
            ex = []
            for r in rs:
                base = os.path.join(out, "raw", d, f"{t}.{r['run']}")
                ex.append(extract(t, read(base + ".out"), read(base + ".err")))
            first = ex[0]
            cells = []
            checked = wrong = 0
            partial = set()
            for k, _ in COLUMNS:
                vals = list(dict.fromkeys(e.get(k, NOT_CHECKED) for e in ex))
                v = vals[0] if len(vals) == 1 else " / ".join(vals) + " (runs differ)"
                truth = TRUTH[d][k]
                if v == NOT_CHECKED:
                    cells.append(v)
                    continue
                checked += 1
                ok = v == truth
                if t == "posttls-finger" and not ok:
                    # It reports only the MX hosts it contacted (it stops at the first that
                    # works): each host it reports must agree with the truth for that host.
                    parts = [x.strip() for x in v.split(" (")[0].split(",")]
                    tparts = [x.strip() for x in truth.split(",")]
                    if k == "mx":
                        ok = all(any(tp.startswith(x + " ") for tp in tparts) for x in parts)
                    elif k == "tlsa" and "(records not shown)" in v:
                        ok = True
                    else:
                        ok = all(x in tparts for x in parts)
                    if ok and len(parts) < len(tparts):
                        partial.add(t)
                if not ok:
                    wrong += 1
                cells.append(v if ok else f"**{v}**")
            verdict = ("yes" if wrong == 0 else f"**no ({wrong} of {checked})**") + f", {checked} of {len(COLUMNS)} checked" + (" (on the first MX only)" if partial else "")
            w(f"| {LABEL[t]} | " + " | ".join(cells) + f" | {verdict} |")
            if t == "doctor":
                agree_notes.append(f"- smtp-tls-doctor, `{d}`: senders: {first.get('_senders', '')}; domain findings: {', '.join('`' + c + '`' for c in first.get('_findings', [])) or 'none'}; endpoint findings of the full scan: {', '.join('`' + c + '`' for c in first.get('_ep_findings', [])) or 'none'} (exit {', '.join(sorted({r['exit'] for r in rs}))})")
            if t == "posttls-finger":
                agree_notes.append(f"- posttls-finger, `{d}`: {first.get('_result', '')} (exit {', '.join(sorted({r['exit'] for r in rs}))})")
            if t == "checkdmarc":
                extra = "; ".join(first.get("_warnings", []))
                agree_notes.append(f"- checkdmarc, `{d}`: warnings: {extra or 'none'}" + (f"; TLS-RPT error: {first['_error']}" if first.get("_error") else "") + f" (exit {', '.join(sorted({r['exit'] for r in rs}))})")
        w("")
    w("Notes from the reports (first run):")
    w("")
    L.extend(agree_notes)
    w("")
    w("How the cells are read: smtp-tls-doctor from `domain.mx_results`, `domain.policy`, `domain.findings` of its JSON; posttls-finger from its log lines (`Verified`/`Untrusted TLS connection established to HOST[ADDR]:25`, `Matched DANE EE certificate at depth 0: 3 1 1 ...`, `server certificate verification failed ...: no matching DANE TLSA records`); checkdmarc from `mx.hosts[]` (`starttls`, `dnssec`, `tlsa`), `mx.warnings` (`... is not included in the MTA-STS policy`), `mta_sts`, `smtp_tls_reporting` and `dnssec` of its JSON.")
    w("")
    w("### What is compared, and what is not (caveats)")
    w("")
    w("- **posttls-finger** does what Postfix's SMTP client does at `smtp_tls_security_level = dane`: the MX lookup, the TLSA lookup of the MX host (DNSSEC judged by the resolver's AD bit), then it goes down the MX list **until one host works**, and verifies that one against its TLSA records (or, without usable TLSA records, against `-F`'s CA at level `secure`). So on `bench.test` it connects to mx1 only and says nothing about mx2; it does not look at MTA-STS or TLS-RPT at all, prints TLSA parameters only on a match, and exits 0 even when DANE verification fails (it reports, it does not judge). It is a C program making one connection: the fastest and smallest possible baseline for \"is DANE right on the first MX\".")
    w("- **checkdmarc --check-mx-tls** connects to every MX host once (smtplib, STARTTLS with Python's default context: a chain or name failure reads as `starttls: false`), lists the TLSA records it finds signed (it validates their RRSIG against the zone's DNSKEY) but **does not match them against the certificate** — it cannot see a DANE mismatch; its DNSSEC verdict is a one-level DS → DNSKEY → RRSIG check from the DS the resolver reports. It fetches and parses the MTA-STS policy, flags an MX the policy does not list (as a warning, whatever the mode), validates the TLS-RPT record — and also checks SPF, DMARC, BIMI, NS, SOA and PTR records (most of its DNS queries), which smtp-tls-doctor and posttls-finger do not. It is a Python program: its start-up (interpreter and imports) is most of its time and memory.")
    w("- **smtp-tls-doctor** checks every address of every MX host (concurrently), matches every TLSA record against every chain, fetches and judges the MTA-STS policy and TLS-RPT record, and says what opportunistic, MTA-STS and DANE senders will do. `--quick` does one handshake per MX address, the default adds the full protocol and suite scan of each (about 25 connections per address against this Postfix, as in the single-server benchmark above), which neither peer does: compare the peers with `--quick`, and the full scan with the single-server tools above. Only the full scan reports `cipher-no-forward-secrecy` (a warning: the listeners offer AES256-GCM-SHA384 and AES128-SHA, as bench/run.sh's `p12-13` does); neither peer looks at the suites.")
    w("- Exit codes: smtp-tls-doctor exits 1 on problems (`bad.bench.test`), posttls-finger and checkdmarc exit 0 whatever they found.")
    w("- DNS is on loopback with a warm cache: real domains add network round trips to every lookup, which favours tools that ask fewer questions or ask them concurrently; the query counts above show how many each one asks.")
    w("")
    w("### How to reproduce")
    w("")
    w("```sh")
    w("bash bench/domain.sh    # BENCH_RUNS=3 rounds, BENCH_REPEAT=5 runs per round; BENCH_BUILD=worktree, CARGO_TARGET_DIR as bench/run.sh")
    w("```")
    w("")
    w("It installs what is missing (Postfix, NSD, Unbound, ldnsutils, GNU time with apt, without starting their system services; checkdmarc with pip in `bench/out/domain/venv`), builds smtp-tls-doctor in release, makes the CA and the certificates, then in the namespaces signs the zones and starts NSD, Unbound, Postfix and the HTTPS server (under `/tmp/smtp-tls-doctor-bench-domain`), runs every tool, stops them and rewrites this section. Raw results (each run's command, output, timing; `results.tsv`; the zone; the servers' logs) are kept in `bench/out/domain/`.")
    w("")

    section = "\n".join(L).rstrip("\n") + "\n"
    doc = open(args.doc).read()
    # bench/bulk.sh owns the section "Bulk" after this one: keep it.
    bulk = ""
    b = doc.find("\n## Bulk\n")
    if b >= 0:
        bulk = doc[b + 1:]
        doc = doc[: b + 1]
    i = doc.find("\n## Domain checks\n")
    if i >= 0:
        doc = doc[: i + 1]
    if not doc.endswith("\n"):
        doc += "\n"
    doc += "\n" + section if not doc.endswith("\n\n") else section
    if bulk:
        doc += "\n" + bulk
    with open(args.doc, "w") as f:
        f.write(doc)


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def json_connections(out, d, t, run):
    try:
        return json.loads(read(os.path.join(out, "raw", d, f"{t}.{run}.out"))).get("connections")
    except Exception:
        return None

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--addr", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--log", required=True)
    p = sub.add_parser("adcheck")
    p.add_argument("--server", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--type", default="MX")
    p = sub.add_parser("report")
    p.add_argument("--out", required=True)
    p.add_argument("--doc", required=True)
    p.add_argument("--runs", type=int, required=True)
    p.add_argument("--repeat", type=int, required=True)
    a = ap.parse_args()
    if a.cmd == "serve":
        serve(a)
    elif a.cmd == "adcheck":
        adcheck(a)
    else:
        report(a)
