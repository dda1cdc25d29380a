"""`edgeppg report RESULTS`: the figures a reader of the paper looks for (edgeppg.study.figures), the
paired comparisons against scratch and the findings in words, as a self-contained HTML page and as markdown
with PNG files, from a study's results table."""

from __future__ import annotations

import base64
import csv
import html
import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from edgeppg import files
from edgeppg.errors import EdgeppgError
from edgeppg.study.figures import FIGURES, label, make_figures


def read_results(path: Path) -> list[dict]:
    path = Path(path)
    if path.is_dir():
        path = path / "results.csv"
    try:
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise EdgeppgError(f"{path}: file not found (run edgeppg sweep first)") from None
    if not rows or "mae" not in rows[0]:
        raise EdgeppgError(f"{path}: not an edgeppg results table")
    out = []
    for r in rows:
        if r.get("status") not in ("finished", "trained") or not r.get("mae"):
            continue
        for k in ("mae", "rmse", "params", "macs", "pytorch_latency_ms", "int8_mae", "int8_latency_ms",
                  "tflm_arena_bytes", "int8_bytes", "beta", "teacher_blocks", "student_blocks", "seed",
                  "mcu_instructions", "mcu_flash_bytes", "mcu_ram_bytes", "mcu_energy_uj"):
            r[k] = float(r[k]) if r.get(k) not in (None, "") else None
        out.append(r)
    if not out:
        raise EdgeppgError(f"{path}: no finished cells yet")
    return out


FACTS = "facts.json"
REPORT_MD, REPORT_HTML = "report.md", "report.html"
TITLE = "edgeppg study report"  # each report's first line and page title: how a folder's report is told apart
SIGN = ("Every comparison is paired: the same student size, teacher and seed, trained with the strategy and "
        "from scratch, compared on each test participant. The difference is strategy MAE minus scratch MAE, so a "
        "negative difference means the strategy lowered the error. The 95% interval is a bootstrap over seeds "
        "and participants; a strategy is called better or worse only when the interval excludes zero, and only "
        "with at least 3 seeds or 5 test participants (fewer make any interval overconfident).")


def comparisons(rows: list[dict], cells_dir: Path) -> list[dict]:
    """Each strategy cell group against scratch at the same student size, paired by seed and participant."""
    from edgeppg.study.stats import paired_bootstrap, verdict

    def per_subject(cell: str, mae: float) -> dict[str, float]:
        path = cells_dir / cell / "metrics.json"
        try:
            by = json.loads(path.read_text()).get("test_by_subject")
        except (OSError, ValueError):
            by = None
        return by or {"all": mae}  # a run made before per-participant scores: one pseudo-participant

    students = [r for r in rows if r["kind"] == "student"]
    scratch = {(int(r["student_blocks"]), int(r["seed"])): r for r in students if r["strategy"] == "scratch"}
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in students:
        if r["strategy"] != "scratch":
            groups[(int(r["student_blocks"]), int(r["teacher_blocks"] or 0), label(r))].append(r)
    out = []
    for (n, t, lab), cells in sorted(groups.items()):
        pairs = [(r, scratch[(n, int(r["seed"]))]) for r in cells if (n, int(r["seed"])) in scratch]
        if not pairs:
            continue
        people = sorted(set().union(*(per_subject(a["cell"], a["mae"]).keys() for a, _ in pairs)))
        diff = np.full((len(pairs), len(people)), np.nan)
        for i, (a, b) in enumerate(pairs):
            sa, sb = per_subject(a["cell"], a["mae"]), per_subject(b["cell"], b["mae"])
            for j, who in enumerate(people):
                if who in sa and who in sb:
                    diff[i, j] = sa[who] - sb[who]
        ci = paired_bootstrap(diff)
        out.append({"student_blocks": n, "teacher_blocks": t, "strategy": lab, **ci, "verdict": verdict(ci)})
    return out


def findings(facts: dict) -> list[str]:
    lines = []
    for c in facts.get("comparisons", []):
        lines.append(f"{c['student_blocks']}-block student, {c['strategy']} from the {c['teacher_blocks']}-block "
                     f"teacher against scratch: {c['mean']:+.2f} BPM (95% CI {c['lo']:+.2f} to {c['hi']:+.2f}; "
                     f"{c['seeds']} seed(s) x {c['participants']} participant(s)): {c['verdict']}.")
    for key, what in (("pareto_latency", "time"), ("pareto_memory", "memory"), ("pareto_flash", "flash")):
        if facts.get(key):
            lines.append(f"On the {what} Pareto front ({facts['pareto_on']}): {', '.join(facts[key])}.")
    if facts.get("front_distance_mean"):
        far = ", ".join(f"{d['student_blocks']}b {d['strategy']} {d['mean_bpm']:.2f}" for d in facts["front_distance_mean"])
        lines.append(f"Distance from the time front ({facts['pareto_on']}): mean BPM of MAE above the best student "
                     f"that costs no more, per size and strategy: {far}.")
    for n, (lab, mae) in sorted(facts["best_strategy"].items()):
        lines.append(f"{n}-block students: the lowest mean MAE is {lab}'s ({mae:.2f} BPM); the comparisons above "
                     "say which differences are measured.")
    for name, fit in facts["fits"].items():
        if fit and fit.get("flags"):
            se = fit["se"]
            lines.append(f"{name}: fit MAE = {fit['a']:.2f} (+-{se[0]:.2f}) + {fit['b']:.2f} (+-{se[1]:.2f}) "
                         f"n^-{fit['c']:.2f} (+-{se[2]:.2f}) is flagged, not a finding: {'; '.join(fit['flags'])}.")
        elif fit and fit["n_sat"] == math.inf:
            lines.append(f"{name}: MAE = {fit['a']:.2f} + {fit['b']:.2f} n^-{fit['c']:.2f} is still falling at the "
                         "largest depth measured: no saturation within 10x that depth.")
        elif fit and fit["n_sat"] is not None:
            lines.append(f"{name}: MAE = {fit['a']:.2f} + {fit['b']:.2f} n^-{fit['c']:.2f}; 90% of the gain from "
                         f"depth is reached at n = {fit['n_sat']:.1f} blocks.")
        elif fit:
            lines.append(f"{name}: MAE does not fall with depth in this range (fit {fit['a']:.2f} + "
                         f"{fit['b']:.2f} n^-{fit['c']:.2f}): no saturation point to report.")
        else:
            lines.append(f"{name}: too few student depths for a scaling fit.")
    return lines


def _md_table(columns: tuple[str, ...], body: list[tuple[str, ...]]) -> list[str]:
    return ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns), *("| " + " | ".join(r) + " |" for r in body)]


def _html_table(columns: tuple[str, ...], body: list[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in r) + "</tr>" for r in body)
    return f"<table><tr>{head}</tr>{rows}</table>"


def write_report(results: Path, out: Path | None = None) -> Path:
    """report.md, report.html, facts.json and the figures in `out` (default: the study's report/ folder),
    published whole over an earlier report (`files.publishing`); a folder holding files of those names that no
    report wrote is refused before any work."""
    results = Path(results)
    study = results if results.is_dir() else results.parent
    target = Path(out) if out else study / "report"
    names = (REPORT_MD, FACTS, REPORT_HTML, *(f"{n}.png" for n in FIGURES))
    if out is not None and target.exists() and not target.is_dir():
        raise EdgeppgError(f"--out {out}: is a file, not a folder for the report")
    if theirs := files.not_ours(target, names, {REPORT_MD: f"# {TITLE}", REPORT_HTML: f"<title>{TITLE}"}):
        raise EdgeppgError(f"{'--out ' if out else ''}{target}: holds {', '.join(theirs)} that no edgeppg report "
                           "wrote; a report replaces only its own files: choose another folder")
    rows = read_results(results)
    with files.publishing(target, names, REPORT_HTML) as stage:
        _write(rows, results, study / "cells", stage)
    return target


def _write(rows: list[dict], results: Path, cells_dir: Path, out: Path) -> None:
    facts = make_figures(rows, out)
    facts["comparisons"] = comparisons(rows, cells_dir)
    text = findings(facts)
    table_rows = sorted(rows, key=lambda r: (r["kind"] != "teacher", r["student_blocks"], r["cell"]))
    cols = ("cell", "kind", "student blocks", "teacher blocks", "strategy", "DKD beta", "seed", "test MAE (BPM)",
            "test RMSE (BPM)", "params", "MACs per window (M)")

    def cells_row(r: dict) -> tuple[str, ...]:
        return (r["cell"], r["kind"], str(int(r["student_blocks"])),
                str(int(r["teacher_blocks"])) if r["teacher_blocks"] else "-", r["strategy"],
                f"{r['beta']:g}" if r["strategy"] == "dkd" else "-", str(int(r["seed"])), f"{r['mae']:.2f}",
                f"{r['rmse']:.2f}", f"{int(r['params']):,}", f"{r['macs'] / 1e6:.2f}")

    comp_cols = ("student blocks", "teacher blocks", "strategy", "difference (BPM)", "95% CI (BPM)", "verdict",
                 "seeds", "participants")
    comp_rows = [(str(c["student_blocks"]), str(c["teacher_blocks"]), c["strategy"], f"{c['mean']:+.2f}",
                  f"{c['lo']:+.2f} to {c['hi']:+.2f}", c["verdict"], str(c["seeds"]), str(c["participants"]))
                 for c in facts["comparisons"]]
    md = [f"# {TITLE}", "", f"{len(rows)} finished cells from `{results}`.", "", "## Findings", "", SIGN, "",
          *(f"- {t}" for t in text), "", "## Strategy against scratch", "", *_md_table(comp_cols, comp_rows), "",
          *(line for name in FIGURES for line in (f"![{name}]({name}.png)", "")),
          "## Cells", "", *_md_table(cols, [cells_row(r) for r in table_rows])]
    files.write_text(out / REPORT_MD, "\n".join(md) + "\n")
    # the same findings as data, for scripts (benchmarks/docs.py writes docs/results.md's tables from it)
    files.write_text(out / FACTS, json.dumps({"cells": len(rows), "sign_convention": SIGN, "findings": text,
                                         **facts}, indent=2, default=str) + "\n")
    imgs = "".join(f'<figure><img alt="{n}" src="data:image/png;base64,'
                   f'{base64.b64encode((out / f"{n}.png").read_bytes()).decode()}"></figure>' for n in FIGURES)
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{TITLE}</title><style>"
        "body{font-family:sans-serif;max-width:900px;margin:2em auto}img{max-width:100%}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
        f"td:first-child{{text-align:left}}</style></head><body><h1>{TITLE}</h1>"
        f"<p>{len(rows)} finished cells from <code>{html.escape(str(results))}</code>.</p><h2>Findings</h2>"
        f"<p>{html.escape(SIGN)}</p><ul>" + "".join(f"<li>{html.escape(t)}</li>" for t in text) + "</ul>"
        "<h2>Strategy against scratch</h2>" + _html_table(comp_cols, comp_rows) + "<h2>Figures</h2>" + imgs +
        "<h2>Cells</h2>" + _html_table(cols, [cells_row(r) for r in table_rows]) + "</body></html>"
    )
    files.write_text(out / REPORT_HTML, page)
