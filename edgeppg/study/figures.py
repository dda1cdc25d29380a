"""The study report's figures (matplotlib, PNG) and the facts they show, from a study's finished cells.

The scaling curve is a power law with saturation, MAE(n) = a + b * n^(-c) for n student blocks
(scipy's curve_fit, a, b >= 0, c > 0): `a` is the MAE more blocks would approach, and the saturation
point is the depth where 90% of the improvement from 1 block to infinitely many is reached,
n_sat = 10^(1/c).
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

FIGURES = ("mae_by_strategy", "scaling", "pareto_latency", "pareto_memory", "dkd_beta", "distillation_gap")


def label(r: dict) -> str:
    return f"dkd b={r['beta']:g}" if r["strategy"] == "dkd" else r["strategy"]


def fit_scaling(n: np.ndarray, mae: np.ndarray) -> dict | None:
    """MAE(n) = a + b n^-c, or None with fewer than three depths."""
    from scipy.optimize import curve_fit

    if len(set(n.tolist())) < 3:
        return None
    def f(x, a, b, c):
        return a + b * np.power(x, -c)
    lower, upper = [0, 0, 0.05], [np.inf, np.inf, 5]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # three points leave the covariance undetermined
            (a, b, c), cov = curve_fit(f, n, mae, p0=[max(mae.min() * 0.8, 0.0), max(mae.max() - mae.min(), 0.1), 1.0],
                                       bounds=(lower, upper), maxfev=20000)
    except (RuntimeError, ValueError):
        return None
    improves = b > 0.05 * max(float(np.mean(mae)), 1e-9)  # less than 5% of the MAE to gain: no real trend
    n_sat = float(10 ** (1 / c)) if improves else None
    if n_sat is not None and n_sat > 10 * n.max():
        n_sat = math.inf  # still improving at the largest depth measured: no saturation in sight
    se = np.sqrt(np.diag(cov)) if np.all(np.isfinite(cov)) else np.full(3, np.inf)
    resid = mae - f(n, a, b, c)
    r2 = 1 - float(np.sum(resid**2)) / max(float(np.sum((mae - mae.mean()) ** 2)), 1e-12)
    flags = [f"{name} on its bound" for name, v, lo, hi in zip("abc", (a, b, c), lower, upper)
             if np.isclose(v, lo, atol=1e-6) or np.isclose(v, hi, rtol=1e-6)]
    if len(set(n.tolist())) <= 3:
        flags.append("3 depths for 3 parameters: no uncertainty")
    elif r2 < 0.8:
        flags.append(f"misses its points (R^2 {r2:.2f})")
    return {"a": float(a), "b": float(b), "c": float(c), "n_sat": n_sat, "se": [float(x) for x in se],
            "r2": r2, "flags": flags}


def pareto(points: list[tuple[float, float]]) -> list[int]:
    """Indices of points no other point beats on both cost (x) and MAE (y), by increasing cost."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], points[i][1]))
    front, best = [], math.inf
    for i in order:
        if points[i][1] < best:
            front.append(i)
            best = points[i][1]
    return front


def front_distance(points: list[tuple[float, float]]) -> list[float]:
    """For each point: how much higher its MAE is than the best point that costs no more (0 on the front)."""
    return [y - min(py for px, py in points if px <= x) for x, y in points]


def _colours(labels: list[str]) -> dict[str, str]:
    """One colour per strategy label in every figure of a report."""
    palette = ["#7f7f7f", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
               "#bcbd22", "#17becf"]
    return {lab: palette[i % len(palette)] for i, lab in enumerate(labels)}


def _legend_outside(ax) -> None:
    if ax.get_legend_handles_labels()[0]:  # a figure with nothing in it (no DKD cells, say) gets no legend
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)


def _integer_ticks(ax, axis: str = "x") -> None:
    from matplotlib.ticker import MaxNLocator

    (ax.xaxis if axis == "x" else ax.yaxis).set_major_locator(MaxNLocator(integer=True))


def _mean_by(rows: list[dict], key) -> dict:
    groups = defaultdict(list)
    for r in rows:
        groups[key(r)].append(r["mae"])
    return {k: (float(np.mean(v)), float(np.std(v)), len(v)) for k, v in groups.items()}


def make_figures(rows: list[dict], out: Path) -> dict:
    """Write the PNGs; return the numbers the text reports."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    students = [r for r in rows if r["kind"] == "student"]
    teachers = {int(r["student_blocks"]): r["mae"] for r in rows if r["kind"] == "teacher"}
    sizes = sorted({int(r["student_blocks"]) for r in students})
    labels = sorted({label(r) for r in students}, key=lambda s: (s != "scratch", s))
    colour = _colours(labels)
    facts: dict = {"teachers": teachers}

    # 1. MAE by strategy per student size
    fig, ax = plt.subplots(figsize=(8, 4.5))
    means = _mean_by(students, lambda r: (label(r), int(r["student_blocks"])))
    width = 0.8 / max(len(labels), 1)
    for j, lab in enumerate(labels):
        xs = [i + j * width for i, n in enumerate(sizes) if (lab, n) in means]
        ys = [means[(lab, n)][0] for n in sizes if (lab, n) in means]
        # no bar for a single cell: an SD of one value is not an uncertainty
        es = [means[(lab, n)][1] if means[(lab, n)][2] > 1 else np.nan for n in sizes if (lab, n) in means]
        ax.bar(xs, ys, width, yerr=es, label=lab, capsize=2, color=colour[lab])
    ax.set_xticks([i + width * (len(labels) - 1) / 2 for i in range(len(sizes))], [f"{n} block(s)" for n in sizes])
    ax.set_ylabel("test MAE (BPM)")
    ax.set_title("MAE by strategy and student size (mean; bars: SD over teachers and seeds where several)")
    _legend_outside(ax)
    _save(fig, out, "mae_by_strategy")
    best = {n: min(((lab, means[(lab, n)][0]) for lab in labels if (lab, n) in means), key=lambda t: t[1])
            for n in sizes}
    facts["best_strategy"] = best

    # 2. scaling: MAE vs student blocks per teacher, DKD (beta nearest 8) and scratch, with fits
    dkd_betas = sorted({r["beta"] for r in students if r["strategy"] == "dkd"})
    beta = min(dkd_betas, key=lambda b: abs(b - 8)) if dkd_betas else None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    series = {}
    for t in sorted({int(r["teacher_blocks"]) for r in students if r["teacher_blocks"]}):
        sel = [r for r in students if r["strategy"] == "dkd" and r["beta"] == beta and r["teacher_blocks"] == t]
        if sel:
            series[f"DKD from {t}-block teacher"] = sel
    series["scratch"] = [r for r in students if r["strategy"] == "scratch"]
    facts["fits"] = {}
    grid = np.linspace(1, max(sizes) if sizes else 1, 100)
    for name, sel in series.items():
        if not sel:
            continue
        n = np.array([r["student_blocks"] for r in sel])
        y = np.array([r["mae"] for r in sel])
        line = ax.plot(sorted(set(n)), [y[n == v].mean() for v in sorted(set(n))], "o", label=name,
                       color=colour.get("scratch") if name == "scratch" else None)[0]
        fit = fit_scaling(n, y)
        facts["fits"][name] = fit
        if fit:
            ax.plot(grid, fit["a"] + fit["b"] * grid ** -fit["c"], "-", color=line.get_color(), alpha=0.7)
    ax.set_xlabel("student residual blocks")
    ax.set_ylabel("test MAE (BPM)")
    ax.set_title("Scaling with student depth (lines: MAE = a + b n^-c)")
    _integer_ticks(ax)
    _legend_outside(ax)
    _save(fig, out, "scaling")

    # 3-4. Pareto fronts: MAE against time and against memory; on the Cortex-M4 when the study measured it
    #      (exact instruction counts and RAM, what a wearable pays), else on the host
    int8 = [r for r in students if r.get("int8_latency_ms")]
    mcu = [r for r in students if r.get("mcu_instructions")]
    if mcu:
        costs = (("pareto_latency", lambda r: r["mcu_instructions"] / 1e6,
                  "instructions per window on the Cortex-M4 (millions, native int8)", "time"),
                 ("pareto_memory", lambda r: r["mcu_ram_bytes"] / 1024,
                  "RAM on the Cortex-M4 (KiB: static data incl. the arena, + stack)", "RAM"))
        facts["pareto_flash"] = [mcu[i]["cell"] for i in pareto([(r["mcu_flash_bytes"], r["int8_mae"]) for r in mcu])]
    else:
        costs = (("pareto_latency", lambda r: r["int8_latency_ms"] if int8 else r["pytorch_latency_ms"],
                  "host latency, batch 1 (ms, " + ("TFLite int8" if int8 else "PyTorch float") + ")", "latency"),
                 ("pareto_memory", lambda r: (r["int8_bytes"] + r["tflm_arena_bytes"]) / 1024 if int8
                  else r["params"] * 4 / 1024,
                  "memory (KiB, " + ("int8 model + TFLite Micro arena" if int8 else "float32 weights") + ")", "memory"))
    chosen = mcu or int8 or students
    for fig_name, cost, xlabel, what in costs:
        pts = [(cost(r), r["int8_mae"] if (mcu or int8) and r.get("int8_mae") else r["mae"]) for r in chosen]
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for lab in labels:
            idx = [i for i, r in enumerate(chosen) if label(r) == lab]
            ax.scatter([pts[i][0] for i in idx], [pts[i][1] for i in idx], label=lab, s=18, color=colour[lab])
        front = pareto(pts)
        ax.plot([pts[i][0] for i in front], [pts[i][1] for i in front], "k--", lw=1, label="Pareto front")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("test MAE (BPM)" + (", int8" if mcu or int8 else ""))
        ax.set_title(f"MAE against {what}")
        _legend_outside(ax)
        _save(fig, out, fig_name)
        facts[fig_name] = [chosen[i]["cell"] for i in front]
        if fig_name == "pareto_latency":  # how far each student is from the front at its own cost
            distance = front_distance(pts)
            facts["front_distance"] = {r["cell"]: round(d, 3) for r, d in zip(chosen, distance)}
            by: dict[tuple, list[float]] = defaultdict(list)
            for r, d in zip(chosen, distance):
                by[(int(r["student_blocks"]), label(r))].append(d)
            facts["front_distance_mean"] = [{"student_blocks": n, "strategy": lab, "mean_bpm": round(float(np.mean(v)), 3),
                                             "cells": len(v)} for (n, lab), v in sorted(by.items())]
    facts["pareto_on"] = "the Cortex-M4" if mcu else "the host"

    # 5. DKD beta sweep
    fig, ax = plt.subplots(figsize=(7, 4.5))
    by_beta = _mean_by([r for r in students if r["strategy"] == "dkd"], lambda r: (int(r["student_blocks"]), r["beta"]))
    for n in sizes:
        bs = sorted(b for (m, b) in by_beta if m == n)
        if bs:
            ax.plot(bs, [by_beta[(n, b)][0] for b in bs], "o-", label=f"{n}-block student")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("DKD beta (NCKD weight)")
    ax.set_ylabel("test MAE (BPM)")
    ax.set_title("DKD beta sweep (alpha 1, tau 2)")
    _legend_outside(ax)
    _save(fig, out, "dkd_beta")
    facts["dkd_beta"] = {f"{n}b": {f"{b:g}": by_beta[(n, b)][0] for (m, b) in by_beta if m == n} for n in sizes}

    # 6. distilled vs scratch gap
    scratch = _mean_by([r for r in students if r["strategy"] == "scratch"], lambda r: int(r["student_blocks"]))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    gaps = {}
    for lab in [x for x in labels if x != "scratch"]:
        ns = [n for n in sizes if (lab, n) in means and n in scratch]
        g = [scratch[n][0] - means[(lab, n)][0] for n in ns]
        gaps[lab] = dict(zip(ns, g))
        ax.plot(ns, g, "o-", label=lab, color=colour[lab])
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xlabel("student residual blocks")
    ax.set_ylabel("scratch MAE - distilled MAE (BPM; > 0: distillation helps)")
    ax.set_title("What distillation gains over training from scratch")
    _integer_ticks(ax)
    _legend_outside(ax)
    _save(fig, out, "distillation_gap")
    facts["gap"] = gaps
    return facts


def _save(fig, out: Path, name: str) -> None:
    fig.savefig(out / f"{name}.png", dpi=110, bbox_inches="tight")  # the legend sits outside the axes
    import matplotlib.pyplot as plt

    plt.close(fig)
