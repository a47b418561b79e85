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
        "heartbleed": "V", "ccs-injection": "V", "robot": "ok", "compression": "V",
        "secure-renegotiation": "ok", "fallback-scsv": "V", "sweet32": "V", "freak": "V",
        "logjam": "ok", "drown": "V", "poodle": "ok", "beast": "ok", "lucky13": "n/a", "rc4": "V",
    },
    "sslv3-scripted": {
        "heartbleed": "ok", "ccs-injection": "ok", "robot": "ok", "compression": "ok",
        "secure-renegotiation": "V", "fallback-scsv": "n/a", "sweet32": "V", "freak": "ok",
        "logjam": "ok", "drown": "ok", "poodle": "V", "beast": "V (SSLv3)", "lucky13": "n/a",
        "rc4": "V",
    },
    "tls10-tls12-cbc": {
        "heartbleed": "ok", "ccs-injection": "ok", "robot": "ok", "compression": "ok",
        "secure-renegotiation": "ok", "fallback-scsv": "ok", "sweet32": "?", "freak": "ok",
        "logjam": "ok", "drown": "ok", "poodle": "ok", "beast": "V", "lucky13": "ok (EtM)",
        "rc4": "ok",
    },
    "good": {
        "heartbleed": "ok", "ccs-injection": "ok", "robot": "ok", "compression": "ok",
        "secure-renegotiation": "ok", "fallback-scsv": "ok (RFC 8446 sentinel)", "sweet32": "ok",
        "freak": "ok", "logjam": "ok", "drown": "ok", "poodle": "ok", "beast": "ok",
        "lucky13": "ok", "rc4": "ok",
    },
}

CHECKS = list(TRUTH["good"].keys())

# testssl.sh ids (its JSON) for each check.
TESTSSL = {
    "heartbleed": ["heartbleed"], "ccs-injection": ["CCS"], "robot": ["ROBOT"],
    "compression": ["CRIME_TLS"], "secure-renegotiation": ["secure_renego"],
    "fallback-scsv": ["fallback_SCSV"], "sweet32": ["SWEET32"], "freak": ["FREAK"],
    "logjam": ["LOGJAM"], "drown": ["DROWN"], "poodle": ["POODLE_SSL"], "beast": ["BEAST"],
    "lucky13": ["LUCKY13"], "rc4": ["RC4"],
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
        return {c: "error" for c in ["heartbleed", "ccs-injection", "robot", "compression",
                                      "secure-renegotiation", "fallback-scsv"]}
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
    }


def runs():
    out = {}
    path = OUT / "runs.tsv"
    if path.exists():
        for line in path.read_text().splitlines():
            name, conns, secs = line.split("\t")
            out[name] = (int(conns or 0), float(secs))
    return out


def main():
    r = runs()
    print("| server | tool | connections | wall (s) |")
    print("|---|---|---|---|")
    for s in TRUTH:
        for tool, label in [("doctor", "smtp-tls-doctor (whole check)"), ("testssl", "testssl.sh -U"),
                            ("sslyze", "sslyze (6 vulnerability plugins)")]:
            c, t = r.get(f"{s}.{tool}", (0, 0.0))
            print(f"| {s} | {label} | {c} | {t:.1f} |")
    print()
    for s in TRUTH:
        d, t, y = doctor(s), testssl(s), sslyze(s)
        print(f"### {s}\n")
        print("| check | truth | smtp-tls-doctor | testssl.sh -U | sslyze |")
        print("|---|---|---|---|---|")
        for c in CHECKS:
            print(f"| {c} | {TRUTH[s][c]} | {d.get(c, '–')} | {t.get(c, '–')} | {y.get(c, '–')} |")
        print()


main()
