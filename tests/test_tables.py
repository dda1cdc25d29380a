"""Every table the demo and README's tour print fits a 100-column terminal without wrapping a row: each is
rendered at its natural width from real artefacts (the shipped models' files, a trained fixture run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from edgeppg.bench import compare
from edgeppg.bench.report import compare_table, host_table, mcu_table
from edgeppg.export.report import export_table
from edgeppg.mcu.stream import stream_rows
from edgeppg.reports import data_summary, metrics_table, rows_table, size_table

MODELS = Path(__file__).resolve().parents[1] / "models"
COLUMNS = 100


def width(renderable) -> int:
    """The widest line of `renderable` in a terminal wide enough that nothing wraps."""
    console = Console(width=1000, record=True, file=open("/dev/null", "w"))
    console.print(renderable)
    return max(len(line.rstrip()) for line in console.export_text().splitlines())


def shipped(name: str, file: str) -> dict:
    return json.loads((MODELS / name / file).read_text())


def test_the_width_measure_sees_a_wide_table():
    assert width(rows_table("t", ("a", "b"), [("x" * 120, "1")])) > COLUMNS


@pytest.mark.parametrize("role", ["student", "teacher"])
def test_the_shipped_models_tables_fit_100_columns(role):
    from edgeppg.models.spec import ModelSpec

    spec = ModelSpec(**shipped(role, "config.json")["model"])
    runs = {f"{role}-{n}": {**shipped(role, "metrics.json"), "model": spec.short()} for n in ("scratch", "dkd")}
    teacher, student = shipped("teacher", "bench_host.json"), shipped(role, "bench_host.json")
    tables = {"metrics": metrics_table(runs), "host": host_table(student),
              "compare": compare_table(teacher, student, compare(teacher, student)),
              "cortex-m4": mcu_table(shipped(role, "bench_cortex_m4.json")),
              "export": export_table(shipped(role, "export.json")),
              "stream": rows_table("stream", ("figure", "value"), stream_rows(shipped(role, "stream_e2epyppg.json"))),
              "info": size_table(32, 9)}
    assert {name: width(t) for name, t in tables.items() if width(t) > COLUMNS} == {}


def test_the_tours_eval_and_data_tables_fit_100_columns(exported):
    from edgeppg.data.dataset import load_splits, load_windows
    from edgeppg.eval_sets import eval_sets, eval_table
    from edgeppg.runs import load_model

    run, _ = exported
    model, cfg = load_model(run)
    title, sets = eval_sets(cfg, run, "track")
    watch_title, watch = eval_sets(cfg, run, "track", eval_dataset="e2epyppg")  # the tour's second eval
    tables = [eval_table(title, model, sets, "track"), eval_table(watch_title, model, watch, "track"),
              data_summary(load_windows(cfg.data), load_splits(cfg.data))]
    assert [width(t) for t in tables if width(t) > COLUMNS] == []
