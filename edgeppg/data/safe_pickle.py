"""Reading PPG-DaLiA's Python-2 pickles without letting them run code.

A pickle names the functions that rebuild its objects; plain `pickle.load` calls whatever it names
(`os.system` included). This unpickler admits only what a DaLiA file needs to rebuild dicts of numpy
arrays, and refuses everything else with an error that names the file and the global it asked for.
"""

from __future__ import annotations

import pickle
from pathlib import Path

from edgeppg.errors import EdgeppgError

ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("_codecs", "encode"),  # how protocol 2 spells bytes when Python 3 writes it
}


class RefusedGlobal(pickle.UnpicklingError):
    """The pickle asked for a callable outside the allowed set."""


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in ALLOWED:
            raise RefusedGlobal(f"refused global {module}.{name}")
        return super().find_class(module, name)


def load(path: Path) -> object:
    """The object in `path`, read with latin-1 strings (the files were written by Python 2)."""
    try:
        with open(path, "rb") as fh:
            return _RestrictedUnpickler(fh, encoding="latin1").load()
    except FileNotFoundError:
        raise EdgeppgError(f"{path}: file not found") from None
    except RefusedGlobal as e:
        raise EdgeppgError(f"{path}: not a safe DaLiA pickle ({e})") from e
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError, OverflowError) as e:
        raise EdgeppgError(f"{path}: truncated or corrupt pickle ({type(e).__name__}: {str(e)[:120]})") from e
