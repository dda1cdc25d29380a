"""Training and distillation end to end on small data: run folders, resume, strategies, errors."""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np
import pytest
import torch

import edgeppg.train as train_mod
from edgeppg.config import DistillConfig, RunConfig
from edgeppg.data.dataset import load_splits
from edgeppg.distill import FROM_TEACHER
from edgeppg.errors import EdgeppgError
from edgeppg.models.spec import ModelSpec
from edgeppg.runs import load_model, load_torch, prepare_run_dir, read_json, save_torch, uncommitted
from edgeppg.train import run


def test_teacher_run_folder_is_complete_and_model_learns(teacher_dir, tiny_data):
    names = {p.name for p in teacher_dir.iterdir()}
    assert {"config.json", "env.json", "status.json", "checkpoint.pt", "model.pt", "metrics.json"} <= names
    assert read_json(teacher_dir / "status.json")["status"] == "finished"
    config = read_json(teacher_dir / "config.json")
    assert config["train"]["seed"] == 0 and config["data"]["synthetic"]["seed"] == 1
    assert read_json(teacher_dir / "env.json")["torch"] == torch.__version__

    metrics = read_json(teacher_dir / "metrics.json")
    model, cfg = load_model(teacher_dir)
    assert cfg.model.blocks == 2 and metrics["params"] == sum(p.numel() for p in model.parameters())
    # better than always answering the training participants' mean heart rate
    splits = load_splits(tiny_data)
    constant = np.abs(splits.test.hr - splits.train.hr.mean()).mean()
    assert metrics["test"]["mae"] < 0.8 * constant
    assert set(metrics["subjects"]["test"]).isdisjoint(metrics["subjects"]["train"])
    assert metrics["test"]["windows"] == len(splits.test)


@pytest.mark.parametrize("ema", [0.0, 0.9])
def test_interrupted_run_resumes_to_the_same_weights(tmp_path, tiny_data, quick_train, monkeypatch, ema):
    # with a moving average of the weights, the checkpoint must carry the average too
    config = RunConfig(tiny_data, ModelSpec(blocks=1, width=8), replace(quick_train, ema=ema))
    whole = run(config, tmp_path / "whole")

    real_epoch = train_mod._train_epoch

    def interrupt_second_epoch(*args):
        if args[7] == 1:  # the epoch argument
            raise KeyboardInterrupt
        return real_epoch(*args)

    monkeypatch.setattr(train_mod, "_train_epoch", interrupt_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        run(config, tmp_path / "split")
    status = read_json(tmp_path / "split" / "status.json")
    assert status["status"] == "interrupted" and not (tmp_path / "split" / "metrics.json").exists()
    assert load_torch(tmp_path / "split" / "checkpoint.pt")["state"]["epoch"] == 1

    monkeypatch.setattr(train_mod, "_train_epoch", real_epoch)
    with pytest.raises(EdgeppgError, match="unfinished run; continue it with --resume"):
        run(config, tmp_path / "split")
    resumed = run(config, tmp_path / "split", resume=True)
    assert resumed["test"] == whole["test"] and resumed["history"] == whole["history"]
    a = torch.load(tmp_path / "whole" / "model.pt", weights_only=True)["state_dict"]
    b = torch.load(tmp_path / "split" / "model.pt", weights_only=True)["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    if ema:  # what was kept is the average, not the last step's weights
        kept = load_torch(tmp_path / "whole" / "checkpoint.pt")
        last = kept["distiller"]
        assert not all(torch.equal(a[k], last[f"student.{k}"]) for k in a if f"student.{k}" in last)
        # one epoch: its weights are the best by construction, so model.pt must be the average exactly
        run(replace(config, train=replace(config.train, epochs=1)), tmp_path / "one")
        one = torch.load(tmp_path / "one" / "model.pt", weights_only=True)["state_dict"]
        ckpt = load_torch(tmp_path / "one" / "checkpoint.pt")
        assert all(torch.equal(one[k], ckpt["averaged"][f"module.{k}"]) for k in one)
        assert not all(torch.equal(one[k], ckpt["distiller"][f"student.{k}"]) for k in one)


@pytest.mark.slow
def test_ctrl_c_on_the_command_line_leaves_a_resumable_run(tmp_path, interruptible):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "edgeppg", "train", "--out", str(out), "--blocks", "1", "--width", "8",
           "--subjects", "5", "--minutes", "6", "--epochs", "200", "--patience", "200", "--threads", "1"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **interruptible)
    deadline = time.time() + 120
    while not (out / "checkpoint.pt").exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "--resume" in stderr
    assert read_json(out / "status.json")["status"] == "interrupted"
    assert not (out / "metrics.json").exists()
    done = load_torch(out / "checkpoint.pt")["state"]["epoch"]
    assert 1 <= done < 200


@pytest.mark.parametrize("strategy", FROM_TEACHER)  # every registered strategy that learns from a teacher
def test_every_strategy_distils_a_student(strategy, teacher_dir, tiny_data, quick_train, tmp_path):
    config = RunConfig(tiny_data, ModelSpec(blocks=1, width=16), replace(quick_train, epochs=2),
                       DistillConfig(strategy=strategy, teacher=str(teacher_dir)))
    metrics = run(config, tmp_path / strategy)
    assert metrics["strategy"] == strategy and np.isfinite(metrics["test"]["mae"])
    losses = set(metrics["history"][0]) - {"epoch", "val_mae", "val_rmse", "lr"}
    expected = {"hard": {"hard"}, "soft": {"ce", "kd"}, "dkd": {"ce", "tckd", "nckd"}, "feature": {"ce", "feature"}}
    assert losses == expected.get(strategy, losses) and losses  # a new strategy's own terms are its own test's
    # only the student is exported: no projection weights in model.pt
    student, cfg = load_model(tmp_path / strategy)
    assert cfg.distill.strategy == strategy and not any(k.startswith("projector") for k in student.state_dict())


def test_mlp_student_by_feature_distillation(teacher_dir, tiny_data, quick_train, tmp_path):
    config = RunConfig(tiny_data, ModelSpec(arch="mlp", hidden=16), replace(quick_train, epochs=1),
                       DistillConfig(strategy="feature", teacher=str(teacher_dir)))
    assert np.isfinite(run(config, tmp_path / "mlp")["test"]["mae"])


def test_dkd_warmup_ramps_the_kd_terms(teacher_dir, tiny_data, quick_train, tmp_path):
    config = RunConfig(tiny_data, ModelSpec(blocks=1, width=8), replace(quick_train, epochs=1),
                       DistillConfig(strategy="dkd", teacher=str(teacher_dir), warmup=1000))
    first = run(config, tmp_path / "slow")["history"][0]
    config = replace(config, distill=replace(config.distill, warmup=0))
    full = run(config, tmp_path / "full")["history"][0]
    assert first["nckd"] < full["nckd"] / 100  # weight 1/1000 in the first epoch


def test_errors_leave_no_run_folder(teacher_dir, tiny_data, quick_train, tmp_path):
    base = RunConfig(tiny_data, ModelSpec(blocks=6, width=16), quick_train,
                     DistillConfig(strategy="feature", teacher=str(teacher_dir)))
    with pytest.raises(EdgeppgError, match="teacher at least as large as the student"):
        run(base, tmp_path / "a")
    with pytest.raises(EdgeppgError, match="needs a teacher"):
        run(replace(base, distill=DistillConfig(strategy="dkd")), tmp_path / "b")
    with pytest.raises(EdgeppgError, match="missing.pt: file not found"):
        run(replace(base, distill=DistillConfig(strategy="dkd", teacher=str(tmp_path / "missing.pt"))), tmp_path / "c")
    with pytest.raises(EdgeppgError, match="feature layer 5 does not exist"):
        run(replace(base, model=ModelSpec(blocks=1, width=8),
                    distill=replace(base.distill, feature_layer=5)), tmp_path / "d")
    assert not any(tmp_path.iterdir())


def test_a_teacher_that_trained_on_the_students_test_participants_is_refused(teacher_dir, tiny_data, quick_train):
    """Synthetic participants are people drawn from (seed, index): the same seed with fewer minutes gives the
    teacher's training people again (a leak, once they are split otherwise); another seed gives other people under the same names (the
    demo's students, distilled from the shipped teacher on their own participants)."""
    teacher_cfg = RunConfig(tiny_data, ModelSpec(blocks=2, width=16), quick_train)
    same_people = replace(tiny_data, synthetic=replace(tiny_data.synthetic, minutes=4), split_seed=1)
    with pytest.raises(EdgeppgError, match="the teacher was trained on participants that this run validates or tests"):
        train_mod._check_no_leak(teacher_cfg, RunConfig(same_people, ModelSpec(blocks=1), quick_train),
                                 load_splits(same_people))
    others = replace(same_people, synthetic=replace(same_people.synthetic, seed=tiny_data.synthetic.seed + 1))
    train_mod._check_no_leak(teacher_cfg, RunConfig(others, ModelSpec(blocks=1), quick_train), load_splits(others))


def test_bad_checkpoints_are_named(teacher_dir, tmp_path):
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes((teacher_dir / "model.pt").read_bytes()[:2000])
    with pytest.raises(EdgeppgError, match="corrupt.pt: not a readable checkpoint"):
        load_model(corrupt)

    obj = torch.load(teacher_dir / "model.pt", weights_only=True)
    obj["config"]["model"]["blocks"] = 3  # weights of 2 blocks claiming to be 3
    save_torch(tmp_path / "other.pt", obj)
    with pytest.raises(EdgeppgError, match="weights do not fit ResNet1D 3 blocks"):
        load_model(tmp_path / "other.pt")

    save_torch(tmp_path / "plain.pt", {"weights": torch.zeros(3)})
    with pytest.raises(EdgeppgError, match="not an edgeppg model file"):
        load_model(tmp_path / "plain.pt")


def test_checkpoints_are_not_unpickled(tmp_path):
    """A pickle that would run code on load is refused by weights_only loading."""

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'pwned'}",))

    torch.save({"x": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(EdgeppgError, match="evil.pt: not a readable checkpoint"):
        load_model(tmp_path / "evil.pt")
    assert not (tmp_path / "pwned").exists()


def test_a_run_never_writes_into_a_folder_of_the_user_s(tmp_path, tiny_data, quick_train):
    config = RunConfig(tiny_data, ModelSpec(blocks=1, width=8), replace(quick_train, epochs=1))
    mine = tmp_path / "proj"
    mine.mkdir()
    (mine / "config.json").write_text('{"my": "settings"}')
    with pytest.raises(EdgeppgError, match=r"proj: not an edgeppg run folder, and its config.json would be overwritten"):
        prepare_run_dir(mine, config, resume=False)
    assert (mine / "config.json").read_text() == '{"my": "settings"}'
    (tmp_path / "afile").write_text("x")
    with pytest.raises(EdgeppgError, match="afile: is a file"):
        prepare_run_dir(tmp_path / "afile", config, resume=False)
    prepare_run_dir(tmp_path / "empty", config, resume=False)  # a new folder is a run's
    prepare_run_dir(tmp_path / "empty", config, resume=False)  # and one it began (status.json) is its own
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep")  # files of other names stay, untouched
    prepare_run_dir(tmp_path / "notes", config, resume=False)
    assert (tmp_path / "notes" / "todo.txt").read_text() == "keep"


def test_resume_refuses_a_changed_config(tmp_path, tiny_data, quick_train):
    config = RunConfig(tiny_data, ModelSpec(blocks=1, width=8), replace(quick_train, epochs=1))
    run(config, tmp_path / "r")
    with pytest.raises(EdgeppgError, match="holds a finished run"):
        run(config, tmp_path / "r")
    with pytest.raises(EdgeppgError, match="already finished"):
        run(config, tmp_path / "r", resume=True)
    (tmp_path / "r" / "metrics.json").unlink()
    with pytest.raises(EdgeppgError, match=r"changed: model.blocks"):
        run(replace(config, model=ModelSpec(blocks=2, width=8)), tmp_path / "r", resume=True)
    # a run interrupted under an older edgeppg, whose config.json lacks a setting added since, resumes: the
    # stored config is read through RunConfig (as a finished run's and a study's cells are), the setting at its default
    stored = json.loads((tmp_path / "r" / "config.json").read_text())
    del stored["train"]["ema"]
    (tmp_path / "r" / "config.json").write_text(json.dumps(stored))
    prepare_run_dir(tmp_path / "r", config, resume=True)
    assert json.loads((tmp_path / "r" / "config.json").read_text())["train"]["ema"] == 0.0
    stored["train"]["epochs"] = "many"  # and a damaged one is one line naming the file and the setting
    (tmp_path / "r" / "config.json").write_text(json.dumps(stored))
    with pytest.raises(EdgeppgError, match=r"r/config.json: .*epochs"):
        run(config, tmp_path / "r", resume=True)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edgeppg", *args], capture_output=True, text=True, timeout=300)


def test_cli_errors_are_one_line(teacher_dir, tmp_path):
    bad = cli("distill", "--teacher", str(teacher_dir), "--strategy", "telepathy", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "telepathy" in bad.stderr and "hard" in bad.stderr
    missing = cli("distill", "--teacher", str(tmp_path / "nope"), "--out", str(tmp_path / "y"))
    assert missing.returncode == 2
    assert missing.stderr.strip().startswith("error:") and "nope: file not found" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_cli_train_and_eval(tmp_path):
    out = tmp_path / "cli"
    res = cli("train", "--out", str(out), "--blocks", "1", "--width", "8", "--subjects", "4", "--minutes", "3",
              "--epochs", "1")
    assert res.returncode == 0, res.stderr
    assert "MAE" in res.stdout and json.loads((out / "metrics.json").read_text())["epochs_run"] == 1
    ev = cli("eval", str(out))
    assert ev.returncode == 0 and "test" in ev.stdout


def test_a_finished_run_is_reused_only_for_its_own_config(tmp_path, tiny_data, quick_train):
    from dataclasses import replace

    from edgeppg.train import ensure_run

    config = RunConfig(tiny_data, ModelSpec(blocks=1, width=8, stem_stride=2), replace(quick_train, augment=0.5))
    first = ensure_run(config, tmp_path / "r")
    stamp = (tmp_path / "r" / "model.pt").stat().st_mtime_ns
    assert ensure_run(config, tmp_path / "r") == first  # reused, not retrained
    assert (tmp_path / "r" / "model.pt").stat().st_mtime_ns == stamp
    # on a machine without a GPU, auto and cpu train the same run: reused either way
    if not torch.cuda.is_available():
        for device in ("auto", "cpu"):
            assert ensure_run(replace(config, train=replace(config.train, device=device)), tmp_path / "r") == first
    other = replace(config, train=replace(config.train, augment=0.25))
    with pytest.raises(EdgeppgError, match=r"r: finished with another config \(train.augment differ\)"):
        ensure_run(other, tmp_path / "r")


def test_still_and_motion_windows_are_scored_apart(teacher_dir, tiny_data):
    from edgeppg.metrics import MOTION_G, evaluate_set, still_motion

    model, _ = load_model(teacher_dir)
    test = load_splits(tiny_data).test
    parts = still_motion(model, test)
    moving = test.motion > MOTION_G
    assert parts["still"]["windows"] == (~moving).sum() and parts["motion"]["windows"] == moving.sum()
    whole = evaluate_set(model, test)["mae"]
    pooled = (parts["still"]["mae"] * parts["still"]["windows"] + parts["motion"]["mae"] * parts["motion"]["windows"])
    assert pooled / len(test) == pytest.approx(whole)


def test_one_pass_scores_equal_the_separate_ones(teacher_dir, tiny_data):
    """evaluate_set_parts (what benchmark rows report) is evaluate_set and still_motion, from one prediction."""
    from edgeppg.metrics import evaluate_set, evaluate_set_parts, still_motion

    model, _ = load_model(teacher_dir)
    test = load_splits(tiny_data).test
    scores, parts = evaluate_set_parts(model, test)
    assert scores == evaluate_set(model, test) and parts == still_motion(model, test, "track")
    assert evaluate_set_parts(model, test, "argmax")[1] == still_motion(model, test, "argmax")


def test_a_result_made_by_an_edited_script_is_marked_uncommitted(tmp_path):
    """env.json's git_uncommitted_changes looks at the package and at the script that made the result (a
    benchmark's own code is part of what its commit has to remake), not at other files or other checkouts."""
    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere.py"
    (repo / "pkg").mkdir(parents=True)
    script, other = repo / "bench.py", repo / "notes.md"
    for f in (script, other, repo / "pkg" / "m.py", elsewhere):
        f.write_text("x = 1\n")

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                       capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "first")
    paths = [repo / "pkg", script, elsewhere]
    assert not uncommitted(repo / "pkg", paths)
    other.write_text("edited\n")
    elsewhere.write_text("edited\n")
    assert not uncommitted(repo / "pkg", paths)  # neither the package nor the script
    script.write_text("x = 2\n")
    assert uncommitted(repo / "pkg", paths)
    git("commit", "-qam", "second")
    (repo / "pkg" / "m.py").write_text("x = 3\n")
    assert uncommitted(repo / "pkg", paths)
