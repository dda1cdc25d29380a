"""Every setting of a run in one tree, saved as config.json beside the checkpoint it made."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from edgeppg.data.dataset import DataConfig
from edgeppg.errors import EdgeppgError
from edgeppg.models.spec import ModelSpec

STRATEGIES = ("scratch", "hard", "soft", "dkd", "feature")
DEFAULT_TAU = {"soft": 4.0, "dkd": 2.0}


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 30
    batch_size: int = 128
    lr: float = 3e-3
    weight_decay: float = 1e-2
    patience: int = 8  # epochs without a better validation MAE before stopping early
    readout: str = "argmax"
    seed: int = 0
    threads: int = 0  # torch intra-op threads; 0 = one per core


@dataclass(frozen=True)
class DistillConfig:
    strategy: str = "scratch"
    teacher: str = ""  # the teacher's run folder or model.pt
    tau: float = 0.0  # 0 = the strategy's default (soft 4, dkd 2)
    alpha: float = 1.0  # DKD: TCKD weight
    beta: float = 8.0  # DKD: NCKD weight
    warmup: int = 5  # DKD: epochs over which the KD weight ramps from 0 to 1
    ce_weight: float = 1.0
    kd_weight: float = 1.0  # soft KD
    feature_weight: float = 1.0  # feature distillation
    feature_layer: int = -1  # teacher block whose output the student regresses

    @property
    def temperature(self) -> float:
        return self.tau or DEFAULT_TAU.get(self.strategy, 1.0)


@dataclass(frozen=True)
class RunConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelSpec = field(default_factory=ModelSpec)
    train: TrainConfig = field(default_factory=TrainConfig)
    distill: DistillConfig = field(default_factory=DistillConfig)

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict) -> RunConfig:
        try:
            return RunConfig(
                data=DataConfig.from_dict(d["data"]),
                model=ModelSpec(**d["model"]),
                train=TrainConfig(**d["train"]),
                distill=DistillConfig(**d["distill"]),
            )
        except (KeyError, TypeError) as e:
            raise EdgeppgError(f"not an edgeppg run config ({e})") from e


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

