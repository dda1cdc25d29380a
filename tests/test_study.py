"""The study: config, cells, resumable and parallel runs (processes and a local Ray instance), report."""

import csv
import signal
import time
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

import edgeppg.train as train_mod
from edgeppg.data.dataset import split_subjects
from edgeppg.errors import EdgeppgError
from edgeppg.study import runner
from edgeppg.study.config import data_config
from edgeppg.study.stats import MIN_PARTICIPANTS
from edgeppg.study.config import Study, cells, load_study
from edgeppg.study.figures import fit_scaling, front_distance, pareto

TINY = Study(name="tiny", dataset={"name": "synthetic", "subjects": 6, "minutes": 5, "seed": 3}, teachers=(2,),
             students=(1,), strategies=("scratch", "dkd"), betas=(8.0,), epochs=3, width=8, kernel=5)


def rows(path: Path) -> dict[str, dict]:
    with open(path / "results.csv", newline="") as fh:
        return {r["cell"]: r for r in csv.DictReader(fh)}


def test_study_files_and_their_errors(tmp_path):
    quick = load_study("quick")
    paper = load_study("paper")
    assert paper.teachers == (2, 4, 6, 8, 10, 12) and paper.students == tuple(range(1, 11))
    assert paper.betas == (1, 4, 8, 16) and paper.export
    teachers, students = cells(quick)
    assert len(teachers) == 1 and len(students) == 3 * (1 + 2 + 2)  # scratch, hard, soft, dkd x 2 betas
    (tmp_path / "bad.yaml").write_text("teachers: [2]\nstrategy: [dkd]\n")
    with pytest.raises(EdgeppgError, match="bad.yaml: unknown setting 'strategy'"):
        load_study(tmp_path / "bad.yaml")
    (tmp_path / "bad2.yaml").write_text("strategies: [scratch, telepathy]\n")
    with pytest.raises(EdgeppgError, match="bad2.yaml: strategies: must be one of scratch, hard, soft, dkd, feature, got 'telepathy'"):
        load_study(tmp_path / "bad2.yaml")
    (tmp_path / "bad3.yaml").write_text("teachers: [2\n")
    with pytest.raises(EdgeppgError, match="bad3.yaml: not valid YAML"):
        load_study(tmp_path / "bad3.yaml")


def test_each_teacher_is_trained_once_and_feature_needs_a_larger_teacher():
    study = replace(TINY, teachers=(2, 4), students=(1, 3), strategies=("scratch", "feature", "dkd"), betas=(1, 8),
                    seeds=(0, 1))
    teachers, students = cells(study)
    assert sorted(c.id for c in teachers) == ["teacher-2b-seed0", "teacher-2b-seed1", "teacher-4b-seed0",
                                              "teacher-4b-seed1"]
    ids = {c.id for c in students}
    assert "student-3b-feature-from-4b-seed0" in ids and "student-3b-feature-from-2b-seed0" not in ids
    assert {"student-1b-dkd-from-2b-beta1-seed1", "student-1b-dkd-from-2b-beta8-seed1"} <= ids
    assert len(ids) == len(students)  # every cell has its own folder


def test_an_interrupted_sweep_resumes_without_redoing_finished_cells(tmp_path, monkeypatch):
    real_epoch = train_mod._train_epoch

    def interrupt_in_dkd(distiller, *args):
        if type(distiller).__name__ == "DKD" and args[6] == 1:  # the DKD cell's second epoch
            raise KeyboardInterrupt
        return real_epoch(distiller, *args)

    monkeypatch.setattr(train_mod, "_train_epoch", interrupt_in_dkd)
    first_place, tmp_path = tmp_path / "first", tmp_path / "moved"
    monkeypatch.setattr(runner.os, "cpu_count", lambda: 1)
    with pytest.raises(KeyboardInterrupt):
        runner.run_study(TINY, first_place, workers=1)
    shutil.move(first_place, tmp_path)  # students name their teacher's folder: the study must still resume
    first = rows(tmp_path)
    assert first["teacher-2b-seed0"]["status"] == "finished" and first["student-1b-scratch-seed0"]["status"] == "finished"
    assert first["student-1b-dkd-from-2b-beta8-seed0"]["status"] == "interrupted"
    finished_metrics = {c: (tmp_path / "cells" / c / "metrics.json").read_bytes()
                        for c in ("teacher-2b-seed0", "student-1b-scratch-seed0")}

    monkeypatch.setattr(train_mod, "_train_epoch", real_epoch)
    # mark the interrupted cell's first epoch, so a resume (which keeps it) and a restart (which would
    # recompute it) can be told apart
    dkd = tmp_path / "cells" / "student-1b-dkd-from-2b-beta8-seed0"
    ckpt = torch.load(dkd / "checkpoint.pt", weights_only=True)
    ckpt["state"]["history"][0]["val_mae"] = 999.0
    torch.save(ckpt, dkd / "checkpoint.pt")
    calls = []
    real_run = train_mod.run
    monkeypatch.setattr(train_mod, "run", lambda cfg, out, resume=False, console=None:
                        calls.append((out.name, resume)) or real_run(cfg, out, resume, console))
    monkeypatch.setattr(runner.os, "cpu_count", lambda: 4)  # other --workers, so other threads per cell
    runner.run_study(TINY, tmp_path, workers=1)
    assert calls == [("student-1b-dkd-from-2b-beta8-seed0", True)]  # only the interrupted cell, resumed
    assert all(r["status"] == "finished" for r in rows(tmp_path).values())
    assert json.loads((dkd / "metrics.json").read_text())["history"][0]["val_mae"] == 999.0
    config = json.loads((dkd / "config.json").read_text())
    assert config["distill"]["teacher"] == str(tmp_path.resolve() / "cells" / "teacher-2b-seed0")
    assert config["train"]["threads"] == 4
    for c, before in finished_metrics.items():
        assert (tmp_path / "cells" / c / "metrics.json").read_bytes() == before


def test_a_failed_cell_is_recorded_and_the_others_finish(tmp_path, monkeypatch):
    real = runner.run_config

    def broken(study, cell, out, threads, device="cpu"):
        cfg = real(study, cell, out, threads, device)
        return replace(cfg, model=replace(cfg.model, blocks=99)) if cell.strategy == "dkd" else cfg

    monkeypatch.setattr(runner, "run_config", broken)
    runner.run_study(TINY, tmp_path, workers=1)
    r = rows(tmp_path)
    assert r["student-1b-dkd-from-2b-beta8-seed0"]["status"] == "failed"
    assert "blocks: must be at most 32, got 99" in r["student-1b-dkd-from-2b-beta8-seed0"]["error"]
    assert r["teacher-2b-seed0"]["status"] == r["student-1b-scratch-seed0"]["status"] == "finished"
    # once its cause is gone, the failed cell trains and is finished: the old failure is not carried over
    monkeypatch.setattr(runner, "run_config", real)
    runner.run_study(TINY, tmp_path, workers=1)
    r = rows(tmp_path)
    assert r["student-1b-dkd-from-2b-beta8-seed0"]["status"] == "finished"
    assert not r["student-1b-dkd-from-2b-beta8-seed0"].get("error")
    state = json.loads((tmp_path / "cells" / "student-1b-dkd-from-2b-beta8-seed0" / "cell.json").read_text())  # noqa
    assert state["status"] == "finished" and "error" not in state and "traceback" not in state


def test_a_sweep_with_failed_cells_lists_them_and_exits_1(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "s.yaml").write_text(f"name: broken\ndataset: {{name: wildppg, root: {tmp_path / 'empty'}}}\n"
                                     "teachers: [2]\nstudents: [1]\nstrategies: [scratch]\nepochs: 1\n")
    res = subprocess.run([sys.executable, "-m", "edgeppg", "sweep", "s.yaml", "--workers", "1"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert res.returncode == 1, res.stderr
    assert "FAILED teacher-2b-seed0" in res.stderr and "FAILED student-1b-scratch-seed0" in res.stderr
    assert "no WildPPG participant files" in res.stderr
    assert "2 of 2 cells failed" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.slow
def test_ctrl_c_stops_a_parallel_sweep_at_once(tmp_path, interruptible):
    """Two workers, four students waiting: Ctrl-C while the first two train starts none of the others."""
    (tmp_path / "s.yaml").write_text("name: long\ndataset: {name: synthetic, subjects: 6, minutes: 6, seed: 3}\n"
                                     "teachers: [2]\nstudents: [1, 2]\nstrategies: [scratch, hard]\n"
                                     # no cell can finish (by its epochs or by early stopping) before Ctrl-C,
                                     # however slowly the second worker starts on a loaded machine
                                     "epochs: 1000\npatience: 1000\nteacher_epochs: 1\nwidth: 8\nkernel: 5\n")
    child = subprocess.Popen([sys.executable, "-m", "edgeppg", "sweep", "s.yaml", "--workers", "2"], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **interruptible)
    cells = tmp_path / "runs" / "long" / "cells"
    deadline = time.time() + 300
    while len(list(cells.glob("student-*/checkpoint.pt"))) < 2:
        assert child.poll() is None and time.time() < deadline, child.stderr.read() if child.poll() else "slow"
        time.sleep(0.2)
    started = {p.parent.name for p in cells.glob("student-*/config.json")}
    child.send_signal(signal.SIGINT)
    t0 = time.time()
    _, err = child.communicate(timeout=120)
    assert child.returncode == 130 and time.time() - t0 < 60, err
    assert "run the same command again to go on" in err and "Traceback" not in err
    assert {p.name for p in cells.glob("student-*")} == started  # nothing new after Ctrl-C
    for cell in started:
        status = json.loads((cells / cell / "status.json").read_text())["status"]
        assert status == "interrupted" and not (cells / cell / "metrics.json").exists()
        assert not list((cells / cell).glob(".*.tmp*"))


@pytest.mark.slow
def test_the_same_study_on_a_local_ray_instance(tmp_path):
    ray = pytest.importorskip("ray", reason="ray runs the study on a cluster; make installs it")
    local = runner.run_study(TINY, tmp_path / "local", workers=1)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        on_ray = runner.run_study(TINY, tmp_path / "ray", ray_address="auto")
    finally:
        ray.shutdown()
    a, b = rows(local.parent), rows(on_ray.parent)
    assert set(a) == set(b) and all(r["status"] == "finished" for r in b.values())
    for cell in a:  # same seeds, same threads: the same numbers, whichever engine ran them
        assert float(a[cell]["mae"]) == pytest.approx(float(b[cell]["mae"]), abs=1e-9)


def test_scaling_fit_and_pareto_front():
    import numpy as np

    n = np.array([1, 2, 3, 4, 6, 8, 10], float)
    fit = fit_scaling(n, 3.0 + 4.0 * n ** -1.5)
    assert fit["a"] == pytest.approx(3.0, abs=1e-3) and fit["c"] == pytest.approx(1.5, abs=1e-3)
    assert fit["n_sat"] == pytest.approx(10 ** (1 / 1.5), rel=1e-3)
    assert fit_scaling(np.array([1.0, 2.0]), np.array([5.0, 4.0])) is None
    assert pareto([(1, 5), (2, 4), (3, 4.5), (4, 3), (0.5, 9)]) == [4, 0, 1, 3]


def test_paired_bootstrap_calls_a_difference_only_when_its_interval_excludes_zero():
    import numpy as np

    from edgeppg.study.stats import BETTER, SAME, TOO_FEW, WORSE, paired_bootstrap, verdict

    rng = np.random.default_rng(0)
    helps = -1.0 + 0.3 * rng.standard_normal((3, 8))  # 3 seeds x 8 participants, consistently lower MAE
    noise = 0.5 * rng.standard_normal((3, 8))
    ci = paired_bootstrap(helps)
    assert ci["hi"] < 0 and ci["lo"] < ci["mean"] < ci["hi"] and verdict(ci) == BETTER
    assert (ci["seeds"], ci["participants"]) == (3, 8)
    assert verdict(paired_bootstrap(noise)) == SAME and verdict(paired_bootstrap(-helps)) == WORSE
    assert paired_bootstrap(helps) == ci  # seeded: the same table gives the same interval
    one_seed = paired_bootstrap(helps[:1])
    assert one_seed["hi"] > one_seed["lo"]  # participants still vary with one seed: no zero-width bars
    assert verdict(paired_bootstrap(helps[:2, :2])) == TOO_FEW  # two seeds, two people: no verdict


def test_scaling_fits_on_a_bound_or_with_three_points_are_flagged():
    import numpy as np

    three = fit_scaling(np.array([1.0, 2.0, 3.0]), np.array([8.0, 7.0, 6.5]))
    assert any("3 depths" in f for f in three["flags"])
    flat = fit_scaling(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([5.0, 5.6, 4.9, 5.5, 5.1]))
    assert flat["flags"]  # a noisy flat line: a parameter on its bound, or a fit that misses its points
    good = fit_scaling(np.array([1, 2, 3, 4, 6, 8, 10], float), 3.0 + 4.0 * np.array([1, 2, 3, 4, 6, 8, 10.0]) ** -1.5)
    assert good["flags"] == [] and good["r2"] > 0.999 and all(np.isfinite(good["se"]))


@pytest.mark.slow
@pytest.mark.m4  # the Cortex-M4 costs
def test_a_study_records_each_students_microcontroller_costs(tmp_path):
    from edgeppg.study.report import write_report

    study = replace(TINY, strategies=("scratch",), export=True, mcu=True, bench_runs=5)
    runner.run_study(study, tmp_path, workers=1)
    student = rows(tmp_path)["student-1b-scratch-seed0"]
    assert student["status"] == "finished"
    m4 = json.loads((tmp_path / "cells" / "student-1b-scratch-seed0" / "bench_cortex_m4.json").read_text())
    assert int(student["mcu_instructions"]) == m4["instructions_per_inference"] > 0
    assert int(student["mcu_flash_bytes"]) == m4["flash_bytes"] and int(student["mcu_ram_bytes"]) == m4["ram_bytes"]
    assert float(student["mcu_energy_uj"]) > 0
    md = (write_report(tmp_path) / "report.md").read_text()
    assert "Pareto front (the Cortex-M4): student-1b-scratch-seed0" in md


def test_the_shipped_medium_study_is_valid():
    medium = load_study("medium")
    teachers, students = cells(medium)
    assert medium.export and medium.mcu and len(medium.seeds) >= 3 and medium.students == (1, 2, 3)
    assert len(teachers) == 3 and len(students) == 3 * 3 * (1 + 1 + 1 + 4 + 1)
    # enough unseen people that a paired interval can give a verdict (stats.MIN_PARTICIPANTS)
    data = data_config(medium)
    names = [f"S{i + 1:02d}" for i in range(data.synthetic.subjects)]
    _, _, test = split_subjects(names, data.split, data.split_seed, data.val_fraction, data.test_fraction)
    assert len(test) >= MIN_PARTICIPANTS


def test_a_study_sets_the_split_beside_the_generator():
    study = Study(name="s", dataset={"name": "synthetic", "subjects": 10, "minutes": 1, "test_fraction": 0.4,
                                     "split_seed": 5})
    data = data_config(study)
    assert (data.synthetic.subjects, data.test_fraction, data.split_seed) == (10, 0.4, 5)
    with pytest.raises(EdgeppgError, match="dataset.test_fraction"):
        data_config(Study(name="s", dataset={"name": "synthetic", "test_fraction": 2.0}))


@pytest.mark.slow
def test_quick_study_from_the_command_line_and_its_report(tmp_path):
    out = tmp_path / "quick"
    res = subprocess.run([sys.executable, "-m", "edgeppg", "sweep", "quick", "--out",
                          str(out), "--workers", "2"], capture_output=True, text=True, timeout=1200)
    assert res.returncode == 0, res.stderr
    r = rows(out)
    assert len(r) == 16 and all(v["status"] == "finished" for v in r.values())
    assert all(float(v["pytorch_latency_ms"]) > 0 for v in r.values())
    rep = subprocess.run([sys.executable, "-m", "edgeppg", "report", str(out)], capture_output=True, text=True,
                         timeout=300)
    assert rep.returncode == 0, rep.stderr
    page = (out / "report" / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 6 and "Findings" in page
    md = (out / "report" / "report.md").read_text()
    for fig in ("mae_by_strategy", "scaling", "pareto_latency", "pareto_memory", "dkd_beta", "distillation_gap"):
        assert f"({fig}.png)" in md and (out / "report" / f"{fig}.png").stat().st_size > 5000
    assert "the lowest mean MAE is" in md and "against scratch" in md and "95% CI" in md
    assert "strategy MAE minus scratch MAE" in md  # the sign convention, in words
    again = subprocess.run([sys.executable, "-m", "edgeppg", "report", str(out)], capture_output=True, text=True,
                           timeout=300)  # over its own earlier report: replaced whole, nothing staged left over
    assert again.returncode == 0 and (out / "report" / "report.md").read_text() == md, again.stderr
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    users = tmp_path / "mine"
    users.mkdir()
    (users / "report.md").write_text("my notes")
    refused = subprocess.run([sys.executable, "-m", "edgeppg", "report", str(out), "--out", str(users)],
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "holds report.md that no edgeppg report wrote" in refused.stderr
    assert (users / "report.md").read_text() == "my notes" and [p.name for p in users.iterdir()] == ["report.md"]


def test_distance_from_the_front_is_zero_on_it_and_measured_at_no_higher_cost():
    pts = [(1.0, 5.0), (2.0, 4.0), (2.5, 4.5), (3.0, 2.0), (0.5, 9.0)]
    assert [pts[i] for i in pareto(pts)] == [(0.5, 9.0), (1.0, 5.0), (2.0, 4.0), (3.0, 2.0)]
    assert front_distance(pts) == [0.0, 0.0, 0.5, 0.0, 0.0]


def test_a_study_never_takes_another_studys_cells_as_its_own(tmp_path):
    """A cell folder made with other settings (another study's epochs) in the study folder is refused before any
    cell runs, naming the cell and the setting; cells made alike, and new cells beside them, go on as before."""
    from edgeppg.files import CONFIG, write_json
    from edgeppg.study.config import run_config

    teachers, students = cells(TINY)
    for cell in teachers + students:  # as if TINY had run here (its cells' configs, nothing trained)
        (tmp_path / "cells" / cell.id).mkdir(parents=True)
        write_json(tmp_path / "cells" / cell.id / CONFIG, run_config(TINY, cell, tmp_path.resolve(), 1).to_dict())
    other = replace(TINY, epochs=5)
    with pytest.raises(EdgeppgError, match=r"cell teacher-2b-seed0 was made with other settings \(train.epochs"):
        runner.run_study(other, tmp_path)
    assert not (tmp_path / "study.json").exists() and not (tmp_path / "results.csv").exists()
    more = replace(TINY, seeds=(0, 1))  # the same study with a seed added: its existing cells are its own
    runner._refuse_others(more, [c for group in cells(more) for c in group], tmp_path.resolve())  # raises nothing
