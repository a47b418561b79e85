#!/usr/bin/env python3
"""The battery comparison table (bench/battery.sh): per lab scenario and check, the truth (known
by construction of the lab server), smtp-tls-doctor's status, testssl.sh -U's severity and
sslyze's verdict, and each tool's connections and wall time."""

import json
import sys
from pathlib import Path

OUT = Path(sys.argv[1])

# Truth by construction: V = vulnerable (or the safety feature missing), ok = not vulnerable
# (or the feature present), n/a = cannot apply. See crates/lab/src/scripted.rs, legacy.rs and
# the scenario list in crates/lab/src/scenarios.rs.
TRUTH = {
    "battery-scripted": {
        "heartbleed": "V", "ccs-injection": "V", "robot": "V", "compression": "V",
        "secure-renegotiation": "ok", "fallback-scsv": "V", "sweet32": "V", "freak": "V",
        "logjam": "ok", "drown": "V", "poodle": "ok", "beast": "ok",
        "lucky13": "n/a (encrypts nothing)", "rc4": "V",
        "client-renegotiation": "n/a (completes no handshake)",
    },
    "sslv3-scripted": {
        "heartbleed": "ok", "ccs-injection": "ok", "robot": "ok", "compression": "ok",
        "secure-renegotiation": "V", "fallback-scsv": "n/a", "sweet32": "V", "freak": "ok",
        "logjam": "ok", "drown": "ok", "poodle": "V", "beast": "V (SSLv3 CBC)",
        "lucky13": "n/a (SSLv3 only)",
        "rc4": "V", "client-renegotiation": "n/a (completes no handshake)",
    },
    "tls10-tls12-cbc": {
        "heartbleed": "ok", "ccs-injection": "ok", "robot": "ok", "compression": "ok",
        "secure-renegotiation": "ok", "fallback-scsv": "ok", "sweet32": "ok", "freak": "ok",
        "logjam": "ok", "drown": "ok", "poodle": "ok", "beast": "V", "lucky13": "ok (EtM)",
        "rc4": "ok", "client-renegotiation": "V",
    },
    "good": {
        "heartbleed": "ok", "ccs-injection": "ok", "robot": "ok", "compression": "ok",
        "secure-renegotiation": "ok", "fallback-scsv": "n/a (SCSV ignored, RFC 8446 sentinel sent)", "sweet32": "ok",
        "freak": "ok", "logjam": "ok", "drown": "ok", "poodle": "ok", "beast": "ok",
        "lucky13": "ok", "rc4": "ok", "client-renegotiation": "ok",
    },
}

CHECKS = list(TRUTH["good"].keys())

# testssl.sh ids (its JSON) for each check.
TESTSSL = {
    "heartbleed": ["heartbleed"], "ccs-injection": ["CCS"], "robot": ["ROBOT"],
    "compression": ["CRIME_TLS"], "secure-renegotiation": ["secure_renego"],
    "fallback-scsv": ["fallback_SCSV"], "sweet32": ["SWEET32"], "freak": ["FREAK"],
    "logjam": ["LOGJAM"], "drown": ["DROWN"], "poodle": ["POODLE_SSL"], "beast": ["BEAST"],
    "lucky13": ["LUCKY13"], "rc4": ["RC4"], "client-renegotiation": ["secure_client_renego"],
}


def load(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def doctor(scenario):
    v = load(OUT / f"{scenario}.doctor.json")
    if not v:
        return {}
    checks = v["endpoints"][0].get("checks", {})
    return {k: c["status"] for k, c in checks.items()}


def testssl(scenario):
    v = load(OUT / f"{scenario}.testssl.json")
    if not v:
        return {}
    found = {}
    results = v.get("scanResult", [{}])
    for r in results:
        for section in r.values():
            if not isinstance(section, list):
                continue
            for item in section:
                if isinstance(item, dict) and "id" in item:
                    found.setdefault(item["id"], item.get("severity", "?"))
    out = {}
    for check, ids in TESTSSL.items():
        vals = [found[i] for i in ids if i in found]
        out[check] = vals[0] if vals else "–"
    return out


def sslyze(scenario):
    v = load(OUT / f"{scenario}.sslyze.json")
    if not v:
        return {}
    res = (v.get("server_scan_results") or [{}])[0]
    if res.get("scan_status") != "COMPLETED":
        return {c: "no connectivity" for c in ["heartbleed", "ccs-injection", "robot", "compression",
                                      "secure-renegotiation", "fallback-scsv",
                                      "client-renegotiation"]}
    sr = res.get("scan_result", {})

    def get(plugin, key, yes, no):
        p = sr.get(plugin) or {}
        if p.get("status") != "COMPLETED":
            return p.get("status", "–").lower()
        val = (p.get("result") or {}).get(key)
        if isinstance(val, bool):
            return yes if val else no
        return str(val)

    return {
        "heartbleed": get("heartbleed", "is_vulnerable_to_heartbleed", "V", "ok"),
        "ccs-injection": get("openssl_ccs_injection", "is_vulnerable_to_ccs_injection", "V", "ok"),
        "robot": get("robot", "robot_result", "", ""),
        "compression": get("tls_compression", "supports_compression", "V", "ok"),
        "secure-renegotiation": get("session_renegotiation", "supports_secure_renegotiation",
                                    "ok", "V"),
        "fallback-scsv": get("tls_fallback_scsv", "supports_fallback_scsv", "ok", "V"),
        "client-renegotiation": get("session_renegotiation",
                                    "is_vulnerable_to_client_renegotiation_dos", "V", "ok"),
    }


def runs():
    out = {}
    path = OUT / "runs.tsv"
    if path.exists():
        for line in path.read_text().splitlines():
            name, conns, secs = line.split("\t")
            out[name] = (int(conns or 0), float(secs))
    return out


def agrees(truth, tool, value):
    """Whether a tool's word matches the truth (None: no verdict to compare)."""
    if value in ("–", "", None) or truth.startswith("n/a") or truth == "?":
        return None
    bad = truth.startswith("V")
    v = value.lower()
    if tool == "doctor":
        said_bad = v in ("vulnerable", "not-supported")
        if v in ("unknown",):
            return None
    elif tool == "testssl":
        if v in ("info", "warn"):
            return None
        said_bad = v in ("low", "medium", "high", "critical")
    else:
        if v in ("v", "ok"):
            said_bad = v == "v"
        elif v.startswith("vulnerable"):
            said_bad = True
        elif v.startswith("not_vulnerable"):
            said_bad = False
        else:
            return None
    return said_bad == bad


def section():
    r = runs()
    L = []
    w = L.append
    w("## Vulnerability battery")
    w("")
    w("Generated by `bash bench/battery.sh` (do not edit by hand: re-run it; `bench/run.sh` rewrites "
      "this file without this section, so run `bench/battery.sh` after it). smtp-tls-doctor's whole "
      "default check (the modern handshake, the scan and the battery's probes) beside `testssl -U` "
      "(testssl.sh 3.0.8, Debian's package, with Debian's OpenSSL 3) and sslyze 6.3.1 with its "
      "vulnerability plugins (`--heartbleed --openssl_ccs --robot --reneg --compression --fallback`), "
      "on four lab servers whose truth is known by construction: `battery-scripted` (TLS 1.1 and 1.2 "
      "and SSL 2.0 by script: heartbeat over-read, early CCS accepted, an RSA padding oracle (ROBOT), DEFLATE, fallback SCSV "
      "ignored, export RSA, RC4 and 3DES, SSLv2 with the TLS key), `sslv3-scripted` (SSL 3.0 only, "
      "no renegotiation_info), `tls10-tls12-cbc` (OpenSSL 3, TLS 1.0 to 1.2, CBC suites only, "
      "client-initiated renegotiation allowed as before OpenSSL 3.0) and "
      "`good` (rustls, TLS 1.2 and 1.3). Connections are counted with strace (connect() calls to "
      "the server's port, child processes included); everything runs in a network namespace with "
      "loopback only. The real Postfix of the test harness (TLS 1.2 and 1.3, nine suites, static "
      "RSA among them) takes 33 connections for smtp-tls-doctor's whole check (fallback 1, ROBOT 5, "
      "client renegotiation 1, STARTTLS injection 1), 25 of them without the battery "
      "(crates/cli/tests/postfix.rs asserts at most 35).")
    w("")
    w("| server | tool | connections | wall (s) |")
    w("|---|---|---|---|")
    for s in TRUTH:
        for tool, label in [("doctor", "smtp-tls-doctor (whole check)"), ("testssl", "testssl.sh -U"),
                            ("sslyze", "sslyze (6 vulnerability plugins)")]:
            c, t = r.get(f"{s}.{tool}", (0, 0.0))
            w(f"| {s} | {label} | {c} | {t:.1f} |")
    w("")
    w("In the tables below, truth `V` means vulnerable (or the safety feature missing); a tool's "
      "word is its own: smtp-tls-doctor's status, testssl.sh's severity (`OK`, `LOW` ... `CRITICAL`, "
      "`WARN` when it could not test), sslyze's result (`V`/`ok`, its ROBOT enum, or `no "
      "connectivity` when it gave up: sslyze needs a completed handshake first, which the scripted "
      "servers never allow). **Wrong** marks a verdict that contradicts the truth.")
    w("")
    wrong = {"doctor": 0, "testssl": 0, "sslyze": 0}
    for s in TRUTH:
        d, t, y = doctor(s), testssl(s), sslyze(s)
        w(f"### {s}")
        w("")
        w("| check | truth | smtp-tls-doctor | testssl.sh -U | sslyze |")
        w("|---|---|---|---|---|")
        for c in CHECKS:
            cells = []
            for tool, vals in (("doctor", d), ("testssl", t), ("sslyze", y)):
                v = vals.get(c, "–")
                ok = agrees(TRUTH[s][c], tool, v)
                if ok is False:
                    wrong[tool] += 1
                    v = f"**{v} (wrong)**"
                cells.append(v)
            w(f"| {c} | {TRUTH[s][c]} | " + " | ".join(cells) + " |")
        w("")
    w(f"Verdicts contradicting the truth: smtp-tls-doctor {wrong['doctor']}, testssl.sh "
      f"{wrong['testssl']}, sslyze {wrong['sslyze']} (a tool's `unknown`, `WARN` or `no connectivity` "
      "is not counted as wrong, nor as right).")
    w("")
    return "\n".join(L) + "\n"


def main():
    text = section()
    if len(sys.argv) > 3 and sys.argv[2] == "--doc":
        path = Path(sys.argv[3])
        doc = path.read_text()
        i = doc.find("\n## Vulnerability battery\n")
        rest = ""
        if i >= 0:
            j = doc.find("\n## ", i + 1)
            rest = doc[j + 1:] if j >= 0 else ""
            doc = doc[: i + 1]
        if not doc.endswith("\n\n"):
            doc += "\n"
        doc += text + ("\n" + rest if rest else "")
        path.write_text(doc)
    print(text)


main()
