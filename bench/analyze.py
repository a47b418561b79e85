#!/usr/bin/env python3
"""Analysis for bench/run.sh (standard library only).

  analyze.py truth  --out DIR NAME=PORT...   measure what the Postfix listeners really accept, with
                                             `openssl s_client` (Postfix must be running)
  analyze.py report --out DIR --doc FILE ... parse every tool's output, compare with the truth,
                                             write docs/benchmarks.md

Suites are compared by their two-byte id, which every tool's names are mapped to with OpenSSL's own
table (`openssl ciphers -V -stdname`). Only 127.0.0.1 is ever contacted.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
from pathlib import Path

VERSIONS = ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
SHORT = {"SSLv2": "SSL2", "SSLv3": "SSL3", "TLSv1.0": "1.0", "TLSv1.1": "1.1", "TLSv1.2": "1.2", "TLSv1.3": "1.3"}
SCLIENT_FLAG = {"TLSv1.0": "-tls1", "TLSv1.1": "-tls1_1", "TLSv1.2": "-tls1_2", "TLSv1.3": "-tls1_3"}
TLS13_SUITES = ["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256",
                "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256"]
ALL_LEGACY = "ALL:COMPLEMENTOFALL:@SECLEVEL=0"
# Every TLS group OpenSSL 3.0 knows (ssl/t1_lib.c), in its own names.
GROUPS = ("sect163k1 sect163r1 sect163r2 sect193r1 sect193r2 sect233k1 sect233r1 sect239k1 sect283k1 "
          "sect283r1 sect409k1 sect409r1 sect571k1 sect571r1 secp160k1 secp160r1 secp160r2 secp192k1 "
          "prime192v1 secp224k1 secp224r1 secp256k1 prime256v1 secp384r1 secp521r1 brainpoolP256r1 "
          "brainpoolP384r1 brainpoolP512r1 X25519 X448 ffdhe2048 ffdhe3072 ffdhe4096 ffdhe6144 ffdhe8192").split()
TOOLS = ["doctor", "doctor-quick", "sslscan", "sslyze", "testssl"]
TOOL_LABEL = {"doctor": "smtp-tls-doctor (full scan)", "doctor-quick": "smtp-tls-doctor --quick",
              "sslscan": "sslscan", "sslyze": "sslyze", "testssl": "testssl.sh", "truth": "**truth** (openssl s_client)"}
LISTENER_TEXT = {
    "p12-13": "(a) `p12-13`: TLS 1.2 + 1.3, RSA-2048 chain, `smtpd_tls_ciphers = high`, six TLS 1.2 suites "
              "in `tls_high_cipherlist` + OpenSSL's three default TLS 1.3 suites, `tls_preempt_cipherlist = yes`",
    "p10-12": "(b) `p10-12`: TLS 1.0 to 1.2, `smtpd_tls_ciphers = medium`, `tls_medium_cipherlist = "
              "DEFAULT:@SECLEVEL=0`, client order (Postfix's default `tls_preempt_cipherlist = no`)",
}


def sh(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, **kw)


# ------------------------------------------------------------------------------------------------
# OpenSSL's table of suites: id <-> OpenSSL name <-> IANA name
# ------------------------------------------------------------------------------------------------
class SuiteTable:
    def __init__(self):
        self.by_name = {}  # any name (upper case) -> id (int)
        self.openssl = {}  # id -> OpenSSL name
        self.iana = {}     # id -> IANA name
        out = sh("openssl", "ciphers", "-V", "-stdname", "-ciphersuites", ":".join(TLS13_SUITES), ALL_LEGACY).stdout
        for line in out.splitlines():
            m = re.match(r"\s*0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2}) - (\S+)\s+- (\S+)", line)
            if not m:
                continue
            i = int(m.group(1) + m.group(2), 16)
            self.iana[i], self.openssl[i] = m.group(3), m.group(4)
            self.by_name[m.group(3).upper()] = i
            self.by_name[m.group(4).upper()] = i

    def id_of(self, name):
        return self.by_name.get(name.upper())

    def name(self, i):
        return self.openssl.get(i) or self.iana.get(i) or f"0x{i:04X}"


def hexid(i):
    return f"0x{i:04X}"


def norm_group(g):
    g = g.strip()
    low = g.lower()
    return {"prime256v1": "secp256r1", "p-256": "secp256r1", "prime192v1": "secp192r1", "p-384": "secp384r1",
            "p-521": "secp521r1"}.get(low, low)


# ------------------------------------------------------------------------------------------------
# Truth: openssl s_client against the running listener
# ------------------------------------------------------------------------------------------------
def s_client(port, args):
    cmd = ["openssl", "s_client", "-brief", "-starttls", "smtp", "-connect", f"127.0.0.1:{port}", *args]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30)
        text = p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        text = "TIMEOUT"
    proto = re.search(r"Protocol version: (\S+)", text)
    suite = re.search(r"Ciphersuite: (\S+)", text)
    alert = re.search(r"alert ([a-z ]+?)(?::|$)", text, re.M)
    shown = " ".join(a if re.match(r"^[\w@:.=,/+-]+$", a) else f"'{a}'" for a in cmd) + " </dev/null"
    return {
        "cmd": shown,
        "ok": bool(proto and suite),
        "version": {"TLSv1": "TLSv1.0"}.get(proto.group(1), proto.group(1)) if proto else None,
        "suite": suite.group(1) if suite else None,
        "error": None if proto else (("alert " + alert.group(1)) if alert else text.strip().splitlines()[-1:] and text.strip().splitlines()[-1][:160]),
    }


def smtplib_after_tls_ms(port, n=7):
    """EHLO + QUIT after STARTTLS with Python's smtplib (OpenSSL), in ms: what a plain client waits for
    the same two commands that smtp-tls-doctor's `after_tls_ms` covers."""
    import smtplib
    import ssl
    import time
    ts = []
    for _ in range(n):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        try:
            s = smtplib.SMTP("127.0.0.1", int(port), local_hostname="bench.invalid", timeout=20)
            s.ehlo()
            s.starttls(context=ctx)
            version = s.sock.version()
            t = time.perf_counter()
            s.ehlo()
            s.quit()
            ts.append(((time.perf_counter() - t) * 1000, version))
        except Exception as e:  # noqa: BLE001
            ts.append((None, str(e)))
    return ts


def truth(out, ports):
    table = SuiteTable()
    result = {"openssl": sh("openssl", "version").stdout.strip(), "listeners": {}}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=4)
    for name, port in ports.items():
        lt = {"versions": {}, "groups": {}}
        for v in ["SSLv2", "SSLv3"]:
            lt["versions"][v] = {
                "status": "not-offered",
                "how": "openssl here is built without SSLv2/SSLv3 (`s_client -ssl3`: unknown option), and so is "
                       "the libssl that Postfix's smtpd links (the same Debian OpenSSL 3): the server cannot speak it",
                "suites": [], "checks": []}
        for v in ["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]:
            flag = SCLIENT_FLAG[v]
            if v == "TLSv1.3":
                probe = s_client(port, [flag, "-ciphersuites", ":".join(TLS13_SUITES), "-cipher", "DEFAULT:@SECLEVEL=0"])
            else:
                probe = s_client(port, [flag, "-cipher", ALL_LEGACY])
            offered = probe["ok"] and probe["version"] == v
            entry = {"status": "offered" if offered else "not-offered", "probe": probe, "suites": [], "checks": []}
            if offered:
                if v == "TLSv1.3":
                    cands = [(table.id_of(s), s, [flag, "-ciphersuites", s, "-cipher", "DEFAULT:@SECLEVEL=0"])
                             for s in TLS13_SUITES]
                else:
                    listing = sh("openssl", "ciphers", "-V", "-s", flag, ALL_LEGACY).stdout
                    cands = []
                    for line in listing.splitlines():
                        m = re.match(r"\s*0x([0-9A-F]{2}),0x([0-9A-F]{2}) - (\S+)", line)
                        if m and not line.split()[3].startswith("TLSv1.3"):
                            cands.append((int(m.group(1) + m.group(2), 16), m.group(3),
                                          [flag, "-cipher", m.group(3) + ":@SECLEVEL=0"]))
                futs = [(i, s, pool.submit(s_client, port, args)) for i, s, args in cands]
                for i, s, f in futs:
                    r = f.result()
                    accepted = r["ok"] and r["version"] == v and table.id_of(r["suite"] or "") == i
                    r["accepted"] = accepted
                    r["id"] = hexid(i)
                    r["name"] = s
                    entry["checks"].append(r)
                    if accepted:
                        entry["suites"].append(hexid(i))
            lt["versions"][v] = entry
        # Groups: TLS 1.3 key shares, TLS 1.2 ECDHE curves (one group offered per connection).
        for v, cipher_args, names in [
            ("TLSv1.3", ["-tls1_3", "-cipher", "DEFAULT:@SECLEVEL=0"], GROUPS),
            ("TLSv1.2", ["-tls1_2", "-cipher", "ECDHE:@SECLEVEL=0"], [g for g in GROUPS if not g.startswith("ffdhe")]),
        ]:
            if lt["versions"][v]["status"] != "offered":
                lt["groups"][v] = None
                continue
            futs = [(g, pool.submit(s_client, port, [*cipher_args, "-groups", g])) for g in names]
            acc, checks = [], []
            for g, f in futs:
                r = f.result()
                r["group"] = g
                r["accepted"] = r["ok"] and r["version"] == v
                checks.append(r)
                if r["accepted"]:
                    acc.append(norm_group(g))
            if v == "TLSv1.2" and not acc and not any(r["ok"] for r in checks):
                lt["groups"][v] = {"groups": [], "checks": checks}
            else:
                lt["groups"][v] = {"groups": sorted(acc), "checks": checks}
        lt["smtplib_after_tls"] = smtplib_after_tls_ms(port)
        result["listeners"][name] = lt
        counts = {v: len(e["suites"]) for v, e in lt["versions"].items() if e["status"] == "offered"}
        print(f"truth {name}: {counts}; groups 1.3 {lt['groups'].get('TLSv1.3') and lt['groups']['TLSv1.3']['groups']}",
              file=sys.stderr)
    (Path(out) / "truth.json").write_text(json.dumps(result, indent=1))


# ------------------------------------------------------------------------------------------------
# Parsers: each returns {"versions": {V: bool|None}, "suites": {V: set(hex)|None}, "union": set,
#                        "groups": {"TLSv1.3": set|None, "TLSv1.2": set|None, "any": set|None}, "note": str}
# ------------------------------------------------------------------------------------------------
def empty():
    return {"versions": {v: None for v in VERSIONS}, "suites": {v: None for v in VERSIONS}, "union": set(),
            "groups": {"TLSv1.3": None, "TLSv1.2": None, "any": None}, "notes": []}


def parse_doctor(prefix, table):
    r = empty()
    try:
        j = json.loads(Path(prefix + ".out").read_text())
    except Exception as e:  # noqa: BLE001
        r["notes"].append(f"no JSON: {e}")
        return r
    ep = j["endpoints"][0]
    r["reported_connections"] = j.get("connections")
    r["scan_connections"] = ep.get("scan_connections")
    r["battery_connections"] = (ep.get("probes") or {}).get("connections") or 0
    r["injection_connections"] = (ep.get("starttls_injection") or {}).get("connections") or (
        1 if ep.get("starttls_injection") else 0)
    t = dict(ep.get("timings") or {})
    steps = ep.get("scan_steps") or []
    t["last_step_ms"] = steps[-1]["at_ms"] if steps else None
    r["timings"] = t
    vs = ep.get("versions")
    if vs is None:  # --quick
        tls = ep.get("tls") or {}
        if tls.get("completed"):
            v = tls["version"]
            r["versions"][v] = True
            i = int(tls["cipher_suite"]["id"], 16)
            r["suites"][v] = {hexid(i)}
            r["union"] = {hexid(i)}
        r["notes"].append("--quick: only the one modern handshake, no scan")
        return r
    for v in VERSIONS:
        e = vs.get(v) or {}
        st = e.get("status")
        r["versions"][v] = True if st == "offered" else False if st == "not-offered" else None
        if st == "unknown" or (st == "offered" and e.get("complete") is False):
            r["notes"].append(f"{v}: {st}, complete={e.get('complete')}, reason={e.get('reason')}")
        if st == "offered":
            r["suites"][v] = {hexid(int(s["id"], 16)) for s in e.get("suites", []) if len(s["id"]) <= 6}
            r["union"] |= r["suites"][v]
        elif st == "not-offered":
            r["suites"][v] = set()
    for v, key in [("TLSv1.3", "groups_tls13"), ("TLSv1.2", "groups_tls12")]:
        g = ep.get(key)
        r["groups"][v] = {norm_group(x) for x in g["groups"]} if g else (set() if r["versions"][v] is False else None)
    return r


def parse_sslscan(prefix, table):
    r = empty()
    text = re.sub(r"\x1b\[[0-9;]*m", "", Path(prefix + ".out").read_text(errors="replace"))
    names = {"SSLv2": "SSLv2", "SSLv3": "SSLv3", "TLSv1.0": "TLSv1.0", "TLSv1.1": "TLSv1.1", "TLSv1.2": "TLSv1.2",
             "TLSv1.3": "TLSv1.3"}
    for line in text.splitlines():
        m = re.match(r"^(SSLv2|SSLv3|TLSv1\.[0-3])\s+(enabled|disabled)", line)
        if m:
            r["versions"][names[m.group(1)]] = m.group(2) == "enabled"
        m = re.match(r"^(Accepted|Preferred)\s+(SSLv2|SSLv3|TLSv1\.[0-3])\s+\d+ bits\s+(\S+)", line)
        if m:
            v = names[m.group(2)]
            i = table.id_of(m.group(3))
            r["suites"][v] = r["suites"][v] or set()
            if i is None:
                r["notes"].append(f"unknown suite name {m.group(3)}")
                continue
            r["suites"][v].add(hexid(i))
            r["union"].add(hexid(i))
        m = re.match(r"^(TLSv1\.[23])\s+\d+ bits\s+(\S+)", line)
        if m:
            v = names[m.group(1)]
            r["groups"][v] = (r["groups"][v] or set()) | {norm_group(m.group(2))}
    for v in VERSIONS:
        if r["versions"][v] is False:
            r["suites"][v] = r["suites"][v] or set()
        if r["versions"][v] and r["suites"][v] is None:
            r["suites"][v] = set()
            r["notes"].append(f"{v} enabled but no suite listed")
        if r["versions"][v] is False and r["groups"].get(v) is None and v in ("TLSv1.2", "TLSv1.3"):
            r["groups"][v] = set()
    return r


def parse_sslyze(prefix, table):
    r = empty()
    try:
        j = json.loads(Path(prefix + ".json").read_text())
    except Exception as e:  # noqa: BLE001
        r["notes"].append(f"no JSON: {e}")
        return r
    sr = j["server_scan_results"][0].get("scan_result") or {}
    keys = {"SSLv2": "ssl_2_0_cipher_suites", "SSLv3": "ssl_3_0_cipher_suites", "TLSv1.0": "tls_1_0_cipher_suites",
            "TLSv1.1": "tls_1_1_cipher_suites", "TLSv1.2": "tls_1_2_cipher_suites", "TLSv1.3": "tls_1_3_cipher_suites"}
    for v, k in keys.items():
        a = sr.get(k) or {}
        if a.get("status") != "COMPLETED":
            r["notes"].append(f"{v}: {a.get('status')} {a.get('error_reason')}")
            continue
        res = a["result"]
        r["versions"][v] = bool(res["is_tls_version_supported"])
        s = set()
        for c in res["accepted_cipher_suites"]:
            cs = c["cipher_suite"]
            i = table.id_of(cs["name"]) or table.id_of(cs.get("openssl_name") or "")
            if i is None:
                r["notes"].append(f"unknown suite {cs['name']}")
                continue
            s.add(hexid(i))
        r["suites"][v] = s
        r["union"] |= s
    ec = (sr.get("elliptic_curves") or {}).get("result")
    if ec:
        r["groups"]["any"] = {norm_group(c["name"]) for c in ec.get("supported_curves") or []}
    return r


def parse_testssl(prefix, table):
    r = empty()
    try:
        j = json.loads(Path(prefix + ".json").read_text())
    except Exception as e:  # noqa: BLE001
        r["notes"].append(f"no JSON: {e}")
        return r
    if not j.get("scanResult"):
        r["notes"].append("empty scanResult")
        return r
    s = j["scanResult"][0]
    pmap = {"SSLv2": "SSLv2", "SSLv3": "SSLv3", "TLS1": "TLSv1.0", "TLS1_1": "TLSv1.1", "TLS1_2": "TLSv1.2",
            "TLS1_3": "TLSv1.3"}
    for e in s.get("protocols", []):
        if e["id"] in pmap:
            f = e["finding"].lower()
            r["versions"][pmap[e["id"]]] = f.startswith("offered") if ("offered" in f) else None
    for e in s.get("serverPreferences", []):
        m = re.match(r"cipherorder_(TLSv1(?:_[0-3])?|SSLv3)$", e["id"])
        if m:
            v = {"TLSv1": "TLSv1.0", "TLSv1_1": "TLSv1.1", "TLSv1_2": "TLSv1.2", "TLSv1_3": "TLSv1.3",
                 "SSLv3": "SSLv3"}[m.group(1)]
            ids = set()
            for n in e["finding"].split():
                i = table.id_of(n)
                if i is None:
                    r["notes"].append(f"unknown suite name {n}")
                else:
                    ids.add(hexid(i))
            r["suites"][v] = ids
    for sect in ("cipherTests", "ciphers"):
        for e in s.get(sect, []):
            m = re.match(r"cipher(?:-(\w+))?_x([0-9a-fA-F]+)$", e["id"])
            if m:
                i = int(m.group(2), 16)
                r["union"].add(hexid(i))
                if m.group(1):  # cipher-tls1_2_xc030 (only with -E)
                    v = {"ssl2": "SSLv2", "ssl3": "SSLv3", "tls1": "TLSv1.0", "tls1_1": "TLSv1.1", "tls1_2": "TLSv1.2",
                         "tls1_3": "TLSv1.3"}.get(m.group(1))
                    if v:
                        r["suites"][v] = (r["suites"][v] or set()) | {hexid(i)}
    for v in VERSIONS:
        if r["versions"][v] is False:
            r["suites"][v] = set()
    for e in s.get("pfs", []):
        if e["id"] == "PFS_ECDHE_curves":
            r["groups"]["any"] = {norm_group(g) for g in e["finding"].split()}
    if any(r["versions"][v] and r["suites"][v] is None for v in VERSIONS):
        r["notes"].append("the default run lists suites per version only when the server enforces its order "
                          "(`cipherorder_*`); otherwise one list for all versions (`cipherTests`)")
    return r


PARSERS = {"doctor": parse_doctor, "doctor-quick": parse_doctor, "sslscan": parse_sslscan, "sslyze": parse_sslyze,
           "testssl": parse_testssl}


def canon(r):
    """A comparable form of a parse, to see whether runs agree with each other."""
    return json.dumps({"v": r["versions"], "s": {k: sorted(x) if x is not None else None for k, x in r["suites"].items()},
                       "u": sorted(r["union"])}, sort_keys=True)


# ------------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------------
def median(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt_ratio(x, ours):
    if not ours:
        return "n/a"
    r = x / ours
    return f"{r:.0f}×" if r >= 100 else f"{r:.1f}×" if r >= 10 else f"{r:.2f}×"


def fmt_s(x):
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def split_text(p):
    """What smtp-tls-doctor's connections were: the modern handshake, the scan, the rest."""
    total, scan = p.get("reported_connections"), p.get("scan_connections")
    if total is None or scan is None:
        return "?"
    battery = p.get("battery_connections") or 0
    injection = p.get("injection_connections") or 0
    other = total - 1 - scan - battery - injection
    return (f"1 modern handshake + {scan} scan"
            + (f" + {battery} vulnerability battery" if battery else "")
            + (f" + {injection} STARTTLS injection" if injection else "")
            + (f" + {other} more (e.g. the handshake without SNI)" if other else ""))


def runs_text(xs):
    xs = list(xs)
    if xs and all(x == xs[0] for x in xs):
        return f"{xs[0]} in each of the {len(xs)} runs"
    return ", ".join(str(x) for x in xs)


def versions_text(r):
    vs = [SHORT[v] for v in VERSIONS if r["versions"][v]]
    unknown = [SHORT[v] for v in VERSIONS if r["versions"][v] is None]
    t = ", ".join(vs) if vs else "none"
    if unknown and len(unknown) < 6:
        t += f" (not told: {', '.join(unknown)})"
    return t


def suites_text(r, tool):
    parts = []
    for v in VERSIONS:
        if r["versions"][v]:
            s = r["suites"][v]
            parts.append(f"{SHORT[v]}: {len(s)}" if s is not None else f"{SHORT[v]}: –")
    t = ", ".join(parts) if parts else "none"
    if any(r["versions"][v] and r["suites"][v] is None for v in VERSIONS):
        t += f" (all versions together: {len(r['union'])})"
    return t


def report(args, ports):
    out = Path(args.out)
    table = SuiteTable()
    truth_all = json.loads((out / "truth.json").read_text())
    rows = []
    with open(out / "results.tsv") as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            rows.append(dict(zip(head, line.rstrip("\n").split("\t"))))

    # Tool versions
    def first_line(*cmd):
        try:
            return re.sub(r"\x1b\[[0-9;]*m", "", sh(*cmd).stdout + "").strip()
        except Exception:  # noqa: BLE001
            return "?"

    versions = {}
    versions["smtp-tls-doctor"] = first_line(args.doctor, "--version").replace("smtp-tls-doctor ", "") + \
        (f" (commit {os.environ['DOCTOR_REV']})" if os.environ.get("DOCTOR_REV") else "")
    sv = first_line("sslscan", "--version").split()
    versions["sslscan"] = (sv[0] + (f" (with {' '.join(sv[1:3])})" if len(sv) > 2 else "")) if sv else "?"
    m = re.search(r"SSLyze version (\S+)", sh(args.sslyze, "--help").stdout)
    nassl = sh(str(Path(args.sslyze).parent / "pip"), "show", "nassl").stdout
    nm = re.search(r"Version: (\S+)", nassl)
    versions["sslyze"] = (m.group(1) if m else "?") + (f" (nassl {nm.group(1)}, its own OpenSSL builds)" if nm else "")
    tv = re.search(r"testssl\s+(\S+)", re.sub(r"\x1b\[[0-9;]*m", "", sh("testssl", "--version").stdout))
    versions["testssl.sh"] = (tv.group(1) if tv else "?") + " (Debian `testssl.sh`, with the system `openssl`)"
    versions["openssl (truth, Postfix's libssl)"] = truth_all["openssl"]
    versions["Postfix"] = first_line("postconf", "-d", "-h", "mail_version")

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = next((l.split()[1] for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")), "0")
    started = (out / "started.txt").read_text().strip() if (out / "started.txt").exists() else ""

    doc = []
    w = doc.append
    w("# Benchmarks: smtp-tls-doctor against sslscan, sslyze and testssl.sh\n")
    w("Generated by `bash bench/run.sh` (do not edit by hand: re-run it). Every tool scans the same private "
      "Postfix on loopback; wall time, peak memory and the TCP connections each run made (counted by Postfix "
      "itself, from its log) are compared, and so are the protocol versions and cipher suites each tool reports, "
      "against the truth measured suite by suite with `openssl s_client`.\n")
    w("## Machine and tools\n")
    measured = datetime.datetime.fromtimestamp((out / "truth.json").stat().st_mtime, datetime.timezone.utc)
    w(f"- date: {measured.strftime('%Y-%m-%d %H:%M UTC')} (end of the measurements)" +
      (f"; started {started}" if started else ""))
    w(f"- CPU: {cpu}, `nproc` = {os.cpu_count()}, memory {int(mem) // 1024 // 1024} GiB, "
      f"{platform.system()} {platform.release()}")
    w("- the machine is shared and noisy: absolute times move from run to run, so every figure is also given as a "
      "ratio to smtp-tls-doctor's full scan **measured in the same rounds** (the tools take turns: each round runs "
      f"every tool against each listener); {args.runs} rounds; in each round the fast tools (all but testssl.sh) "
      f"run {args.repeat} times each, interleaved, and testssl.sh once, so the medians are over "
      f"{int(args.runs) * int(args.repeat) if str(args.runs).isdigit() else '?'} runs of each fast tool and "
      f"{args.runs} of testssl.sh")
    for k, v in versions.items():
        w(f"- {k}: {v}")
    w("")
    w("Commands (PORT is the listener's port; `root.pem` the bench's private root CA):\n")
    w("| tool | command |\n|---|---|")
    w("| smtp-tls-doctor | `smtp-tls-doctor check mx.bench.test:PORT --resolve mx.bench.test:127.0.0.1 --ca-file root.pem --json --color never` (and `--quick`) |")
    w("| sslscan | `sslscan --starttls-smtp --no-colour 127.0.0.1:PORT` |")
    w("| sslyze | `sslyze --starttls smtp --certinfo_ca_file root.pem --json_out OUT.json 127.0.0.1:PORT` (its full default scan) |")
    w("| testssl.sh | `testssl --quiet --color 0 --warnings off --nodns none --add-ca root.pem --starttls smtp --jsonfile-pretty OUT.json 127.0.0.1:PORT` (its full default run; `--fast` exists, \"omits some checks\", and is not used) |")
    w("")
    w("Every run happens in a network namespace of its own whose only interface is loopback (`unshare --net`), "
      "Postfix included: no tool can reach any other address. It matters for testssl.sh, which at start probes its "
      "local `openssl` with `s_client -connect invalid.` (a DNS look-up of the reserved name `invalid.`, 30 times, "
      "even with `--nodns none`): there the look-ups fail at once instead of asking a resolver.\n")
    w("Wall time is measured around the command (microseconds); peak RSS is GNU time's `%M`, the largest single "
      "process of the tool (testssl.sh is a bash script that starts an `openssl` per test: its figure is the "
      "largest of those processes, not their sum); CPU is user + system time of the tool and all its children.\n")

    # ---------------- per listener tables
    results_by = {}
    agreement = {}
    targets = []
    for name in ports:
        lrows = [r for r in rows if r["listener"] == name]
        tr = truth_all["listeners"][name]
        per_tool = {}
        for tool in TOOLS:
            rs = [r for r in lrows if r["tool"] == tool]
            if not rs:
                continue
            parses = [PARSERS[tool](str(out / "raw" / name / f"{tool}.{r['run']}"), table) for r in rs]
            per_tool[tool] = {
                "wall": [float(r["wall_s"]) for r in rs],
                "rss": [int(r["maxrss_kb"]) / 1024 for r in rs if r["maxrss_kb"]],
                "cpu": [float(r["user_s"]) + float(r["sys_s"]) for r in rs if r["user_s"]],
                "conns": [int(r["connections"]) for r in rs],
                "exit": [r["exit"] for r in rs],
                "parse": parses[0],
                "stable": len({canon(p) for p in parses}) == 1,
                "parses": parses,
            }
        results_by[name] = per_tool
        ours = per_tool["doctor"]
        ow, oc, om = median(ours["wall"]), median(ours["conns"]), median(ours["rss"])
        w(f"## Listener {LISTENER_TEXT.get(name, name)}\n")
        w("| tool | median wall (s) [min–max] | wall × ours | median connections | conn. × ours | median peak RSS (MB) "
          "| RSS × ours | median CPU (s) | exit | versions found | suites per version |")
        w("|---|---|---|---|---|---|---|---|---|---|---|")
        for tool, d in per_tool.items():
            mw, mc, mm = median(d["wall"]), median(d["conns"]), median(d["rss"])
            p = d["parse"]
            vt, st = versions_text(p), suites_text(p, tool)
            if tool == "doctor-quick":
                vt = ", ".join(SHORT[v] for v in VERSIONS if p["versions"][v]) + " (its one handshake)"
                st = "no scan"
            w(f"| {TOOL_LABEL[tool]} | {fmt_s(mw)} [{fmt_s(min(d['wall']))}–{fmt_s(max(d['wall']))}] | "
              f"{fmt_ratio(mw, ow)} | {mc:g} | {fmt_ratio(mc, oc)} | {mm:.1f} | {fmt_ratio(mm, om)} | "
              f"{median(d['cpu']):.2f} | {'/'.join(sorted(set(d['exit'])))} | {vt} | {st} |")
        tp = {"versions": {v: tr["versions"][v]["status"] == "offered" for v in VERSIONS},
              "suites": {v: set(tr["versions"][v]["suites"]) for v in VERSIONS}}
        tp["union"] = set().union(*tp["suites"].values())
        w(f"| {TOOL_LABEL['truth']} | | | | | | | | | {versions_text(tp)} | {suites_text(tp, 'truth')} |")
        w("")
        w("Ratios are tool ÷ smtp-tls-doctor's full scan: above 1 the tool is slower, makes more connections or uses "
          "more memory than ours. smtp-tls-doctor's own count of its connections (`connections` in its JSON): "
          f"{runs_text([p.get('reported_connections') for p in ours['parses']])} (Postfix counted "
          f"{runs_text(ours['conns'])}). Exit codes: sslyze exits 1 when the server is not "
          "compliant with Mozilla's \"intermediate\" configuration, testssl.sh's exit code counts its findings; "
          "smtp-tls-doctor's 0 means warnings at most.\n")
        mt = [p.get("timings") for p in ours["parses"] if p.get("timings")]
        if mt:
            def rng(key):
                xs = [t[key] for t in mt if t.get(key) is not None]
                return f"{median(xs):.1f} ms [{min(xs):.1f}–{max(xs):.1f}]" if xs else "–"
            w(f"smtp-tls-doctor's phases, from its JSON (medians over its full-scan runs): the modern handshake's "
              f"connection took {rng('total_ms')}, of which {rng('after_tls_ms')} after the handshake (EHLO and "
              f"QUIT over TLS); the scan's last connection started at {rng('last_step_ms')}.\n")
            py = [x for x, _ in tr.get("smtplib_after_tls", []) if x is not None]
            ours_after = [t["after_tls_ms"] for t in mt if t.get("after_tls_ms") is not None]
            if py and ours_after:
                pv = sorted({v for _, v in tr["smtplib_after_tls"] if v})
                slow = median(ours_after) > 10 * median(py) and median(ours_after) > 5
                w(f"For comparison, Python's `smtplib` (OpenSSL, {', '.join(pv)}) waits {median(py):.1f} ms "
                  f"[{min(py):.1f}–{max(py):.1f}] for the same EHLO and QUIT after STARTTLS on this listener"
                  + (f". **smtp-tls-doctor waits {median(ours_after) / median(py):.0f} times longer** (the EHLO "
                     "reply comes about 40 ms after the EHLO, which looks like a delayed-ACK stall: Nagle on one "
                     "side, a delayed ACK on the other); its modern handshake's connection is "
                     f"{median([t['total_ms'] for t in mt]) / 1000 / ow:.0%} of the full scan's median wall time "
                     "here." if slow else ".")
                  + "\n")
        unstable = [TOOL_LABEL[t] for t, d in per_tool.items() if not d["stable"]]
        if unstable:
            w(f"**Not the same answer in every run:** {', '.join(unstable)} (see bench/out/raw/{name}/).\n")
        agreement[name] = (per_tool, tr, tp)
        sw = median(per_tool["sslscan"]["wall"]) if "sslscan" in per_tool else None
        yw = median(per_tool["sslyze"]["wall"]) if "sslyze" in per_tool else None
        if sw is not None:
            targets.append((f"full scan faster than sslscan, listener `{name}`", ow < sw,
                            f"{fmt_s(ow)} s against {fmt_s(sw)} s (sslscan takes {fmt_ratio(sw, ow)} ours)"))
        if yw is not None:
            targets.append((f"at most a tenth of sslyze's wall time, listener `{name}`", ow <= yw / 10,
                            f"{fmt_s(ow)} s against {fmt_s(yw)} s: ours is {ow / yw:.3f} of sslyze's "
                            f"(sslyze takes {fmt_ratio(yw, ow)} ours)"))
        if name == "p12-13":
            targets.append((f"at most 35 connections with the vulnerability battery (25 before it, "
                            f"issue 13), listener `{name}`", oc <= 35,
                            f"{oc:g} connections ({runs_text(ours['conns'])}; {split_text(ours['parses'][0])})"))

    # ---------------- targets
    w("## The project's targets\n")
    w("| target | met? | measured |\n|---|---|---|")
    for t, ok, txt in targets:
        w(f"| {t} | {'**met**' if ok else '**NOT met**'} | {txt} |")
    w("")

    # ---------------- agreement
    w("## Agreement on versions and suites\n")
    w("The truth: for every protocol version, `openssl s_client -starttls smtp -connect 127.0.0.1:PORT` with only "
      "that version (`-tls1`, `-tls1_1`, `-tls1_2`, `-tls1_3`) and every suite OpenSSL knows; then, for each version "
      "offered, one connection per suite (`-cipher SUITE:@SECLEVEL=0`, or `-ciphersuites SUITE` for TLS 1.3): a "
      "suite is accepted when the handshake completes with that version and that suite. This covers every suite the "
      "server can possibly pick, because Postfix's smtpd uses the same OpenSSL library as the `openssl` command "
      "(SSLv2 and SSLv3 are compiled out of both). Every check and its output is in `bench/out/truth.json`.\n")
    disagreements = []
    for name, (per_tool, tr, tp) in agreement.items():
        w(f"### Listener `{name}`\n")
        offered = [v for v in VERSIONS if tp["versions"][v]]
        w("| tool | " + " | ".join(VERSIONS) + " | agrees with the truth |")
        w("|---|" + "---|" * len(VERSIONS) + "---|")

        def cell(p, v):
            st = p["versions"][v]
            if st is None:
                return "?"
            if not st:
                return "no"
            s = p["suites"][v]
            return f"yes, {len(s)}" if s is not None else "yes, –"

        w(f"| {TOOL_LABEL['truth']} | " + " | ".join(cell(tp, v) for v in VERSIONS) + " | |")
        for tool, d in per_tool.items():
            if tool == "doctor-quick":
                continue
            p = d["parse"]
            diffs = []
            for v in VERSIONS:
                if p["versions"][v] is None:
                    if tp["versions"][v]:
                        diffs.append((v, "version", f"{v} not reported, but it is offered", [], []))
                    continue
                if p["versions"][v] != tp["versions"][v]:
                    diffs.append((v, "version", f"{v} reported as {'offered' if p['versions'][v] else 'not offered'}, "
                                  f"truth: {'offered' if tp['versions'][v] else 'not offered'}", [], []))
                if p["suites"][v] is not None and tp["versions"][v]:
                    missing = sorted(tp["suites"][v] - p["suites"][v])
                    extra = sorted(p["suites"][v] - tp["suites"][v])
                    if missing or extra:
                        diffs.append((v, "suites", f"{v} suites differ", missing, extra))
            if any(p["versions"][v] and p["suites"][v] is None for v in VERSIONS):
                missing = sorted(tp["union"] - p["union"])
                extra = sorted(p["union"] - tp["union"])
                if missing or extra:
                    diffs.append(("all", "suites", "suites of all versions together differ", missing, extra))
            note = "yes" if not diffs else "**no**: " + "; ".join(x[2] for x in diffs)
            if not d["stable"]:
                note += " (runs differ)"
            w(f"| {TOOL_LABEL[tool]} | " + " | ".join(cell(p, v) for v in VERSIONS) + f" | {note} |")
            for dd in diffs:
                disagreements.append((name, tool, dd))
        w("")
        w("`yes, N`: offered with N suites; `yes, –`: offered, suites not listed per version. " +
          ("testssl.sh's default run lists suites per version only when the server enforces its order "
           "(`cipherorder_TLSv1_2` and so on); otherwise it lists them once for all versions together, and that "
           "list is what is compared. " if any(v is None for v in per_tool.get('testssl', {}).get('parse', {}).get('suites', {}).values()) and name == "p10-12" else "") + "\n")
        # Groups
        tg = tr["groups"]
        gl = []
        for v in ("TLSv1.3", "TLSv1.2"):
            if tg.get(v) is not None:
                gl.append(f"TLS {SHORT[v]}: {', '.join(tg[v]['groups'])}")
        if gl:
            w(f"Key-exchange groups (truth: `s_client -groups G`, one group per connection, each of the "
              f"{len(GROUPS)} groups OpenSSL knows): {'; '.join(gl)}.\n")
            w("| tool | groups reported | agrees |\n|---|---|---|")
            for tool, d in per_tool.items():
                if tool == "doctor-quick":
                    continue
                p = d["parse"]["groups"]
                if p["any"] is not None:
                    want = set().union(*[set(tg[v]["groups"]) for v in ("TLSv1.3", "TLSv1.2") if tg.get(v)])
                    ok = p["any"] == want
                    w(f"| {TOOL_LABEL[tool]} | all versions: {', '.join(sorted(p['any']))} | "
                      f"{'yes' if ok else '**no**: missing ' + ', '.join(sorted(want - p['any'])) + '; extra ' + ', '.join(sorted(p['any'] - want))} |")
                    if not ok:
                        disagreements.append((name, tool, ("groups", "groups", "groups differ", sorted(want - p["any"]), sorted(p["any"] - want))))
                else:
                    parts, ok = [], True
                    for v in ("TLSv1.3", "TLSv1.2"):
                        if tg.get(v) is None:
                            continue
                        got = p.get(v)
                        want = set(tg[v]["groups"])
                        parts.append(f"TLS {SHORT[v]}: {', '.join(sorted(got)) if got is not None else '–'}")
                        if got is not None and got != want:
                            ok = False
                            disagreements.append((name, tool, (v, "groups", f"{v} groups differ", sorted(want - got), sorted(got - want))))
                    w(f"| {TOOL_LABEL[tool]} | {'; '.join(parts)} | {'yes' if ok else '**no**'} |")
            w("")

    w("### Disagreements with the truth\n")
    if not disagreements:
        w("None: every tool reports exactly the versions and suites that `openssl s_client` finds, on both listeners.\n")
    else:
        for name, tool, (v, kind, what, missing, extra) in disagreements:
            w(f"- **{TOOL_LABEL[tool]}**, listener `{name}`: {what}.")
            tr = truth_all["listeners"][name]
            for label, ids in (("reported as not accepted, but accepted", missing), ("reported as accepted, but not accepted", extra)):
                for i in ids:
                    if kind == "groups":
                        w(f"  - {label}: group {i}; who is right: the truth (`s_client -groups`)")
                        continue
                    checks = [c for vv in VERSIONS for c in tr["versions"][vv].get("checks", [])
                              if c.get("id") == i and (v == "all" or vv == v)]
                    ev = "; ".join(f"`{c['cmd']}` → {'handshake with ' + str(c['suite']) if c['accepted'] else (c['error'] or 'failed')}"
                                   for c in checks) or "no s_client check (OpenSSL does not know this suite, so the server cannot choose it)"
                    w(f"  - {label}: {table.name(int(i, 16))} ({i}). Truth: {ev}. Right: "
                      f"{'the truth, so ' + TOOL_LABEL[tool] + ' is wrong'}.")
        w("")

    # notes from parsers
    notes = []
    for name, per_tool in results_by.items():
        for tool, d in per_tool.items():
            for n in sorted(set(d["parse"]["notes"])):
                notes.append(f"- {TOOL_LABEL[tool]}, `{name}`: {n}")
    if notes:
        w("Notes from reading the reports:\n")
        doc.extend(notes)
        w("")

    total = sum(float(r["wall_s"]) for r in rows)
    round_min = total / (int(args.runs) if str(args.runs).isdigit() and int(args.runs) > 0 else 1) / 60
    testssl_share = sum(float(r["wall_s"]) for r in rows if r["tool"] == "testssl") / total if total else 0
    whole_min = None
    m = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d) UTC", started)
    if m:
        t0 = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=datetime.timezone.utc)
        end = datetime.datetime.fromtimestamp((out / "truth.json").stat().st_mtime, datetime.timezone.utc)
        whole_min = (end - t0).total_seconds() / 60
    w("## How to reproduce\n")
    w("```sh\nbash bench/run.sh    # BENCH_RUNS=3 rounds, BENCH_REPEAT=5 runs of the fast tools per round\n```\n")
    w("It installs what is missing (sslscan, testssl.sh, Postfix, GNU time with apt; sslyze with pip in "
      "`bench/out/venv`), builds smtp-tls-doctor in release from the committed HEAD (`BENCH_BUILD=worktree` for the "
      "work tree as it is; `CARGO_TARGET_DIR` chooses where), makes a root CA, an intermediate and a leaf for "
      "`mx.bench.test` with the `openssl` command, starts a private Postfix on 127.0.0.1 (configuration in "
      "`/tmp/smtp-tls-doctor-bench-postfix`), runs every tool against both listeners, measures the truth with "
      "`openssl s_client`, stops Postfix and rewrites this file. Everything after the build runs in a network "
      "namespace of its own (`unshare --net`, loopback only; `BENCH_NO_NETNS=1` to do without). Raw results "
      "(each run's command, output, report, timing; `results.tsv`; `truth.json`) are kept in `bench/out/`. "
      f"The tools' own run time was about {round_min:.1f} minutes per round here ({testssl_share:.0%} of it "
      f"testssl.sh)" + (f"; the whole script, build and pauses for Postfix's log included, took about "
                        f"{whole_min:.0f} minutes." if whole_min else ".") + "\n")
    # bench/domain.sh owns the section "Domain checks" at the end of the file: keep it (and what
    # follows it).
    text = "\n".join(doc)
    try:
        old = Path(args.doc).read_text()
    except OSError:
        old = ""
    i = old.find("\n## Domain checks\n")
    if i < 0:
        # bench/bulk.sh's section "Bulk" (it follows "Domain checks" when both exist): keep it.
        i = old.find("\n## Bulk\n")
    if i >= 0:
        text = text.rstrip("\n") + "\n\n" + old[i + 1:]
    Path(args.doc).write_text(text)
    # A summary for the terminal
    summary = {"targets": [(t, ok, txt) for t, ok, txt in targets],
               "disagreements": [(n, t, d[2], d[3], d[4]) for n, t, d in disagreements]}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["truth", "report"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--doc")
    ap.add_argument("--doctor")
    ap.add_argument("--sslyze")
    ap.add_argument("--runs", default="?")
    ap.add_argument("--repeat", default="1")
    ap.add_argument("ports", nargs="+", help="NAME=PORT")
    a = ap.parse_args()
    ports = dict(p.split("=", 1) for p in a.ports)
    if a.cmd == "truth":
        truth(a.out, ports)
    else:
        report(a, ports)


if __name__ == "__main__":
    main()
