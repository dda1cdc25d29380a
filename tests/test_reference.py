"""`edgeppg reference`: the recipe's two runs, finished and shipped with what eval, card and build need."""

import json
import subprocess
import sys

import pytest

from edgeppg import files, recipe
from edgeppg.errors import EdgeppgError
from edgeppg.reference import MEASURED, SHIPPED, make_reference, ship


def test_the_recipe_s_student_is_within_the_1_block_student_s_parameters():
    """What `models/` promises: no more weights (so flash) than the 1-block student it replaces."""
    from edgeppg.models.complexity import count_macs, count_params
    from edgeppg.models.spec import ModelSpec, build_model

    student, old = build_model(recipe.STUDENT), build_model(ModelSpec(blocks=1))
    assert count_params(student) < count_params(old) and count_macs(student) < count_macs(old) / 2


@pytest.mark.slow
def test_reference_trains_exports_and_ships_both_models(tmp_path):
    from rich.console import Console

    from edgeppg.card import write_card
    from edgeppg.export.pipeline import ensure_export

    console = Console(stderr=True)
    tiny = recipe.Budget(subjects=4, minutes=2.0, epochs=1)

    def finish(folder, console):
        ensure_export(folder, console)
        write_card(folder, watch=False)

    metrics = make_reference(tmp_path / "runs", tmp_path / "models", console, budget=tiny, finish=finish)
    assert set(metrics) == {recipe.TEACHER_RUN, recipe.STUDENT_RUN}
    student = tmp_path / "models" / recipe.STUDENT_RUN
    assert {p.name for p in student.iterdir()} == set(SHIPPED) | {files.CARD_DIR}  # nothing measured: none shipped
    config = json.loads((student / files.CONFIG).read_text())
    shipped = recipe.configs(tmp_path / "runs" / recipe.TEACHER_RUN, tiny)[recipe.STUDENT_ROLE]
    assert (config["distill"]["strategy"], config["distill"]["teacher"]) == (shipped.distill.strategy,
                                                                          shipped.distill.teacher)
    assert config["model"]["stem_stride"] == recipe.STUDENT.stem_stride
    # the shipped folder is a model edgeppg can use on its own
    res = subprocess.run([sys.executable, "-m", "edgeppg", "eval", str(student)], capture_output=True, text=True)
    assert res.returncode == 0 and "test" in res.stdout, res.stderr

    # run again: both runs reused (same config), shipped again over the old copy
    again = make_reference(tmp_path / "runs", tmp_path / "models", console, budget=tiny, finish=finish)
    assert again == metrics
    # another budget in the same runs folder is refused, not silently mixed in
    with pytest.raises(EdgeppgError, match="finished with another config"):
        make_reference(tmp_path / "runs", tmp_path / "models", console,
                       budget=recipe.Budget(subjects=4, minutes=2.0, epochs=2), finish=finish)


def test_ship_names_what_is_missing_and_keeps_measurements_when_present(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    for name in SHIPPED:
        (run / name).write_text("x")
    with pytest.raises(EdgeppgError, match=f"no {files.CARD_DIR} to ship"):
        ship(run, tmp_path / "out")
    (run / files.CARD_DIR).mkdir()
    (run / MEASURED[0]).write_text("{}")
    (run / files.CHECKPOINT).write_text("not shipped")
    ship(run, tmp_path / "out")
    shipped = {p.name for p in (tmp_path / "out").iterdir()}
    assert shipped == set(SHIPPED) | {files.CARD_DIR, MEASURED[0]}


def test_ship_never_replaces_a_folder_that_holds_no_shipped_model(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    for name in SHIPPED:
        (run / name).write_text("x")
    (run / files.CARD_DIR).mkdir()
    mine = tmp_path / "out" / "student"
    mine.mkdir(parents=True)
    (mine / "thesis.tex").write_text("years of work")
    with pytest.raises(EdgeppgError, match="holds no shipped model"):
        ship(run, mine)
    assert (mine / "thesis.tex").read_text() == "years of work"
    ship(run, tmp_path / "fresh")  # a new folder, and then a shipped one, are fine
    ship(run, tmp_path / "fresh")
    assert (tmp_path / "fresh" / files.MODEL).is_file()


@pytest.mark.parametrize("where", ["a-file", "a-file/models", "models-with-mine"])
def test_reference_refuses_its_destination_before_any_training(tmp_path, where):
    """Hours of training are not spent to fail at the copy: --out is checked first, and no run is started."""
    from rich.console import Console

    (tmp_path / "a-file").write_text("x")
    (tmp_path / "models-with-mine" / recipe.TEACHER_RUN).mkdir(parents=True)
    (tmp_path / "models-with-mine" / recipe.TEACHER_RUN / "notes.txt").write_text("mine")

    def finish(folder, console):
        raise AssertionError("nothing should be trained or finished")

    with pytest.raises(EdgeppgError, match="a file, not a folder|holds no shipped model"):
        make_reference(tmp_path / "runs", tmp_path / where, Console(stderr=True), finish=finish)
    assert not (tmp_path / "runs").exists()
    assert (tmp_path / "models-with-mine" / recipe.TEACHER_RUN / "notes.txt").read_text() == "mine"
