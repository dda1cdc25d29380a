"""Every setting of a run in one tree, saved as config.json beside the checkpoint it made."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from edgeppg.data.dataset import DataConfig
from edgeppg import compute
from edgeppg.distill import STRATEGIES, strategy
from edgeppg.errors import EdgeppgError
from edgeppg.metrics import READOUTS
from edgeppg.models.spec import ModelSpec
from edgeppg.settings import SettingError, build, check, flag, one_of, real, text, whole



@dataclass(frozen=True)
class TrainConfig:
    epochs: int = field(default=30, metadata=whole(1, 100_000))
    batch_size: int = field(default=128, metadata=whole(1, 65_536))
    lr: float = field(default=3e-3, metadata=real(above=0.0, hi=10.0))
    weight_decay: float = field(default=1e-2, metadata=real(0.0, 10.0, option=None))
    # epochs without a better validation MAE before stopping early
    patience: int = field(default=8, metadata=whole(1, 100_000))
    readout: str = field(default="argmax", metadata=one_of(*READOUTS))
    # chance per window of each label-keeping augmentation (edgeppg.data.augment); 0 = none
    augment: float = field(default=0.0, metadata=real(0.0, 1.0))
    # end by fitting the tracker's temperature on validation and folding it into the head (edgeppg.calibrate)
    calibrate: bool = field(default=False, metadata=flag())
    # decay per step of an exponential moving average of the weights, which is what is validated and kept:
    # it smooths the epoch-to-epoch noise the best-validation pick otherwise draws from (0 = none)
    ema: float = field(default=0.0, metadata=real(0.0, 0.9999))
    # a streaming model: chance per input that its oldest context is zeros, as after the device's state was
    # reset (edgeppg.data.augment.restart); 0 = none
    restart: float = field(default=0.0, metadata=real(0.0, 1.0))
    seed: int = field(default=0, metadata=whole(0, 2**32 - 1))
    threads: int = field(default=0, metadata=whole(0, 1024))  # torch intra-op threads; 0 = one per core
    device: str = field(default="auto", metadata=text())  # auto, cpu, cuda or cuda:N (edgeppg.compute)

    def __post_init__(self) -> None:
        check(self)
        if not compute.valid_name(self.device):
            raise SettingError(type(self), "device", f"must be auto, cpu, cuda or cuda:N, got {self.device!r}")


@dataclass(frozen=True)
class DistillConfig:
    strategy: str = field(default="scratch", metadata=one_of(*STRATEGIES))
    teacher: str = field(default="", metadata=text())  # the teacher's run folder or model.pt
    tau: float = field(default=0.0, metadata=real(0.0, 100.0))  # 0 = the strategy's default (its Strategy.tau)
    alpha: float = field(default=1.0, metadata=real(0.0, 1000.0))  # DKD: TCKD weight
    beta: float = field(default=8.0, metadata=real(0.0, 1000.0))  # DKD: NCKD weight
    warmup: int = field(default=5, metadata=whole(0, 100_000))  # DKD: epochs over which the KD weight ramps up
    ce_weight: float = field(default=1.0, metadata=real(0.0, 1000.0, option=None))
    kd_weight: float = field(default=1.0, metadata=real(0.0, 1000.0, option=None))  # soft KD
    feature_weight: float = field(default=1.0, metadata=real(0.0, 1000.0))  # feature distillation
    # teacher block whose output the student regresses (-1: the last)
    feature_layer: int = field(default=-1, metadata=whole(-64, 64))

    def __post_init__(self) -> None:
        check(self)

    @property
    def temperature(self) -> float:
        return self.tau or strategy(self.strategy).tau


@dataclass(frozen=True)
class RunConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelSpec = field(default_factory=ModelSpec)
    train: TrainConfig = field(default_factory=TrainConfig)
    distill: DistillConfig = field(default_factory=DistillConfig)

    def __post_init__(self) -> None:
        if self.train.restart and not self.data.stream:
            raise SettingError(TrainConfig, "restart", "applies to streaming models only (--stream)")
        if not self.data.stream:
            self.model.check_window()

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict, where: str = "config") -> RunConfig:
        """A run config read from a file; errors name `where` (the file) and the setting."""
        if not isinstance(d, dict):
            raise EdgeppgError(f"{where}: not an edgeppg run config (a {type(d).__name__}, not a mapping)")
        missing = [k for k in ("data", "model", "train", "distill") if k not in d]
        if missing:
            raise EdgeppgError(f"{where}: not an edgeppg run config (no '{missing[0]}' section)")
        return RunConfig(data=DataConfig.from_dict(d["data"], f"{where}: data"),
                         model=build(ModelSpec, d["model"], f"{where}: model"),
                         train=build(TrainConfig, d["train"], f"{where}: train"),
                         distill=build(DistillConfig, d["distill"], f"{where}: distill"))


def diff(a: dict, b: dict, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two config dicts."""
    out = []
    for k in sorted(set(a) | set(b)):
        va, vb = a.get(k), b.get(k)
        if isinstance(va, dict) and isinstance(vb, dict):
            out += diff(va, vb, f"{prefix}{k}.")
        elif va != vb:
            out.append(f"{prefix}{k}")
    return out

