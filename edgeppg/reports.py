"""Terminal tables shared by the commands (rich renders them; plain text when piped)."""

from __future__ import annotations

from rich.table import Table

from edgeppg.data.dataset import Splits
from edgeppg.data.windows import WindowSet


def data_summary(windows: WindowSet, splits: Splits) -> Table:
    """Per participant: split, hours, windows kept, and windows dropped with the reason."""
    role = {s: name for name in ("train", "val", "test") for s in getattr(splits, name).subjects()}
    table = Table(title="data set summary")
    for col in ("participant", "split", "hours", "windows", "kept", "dropped (why)"):
        table.add_column(col, justify="left" if col in ("participant", "split", "dropped (why)") else "right")
    hours = kept = total = 0
    for rec in windows.summary:
        why = ", ".join(f"{n} {reason}" for reason, n in sorted(rec["dropped"].items())) or "-"
        if rec.get("missing"):
            why = f"MISSING: {rec['missing']}"
        if rec.get("note"):
            why = f"{why}; {rec['note']}"
        table.add_row(rec["subject"], role.get(rec["subject"], "-"), f"{rec['hours']:.2f}", str(rec["windows"]),
                      str(rec["kept"]), why)
        hours, kept, total = hours + rec["hours"], kept + rec["kept"], total + rec["windows"]
    dropped = ", ".join(f"{n} {reason}" for reason, n in sorted(windows.dropped.items())) or "-"
    table.add_section()
    table.add_row(f"{len(windows.summary)} recordings", "", f"{hours:.2f}", str(total), str(kept), dropped)
    return table


def metrics_table(runs: dict[str, dict],
                  title: str = "test participants (never trained or tuned on): every window of theirs") -> Table:
    table = Table(title=title)
    readout = next(iter(runs.values()), {}).get("readout", "argmax")
    for col in ("run", "model", "strategy", "params", "MACs", "epochs", "test windows", f"MAE {readout} (BPM)",
                f"RMSE {readout} (BPM)", "MAE expect.", "MAE track"):
        table.add_column(col, justify="left" if col in ("run", "model", "strategy") else "right")
    for name, m in runs.items():
        t = m["test"]
        track = f"{t['mae_track']:.2f}" if "mae_track" in t else "-"  # runs made before the tracker have none
        table.add_row(name, m["model"], m["strategy"], f"{m['params']:,}", f"{m['macs'] / 1e6:.2f} M",
                      f"{m['epochs_run']}", f"{t['windows']:,}", f"{t['mae']:.2f}", f"{t['rmse']:.2f}",
                      f"{t['mae_expectation']:.2f}", track)
    return table


def rows_table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]], left: int = 1) -> Table:
    """A table of text rows: the first `left` columns left-aligned, the numbers right-aligned."""
    table = Table(title=title)
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i < left else "right")
    for row in rows:
        table.add_row(*row)
    return table
