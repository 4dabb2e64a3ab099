#!/usr/bin/env python3
"""Assertions on a plateau watch report, for watch_test.sh.

check_report.py REPORT_DIR [--verdict V] [--finding SERIES]... [--no-findings]
    [--note TEXT]... [--param NAME=VALUE]... [--heap-site TEXT]
    [--finding-text SERIES=TEXT]... [--no-finding SERIES]...
    [--margin SERIES=LOW:HIGH]... (the series is judged and its clean margin lies in [LOW, HIGH])
Exits 1 with the reason on the first failed assertion."""
import json
import sys


def fail(msg):
    print("check_report: " + msg, file=sys.stderr)
    sys.exit(1)


def main(argv):
    report_dir, args = argv[0], argv[1:]
    with open(report_dir + "/report.json") as f:
        r = json.load(f)
    findings = {x["series"] for x in r["findings"]}
    notes = " | ".join(r.get("notes", [])) + " | " + r["incomplete_reason"]
    i = 0
    while i < len(args):
        opt = args[i]
        val = args[i + 1] if i + 1 < len(args) else None
        i += 2
        if opt == "--verdict":
            if r["verdict"] != val:
                fail(f"{report_dir}: verdict {r['verdict']}, expected {val}; findings {sorted(findings)}; {notes}")
        elif opt == "--finding":
            if val not in findings:
                fail(f"{report_dir}: no finding on {val}; findings {sorted(findings)}")
        elif opt == "--finding-text":
            series, text = val.split("=", 1)
            messages = [x["message"] for x in r["findings"] if x["series"] == series]
            if not any(text in m for m in messages):
                fail(f"{report_dir}: no finding on {series} containing {text!r}; messages {messages}")
        elif opt == "--no-finding":
            if val in findings:
                fail(f"{report_dir}: unexpected finding on {val}")
        elif opt == "--no-findings":
            i -= 1
            if findings:
                fail(f"{report_dir}: expected no findings, got {sorted(findings)}")
        elif opt == "--margin":
            series, bounds = val.split("=", 1)
            low, high = (float(b) for b in bounds.split(":"))
            match = [x for x in r["series"] if x["name"] == series]
            margin = match[0].get("margin") if match else None
            if not match or not match[0].get("judged") or margin is None or not low <= margin <= high:
                fail(f"{report_dir}: {series} margin {margin}, expected in [{low}, {high}]")
        elif opt == "--note":
            if val not in notes:
                fail(f"{report_dir}: no note containing {val!r}; notes: {notes}")
        elif opt == "--param":
            name, want = val.split("=")
            got = r["scenario"]["parameters"].get(name)
            if got is None or abs(got - float(want)) > 1e-9:
                fail(f"{report_dir}: parameter {name} = {got}, expected {want}")
        elif opt == "--heap-site":
            sites = r["heap_profile"]["top_sites"]
            if not sites or val not in sites[0]["our_frame"]:
                fail(f"{report_dir}: top heap site {sites[0]['our_frame'] if sites else None!r}, expected {val!r}; "
                     f"reason {r['heap_profile']['reason']!r}")
        else:
            fail("unknown option " + opt)


if __name__ == "__main__":
    main(sys.argv[1:])
