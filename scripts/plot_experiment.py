#!/usr/bin/env python3
"""Draws the plots of a `progmp experiment` output folder: reads OUT/plots.json (written by the runner) and
OUT/aggregates.csv, writes OUT/<name>.png and OUT/<name>.svg per [[plot]]. One line (or bar group) per scheduler,
and per combination of the other grid axes if they have several values; error bars are the 95 % confidence
intervals over the repetitions."""
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def number(text):
    """An axis value as a number: lists give their first element ("[1000]" -> 1000)."""
    t = text.strip().strip("[]").split(",")[0].strip().strip('"')
    try:
        return float(t)
    except ValueError:
        return None


def timeseries(out, plot, axes):
    """Per-path throughput over time: mean over repetitions of each run's 100 ms bins, one subplot per path, one
    line per scheduler and grid point."""
    with open(os.path.join(out, "results.json")) as f:
        runs = json.load(f)["runs"]
    groups = {}
    for r in runs:
        ts = r.get("result", {}).get("timeseries")
        if not ts:
            continue
        label = os.path.splitext(os.path.basename(r["scheduler"]))[0] if r["scheduler"].endswith(".progmp") \
            else r["scheduler"]
        if axes:
            label += " (" + ", ".join(f"{a}={v}" for a, v in zip(axes, r["values"])) + ")"
        for path, series in ts["paths"].items():
            if plot["y"] not in ("*", path):
                continue
            groups.setdefault(path, {}).setdefault(label, []).append((ts["interval_ms"], series))
    paths = sorted(groups)
    fig, axs = plt.subplots(len(paths), 1, figsize=(8, 2.8 * max(1, len(paths))), sharex=True, squeeze=False)
    for ax, path in zip(axs[:, 0], paths):
        for label, runs_of in groups[path].items():
            n = max(len(s) for _, s in runs_of)
            mean = [sum(s[i] if i < len(s) else 0.0 for _, s in runs_of) / len(runs_of) for i in range(n)]
            step = runs_of[0][0] / 1000.0
            ax.plot([i * step for i in range(n)], mean, label=label)
        ax.set_title(f"path {path}")
        ax.set_ylabel(plot.get("ylabel") or "throughput (Mbit/s)")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    axs[-1, 0].set_xlabel(plot.get("xlabel") or "time (s)")
    if plot.get("title"):
        fig.suptitle(plot["title"])
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(os.path.join(out, f"{plot['name']}.{ext}"), dpi=120)
    plt.close(fig)


def main(out):
    with open(os.path.join(out, "plots.json")) as f:
        spec = json.load(f)
    axes = spec["axes"]
    with open(os.path.join(out, "aggregates.csv")) as f:
        rows = list(csv.DictReader(f))
    for plot in spec["plots"]:
        if plot.get("kind") == "timeseries":
            timeseries(out, plot, axes)
            continue
        others = [a for a in axes if a != plot["x"]]
        series = {}
        for r in rows:
            if r["metric"] != plot["y"]:
                continue
            label = r["scheduler"]
            extra = [f"{a}={r[a]}" for a in others if len({x[a] for x in rows}) > 1]
            if extra:
                label += " (" + ", ".join(extra) + ")"
            series.setdefault(label, []).append((r[plot["x"]], float(r["mean"]), float(r["ci95"])))
        fig, ax = plt.subplots(figsize=(7, 4.5))
        if plot.get("kind", "line") == "bar":
            cats = []
            for pts in series.values():
                for x, _, _ in pts:
                    if x not in cats:
                        cats.append(x)
            width = 0.8 / max(1, len(series))
            for i, (label, pts) in enumerate(series.items()):
                d = {x: (m, c) for x, m, c in pts}
                xs = [j + i * width for j, c in enumerate(cats) if c in d]
                ax.bar(xs, [d[c][0] for c in cats if c in d], width, yerr=[d[c][1] for c in cats if c in d],
                       label=label, capsize=3)
            ax.set_xticks([j + width * (len(series) - 1) / 2 for j in range(len(cats))])
            ax.set_xticklabels(cats)
        else:
            for label, pts in series.items():
                pts = sorted(((number(x), m, c) for x, m, c in pts), key=lambda p: (p[0] is None, p[0]))
                ax.errorbar([p[0] for p in pts], [p[1] for p in pts], yerr=[p[2] for p in pts], marker="o",
                            capsize=3, label=label)
        if plot.get("logx"):
            ax.set_xscale("log")
        if plot.get("logy"):
            ax.set_yscale("log")
        ax.set_xlabel(plot.get("xlabel") or plot["x"])
        ax.set_ylabel(plot.get("ylabel") or plot["y"])
        if plot.get("title"):
            ax.set_title(plot["title"])
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
        fig.tight_layout()
        for ext in ("png", "svg"):
            fig.savefig(os.path.join(out, f"{plot['name']}.{ext}"), dpi=120)
        plt.close(fig)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: plot_experiment.py OUT_DIR", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
