#!/usr/bin/python3
"""Chart of the throughput runs (bench/throughput.mjs) for docs/benchmarks.md.

    /usr/bin/python3 bench/plot.py build/bench/results.json docs/benchmarks-throughput.png

Left: requests per second per scenario (median of the repetitions, whiskers: min-max).
Right: latency p50 and p99 (median of the repetitions, whiskers: min-max), log scale.
Uses Debian's python3-matplotlib (scripts/deps.sh installs it).
"""
import json
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SCENARIOS = [
    ("empty", "(a) empty\nworker"),
    ("replay", "(b) KV-answered\n200 replay"),
    ("create", "(c) 201 create\n(API key)"),
    ("jwt_rs256", "(d) 201 create\n(RS256 JWT)"),
]
WORKERS = [("empty", "empty worker", "#9e9e9e"), ("product", "product (C++/wasm)", "#1f77b4"),
           ("baseline", "baseline (Hono+zod+jose)", "#ff7f0e")]


def stats(values):
    return statistics.median(values), min(values), max(values)


def main(results_path, out_path):
    with open(results_path) as f:
        results = json.load(f)
    tp = results["throughput"]
    rows = tp["results"]

    def pick(worker, scenario, fn):
        vals = [fn(r) for r in rows if r["worker"] == worker and r["scenario"] == scenario]
        return stats(vals) if vals else None

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5.2))
    width = 0.26
    xs = range(len(SCENARIOS))
    for i, (worker, label, color) in enumerate(WORKERS):
        meds, lo, hi, pos = [], [], [], []
        for x, (sid, _) in zip(xs, SCENARIOS):
            s = pick(worker, sid, lambda r: r["rps"])
            if s is None:
                continue
            pos.append(x if worker == "empty" else x + (i - 1.5) * width)
            meds.append(s[0])
            lo.append(s[0] - s[1])
            hi.append(s[2] - s[0])
        if pos:
            ax1.bar(pos, meds, width, yerr=[lo, hi], capsize=3, label=label, color=color)
            for p, m in zip(pos, meds):
                ax1.text(p, m, f"{m:.0f}", ha="center", va="bottom", fontsize=7)
    ax1.set_xticks(list(xs))
    ax1.set_xticklabels([s[1] for s in SCENARIOS], fontsize=8)
    ax1.set_ylabel("requests per second")
    ax1.set_title("Throughput through wrangler dev (higher is better)")
    ax1.legend(fontsize=8)
    ax1.set_ylim(top=ax1.get_ylim()[1] * 1.08)
    ax1.grid(axis="y", alpha=0.3)

    # Latency: p50 solid, p99 hatched, per worker.
    width2 = 0.13
    k = 0
    for worker, label, color in WORKERS:
        for pct, hatch, alpha in (("p50", None, 1.0), ("p99", "//", 0.55)):
            meds, lo, hi, pos = [], [], [], []
            for x, (sid, _) in zip(xs, SCENARIOS):
                s = pick(worker, sid, lambda r: r["latency_ms"][pct])
                if s is None:
                    continue
                pos.append(x + (k - 0.5) * width2 if worker == "empty" else x + (k - 3.5) * width2)
                meds.append(s[0])
                lo.append(s[0] - s[1])
                hi.append(s[2] - s[0])
            if pos:
                ax2.bar(pos, meds, width2, yerr=[lo, hi], capsize=2, color=color, alpha=alpha, hatch=hatch,
                        edgecolor="white" if hatch else None, label=f"{label} {pct}")
            k += 1
    ax2.set_xticks(list(xs))
    ax2.set_xticklabels([s[1] for s in SCENARIOS], fontsize=8)
    ax2.set_ylabel("latency, ms (log scale)")
    ax2.set_yscale("log")
    ax2.set_title(f"Latency p50 / p99 ({tp['connections']} connections; lower is better)")
    ax2.legend(fontsize=7, ncol=3, loc="upper left")
    ax2.set_ylim(top=ax2.get_ylim()[1] * 4)
    ax2.grid(axis="y", alpha=0.3)

    meta = results["meta"]
    fig.suptitle(f"{meta['started'][:10]} · {meta['machine']['cpus']} cores · wrk -t{tp['threads']} -c{tp['connections']} "
                 f"-d{tp['duration_s']}s · median of {tp['reps']} runs, whiskers min–max · commit {meta['commit']}",
                 fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(out_path, dpi=130)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
