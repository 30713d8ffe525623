#!/usr/bin/python3
"""Plot `progmp bench --csv FILE` as docs/performance.md shows it: execution time relative to hand-written C++,
one panel per queue length, one group of bars per scheduler and subflow count, one bar per engine (log scale).

usage: plot_decisions.py RESULTS.csv OUT_BASENAME   (writes OUT_BASENAME.png and OUT_BASENAME.svg)
"""
import csv
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ENGINE_ORDER = ["interp", "aot", "jit", "ebpf"]
SHORT = {"opportunistic_redundant": "opp_redundant", "round_robin": "round_robin"}


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1], newline="") as f:
            rows = [r for r in csv.DictReader(f) if r["ratio_to_native"] and r["engine"] != "native"]
    except (OSError, KeyError) as e:
        print(f"plot_decisions.py: cannot read {sys.argv[1]}: {e}", file=sys.stderr)
        return 2
    if not rows:
        print(f"plot_decisions.py: {sys.argv[1]} has no ratios to native", file=sys.stderr)
        return 2

    queues = sorted({int(r["queue"]) for r in rows})
    engines = [e for e in ENGINE_ORDER if any(r["engine"] == e for r in rows)]
    fig, axes = plt.subplots(len(queues), 1, figsize=(12, 4 * len(queues)), squeeze=False)
    for ax, q in zip(axes[:, 0], queues):
        ratio = defaultdict(dict)
        groups = []
        for r in rows:
            if int(r["queue"]) != q:
                continue
            g = f'{SHORT.get(r["scheduler"], r["scheduler"])} {r["subflows"]}'
            if g not in groups:
                groups.append(g)
            ratio[g][r["engine"]] = float(r["ratio_to_native"])
        width = 0.8 / len(engines)
        for i, e in enumerate(engines):
            xs = [k + (i - (len(engines) - 1) / 2) * width for k in range(len(groups))]
            ys = [ratio[g].get(e, float("nan")) for g in groups]
            ax.bar(xs, ys, width, label=e)
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.axhline(1.1, color="grey", linewidth=0.8, linestyle="--", label="goal AOT/JIT (1.1×)")
        ax.axhline(1.3, color="grey", linewidth=0.8, linestyle=":", label="goal interpreter (1.3×)")
        ax.set_yscale("log")
        ax.set_xticks(range(len(groups)))
        ax.set_xticklabels(groups, fontsize=8, rotation=40, ha="right")
        ax.set_xlabel("scheduler and number of subflows")
        ax.set_ylabel("time per decision / hand-written C++ (×, log)")
        missing = [e for e in engines if not any(ratio[g].get(e) for g in groups)]
        note = f" ({', '.join(missing)}: beyond capacity, not measured)" if missing else ""
        ax.set_title(f"one scheduling decision, Q = {q} packets{note}")
        ax.grid(axis="y", which="both", alpha=0.3)
        ax.legend(fontsize=8, ncol=6, loc="lower center", bbox_to_anchor=(0.5, 1.08))
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(f"{sys.argv[2]}.{ext}", dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main())
