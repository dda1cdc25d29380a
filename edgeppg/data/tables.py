"""Reading the columns a loader needs from a CSV file, with errors that name the file, column and line."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from edgeppg.errors import EdgeppgError


def read_rows(path: Path, delimiter: str = ",", first: bool = False) -> list[list[str]]:
    """A CSV file's rows (only the header row with `first`), as spreadsheets write them too: a UTF-8 byte-order
    mark, quoted names and blank lines at the end are read, not refused."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            out = [next(reader, [])] if first else list(reader)
    except FileNotFoundError:
        raise EdgeppgError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise EdgeppgError(f"{path}: a folder, not a CSV file") from None
    except (UnicodeDecodeError, csv.Error) as e:
        raise EdgeppgError(f"{path}: not a readable CSV file ({e})") from e
    while out and not any(v.strip() for v in out[-1]):
        out.pop()
    return out


def read_csv(path: Path, columns: tuple[str, ...], numeric: tuple[str, ...], delimiter: str = ",") -> dict[str, np.ndarray]:
    """The named columns of a CSV file; errors name the file, the column or the line."""
    rows = read_rows(path, delimiter)
    if not rows:
        raise EdgeppgError(f"{path}: empty file")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in columns if c not in header]
    if missing:
        raise EdgeppgError(f"{path}: no column '{missing[0]}' (header: {', '.join(header)})")
    out = {}
    for c in columns:
        j = header.index(c)
        values = [r[j].strip() if j < len(r) else "" for r in rows[1:]]
        if c in numeric:
            try:
                out[c] = np.array([float(v) if v != "" else np.nan for v in values], np.float64)
            except ValueError:
                line = next(i + 2 for i, v in enumerate(values) if not _is_float(v))
                raise EdgeppgError(f"{path}: line {line}, column '{c}' is not a number") from None
        else:
            out[c] = np.array(values, dtype=object)
    return out


def _is_float(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return v == ""
