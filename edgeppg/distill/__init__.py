"""Distillation strategies, one per module, and the one table that names them.

Everything else that knows of strategies (the command line's choices, config validation, the training
loop, study grids, the model card) reads `STRATEGIES`. Adding a strategy touches three files: its module
(a Distiller subclass), one line here, and its test. Torch-free at import: the command line and the
config read the table without loading any strategy.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

from edgeppg.errors import EdgeppgError

if TYPE_CHECKING:  # typing only: the table must not import torch
    from torch import Tensor, nn

    from edgeppg.distill.base import Distiller


@dataclass(frozen=True)
class Strategy:
    name: str
    distiller: str  # "module:Class" under edgeppg.distill
    tau: float = 1.0  # the default temperature (a config's tau = 0 picks it)
    teacher: str = "logits"  # what it takes from the teacher: "" (none), "logits" or "feature"
    larger_teacher: bool = False  # the teacher must have at least the student's parameters
    help: str = ""

    @property
    def needs_teacher(self) -> bool:
        return bool(self.teacher)

    @property
    def needs_feature(self) -> bool:
        return self.teacher == "feature"


STRATEGIES: dict[str, Strategy] = {s.name: s for s in (
    Strategy("scratch", "scratch:Scratch", teacher="", help="no teacher: cross-entropy on the labels"),
    Strategy("hard", "hard:Hard", help="the teacher's argmax replaces the label"),
    Strategy("soft", "soft:SoftKD", tau=4.0, help="match the teacher's softened distribution (Hinton)"),
    Strategy("dkd", "dkd:DKD", tau=2.0, help="decoupled KD: target and non-target parts weighted apart"),
    Strategy("feature", "feature:FeatureKD", teacher="feature", larger_teacher=True,
             help="regress a teacher block's feature map through a projection (FitNets)"),
)}
# What `edgeppg distill --strategy` offers: every strategy that learns from a teacher.
FROM_TEACHER = tuple(name for name, s in STRATEGIES.items() if s.needs_teacher)


def strategy(name: str) -> Strategy:
    if name not in STRATEGIES:
        raise EdgeppgError(f"unknown strategy '{name}' (available: {', '.join(STRATEGIES)})")
    return STRATEGIES[name]


def teacher_too_small(name: str, teacher_params: int, student_params: int) -> bool:
    """The one rule for a teacher's size: only strategies that regress the teacher's features need a
    teacher at least as large as the student."""
    return strategy(name).larger_teacher and teacher_params < student_params


def make_distiller(cfg: Any, student: nn.Module, targets: dict[str, Tensor]) -> Distiller:
    """The strategy `cfg.strategy` (a DistillConfig) around `student`; `targets` are the teacher's."""
    module, cls = strategy(cfg.strategy).distiller.split(":")
    return getattr(import_module(f"edgeppg.distill.{module}"), cls).from_config(cfg, student, targets)


__all__ = ["FROM_TEACHER", "STRATEGIES", "Strategy", "make_distiller", "strategy", "teacher_too_small"]
