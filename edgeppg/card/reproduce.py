"""The shell lines on a model card that remake its run from nothing: the teacher first, then the run,
its export and every measurement the card shows.

Each setting's option comes from its config field (edgeppg.settings.option), so a new setting with an
option appears here without a line of this module changing. A setting that differs from its default is
written out; a setting no option sets is listed apart, as set from Python or a study.
"""

from __future__ import annotations

import shlex
from dataclasses import fields, is_dataclass
from pathlib import Path

from edgeppg import files
from edgeppg.card.collect import RunFacts
from edgeppg.config import RunConfig
from edgeppg.distill import strategy
from edgeppg.settings import option

# The config sections each command sets, one line of options each.
SECTIONS = {"train": ("model", "data", "train"), "distill": ("distill", "model", "data", "train")}
# Sections whose unset options are not the config's defaults: a student's width and inputs default to its
# teacher's.
EVERY = {("distill", "model"), ("distill", "data")}


def _options(obj: object, command: str, every: bool = False) -> list[str]:
    """`--option value` for every field of `obj` (a config dataclass) an option sets in `command` and
    whose value differs from the default (`every`: whatever its value)."""
    out, default = [], type(obj)()
    for f in fields(obj):
        value = getattr(obj, f.name)
        if is_dataclass(value):
            out += _options(value, command, every)
            continue
        opt = option(type(obj), f.name, command)
        if opt is None or not (every or value != getattr(default, f.name)):
            continue
        if isinstance(value, bool):  # a flag: --stream, or its --no- form (distill's pair is --student-window)
            out.append(opt if value else "--student-window" if opt == "--student-stream" else "--no-" + opt[2:])
        else:
            out.append(f"{opt} {shlex.quote(f'{value:g}' if isinstance(value, float) else str(value))}")
    return out


def train_command(cfg: RunConfig, run: Path | str) -> list[str]:
    """`edgeppg train` or `edgeppg distill` for a run's config, as option groups."""
    command = "distill" if strategy(cfg.distill.strategy).needs_teacher else "train"
    groups = [" ".join(_options(getattr(cfg, s), command, (command, s) in EVERY)) for s in SECTIONS[command]]
    return [f"edgeppg {command} --out {shlex.quote(str(run))}", *(g for g in groups if g)]


def hidden_settings(cfg: RunConfig) -> list[str]:
    """Settings no option sets, where they differ from the defaults (a study or Python set them)."""
    def walk(obj: object) -> list[str]:
        out, default = [], type(obj)()
        for f in fields(obj):
            value = getattr(obj, f.name)
            if is_dataclass(value):
                out += walk(value)
            elif all(option(type(obj), f.name, c) is None for c in SECTIONS) and value != getattr(default, f.name):
                out.append(f"{f.name} = {value!r}")
        return out

    return [line for section in ("data", "model", "train", "distill") for line in walk(getattr(cfg, section))]


def reproduce(facts: RunFacts) -> tuple[list[str], list[str]]:
    """Shell lines that remake this run from scratch (its teacher first) and its artefacts, and the
    settings that have no option."""
    run = facts.run
    commands: list[list[str]] = []
    teacher = Path(facts.config.distill.teacher)
    if strategy(facts.config.distill.strategy).needs_teacher and (teacher / files.CONFIG).is_file():
        commands.append(train_command(RunConfig.from_dict(files.read_json(teacher / files.CONFIG),
                                                          str(teacher / files.CONFIG)), teacher))
    commands.append(train_command(facts.config, run))
    if facts.export:
        e = facts.export
        if "calibration" in e:  # exported to int8
            commands.append([f"edgeppg export {run} --calib-windows {e['calibration']['windows']} "
                             f"--eval-windows {e['held_out']['windows']} "
                             f"--micro-windows {e['tflite_micro']['windows_checked']} --seed {e['seed']}"])
        else:
            commands.append([f"edgeppg export {run} --no-int8 --eval-windows {e['held_out']['windows']} "
                             f"--seed {e['seed']}"])
    if facts.host:
        h = facts.host
        threads = next(iter(h["runtimes"].values())).get("threads", 1)
        commands.append([f"edgeppg bench {run} --runs {h['runs']} --batch {h['batch']} --threads {threads}"])
    for r in facts.mcu.values():
        board = "" if r.get("board", "mps2_an386") == "mps2_an386" else f" --board {r['board']}"
        commands.append([f"edgeppg bench {run} --target cortex-m4 --backend {r.get('backend', 'native')} "
                         f"--opt {r.get('opt', '-O2')} --windows {r.get('windows', 16)}{board}"])
    for name, s in facts.streams.items():
        commands.append([f"edgeppg stream {run} --recording {name} --opt {s.get('opt', '-O2')}"])
    commands.append([f"edgeppg card {run}"])
    lines = [line for parts in commands for line in
             [p + " \\" if i < len(parts) - 1 else p for i, p in enumerate(parts)]]
    lines = [("    " if i and lines[i - 1].endswith("\\") else "") + line for i, line in enumerate(lines)]
    return lines, hidden_settings(facts.config)
