"""Shared fixtures (a private window cache, small data, a short training budget, one shared teacher) and
the markers of tests that need a tool: each is skipped, saying why, where its tool is missing.

    @pytest.mark.m4        Arm GCC and QEMU: firmware built and run on the emulated Cortex-M4
    @pytest.mark.arm_gcc   Arm GCC alone: firmware built, not run
    @pytest.mark.cxx       Arm G++ with its C++ library, and QEMU (the TFLite Micro backend)
    @pytest.mark.tflm      a TensorFlow Lite Micro tree (TFLM_DIR, or ../shared/third_party/tflite-micro)
    @pytest.mark.chromium  a headless browser (model cards)
    @pytest.mark.cc        a host C compiler
    @pytest.mark.cuda      a CUDA device (CI has none)
    @pytest.mark.slow      a minute or more: `pytest -m "not slow"` is the fast lane (README.md)
"""

from __future__ import annotations

import shutil
import signal
from functools import cache

import pytest
import torch

from edgeppg.config import RunConfig, TrainConfig
from edgeppg.data.dataset import DataConfig
from edgeppg.data.synthetic import SyntheticConfig
from edgeppg.models.spec import ModelSpec


MAKE_TOOLCHAIN = "(make toolchain installs it)"


@cache
def _missing(marker: str) -> str | None:
    """Why tests with `marker` cannot run here, or None when they can."""
    from edgeppg.mcu import tflm, toolchain

    if marker in ("m4", "arm_gcc", "cxx"):
        tools = {"m4": ("arm-none-eabi-gcc", "qemu-system-arm"), "arm_gcc": ("arm-none-eabi-gcc",),
                 "cxx": ("arm-none-eabi-g++", "qemu-system-arm")}[marker]
        missing = toolchain.missing_tools(tools)
        if marker == "cxx" and not missing and toolchain.cxx_library_missing():
            missing = ["arm-none-eabi-g++'s C++ library"]
        return f"{missing[0]} is not installed {MAKE_TOOLCHAIN}" if missing else None
    if marker == "tflm":
        return None if tflm.tflm_available() else ("no TensorFlow Lite Micro tree: TFLM_DIR is not set and there is "
                                                   "none at ../shared/third_party/tflite-micro (README.md)")
    if marker == "chromium":
        found = shutil.which("chromium") or shutil.which("chromium-browser")
        return None if found else f"Chromium is not installed {MAKE_TOOLCHAIN}"
    if marker == "cc":
        return None if shutil.which("gcc") else "no host C compiler (gcc)"
    if marker == "cuda":
        return None if torch.cuda.is_available() else ("no CUDA device on this machine (CI has none); the CUDA path "
                                                       "runs wherever one exists")
    return None


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        for mark in item.iter_markers():
            why = _missing(mark.name)
            if why:
                item.add_marker(pytest.mark.skip(reason=why))
                break


@pytest.fixture
def interruptible() -> dict:
    """Popen keywords for a child that Ctrl-C (SIGINT) reaches however the suite was started: a shell that
    runs the suite in the background (`make test &`, nohup) hands its children SIGINT ignored."""
    return {"preexec_fn": lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)}


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("EDGEPPG_CACHE", str(tmp_path_factory.mktemp("cache")))
    torch.set_num_threads(2)
    yield
    mp.undo()


@pytest.fixture(scope="session")
def tiny_data() -> DataConfig:
    """Ten participants of eight minutes: about 1,400 training windows, enough to learn in seconds."""
    return DataConfig(synthetic=SyntheticConfig(subjects=10, minutes=8, seed=1))


@pytest.fixture(scope="session")
def quick_train() -> TrainConfig:
    return TrainConfig(epochs=6, batch_size=32, patience=10, threads=2)


@pytest.fixture(scope="session")
def teacher_dir(tmp_path_factory, tiny_data, quick_train):
    """A finished 2-block teacher run, shared by the distillation tests."""
    from edgeppg.train import run

    out = tmp_path_factory.mktemp("runs") / "teacher"
    run(RunConfig(tiny_data, ModelSpec(blocks=2, width=16), quick_train), out)
    return out


@pytest.fixture(scope="session")
def exported(teacher_dir, tmp_path_factory):
    """The teacher, exported to ONNX and int8 TFLite (a copy: the teacher's own folder stays as trained)."""
    from edgeppg.export import export_run

    run = tmp_path_factory.mktemp("export") / "run"
    shutil.copytree(teacher_dir, run)
    report = export_run(run, calib_windows=200, eval_windows=300, micro_windows=100)
    return run, report
