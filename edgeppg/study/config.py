"""A study, as written in a small YAML file, and the cells it expands into."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from edgeppg.config import DistillConfig, RunConfig, TrainConfig
from edgeppg.data.dataset import DataConfig
from edgeppg.data.synthetic import SyntheticConfig
from edgeppg.errors import EdgeppgError
from edgeppg.distill import STRATEGIES, teacher_too_small
from edgeppg.models.complexity import spec_params
from edgeppg.models.spec import ModelSpec
from edgeppg.settings import SettingError, build, check, problem_with, rule, text, whole

STUDIES_DIR = Path(__file__).parent / "studies"  # the studies shipped with edgeppg: `edgeppg sweep quick`

STUDY_KEYS = {"name", "dataset", "teachers", "students", "strategies", "betas", "seeds", "epochs",
              "teacher_epochs", "patience", "width", "kernel", "export", "mcu", "bench_runs"}


@dataclass(frozen=True)
class Study:
    name: str = field(default="study", metadata=text())
    dataset: dict = field(default_factory=lambda: {"name": "synthetic"})  # name + synthetic settings or root
    teachers: tuple[int, ...] = (6,)
    students: tuple[int, ...] = (1,)
    strategies: tuple[str, ...] = ("scratch", "dkd")
    betas: tuple[float, ...] = (8.0,)  # DKD's NCKD weight; one DKD cell per value
    seeds: tuple[int, ...] = (0,)
    epochs: int = field(default=20, metadata=whole(1, 100_000))
    teacher_epochs: int = field(default=0, metadata=whole(0, 100_000))  # 0: same as epochs
    patience: int = field(default=8, metadata=whole(1, 100_000))
    width: int = 32
    kernel: int = 9
    export: bool = False  # int8 export + host benchmark of every student (int8 MAE, latency, memory)
    # every student's int8 model as edgeppg's native firmware on the emulated Cortex-M4 (needs export):
    # instructions per window, flash, RAM and the energy estimate, exact and deterministic
    mcu: bool = False
    bench_runs: int = field(default=50, metadata=whole(1, 1_000_000))

    def to_dict(self) -> dict:
        return asdict(self)


def packaged_studies() -> list[str]:
    return sorted(p.stem for p in STUDIES_DIR.glob("*.yaml"))


def study_path(name_or_path: str | Path) -> Path:
    """A study file: a path, or the name of one shipped inside the package (so it works from any folder)."""
    path = Path(name_or_path)
    if path.is_dir():
        raise EdgeppgError(f"{path}: a folder, not a study file (YAML)")
    if path.exists() or path.suffix in (".yaml", ".yml") or len(path.parts) > 1:
        return path
    shipped = STUDIES_DIR / f"{path.name}.yaml"
    if shipped.is_file():
        return shipped
    raise EdgeppgError(f"{name_or_path}: no such study file, and not a study shipped with edgeppg "
                       f"(shipped: {', '.join(packaged_studies())})")


def _unique_keys_loader():
    """PyYAML's safe loader, refusing a key given twice in one mapping (which YAML forbids and PyYAML lets
    the last one win silently: `seeds: [0, 1]` and later `seeds: [0]` would run one seed)."""
    import yaml

    class Loader(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key '{key}' is given twice (line {key_node.start_mark.line + 1})",
                        key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep)

    return Loader


def load_study(path: str | Path) -> Study:
    import yaml

    path = study_path(path)
    try:
        raw = yaml.load(Path(path).read_text(), Loader=_unique_keys_loader())
    except FileNotFoundError:
        raise EdgeppgError(f"{path}: file not found") from None
    except yaml.YAMLError as e:
        raise EdgeppgError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from e
    if not isinstance(raw, dict):
        raise EdgeppgError(f"{path}: a study is a mapping of settings")
    unknown = sorted(set(raw) - STUDY_KEYS)
    if unknown:
        raise EdgeppgError(f"{path}: unknown setting '{unknown[0]}' (known: {', '.join(sorted(STUDY_KEYS))})")
    for key in ("teachers", "students", "strategies", "betas", "seeds"):
        if key in raw:
            raw[key] = tuple(raw[key]) if isinstance(raw[key], list) else (raw[key],)
    study = Study(**raw)
    check_study(study, str(path))
    return study


def check_study(study: Study, where: str) -> None:
    """Every value of a study, checked before any cell runs: its own settings, then the config of every
    cell it expands into (so `epochs: ten` or `width: 0` is one line, not a failure in each cell)."""
    try:
        check(study)
    except SettingError as e:
        raise EdgeppgError(f"{where}: {e.name}: {e.problem}") from None
    for key in ("export", "mcu"):
        if not isinstance(getattr(study, key), bool):
            raise EdgeppgError(f"{where}: {key}: must be true or false, got {getattr(study, key)!r}")
    if study.mcu and not study.export:
        raise EdgeppgError(f"{where}: mcu: true needs export: true (the firmware runs the exported int8 model)")
    if not study.name or not all(c.isalnum() or c in "-_." for c in study.name):
        raise EdgeppgError(f"{where}: name: letters, digits, '-', '_' and '.' only (it names the study "
                           f"folder), got {study.name!r}")
    if not isinstance(study.dataset, dict):
        raise EdgeppgError(f"{where}: dataset: expected a mapping (name, and root or synthetic settings)")
    for key, value_rule in (("teachers", rule(ModelSpec, "blocks")), ("students", rule(ModelSpec, "blocks")),
                            ("seeds", rule(TrainConfig, "seed")), ("betas", rule(DistillConfig, "beta")),
                            ("strategies", rule(DistillConfig, "strategy"))):
        values = getattr(study, key)
        for value in values:
            problem = problem_with(value, value_rule)
            if problem:
                raise EdgeppgError(f"{where}: {key}: {problem}")
        twice = next((v for i, v in enumerate(values) if v in values[:i]), None)
        if twice is not None:  # the same cells twice: one would overwrite the other's results
            raise EdgeppgError(f"{where}: {key}: {twice} is given twice")
    if "dkd" in study.strategies and not study.betas:
        raise EdgeppgError(f"{where}: betas: empty, so strategy dkd would have no cells (give at least one beta)")
    try:
        data = data_config(study)
        teachers, students = cells(study)
        if not teachers and not students:
            raise EdgeppgError("no cells: give teachers, or students and strategies")
        for cell in teachers + students:
            run_config(study, cell, Path("."), 1)
    except SettingError as e:
        raise EdgeppgError(f"{where}: {e.name}: {e.problem}") from None
    except EdgeppgError as e:
        raise EdgeppgError(f"{where}: {e}") from None
    if data.dataset != "synthetic" and not Path(data.root).is_dir():
        raise EdgeppgError(f"{where}: dataset root {data.root}: no such folder")


@dataclass(frozen=True)
class Cell:
    kind: str  # "teacher", or "student"
    student_blocks: int
    strategy: str = "scratch"
    teacher_blocks: int = 0  # 0: no teacher (a teacher itself, or a scratch student)
    beta: float = 0.0  # DKD only
    seed: int = 0

    @property
    def id(self) -> str:
        if self.kind == "teacher":
            return f"teacher-{self.student_blocks}b-seed{self.seed}"
        who = f"student-{self.student_blocks}b-{self.strategy}"
        if self.teacher_blocks:
            who += f"-from-{self.teacher_blocks}b"
        if self.strategy == "dkd":
            who += f"-beta{self.beta:g}"
        return f"{who}-seed{self.seed}"

    @property
    def teacher_id(self) -> str:
        return f"teacher-{self.teacher_blocks}b-seed{self.seed}"


def cells(study: Study) -> tuple[list[Cell], list[Cell]]:
    """(teacher cells, student cells). Each teacher is trained once and serves every student of its seed.
    A strategy is skipped where the teacher is too small for it (distill.teacher_too_small)."""
    teachers = [Cell("teacher", t, seed=s) for s in study.seeds for t in study.teachers]
    students = []

    def params(blocks: int) -> int:
        return spec_params(ModelSpec(blocks=blocks, width=study.width, kernel=study.kernel))

    for seed in study.seeds:
        for n in study.students:
            students += [Cell("student", n, s, seed=seed) for s in study.strategies if not STRATEGIES[s].needs_teacher]
            for t in study.teachers:
                for strategy in study.strategies:
                    if not STRATEGIES[strategy].needs_teacher or teacher_too_small(strategy, params(t), params(n)):
                        continue
                    for beta in (study.betas if strategy == "dkd" else (0.0,)):
                        students.append(Cell("student", n, strategy, t, float(beta), seed))
    return teachers, students


# How participants are split: data-set settings of their own, beside the generator's or the root
SPLIT_KEYS = ("split", "val_fraction", "test_fraction", "split_seed")


def data_config(study: Study) -> DataConfig:
    d = dict(study.dataset)
    name = d.pop("name", "synthetic")
    if name == "synthetic":
        split = {k: d.pop(k) for k in SPLIT_KEYS if k in d}
        return build(DataConfig, {"synthetic": build(SyntheticConfig, d, "dataset"), **split}, "dataset")
    if "root" not in d:
        raise EdgeppgError(f"dataset: {name} needs a root (its folder)")
    return build(DataConfig, {"dataset": name, **d, "root": str(Path(str(d["root"])).expanduser())}, "dataset")


def run_config(study: Study, cell: Cell, out: Path, threads: int, device: str = "cpu") -> RunConfig:
    epochs = study.teacher_epochs or study.epochs if cell.kind == "teacher" else study.epochs
    train = TrainConfig(epochs=epochs, patience=study.patience, seed=cell.seed, threads=threads, device=device)
    model = ModelSpec(blocks=cell.student_blocks, width=study.width, kernel=study.kernel)
    distill = DistillConfig()
    if cell.kind == "student" and STRATEGIES[cell.strategy].needs_teacher:
        distill = DistillConfig(strategy=cell.strategy, teacher=str(out / "cells" / cell.teacher_id),
                                beta=cell.beta or DistillConfig.beta)
    return RunConfig(data_config(study), model, train, distill)
