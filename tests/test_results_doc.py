"""docs/results.md's generated tables equal what benchmarks/docs.py writes from the committed raw output
in benchmarks/results/, so a documented figure cannot drift from the measurement behind it."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def docs_module():
    spec = importlib.util.spec_from_file_location("benchmarks_docs", ROOT / "benchmarks" / "docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_generated_table_matches_its_results_file():
    docs = docs_module()
    text = docs.DOC.read_text()
    names = [m["name"] for m in docs.MARK.finditer(text)]
    assert {"demo", "mcu", "mcu-ratios", "tracker", "medium", "medium-front", "train-throughput"} <= set(names)
    _, changed = docs.render(text)
    assert changed == [], f"docs/results.md is out of date for {changed}: run python benchmarks/docs.py"


def test_a_changed_figure_is_caught(tmp_path, monkeypatch):
    docs = docs_module()
    text = docs.DOC.read_text()
    body = next(docs.MARK.finditer(text))
    tampered = text[:body.start("body")] + body["body"].replace("|", "| 9", 1) + text[body.end("body"):]
    _, changed = docs.render(tampered)
    assert changed == [body["name"]]
