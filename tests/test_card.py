"""`edgeppg card`: the card's content, a real headless browser rendering its HTML with every figure
loaded and nothing fetched, and the card's reproduction command remaking the run's exact config."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from edgeppg.card import write_card
from edgeppg.files import CONFIG
from edgeppg.errors import EdgeppgError

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# as this machine's closed network needs: no background connections, no first-run, no sandbox as root
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edgeppg", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def card(exported, tmp_path_factory):
    run, _ = exported
    md, page = write_card(run, tmp_path_factory.mktemp("card"))
    return run, md, page


def test_card_states_what_each_figure_is_measured_on(card):
    run, md, page = card
    text = md.read_text()
    metrics = json.loads((run / "metrics.json").read_text())
    export = json.loads((run / "export.json").read_text())
    for heading in ("Data and split", "Architecture", "Training", "Accuracy", "Float and int8", "Reproduce"):
        assert f"## {heading}" in text
    assert f"{metrics['params']:,} parameters" in text
    assert f"| test participants (unseen) | {metrics['test']['windows']:,} | {metrics['test']['mae_argmax']:.2f} |" in text
    assert f"{export['int8_mae_loss_bpm']:+.2f} BPM" in text
    assert ", ".join(metrics["subjects"]["test"]) in text
    assert "| cadence scenario: built-in climbing and running (unseen) | 2,371 |" in text  # motion on unseen people
    for png in ("training_curve", "hr_test", "bland_altman"):
        assert f"]({png}.png)" in text and (md.parent / f"{png}.png").stat().st_size > 5000
    html = page.read_text()
    assert "http://" not in html and "https://" not in html and "<script" not in html  # self-contained


@pytest.mark.chromium
def test_card_renders_in_a_headless_browser_with_every_figure_loaded(card, tmp_path):
    from playwright.sync_api import sync_playwright

    _, md, page = card
    expected = re.findall(r"\]\((\w+)\.png\)", md.read_text())
    requests, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1100, "height": 900})
        tab.on("request", lambda r: requests.append(r.url))
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.goto(page.as_uri())
        tab.wait_for_load_state("load")
        figures = tab.eval_on_selector_all(
            "figure img", "els => els.map(e => [e.dataset.figure, e.complete, e.naturalWidth, e.naturalHeight,"
                          " e.getBoundingClientRect().width])")
        headings = tab.eval_on_selector_all("h2", "els => els.map(e => e.textContent)")
        tab.screenshot(path=str(tmp_path / "card.png"), full_page=True)
        browser.close()
    assert [f[0] for f in figures] == expected
    for name, complete, w, h, shown in figures:
        assert complete and w > 300 and h > 200 and shown > 300, (name, w, h, shown)
    assert "Microcontroller costs" in headings and "Reproduce" in headings
    assert [u for u in requests if not u.startswith(("file://", "data:"))] == []
    assert errors == []
    assert (tmp_path / "card.png").stat().st_size > 50_000


def test_the_cards_command_remakes_the_run(tmp_path):
    """A tiny run made from the command line, its card, then the card's own command: the same config."""
    first = tmp_path / "first"
    made = _cli("train", "--out", str(first), "--blocks", "1", "--width", "8", "--kernel", "5", "--subjects", "4",
                "--minutes", "2", "--data-seed", "3", "--epochs", "1", "--batch-size", "64", "--lr", "0.002",
                "--seed", "7", "--readout", "track", "--variety", "noise,motion", "--augment", "0.25",
                "--stem-stride", "2", "--ema", "0.5")
    assert made.returncode == 0, made.stderr
    res = _cli("card", str(first), "--no-watch")
    assert res.returncode == 0, res.stderr
    text = (first / "card" / "card.md").read_text()
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    command = block.split("\nedgeppg ", 1)[0].replace("\\\n", " ")
    assert command.startswith("edgeppg train") and "Set from Python" not in text
    args = command.split()[1:]
    args[args.index("--out") + 1] = str(tmp_path / "again")
    again = _cli(*args)
    assert again.returncode == 0, again.stderr
    assert json.loads((tmp_path / "again" / CONFIG).read_text()) == json.loads((first / CONFIG).read_text())


def test_card_of_an_unfinished_run_is_one_line(tmp_path):
    (tmp_path / "run").mkdir()
    res = _cli("card", str(tmp_path / "run"))
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "metrics.json" in res.stderr and "Traceback" not in res.stderr
    assert list((tmp_path / "run").iterdir()) == []


def test_a_card_after_an_export_without_int8(tmp_path, exported):
    """export --no-int8 is a documented option: its card says how to remake that export, no traceback."""
    import shutil

    from edgeppg.card.collect import collect
    from edgeppg.card.reproduce import reproduce

    run = tmp_path / "float"
    shutil.copytree(exported[0], run, ignore=shutil.ignore_patterns("card", "firmware"))
    report = json.loads((run / "export.json").read_text())
    for key in ("calibration", "tflite_micro"):
        report.pop(key)
    (run / "export.json").write_text(json.dumps(report))
    lines, _ = reproduce(collect(run, watch=False))
    assert any(line.startswith(f"edgeppg export {run} --no-int8") for line in lines)


def test_a_card_replaces_the_old_one_whole_and_leaves_other_files_alone(tmp_path, exported):
    """A second card without the watch recording removes the first card's watch figure (no mix of two cards);
    a user's own file in --out stays; a card stopped halfway leaves the previous card as it was; and a
    read-only run folder still gets its card written elsewhere."""
    from edgeppg.card import FIGURES, document

    run = tmp_path / "run"
    shutil.copytree(exported[0], run, ignore=shutil.ignore_patterns("card", "firmware"))
    out = tmp_path / "cards"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    write_card(run, out, watch=True)
    with_watch = {p.name for p in out.iterdir()}
    assert {"card.md", "card.html", "notes.txt"} <= with_watch and {f"{f}.png" for f in FIGURES} <= with_watch
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def stop(*args, **kwargs):
        raise OSError(28, "No space left on device", "card.html")

    original = document.to_html
    document.to_html = stop
    try:
        with pytest.raises(OSError):
            write_card(run, out, watch=False)
    finally:
        document.to_html = original
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the old card, whole
    assert not any(p.name.endswith(".publishing") for p in tmp_path.iterdir())
    import edgeppg.card as card_module

    def read_only(folder, command):  # what taking the lock does in a folder that cannot be written
        raise PermissionError(13, "Permission denied", str(folder / ".edgeppg.lock"))

    original_lock = card_module.lock.run_folder
    card_module.lock.run_folder = read_only
    try:
        write_card(run, out, watch=False)  # --out elsewhere: the run is only read
        with pytest.raises(PermissionError):
            write_card(run, None, watch=False)  # into the run folder: its lock is taken
    finally:
        card_module.lock.run_folder = original_lock
    assert "hr_watch.png" not in {p.name for p in out.iterdir()} and (out / "notes.txt").read_text() == "mine"
    (out / "card.md").write_text("my own notes")  # no card's first line: the folder's card files are not ours
    with pytest.raises(EdgeppgError, match="holds card.md, card.html, training_curve.png"):
        write_card(run, out, watch=False)
    assert (out / "card.md").read_text() == "my own notes"
