#!/usr/bin/env python3
"""bench/bulk.sh's helper: compares bulk-check outputs with what the lab expects, and writes the
section "Bulk" of docs/benchmarks.md.

  read     EXPECTED.json OUT.jsonl|DIR      one result per line number, as JSON (debugging)
  agree    EXPECTED.json OUT.jsonl|DIR      agreement of one output with the expected results
  pair     A.jsonl|DIR B.jsonl|DIR          agreement of two outputs (bulk vs loop)
  report   --results results.tsv ...        the markdown table; --doc FILE replaces "## Bulk"

An output is a JSON Lines file (`check --targets ... --output OUT`: one report per target line,
with "line" and "input") or a directory of LINE.json files (one `check --json` run per target
line, written by the shell loop; an empty or unparseable file counts as status "error").
Statuses are `verdict.status`; codes are every `findings[].code` anywhere in the report (the
domain's and every endpoint's). A result agrees with the expected one when the status is the same
and every expected code is there (further codes are listed, not counted as disagreement).
"""
import argparse
import json
import os
import statistics
import sys
from pathlib import Path


def codes_of(doc):
    out = set()
    stack = [doc]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "findings" and isinstance(v, list):
                    for f in v:
                        if isinstance(f, dict) and isinstance(f.get("code"), str):
                            out.add(f["code"])
                stack.append(v)
        elif isinstance(x, list):
            stack.extend(x)
    return out


def status_of(doc):
    v = doc.get("verdict") if isinstance(doc, dict) else None
    if isinstance(v, dict) and isinstance(v.get("status"), str):
        return v["status"]
    return "error"


def load(path):
    """{line: {"status", "codes", "input", "connections", "error_kind"}}"""
    p = Path(path)
    res = {}
    if p.is_dir():
        for f in p.iterdir():
            if not f.name.endswith(".json") or not f.name[:-5].isdigit():
                continue
            line = int(f.name[:-5])
            try:
                doc = json.loads(f.read_text(errors="replace") or "null")
            except ValueError:
                doc = None
            res[line] = summarize(doc)
    else:
        with open(p, errors="replace") as fh:
            for raw in fh:
                raw = raw.strip()
                if not raw:
                    continue
                try:
                    doc = json.loads(raw)
                except ValueError:
                    continue
                line = doc.get("line") if isinstance(doc, dict) else None
                if isinstance(line, int):
                    res[line] = summarize(doc)
    return res


def summarize(doc):
    if not isinstance(doc, dict):
        return {"status": "error", "codes": [], "input": None, "connections": 0, "error_kind": "no-output"}
    err = doc.get("error")
    kind = None
    if isinstance(err, dict):
        kind = err.get("kind") or err.get("phase")
    conns = doc.get("connections")
    if not isinstance(conns, int):
        conns = sum(e.get("connections", 0) for e in doc.get("endpoints", []) if isinstance(e, dict)
                    and isinstance(e.get("connections"), int))
    return {"status": status_of(doc), "codes": sorted(codes_of(doc)), "input": doc.get("input"),
            "connections": conns, "error_kind": kind}


def agree_expected(expected_path, out_path):
    expected = json.loads(Path(expected_path).read_text())
    got = load(out_path)
    rows = []
    by_class = {}
    for e in expected:
        g = got.get(e["line"])
        ok = (g is not None and g["status"] == e["status"] and set(e["codes"]) <= set(g["codes"]))
        c = by_class.setdefault(e["class"], [0, 0])
        c[0] += ok
        c[1] += 1
        if not ok:
            rows.append({"line": e["line"], "input": e["input"], "class": e["class"],
                         "want": [e["status"], e["codes"]],
                         "got": None if g is None else [g["status"], g["codes"], g["error_kind"]]})
    extra = sorted(set(got) - {e["line"] for e in expected})
    total = sum(c[1] for c in by_class.values())
    agreed = sum(c[0] for c in by_class.values())
    return {"agreed": agreed, "total": total, "by_class": by_class, "disagreements": rows,
            "unexpected_lines": extra}


def agree_pair(a_path, b_path):
    a, b = load(a_path), load(b_path)
    lines = sorted(set(a) | set(b))
    diff = []
    for ln in lines:
        x, y = a.get(ln), b.get(ln)
        if x is None or y is None or x["status"] != y["status"] or x["codes"] != y["codes"]:
            diff.append({"line": ln, "a": x and [x["status"], x["codes"]], "b": y and [y["status"], y["codes"]]})
    return {"agreed": len(lines) - len(diff), "total": len(lines), "disagreements": diff}


def agree_checkdmarc(expected_path, cd_path):
    """checkdmarc --check-mx-tls says, per domain, whether each MX host does STARTTLS with a
    certificate it verifies; a domain is "fine" by it when it has MX hosts, no MX error, and
    every host has starttls and tls true. The lab's "ok" domains should be fine, every other
    domain not."""
    expected = json.loads(Path(expected_path).read_text())
    want = {}
    for e in expected:
        if e["class"] != "invalid":
            want.setdefault(e["input"], (e["status"] == "ok", e["class"]))
    try:
        data = json.loads(Path(cd_path).read_text(errors="replace") or "[]")
    except ValueError:
        data = []
    if isinstance(data, dict):
        data = [data]
    got = {}
    for x in data:
        if not isinstance(x, dict) or "domain" not in x:
            continue
        mx = x.get("mx") or {}
        hosts = mx.get("hosts") or []
        fine = bool(hosts) and "error" not in mx and all(h.get("starttls") and h.get("tls") for h in hosts)
        got[x["domain"]] = fine
    off = {}
    agreed = 0
    for d, (ok, cls) in want.items():
        if got.get(d) == ok:
            agreed += 1
        else:
            off[cls] = off.get(cls, 0) + 1
    return {"agreed": agreed, "total": len(want), "off_by_class": off}


def fmt_time(s):
    return f"{s:.2f} s" if s < 100 else f"{s:.0f} s"


def report(args):
    rows = []
    with open(args.results) as fh:
        for raw in fh:
            parts = raw.rstrip("\n").split("\t")
            if len(parts) < 7 or parts[0] == "name":
                continue
            name, wall, rss, rc, lines, conns, note = parts[:7]
            rows.append({"name": name, "wall": float(wall) if wall not in ("", "-") else None,
                         "rss": int(rss) if rss.isdigit() else None, "rc": rc, "lines": lines,
                         "conns": conns, "note": note,
                         "per_host": parts[7] if len(parts) > 7 else ""})
    def row(name):
        return next((r for r in rows if r["name"] == name and r["wall"]), None)

    def lines_of(r):
        digits = "".join(ch for ch in r["lines"].split(" ")[0] if ch.isdigit())
        return int(digits) if digits else None

    # The ratio of each run to bulk --quick over the same list: checkdmarc's list is the smaller
    # lab's (bulk-quick-CD), the loop's and the full scan's the main lab's.
    cd_base = f"bulk-quick-{args.checkdmarc_n}"
    bases = {"loop-quick": "bulk-quick", "bulk-full": "bulk-quick", "checkdmarc": cd_base}
    L = []
    w = L.append
    w("## Bulk")
    w("")
    w("Generated by `bash bench/bulk.sh` (do not edit by hand: re-run it). "
      f"`smtp-tls-doctor check --targets` over the bulk lab (`smtp-tls-doctor lab --bulk {args.domains}`: "
      f"{args.domains} mail domains in `bulk.lab.test` on the lab's authoritative DNS server, sharing MX hosts on "
      "127.0.0.150-156 on one port, a quarter of them broken: name mismatch, no STARTTLS, dead address, MX "
      "without address, NXDOMAIN; plus invalid, duplicate, comment and blank lines), against a shell loop of "
      "single `check --json --quick` runs over the same target lines, and checkdmarc `--check-mx-tls` over the "
      f"domains of a {args.checkdmarc_n}-domain lab (beside bulk `--quick` over that lab). Everything on loopback. "
      f"smtp-tls-doctor {args.rev}, {args.machine}.")
    w("")
    w("| run | wall time | per target | ratio | peak RSS | exit | targets | TCP connections to the MX hosts | agreement with the lab's expected results |")
    w("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = "-"
        base = row(bases.get(r["name"], ""))
        if base and r["wall"]:
            ratio = f"{r['wall'] / base['wall']:.1f}x {base['name']}"
        elif r["name"] == "bulk-quick":
            ratio = "1 (baseline)"
        elif r["name"] == cd_base:
            ratio = "1 (baseline of checkdmarc)"
        n = lines_of(r)
        per = f"{1000 * r['wall'] / n:.1f} ms" if (n and r["wall"]) else "-"
        rss = f"{r['rss'] / 1024:.0f} MiB" if r["rss"] else "-"
        wall = fmt_time(r["wall"]) if r["wall"] is not None else "not run"
        w(f"| {r['name']} | {wall} | {per} | {ratio} | {rss} | {r['rc']} | {r['lines']} | {r['conns']} | {r['note']} |")
    w("")
    w("TCP connections per MX host (mx1-mx5 good, each also a backup of another; mx-mismatch and mx-nostarttls broken):")
    w("")
    for r in rows:
        if r["per_host"]:
            w(f"- {r['name']}: {r['per_host']}")
    w("")
    for extra in args.note or []:
        w(f"- {extra}")
    if args.note:
        w("")
    section = "\n".join(L).rstrip("\n") + "\n"
    print(section)
    if args.doc:
        doc = Path(args.doc).read_text() if Path(args.doc).exists() else ""
        i = doc.find("\n## Bulk\n")
        if i >= 0:
            # Replace the section up to the next "## " heading (or the end).
            j = doc.find("\n## ", i + 1)
            rest = doc[j + 1:] if j >= 0 else ""
            doc = doc[: i + 1] + section + ("\n" + rest if rest else "")
        else:
            doc = doc.rstrip("\n") + "\n\n" + section
        Path(args.doc).write_text(doc)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("read"); r.add_argument("expected"); r.add_argument("out")
    a = sub.add_parser("agree"); a.add_argument("expected"); a.add_argument("out")
    a.add_argument("--brief", action="store_true")
    p = sub.add_parser("pair"); p.add_argument("a"); p.add_argument("b")
    p.add_argument("--brief", action="store_true")
    c = sub.add_parser("checkdmarc"); c.add_argument("expected"); c.add_argument("out")
    rp = sub.add_parser("report")
    rp.add_argument("--results", required=True); rp.add_argument("--doc")
    rp.add_argument("--domains", default="?"); rp.add_argument("--rev", default="?")
    rp.add_argument("--machine", default="?"); rp.add_argument("--note", action="append")
    rp.add_argument("--checkdmarc-n", default="?")
    args = ap.parse_args()
    if args.cmd == "read":
        print(json.dumps(load(args.out), indent=1, sort_keys=True))
    elif args.cmd == "agree":
        res = agree_expected(args.expected, args.out)
        if args.brief:
            bad = ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(res["by_class"].items()) if v[0] != v[1])
            print(f"{res['agreed']}/{res['total']} as expected" + (f" (off: {bad})" if bad else ""))
        else:
            print(json.dumps(res, indent=1))
    elif args.cmd == "pair":
        res = agree_pair(args.a, args.b)
        if args.brief:
            print(f"{res['agreed']}/{res['total']} identical")
        else:
            print(json.dumps(res, indent=1))
    elif args.cmd == "checkdmarc":
        res = agree_checkdmarc(args.expected, args.out)
        off = ", ".join(f"{k} {v}" for k, v in sorted(res["off_by_class"].items()))
        print(f"{res['agreed']}/{res['total']} domains: MX TLS fine or not as the lab says"
              + (f" (off: {off})" if off else ""))
    else:
        report(args)


if __name__ == "__main__":
    sys.exit(main())
