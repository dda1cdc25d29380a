"""What a valid setting is, declared once beside each config field and checked wherever a config is made:
from command-line options, a study file, a config.json or the config inside a model.pt. So `--epochs -3`,
`epochs: ten` in a study and a model.pt with a string for its width all fail the same way, before any
work starts, with a message that names the setting. The rule also names the setting's command-line
option, read by the CLI's error messages and the model card's reproduction command:

    epochs: int = field(default=30, metadata=whole(1))                   # --epochs
    seed: int = field(default=0, metadata=whole(0, option="--data-seed"))
    layers: int = field(default=2, metadata=whole(1, 64, option=None))   # no option: set from Python
"""

from __future__ import annotations

import math
from dataclasses import fields

from edgeppg.errors import EdgeppgError


Option = str | dict[str, str] | None  # "" = --<field-name>; {command: option}; None = no option


class SettingError(EdgeppgError):
    """A setting outside its range or of the wrong type: `owner` (the config class), `name` (the field)
    and `problem`."""

    def __init__(self, owner: type, name: str, problem: str):
        self.owner, self.name, self.problem = owner, name, problem
        super().__init__(f"{name}: {problem}")


def whole(lo: int | None = None, hi: int | None = None, option: Option = "") -> dict:
    """An integer (not a bool, not a float) in [lo, hi]."""
    return {"kind": int, "lo": lo, "hi": hi, "option": option}


def real(lo: float | None = None, hi: float | None = None, above: float | None = None, option: Option = "") -> dict:
    """A finite number in [lo, hi], or > above."""
    return {"kind": float, "lo": lo, "hi": hi, "above": above, "option": option}


def flag(option: Option = "") -> dict:
    """True or False (not 0 or 1)."""
    return {"kind": bool, "option": option}


def one_of(*choices: str, option: Option = "") -> dict:
    return {"kind": str, "choices": choices, "option": option}


def text(option: Option = "") -> dict:
    return {"kind": str, "option": option}


def dashed(name: str) -> str:
    """A parameter's option as the command line spells it (typer's rule: `no_build` is --no-build)."""
    return "--" + name.replace("_", "-")


def option(cls: type, name: str, command: str | None = None) -> str | None:
    """The command-line option that sets field `name` of config class `cls` in `command` (None: the
    command it is usually set in), or None where no option sets it. A class's OPTION_PREFIX renames its
    options in one command (ModelSpec's are --student-... in `edgeppg distill`); its OPTION_COMMANDS, where
    set, are the only commands its plain options belong to."""
    opt = rule(cls, name).get("option", "")
    if isinstance(opt, dict):
        opt = opt.get(command) if command is not None else next(iter(opt.values()), None)
    elif command is not None and command not in getattr(cls, "OPTION_COMMANDS", (command,)):
        return None  # the class's options belong to other commands (a distilled student takes its teacher's data)
    if opt is None:
        return None
    opt = opt or dashed(name)
    prefix = getattr(cls, "OPTION_PREFIX", {}).get(command, "")
    return prefix + opt[2:] if prefix else opt


def option_name(cls: type, name: str, command: str | None = None) -> str:
    """The option an error about field `name` names: its own, or --<field-name> when none sets it."""
    return option(cls, name, command) or dashed(name)


def problem_with(value: object, rule: dict) -> str | None:
    """What is wrong with `value` under `rule`, or None."""
    kind = rule["kind"]
    if kind is bool:
        return None if isinstance(value, bool) else f"must be true or false, got {value!r}"
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        return f"must be a whole number, got {value!r}"
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number, got {value!r}"
        if not math.isfinite(value):
            return f"must be a finite number, got {value!r}"
    if kind is str:
        if not isinstance(value, str):
            return f"must be text, got {value!r}"
        if rule.get("choices") and value not in rule["choices"]:
            return f"must be one of {', '.join(rule['choices'])}, got {value!r}"
        return None
    lo, hi, above = rule.get("lo"), rule.get("hi"), rule.get("above")
    if lo is not None and value < lo:
        return f"must be at least {lo}, got {value!r}"
    if hi is not None and value > hi:
        return f"must be at most {hi}, got {value!r}"
    if above is not None and value <= above:
        return f"must be greater than {above}, got {value!r}"
    return None


def rule(cls: type, name: str) -> dict:
    """The rule a config class declares for one of its fields (so a study's list of block counts is
    checked by ModelSpec's own rule for `blocks`, not a copy of it)."""
    return next(f.metadata for f in fields(cls) if f.name == name)


def check(obj: object) -> None:
    """Raise SettingError for the first field of a config dataclass that breaks its declared rule."""
    for f in fields(obj):
        rule = f.metadata
        if "kind" in rule:
            problem = problem_with(getattr(obj, f.name), rule)
            if problem:
                raise SettingError(type(obj), f.name, problem)


def build(cls: type, values: object, where: str):
    """A config dataclass from a mapping read from a file, with `where` (the file and section) in every
    error: an unknown key, a missing one, or a value its rule refuses."""
    if not isinstance(values, dict):
        raise EdgeppgError(f"{where}: expected a mapping of settings, found {type(values).__name__}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise EdgeppgError(f"{where}: unknown setting '{unknown[0]}' (known: {', '.join(sorted(known))})")
    try:
        return cls(**values)
    except SettingError as e:
        raise EdgeppgError(f"{where}.{e.name}: {e.problem}") from None
