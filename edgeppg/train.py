"""The training loop, shared by teachers, scratch students and every distillation strategy.

AdamW with a cosine learning-rate schedule stepped per batch; after each epoch the student (with `ema`,
the moving average of its weights) is scored on the validation participants (HR MAE in BPM), the best
weights are kept, and training stops early when the MAE has not improved for `patience` epochs. The
whole state is checkpointed atomically after every epoch. Batches are drawn from a permutation seeded by
(seed, epoch), so a resumed run takes exactly the batches an uninterrupted one would have, and ends with
the same weights.
"""

from __future__ import annotations

import copy
import hashlib
import math
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from edgeppg.config import RunConfig
from edgeppg.data.augment import augment, restart
from edgeppg.data.dataset import Splits, load_splits, split_subjects
from edgeppg.data.dataset import load_windows
from edgeppg.distill import make_distiller, strategy, teacher_too_small
from edgeppg.distill.base import Distiller
from edgeppg.distill.teacher import teacher_targets
from edgeppg import compute, lock, schema
from edgeppg.calibrate import calibrate, validation_score
from edgeppg.errors import EdgeppgError
from edgeppg.metrics import evaluate_set, mae_by_subject
from edgeppg.models.complexity import count_macs, count_params
from edgeppg.models.spec import build_model
from edgeppg.runs import (CHECKPOINT, CONFIG, METRICS, MODEL, changed_settings, load_model, load_torch, model_path,
                          prepare_run_dir, read_json, save_model, save_torch, write_json, write_status)


def set_threads(threads: int) -> int:
    n = threads or torch.get_num_threads() or 1
    torch.set_num_threads(n)
    return n


def run(config: RunConfig, out: Path, resume: bool = False, console: Console | None = None) -> dict:
    """Train (or distil) one model into the run folder `out` and return its final metrics.

    Everything that can be wrong with the inputs is checked before the folder is created.
    """
    console = console or Console(stderr=True)
    set_threads(config.train.threads)
    device = compute.resolve(config.train.device)
    splits = load_splits(config.data)
    for name in ("train", "val", "test"):
        if len(getattr(splits, name)) == 0:
            raise EdgeppgError(f"the {name} split has no windows; check the data set and the split")

    torch.manual_seed(config.train.seed)
    np.random.seed(config.train.seed)
    student = build_model(config.model, config.data.stream)
    targets = _teacher_targets(config, student, splits, device)
    distiller = make_distiller(config.distill, student, targets).to(device)

    with lock.run_folder(out, "train"):
        run_dir = prepare_run_dir(out, config, resume, device)
        try:
            metrics = fit(distiller, splits, targets, config, run_dir, resume, console, device)
        except KeyboardInterrupt:
            _final_status(run_dir, "interrupted", **({"resume_with": "--resume"} if (run_dir / CHECKPOINT).is_file()
                                                     else {"note": "stopped in the first epoch: nothing to resume"}))
            raise
        except Exception as e:
            _final_status(run_dir, "failed", error=str(e))
            raise
        write_status(run_dir, "finished")
    return metrics


def ensure_run(config: RunConfig, out: Path, console: Console | None = None) -> dict:
    """Metrics of the run in `out`: read if it finished with exactly this config, resumed if interrupted,
    trained otherwise. A finished run of another config is an error, not a silent stand-in."""
    console = console or Console(stderr=True)
    if (out / METRICS).is_file():
        # nothing may differ for a finished run (the thread count changes its weights), but the device as resolved
        changed = changed_settings(out, config, ignore=(), as_run=_on_this_machine)
        if changed:
            raise EdgeppgError(f"{out}: finished with another config ({', '.join(changed[:3])} differ); "
                               "remove it or choose another folder")
        console.print(f"[dim]{out}: finished before with this config, reusing it[/]")
        return schema.read(out / METRICS, schema.METRICS)
    return run(config, out, resume=(out / CHECKPOINT).is_file(), console=console)


def _on_this_machine(config: dict) -> dict:
    """A config dict with its device as this machine resolves it: `auto` and `cpu` train the same run here."""
    train = config.get("train")
    if not isinstance(train, dict) or not compute.valid_name(str(train.get("device", ""))):
        return config
    try:
        device = str(compute.resolve(train["device"]))
    except EdgeppgError:
        return config  # a device this machine lacks: compared as written
    return {**config, "train": {**train, "device": device}}


def _final_status(run_dir: Path, status: str, **extra: object) -> None:
    """The run's last word; on a full disk even that may not fit, and the original error matters more."""
    try:
        write_status(run_dir, status, **extra)
    except OSError:
        pass


def _teacher_targets(config: RunConfig, student: torch.nn.Module, splits: Splits,
                     device: torch.device) -> dict[str, torch.Tensor]:
    dc = config.distill
    s = strategy(dc.strategy)
    if not s.needs_teacher:
        return {}
    if not dc.teacher:
        raise EdgeppgError(f"strategy '{dc.strategy}' needs a teacher (--teacher RUN_DIR)")
    teacher, teacher_cfg = load_model(Path(dc.teacher))
    _check_no_leak(teacher_cfg, config, splits)
    if teacher_too_small(s.name, count_params(teacher), count_params(student)):
        raise EdgeppgError(
            f"strategy '{s.name}' needs a teacher at least as large as the student: teacher "
            f"{teacher_cfg.model.describe()} ({count_params(teacher):,} params) < student "
            f"{config.model.describe()} ({count_params(student):,} params)"
        )
    layer = dc.feature_layer if s.needs_feature else None
    return teacher_targets(teacher.to(device), _teacher_inputs(teacher_cfg, config, splits), layer)


def _teacher_inputs(teacher_cfg: RunConfig, config: RunConfig, splits: Splits) -> np.ndarray:
    """The student's training windows as its teacher sees them: the same windows, through the teacher's own
    inputs when they differ (an accelerometer teacher for a PPG-only student, a window teacher for a streaming
    student, or the other way round)."""
    t = teacher_cfg.data
    if (t.inputs, t.stream) == (config.data.inputs, config.data.stream):
        return splits.train.x
    theirs = load_splits(replace(config.data, inputs=t.inputs, stream=t.stream)).train
    where = {(s, float(t)): i for i, (s, t) in enumerate(zip(theirs.subject, theirs.start_s))}
    index = [where.get((s, float(t)), -1) for s, t in zip(splits.train.subject, splits.train.start_s)]
    if min(index, default=0) < 0:
        raise EdgeppgError(f"{index.count(-1)} training windows have no counterpart with the teacher's inputs "
                           f"({t.inputs}{', streamed' if t.stream else ''})")
    return theirs.x[index]


def _check_no_leak(teacher_cfg: RunConfig, config: RunConfig, splits: Splits) -> None:
    """A teacher trained on the student's validation or test participants would leak their labels."""
    if teacher_cfg.data == config.data:
        return
    if teacher_cfg.data.dataset != config.data.dataset:
        return  # cross-dataset distillation: participants are different people
    tdata = teacher_cfg.data
    if tdata.dataset == "synthetic" and tdata.synthetic.seed != config.data.synthetic.seed:
        return  # other draws of the generator: the same names, other people
    teacher_train, _, _ = split_subjects(
        load_windows(tdata).subjects(), tdata.split, tdata.split_seed, tdata.val_fraction, tdata.test_fraction
    )
    leaked = sorted(set(teacher_train) & (set(splits.val.subjects()) | set(splits.test.subjects())))
    if leaked:
        raise EdgeppgError(
            f"the teacher was trained on participants that this run validates or tests on ({', '.join(leaked)}); "
            "use the teacher's data split"
        )


def fit(
    distiller: Distiller,
    splits: Splits,
    extra: dict[str, torch.Tensor],
    config: RunConfig,
    run_dir: Path,
    resume: bool,
    console: Console,
    device: torch.device = torch.device("cpu"),
) -> dict:
    tc = config.train
    student = distiller.student
    # the training set lives where the model does: one copy to the GPU, none per batch
    tensors = {"x": torch.from_numpy(splits.train.x), "y": torch.from_numpy(splits.train.y), **extra}
    tensors = {k: v.to(device) for k, v in tensors.items()}
    n = len(splits.train)
    batch = min(tc.batch_size, n)
    steps = max(1, n // batch)  # the last partial batch is dropped: a batch of one breaks BatchNorm
    total = tc.epochs * steps

    opt = torch.optim.AdamW(distiller.parameters(), lr=tc.lr, weight_decay=tc.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
    state = {"epoch": 0, "best_mae": math.inf, "best_epoch": -1, "bad_epochs": 0, "history": [],
             "best_state": copy.deepcopy(student.state_dict()), "seconds": 0.0}
    # what is validated and kept: the student itself, or the moving average of its weights (and BatchNorm's)
    averaged = AveragedModel(student, multi_avg_fn=get_ema_multi_avg_fn(tc.ema), use_buffers=True) if tc.ema else None
    kept = averaged.module if averaged else student
    teacher = _teacher_identity(config)
    if resume:
        state = _restore(run_dir / CHECKPOINT, distiller, opt, sched, teacher, averaged)
        console.print(f"resuming {run_dir} after epoch {state['epoch']}")

    with _progress(console) as progress:
        task = progress.add_task("epoch", total=steps)
        for epoch in range(state["epoch"], tc.epochs):
            if state["bad_epochs"] >= tc.patience:
                break
            t0 = time.perf_counter()
            progress.reset(task, total=steps, description=f"epoch {epoch + 1}/{tc.epochs}")
            train_losses = _train_epoch(distiller, opt, sched, tensors, batch, steps, tc.seed, epoch,
                                        lambda: progress.advance(task), device, tc.augment, averaged,
                                        tc.restart)
            val = (validation_score(kept, splits.val) if tc.calibrate and tc.readout == "track"
                   else evaluate_set(kept, splits.val, tc.readout, track=False))
            improved = val["mae"] < state["best_mae"]
            if improved:
                state.update(best_mae=val["mae"], best_epoch=epoch, bad_epochs=0,
                             best_state=copy.deepcopy(kept.state_dict()))
            else:
                state["bad_epochs"] += 1
            state["seconds"] += time.perf_counter() - t0
            state["epoch"] = epoch + 1
            state["history"].append({"epoch": epoch + 1, **train_losses, "val_mae": val["mae"], "val_rmse": val["rmse"],
                                     "lr": sched.get_last_lr()[0],
                                     **({"val_temperature": val["temperature"]} if "temperature" in val else {})})
            save_torch(run_dir / CHECKPOINT, {"distiller": distiller.state_dict(), "optimizer": opt.state_dict(),
                                              "scheduler": sched.state_dict(), "state": state,
                                              "teacher_sha256": teacher,
                                              **({"averaged": averaged.state_dict()} if averaged else {})})
            loss_text = "  ".join(f"{k} {v:.3f}" for k, v in train_losses.items())
            console.print(f"epoch {epoch + 1:3d}  {loss_text}  val MAE {val['mae']:6.2f} BPM"
                          f"{'  *' if improved else ''}")

    student.load_state_dict(state["best_state"])
    student.cpu()  # model.pt is device-independent, and the final scores are the CPU reference's
    calibration = calibrate(student, splits.val) if tc.calibrate else None
    save_model(run_dir / MODEL, student, config)
    metrics = {
        "model": config.model.describe(), "strategy": config.distill.strategy,
        "params": count_params(student), "macs": count_macs(student),
        "epochs_run": state["epoch"], "best_epoch": state["best_epoch"] + 1,
        "stopped_early": state["epoch"] < tc.epochs, "train_seconds": round(state["seconds"], 2),
        "readout": tc.readout, **({"calibration": calibration} if calibration else {}),
        "val": evaluate_set(student, splits.val, tc.readout),
        "test": evaluate_set(student, splits.test, tc.readout),
        # per test participant: what a study's paired comparisons resample
        "test_by_subject": mae_by_subject(student, splits.test, tc.readout),
        "subjects": {k: getattr(splits, k).subjects() for k in ("train", "val", "test")},
        "history": state["history"],
    }
    write_json(run_dir / METRICS, metrics)
    return metrics


def _teacher_identity(config: RunConfig) -> str:
    """The teacher's model.pt by content: a resumed run must continue with the same teacher, wherever
    its folder has moved to (a study folder moved to another disk, say)."""
    if not strategy(config.distill.strategy).needs_teacher:
        return ""
    return hashlib.sha256(model_path(Path(config.distill.teacher)).read_bytes()).hexdigest()


CHECKPOINT_KEYS = ("distiller", "optimizer", "scheduler", "state")
STATE_KEYS = ("epoch", "best_mae", "best_epoch", "bad_epochs", "history", "best_state", "seconds")


def _restore(path: Path, distiller: Distiller, opt, sched, teacher: str, averaged: AveragedModel | None) -> dict:
    """Training state from checkpoint.pt, checked key by key so a damaged file is one clear error."""
    ckpt = load_torch(path)
    missing = [k for k in CHECKPOINT_KEYS + (("averaged",) if averaged else ()) if k not in ckpt]
    if not missing and isinstance(ckpt["state"], dict):
        missing = [f"state.{k}" for k in STATE_KEYS if k not in ckpt["state"]]
    if missing:
        raise EdgeppgError(f"{path}: not a complete edgeppg checkpoint (no '{missing[0]}'); remove it to start over")
    if ckpt.get("teacher_sha256", teacher) != teacher:
        raise EdgeppgError(f"{path}: this run started with another teacher than {config_teacher(path)}; "
                           "resume it with its own teacher")
    try:
        distiller.load_state_dict(ckpt["distiller"])
        opt.load_state_dict(ckpt["optimizer"])
        sched.load_state_dict(ckpt["scheduler"])
        if averaged:
            averaged.load_state_dict(ckpt["averaged"])
    except (RuntimeError, ValueError, KeyError, TypeError) as e:
        detail = " ".join(str(e).split())[:200]
        raise EdgeppgError(f"{path}: does not fit this run's model and optimiser ({detail})") from e
    return ckpt["state"]


def config_teacher(checkpoint: Path) -> str:
    try:
        return str(read_json(checkpoint.parent / CONFIG)["distill"]["teacher"])
    except (EdgeppgError, KeyError, TypeError):
        return "the one given"


def _train_epoch(distiller, opt, sched, tensors, batch, steps, seed, epoch, advance,
                 device: torch.device = torch.device("cpu"), p_augment: float = 0.0,
                 averaged: AveragedModel | None = None, p_restart: float = 0.0) -> dict[str, float]:
    distiller.train()
    # the batch order and the augmentations come from CPU generators on every device, seeded by the
    # epoch, so they are the same everywhere and a resumed run draws what an uninterrupted one would
    perm = torch.randperm(len(tensors["x"]), generator=torch.Generator().manual_seed(seed * 100_003 + epoch))
    perm = perm.to(device)
    draws = torch.Generator().manual_seed(seed * 100_003 + epoch + 7_919)
    sums: dict[str, float] = defaultdict(float)
    for step in range(steps):
        idx = perm[step * batch : (step + 1) * batch]
        batch_tensors = {k: v[idx] for k, v in tensors.items()}
        batch_tensors["x"] = augment(batch_tensors["x"], p_augment, draws)
        batch_tensors["x"] = restart(batch_tensors["x"], p_restart, draws)  # draws nothing at 0
        with compute.autocast(device):
            _, losses = distiller(batch_tensors, epoch)
        losses = {k: v.float() for k, v in losses.items()}
        loss = sum(losses.values())
        if not torch.isfinite(loss):
            raise EdgeppgError(f"training diverged: the loss is {loss.item()} at epoch {epoch + 1}; lower --lr")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if averaged:
            averaged.update_parameters(distiller.student)
        for k, v in losses.items():
            sums[k] += v.item() / steps
        advance()
    return dict(sums)


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console, transient=True)
