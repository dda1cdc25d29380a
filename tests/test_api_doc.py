"""docs/api.md runs as written: its Python blocks, in order, in a fresh folder."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


@pytest.mark.slow
@pytest.mark.m4  # the page benchmarks on the emulated Cortex-M4
def test_the_api_page_runs_as_written(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) == 3
    (tmp_path / "page.py").write_text("\n".join(blocks))
    res = subprocess.run([sys.executable, "page.py"], cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    assert re.search(r"test MAE: teacher \d+\.\d\d, student \d+\.\d\d BPM over \d+ windows", res.stdout)
    assert "'mae_track'" in res.stdout and "bit-exact: True" in res.stdout
    card = tmp_path / "runs" / "notebook" / "dkd" / "card" / "card.html"
    assert card.is_file() and "Microcontroller costs" in card.read_text()
