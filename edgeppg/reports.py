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
    """One row per run: what it is and its test errors (the expectation read-out and the epochs stay in
    metrics.json); narrow enough for 100 columns when each run's "model" is its spec's short() name."""
    readout = next(iter(runs.values()), {}).get("readout", "argmax")
    windows = sorted({m["test"]["windows"] for m in runs.values()})
    table = Table(title=title, caption=f"{', '.join(f'{n:,}' for n in windows)} test windows; errors in BPM; "
                                       f"{readout}: the read-out the runs chose on validation")
    for col in ("run", "model", "strategy", "params", "MACs", "MAE\ntrack", "MAE\nargmax", f"RMSE\n{readout}"):
        table.add_column(col, justify="left" if col in ("run", "model", "strategy") else "right")
    for name, m in runs.items():
        t = m["test"]
        track = f"{t['mae_track']:.2f}" if "mae_track" in t else "-"  # runs made before the tracker have none
        table.add_row(name, m["model"], m["strategy"], f"{m['params']:,}", f"{m['macs'] / 1e6:.1f} M", track,
                      f"{t['mae_argmax']:.2f}", f"{t['rmse']:.2f}")
    return table


def rows_table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]], left: int = 1) -> Table:
    """A table of text rows: the first `left` columns left-aligned, the numbers right-aligned."""
    table = Table(title=title)
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i < left else "right")
    for row in rows:
        table.add_row(*row)
    return table


def size_table(width: int, kernel: int) -> Table:
    """What `edgeppg info` prints: every model size at this width and kernel."""
    from edgeppg.device.spec import N_CLASSES, WINDOW
    from edgeppg.models.complexity import size_rows

    return rows_table(f"edgeppg models (width {width}, kernel {kernel}, {WINDOW}-sample windows, {N_CLASSES} "
                      "classes)", ("model", "params", "MACs / window", "last feature map"), size_rows(width, kernel))
