"""One edgeppg command at a time per run folder.

Two `edgeppg train --out X` at once would each write X's model and one run's result would silently be
lost; an export during a training would read half a run. Every command that writes into a run folder
holds `X/.edgeppg.lock` (an advisory `flock`) while it works. The kernel drops the lock when its holder
dies, even by SIGKILL, so a stale lock never blocks anyone; and the next command that takes the lock
and finds status.json still "running" knows that command was killed, and says so in status.json.
Torch-free: the firmware stage locks too.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from edgeppg.errors import EdgeppgError
from edgeppg.files import STATUS, write_json

LOCK = ".edgeppg.lock"
_held: set[Path] = set()  # folders this process holds: a stage that calls another keeps the one lock


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
        return f"pid {info['pid']}, `{info['command']}`, since {info['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


def _correct_stale_status(folder: Path) -> None:
    """status.json says running, yet nobody holds the lock: its command died without a word."""
    try:
        status = json.loads((folder / STATUS).read_text())
    except (OSError, ValueError):
        return
    if isinstance(status, dict) and status.get("status") == "running":
        write_json(folder / STATUS, {**status, "status": "interrupted", "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                     "note": "the command that was running stopped without finishing "
                                             "(killed, or the machine went down)"})


@contextmanager
def run_folder(folder: Path, command: str) -> Iterator[Path]:
    """Hold the run folder's lock (creating the folder if needed) for the body; fail at once with one
    line if another command holds it. A folder this call created and that stays empty is removed."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise EdgeppgError(f"{folder}: is a file, not a run folder")
    if folder.resolve() in _held:
        yield folder
        return
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK
    while True:  # the holder unlinks the file on release: make sure ours is the file at `path`
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise EdgeppgError(f"{folder}: in use by another edgeppg command ({_holder(path)}); "
                               "wait for it to finish or stop it") from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "command": command,
                                 "since": time.strftime("%Y-%m-%dT%H:%M:%S")}).encode())
        _correct_stale_status(folder)
        _held.add(folder.resolve())
        yield folder
    finally:
        _held.discard(folder.resolve())
        try:
            os.unlink(path)
        finally:
            os.close(fd)
        if created:
            try:
                folder.rmdir()  # only if nothing was written
            except OSError:
                pass


def locked(stage: str):
    """Decorator: the stage (export, bench, card, ...) holds the lock of the run folder named by its first
    argument (the folder or a file in it) while it runs."""
    def wrap(fn):
        @functools.wraps(fn)
        def inner(path, *args, **kwargs):
            p = Path(path)
            folder = p if p.is_dir() else p.parent
            if not folder.is_dir():
                return fn(path, *args, **kwargs)  # the stage's own error names what is missing
            with run_folder(folder, stage):
                return fn(path, *args, **kwargs)
        return inner
    return wrap
