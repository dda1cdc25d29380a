"""From a data config to cached windows and a participant-independent train/val/test split."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import asdict, dataclass, field
from typing import ClassVar
from pathlib import Path

import numpy as np

from edgeppg.data import synthetic
from edgeppg.data.windows import WindowSet, window_recording
from edgeppg.data.galaxyppg import LABELS
from edgeppg.data.wildppg import CHANNELS, SITES
from edgeppg.device import native, spec
from edgeppg.errors import EdgeppgError
from edgeppg.files import building, cache_dir
from edgeppg.settings import SettingError, build, flag, check, one_of, real, text, whole

CACHE_VERSION = 5  # bump when windowing or a generator changes, so stale caches are not reused (the device's C
# that cuts the windows names its caches itself: native.digest)


DATASETS = ("synthetic", "dalia", "wildppg", "galaxyppg")
# What a model sees: the PPG alone (the paper's setting), or the PPG after the accelerometer front end
# (firmware/monitor/ep_cancel.c removes what the wrist's acceleration explains, in motion windows only).
INPUTS = spec.INPUTS


@dataclass(frozen=True)
class DataConfig:
    OPTION_COMMANDS: ClassVar[tuple[str, ...]] = ("train", "data")  # a distilled student takes its teacher's data
    dataset: str = field(default="synthetic", metadata=one_of(*DATASETS))
    synthetic: synthetic.SyntheticConfig = field(default_factory=synthetic.SyntheticConfig)
    root: str = field(default="", metadata=text())  # the real data set's folder
    site: str = field(default="wrist", metadata=one_of(*SITES))  # WildPPG: body site of the PPG
    # WildPPG: PPG channel (ppg_g green, ppg_r red, ppg_ir infrared)
    channel: str = field(default="ppg_g", metadata=one_of(*CHANNELS))
    # GalaxyPPG: "polar-hr" (the H10's own HR) or "ecg" (from Polar ECG R-peaks)
    label: str = field(default="polar-hr", metadata=one_of(*LABELS))
    # "random", or "loso:<subject>" to hold one participant out as the test set
    split: str = field(default="random", metadata=text())
    val_fraction: float = field(default=0.15, metadata=real(0.01, 0.9, option=None))
    test_fraction: float = field(default=0.2, metadata=real(0.01, 0.9, option=None))
    split_seed: int = field(default=0, metadata=whole(0, 2**32 - 1, option=None))
    # what the model sees (INPUTS); a distilled student chooses its own, by default its teacher's
    inputs: str = field(default="ppg", metadata=one_of(*INPUTS, option={"train": "--inputs", "data": "--inputs",
                                                                        "distill": "--student-inputs"}))
    # the streaming family's input (edgeppg.device.streaming): each 2 s preprocessed once, with 16 s of context
    stream: bool = field(default=False, metadata=flag(option={"train": "--stream", "data": "--stream",
                                                               "distill": "--student-stream"}))

    def __post_init__(self) -> None:
        check(self)
        if self.split != "random" and not (self.split.startswith("loso:") and len(self.split) > 5):
            raise SettingError(type(self), "split",
                               f"must be 'random' or 'loso:<participant>', got {self.split!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict, where: str = "data") -> DataConfig:
        if not isinstance(d, dict):
            raise EdgeppgError(f"{where}: expected a mapping of settings, found {type(d).__name__}")
        d = dict(d)
        d["synthetic"] = build(synthetic.SyntheticConfig, d.get("synthetic", {}), f"{where}.synthetic")
        return build(DataConfig, d, where)


# The options only one data set reads: option -> (its DataConfig field, that data set)
READ_BY = {"--site": ("site", "wildppg"), "--channel": ("channel", "wildppg"), "--label": ("label", "galaxyppg")}


def given_options(**values: str) -> dict[str, str]:
    """Of READ_BY's options (by field: site=..., channel=..., label=...), those given other than DataConfig's
    default, by option name."""
    return {option: values[f] for option, (f, _) in READ_BY.items() if values[f] != getattr(DataConfig, f)}


def data_config(dataset: str = "synthetic", root: Path | None = None, split: str = "random",
                synthetic_config: synthetic.SyntheticConfig | None = None, site: str = "wrist",
                channel: str = "ppg_g", label: str = "polar-hr", inputs: str = "ppg", stream: bool = False,
                options: tuple[str, str] = ("--dataset", "--root"), also: tuple[str, ...] = ()) -> DataConfig:
    """A data config from what a user names: a known data set, and the folder of a real one. `options` are the
    names the command gives the two (eval: --eval-dataset, --eval-root), `also` what else it accepts there."""
    name, folder = options
    if dataset not in DATASETS:
        raise EdgeppgError(f"{name} {dataset}: unknown (available: {', '.join((*DATASETS, *also))})")
    if dataset != "synthetic" and root is None:
        raise EdgeppgError(f"{name} {dataset} needs {folder}, the data set's folder")
    if dataset == "synthetic" and root is not None:
        raise EdgeppgError(f"{folder} {root}: {name} synthetic is generated and reads no folder; leave it out")
    for option, value in given_options(site=site, channel=channel, label=label).items():
        if dataset != READ_BY[option][1]:  # silently ignored otherwise
            raise EdgeppgError(f"{option} {value}: only {READ_BY[option][1]} reads it, not {dataset}; leave it out")
    if root is not None and Path(root).expanduser().is_file():
        raise EdgeppgError(f"{root}: a file, not a folder ({folder} is the {dataset} data set's folder)")
    if root is not None and not Path(root).expanduser().is_dir():
        raise EdgeppgError(f"{root}: no such folder ({folder}, the {dataset} data set's folder)")
    return DataConfig(dataset=dataset, synthetic=synthetic_config or synthetic.SyntheticConfig(), split=split,
                      root=str(Path(root).resolve()) if root else "", site=site, channel=channel, label=label,
                      inputs=inputs, stream=stream)


@dataclass
class Splits:
    train: WindowSet
    val: WindowSet
    test: WindowSet


def load_windows(cfg: DataConfig) -> WindowSet:
    """All windows of the data set, from the cache when an identical config was prepared before."""
    source = _source_config(cfg)
    key = hashlib.sha256(json.dumps([CACHE_VERSION, native.digest(), source], sort_keys=True).encode()).hexdigest()[:16]
    path = cache_dir() / f"{cfg.dataset}-{key}.npz"
    if path.exists():
        try:
            return read_npz(path)
        except EdgeppgError:  # unreadable, or windows of another length than this edgeppg's
            path.unlink()  # a cache is disposable: rebuild it rather than fail
    windows = _build(cfg)
    write_npz(path, windows, source)
    return windows


def _source_config(cfg: DataConfig) -> dict:
    """What the windows depend on: the generator's settings, or the real files (names, sizes, times)."""
    inputs = {} if cfg.inputs == "ppg" else {"inputs": cfg.inputs}  # the PPG alone keeps its caches' names
    inputs |= {"stream": True} if cfg.stream else {}
    if cfg.dataset == "synthetic":
        return {"dataset": "synthetic", **cfg.synthetic.to_dict(), **inputs}
    if cfg.dataset not in DATASETS:
        raise EdgeppgError(f"unknown dataset '{cfg.dataset}' (available: {', '.join(DATASETS)})")
    root = Path(cfg.root).expanduser()
    if not cfg.root or not root.is_dir():  # a run's config names a folder that has gone since
        raise EdgeppgError(f"{cfg.root or '(no folder)'}: the {cfg.dataset} folder does not exist"
                           f"{' (a file is there)' if cfg.root and root.is_file() else ''}")
    files = sorted((str(p.relative_to(root)), p.stat().st_size, int(p.stat().st_mtime))
                   for p in root.rglob("*") if p.is_file())
    options = {"dalia": {}, "wildppg": {"site": cfg.site, "channel": cfg.channel},
               "galaxyppg": {"label": cfg.label}}[cfg.dataset]
    return {"dataset": cfg.dataset, "root": str(root.resolve()), "files": files, **options, **inputs}


def _build(cfg: DataConfig) -> WindowSet:
    if cfg.dataset == "synthetic":
        return WindowSet.concat([window_recording(rec, cfg.inputs, cfg.stream)
                                for rec in synthetic.generate(cfg.synthetic)])
    from edgeppg.data import dalia, galaxyppg, wildppg

    root = Path(cfg.root).expanduser()
    if cfg.dataset == "dalia":
        return dalia.load(root, cfg.inputs, cfg.stream)
    if cfg.dataset == "wildppg":
        return wildppg.load(root, cfg.site, cfg.channel, cfg.inputs, cfg.stream)
    return galaxyppg.load(root, cfg.label, cfg.inputs, cfg.stream)


def write_npz(path: Path, w: WindowSet, source: dict) -> None:
    """Atomic write: a crash leaves either no cache or a whole one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with building(path) as tmp:
        np.savez(
            tmp, x=w.x, hr=w.hr, subject=w.subject.astype(str), start_s=w.start_s, motion=w.motion,
            activity=w.activity, steps=w.steps, summary=np.array(json.dumps(w.summary)), source=np.array(json.dumps(source)),
        )


def read_npz(path: Path) -> WindowSet:
    try:
        with np.load(path, allow_pickle=False) as z:
            ws = WindowSet(
                x=z["x"], hr=z["hr"], subject=z["subject"], start_s=z["start_s"], motion=z["motion"],
                summary=json.loads(str(z["summary"])), activity=z["activity"], steps=z["steps"],
            )
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as e:
        raise EdgeppgError(f"{path}: not a readable window cache ({e})") from e
    n = len(ws.hr)
    if (ws.x.ndim != 2 or ws.x.shape not in ((n, spec.WINDOW), (n, spec.CONTEXT + spec.WINDOW))
            or any(len(a) != n for a in (ws.subject, ws.start_s, ws.steps))):
        raise EdgeppgError(f"{path}: windows of shape {ws.x.shape}, not {n} x {spec.WINDOW} samples")
    return ws


def split_subjects(
    subjects: list[str], split: str, seed: int, val_fraction: float, test_fraction: float
) -> tuple[list[str], list[str], list[str]]:
    """Assign whole participants to train/val/test, so no participant is in two of them."""
    subjects = sorted(subjects)
    rng = np.random.default_rng(seed)
    if split.startswith("loso:"):
        test = [split.removeprefix("loso:")]
        if test[0] not in subjects:
            raise EdgeppgError(f"split '{split}': no participant '{test[0]}' (have {', '.join(subjects)})")
        rest = [s for s in subjects if s != test[0]]
        n_val = max(1, round(val_fraction * len(rest)))
    elif split == "random":
        rest = list(subjects)
        n_test = max(1, round(test_fraction * len(subjects)))
        n_val = max(1, round(val_fraction * len(subjects)))
        test = []
    else:
        raise EdgeppgError(f"unknown split '{split}' (use 'random' or 'loso:<participant>')")
    rest = [rest[i] for i in rng.permutation(len(rest))]
    if not test:
        test, rest = rest[:n_test], rest[n_test:]
    val, train = rest[:n_val], rest[n_val:]
    if not train:
        raise EdgeppgError(f"{len(subjects)} participants are too few to split into train, val and test")
    return sorted(train), sorted(val), sorted(test)


def load_splits(cfg: DataConfig) -> Splits:
    windows = load_windows(cfg)
    if len(windows) == 0:
        raise EdgeppgError(f"{cfg.root or cfg.dataset}: no usable windows in the {cfg.dataset} data set")
    train, val, test = split_subjects(
        windows.subjects(), cfg.split, cfg.split_seed, cfg.val_fraction, cfg.test_fraction
    )
    part = {name: windows.select(np.isin(windows.subject, ids)) for name, ids in
            (("train", train), ("val", val), ("test", test))}
    return Splits(part["train"], part["val"], part["test"])
