#!/usr/bin/env python3
"""progmp beside the Linux kernel's MPTCP and TCP on the same emulated paths, measured by the same tool.

Runs `progmp testbed` (root) for every row: progmp with the minrtt, redundant_if_no_q and redundant schedulers,
the kernel's MPTCP (default scheduler, cubic, one subflow per path) and TCP on path 1 (cubic), and prints one
Markdown table per measurement:

  bulk     goodput of an upload on bare veths (unshaped) and on 2 x 20 Mbit/s, 10/25 ms one-way
           (scenarios/two_paths_20mbit.toml) with 0 % and 2 % loss both ways
  fct      request/response flow completion time (mean, p50, p95) for 1 kB, 10 kB and 100 kB responses on the shaped
           paths with 2 % loss both ways, --requests sequential requests each

Usage: sudo python3 bench/real_paths.py [--progmp PATH] [--seconds S] [--requests N] [--only bulk|fct] [--json FILE]
Defaults: 10 s per bulk run, 200 requests per size (about 15 minutes in all); --quick: 4 s and 60 requests.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIO = os.path.join(ROOT, "scenarios", "two_paths_20mbit.toml")
PORT = 4433

ROWS = [  # label, transport, scheduler
    ("progmp minrtt", "progmp", "minrtt"),
    ("progmp redundant_if_no_q", "progmp", "redundant_if_no_q"),
    ("progmp redundant", "progmp", "redundant"),
    ("kernel MPTCP", "kernel-mptcp", None),
    ("TCP (path 1)", "tcp", None),
]


def run_row(progmp, key, pub, transport, scheduler, mode_args, testbed_args, timeout):
    """One transfer in a fresh testbed; returns the client's JSON report (or {'error': ...})."""
    if transport == "progmp":
        serve = f"{progmp} serve --listen 10.0.1.2:{PORT} --listen 10.0.2.2:{PORT} --key {key} --once"
        if scheduler:
            serve += f" --scheduler {scheduler}"
        connect = [progmp, "connect", f"10.0.1.2:{PORT}", "--server-key", pub,
                   "--path", f"10.0.1.1=10.0.1.2:{PORT}", "--path", f"10.0.2.1=10.0.2.2:{PORT}",
                   "--scheduler", scheduler, "--server-scheduler", scheduler, "--cc", "lia"]
        extra = []
    else:
        serve = f"{progmp} serve --transport {transport} --listen 10.0.1.2:{PORT} --once"
        connect = [progmp, "connect", f"10.0.1.2:{PORT}", "--transport", transport, "--cc", "cubic"]
        extra = ["--mptcp"] if transport == "kernel-mptcp" else []
    cmd = [progmp, "testbed", SCENARIO, *testbed_args, *extra, "--server", serve, "--server-wait-ms", "700",
           "--", *connect, *mode_args, "--json"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": "timed out"}
    for line in p.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    return {"error": (p.stderr.strip().splitlines() or ["no report"])[-1]}


def table(title, columns, rows):
    print(f"\n{title}\n")
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(columns) - 1)) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--progmp", default=os.path.join(ROOT, "build", "release", "src", "tools", "progmp"))
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--quick", action="store_true", help="4 s bulk runs and 60 requests per size")
    ap.add_argument("--only", choices=["bulk", "fct"])
    ap.add_argument("--json", help="also write every report to this file")
    a = ap.parse_args()
    if a.quick:
        a.seconds, a.requests = 4, 60
    if os.geteuid() != 0:
        sys.exit("real_paths.py: the testbed needs root")
    if not os.access(a.progmp, os.X_OK):
        sys.exit(f"real_paths.py: no progmp binary at {a.progmp} (build first, or give --progmp)")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, "server.key")
        pub = subprocess.run([a.progmp, "keygen", "-o", key], capture_output=True, text=True, check=True).stdout.strip()
        timeout = a.seconds + 60
        if a.only in (None, "bulk"):
            configs = [("unshaped veth", ["--no-emulation"]), ("2 x 20 Mbit/s, 0 % loss", []),
                       ("2 x 20 Mbit/s, 2 % loss", ["--set", "path.*.loss=0.02"])]
            rows = []
            for label, transport, sched in ROWS:
                cells = [label]
                for cname, targs in configs:
                    r = run_row(a.progmp, key, pub, transport, sched, ["--time", str(a.seconds)], targs, timeout)
                    results.setdefault("bulk", []).append({"row": label, "config": cname, "report": r})
                    cells.append(f"{r['goodput_mbit']:.1f}" if "goodput_mbit" in r else "error: " + r.get("error", "?"))
                    print(f"  bulk {label} / {cname}: {cells[-1]}", file=sys.stderr)
                rows.append(cells)
            table(f"Bulk goodput, Mbit/s ({a.seconds:g} s upload; sum of the shaped paths' capacity: 40)",
                  ["transport"] + [c for c, _ in configs], rows)
        if a.only in (None, "fct"):
            sizes = [1000, 10000, 100000]
            rows = []
            for label, transport, sched in ROWS:
                cells = [label]
                for size in sizes:
                    r = run_row(a.progmp, key, pub, transport, sched,
                                ["--requests", str(a.requests), "--size", str(size)],
                                ["--set", "path.*.loss=0.02"], timeout + a.requests)
                    results.setdefault("fct", []).append({"row": label, "size": size, "report": r})
                    q = r.get("requests")
                    cells.append(f"{q['fct_ms_mean']:.1f} / {q['fct_ms_p50']:.1f} / {q['fct_ms_p95']:.1f}" if q
                                 else "error: " + r.get("error", "?"))
                    print(f"  fct {label} / {size} B: {cells[-1]}", file=sys.stderr)
                rows.append(cells)
            table(f"Request/response completion time, ms (mean / p50 / p95; {a.requests} sequential requests, "
                  "2 x 20 Mbit/s, 10/25 ms, 2 % loss both ways)",
                  ["transport", "1 kB", "10 kB", "100 kB"], rows)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
