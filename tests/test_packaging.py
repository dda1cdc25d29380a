"""edgeppg as a user installs it: every import declared, the extras named when missing, and a built wheel
that carries its firmware sources and studies and works from a folder outside the repository."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from edgeppg import extras

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _dist_name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _declared(extra: str | None = None) -> set[str]:
    reqs = PYPROJECT["dependencies"] if extra is None else PYPROJECT["optional-dependencies"][extra]
    return {_dist_name(r) for r in reqs}


def _distributions(module: str) -> set[str]:
    """The distributions that install a top-level module, from the environment's own metadata."""
    return {d.lower().replace("_", "-") for d in importlib.metadata.packages_distributions().get(module, [])}


def _third_party_imports() -> set[str]:
    mods: set[str] = set()
    for f in (ROOT / "edgeppg").rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Import):
                mods |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods.add(node.module.split(".")[0])
    return {m for m in mods if m not in sys.stdlib_module_names and m != "edgeppg"}


def test_every_third_party_import_is_declared():
    everything = _declared().union(*(_declared(e) for e in PYPROJECT["optional-dependencies"]))
    imports = _third_party_imports()
    assert {"torch", "onnx", "pyocd", "ray", "yaml", "matplotlib"} <= imports  # the walk sees the lazy imports
    undeclared = {m: _distributions(m) for m in imports if not _distributions(m) & everything}
    assert not undeclared, f"imported in edgeppg/ but not declared in pyproject.toml: {undeclared}"


@pytest.mark.parametrize("extra", sorted(extras.EXTRAS))
def test_each_extra_installs_the_modules_its_commands_check_for(extra):
    declared = _declared(extra)
    for module in extras.EXTRAS[extra]:
        assert _distributions(module) & declared, f"'{module}' is checked for '{extra}' but not declared under it"


def test_all_extra_covers_every_other_extra():
    everything = PYPROJECT["optional-dependencies"]["all"][0]
    assert set(re.search(r"\[(.*)\]", everything).group(1).split(",")) == set(extras.EXTRAS) - {"mcu"} | {"test"}


@pytest.mark.parametrize("argv, module, extra", [
    (["export", "RUN"], "onnx2tf", "export"),
    (["bench", "RUN"], "onnxruntime", "export"),
    (["build", "RUN"], "tflite", "mcu"),
    (["sweep", "quick", "--ray", "auto"], "ray", "ray"),
])
def test_a_missing_extra_is_one_line_naming_it(argv, module, extra, tmp_path):
    """The module is blocked in a fresh interpreter, as if never installed; nothing is written."""
    argv = [str(tmp_path / "run") if a == "RUN" else a for a in argv]
    code = f"import sys; sys.modules[{module!r}] = None; sys.argv = ['edgeppg', *{argv!r}]; " \
           "from edgeppg.cli import main; main()"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert f"pip install 'edgeppg[{extra}]'" in lines[0] and module in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """edgeppg built into a wheel from a copy of the source and installed (no dependencies) into a folder."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src)
    shutil.copytree(ROOT / "edgeppg", src / "edgeppg",
                    ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(dist), str(src)], check=True)
    wheel = next(dist.glob("edgeppg-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "edgeppg/study/studies/quick.yaml" in names
    assert {"edgeppg/firmware/Makefile", "edgeppg/firmware/monitor/ep_stream.c", "edgeppg/firmware/host/ep_host.c",
            "edgeppg/firmware/platform/mps2_an386/link.ld", "edgeppg/firmware/apps/stream.c"} <= set(names)
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheel)], check=True)
    return target


def test_the_installed_package_works_outside_the_repository(installed, tmp_path):
    """From an empty folder: the shipped study by name, the shipped firmware, the device's preprocessing
    compiled from the installed C, and a tiny training run."""
    env = {**os.environ, "PYTHONPATH": str(installed), "EDGEPPG_CACHE": str(tmp_path / "cache")}
    env.pop("EDGEPPG_FIRMWARE", None)
    probe = ("import edgeppg, edgeppg.files as t, edgeppg.study.config as s\n"
             "from edgeppg.device import native\n"
             "print(edgeppg.__file__); print(t.firmware_dir()); print(s.study_path('quick'))\n"
             "print(native.library()._name)\n")
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stderr
    package, firmware, study, lib = res.stdout.split()
    for path in (package, firmware, study):
        assert Path(path).resolve().is_relative_to(installed.resolve()), path
    assert Path(lib).resolve().is_relative_to((tmp_path / "cache").resolve())
    run = subprocess.run([sys.executable, "-m", "edgeppg", "train", "--out", "runs/tiny", "--blocks", "1",
                          "--width", "8", "--subjects", "4", "--minutes", "2", "--epochs", "1"],
                         capture_output=True, text=True, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "runs" / "tiny" / "model.pt").is_file()
    assert not (ROOT / "runs" / "tiny").exists()
