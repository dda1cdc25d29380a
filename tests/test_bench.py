"""Host benchmarks on the exported test model: every runtime measured, results saved, ratios right."""

import json
import subprocess
import sys

import pytest

from edgeppg.bench import RUNTIMES, bench_host, compare
from edgeppg.errors import EdgeppgError


@pytest.fixture(scope="module")
def bench_result(exported):
    run, _ = exported
    return bench_host(run, runs=30, batch=8)


def test_every_runtime_is_measured_and_saved(bench_result, exported):
    run, report = exported
    assert set(bench_result["runtimes"]) == set(RUNTIMES) and not bench_result["skipped"]
    for rt, row in bench_result["runtimes"].items():
        lat = row["latency_ms"]
        assert 0 < lat["p50"] <= lat["p95"] <= lat["p99"], rt
        assert row["throughput_windows_per_s"] > 0 and row["runs"] == 30
    rows = bench_result["runtimes"]
    assert rows["pytorch"]["throughput_batch"] == 8 and rows["tflite_int8"]["throughput_batch"] == 1
    assert rows["tflite_micro"]["arena_bytes"] == report["tflite_micro"]["arena_bytes"]
    assert rows["tflite_int8"]["file_bytes"] == (run / "model_int8.tflite").stat().st_size
    assert rows["tflite_int8"]["mae_bpm"] == report["accuracy"]["tflite_int8"]["mae"]
    assert json.loads((run / "bench_host.json").read_text()) == json.loads(json.dumps(bench_result))


def test_compare_gives_ratios_of_the_second_run_to_the_first(bench_result):
    smaller = json.loads(json.dumps(bench_result))
    for row in smaller["runtimes"].values():
        row["latency_ms"]["p50"] /= 4
        row["file_bytes"] //= 2
        row["rss_growth_bytes"] //= 2
        if row.get("arena_bytes"):
            row["arena_bytes"] //= 2
        row["mae_bpm"] += 0.5
    ratios = compare(bench_result, smaller)
    assert set(ratios) == set(RUNTIMES)
    for r in ratios.values():
        assert r["latency_p50"] == pytest.approx(0.25)
        assert r["rss_growth"] == pytest.approx(0.5, abs=0.01) and r["file_size"] == pytest.approx(0.5, abs=0.01)
        assert ("arena" in r) == (r is ratios["tflite_micro"])
        assert r["mae_cost_bpm"] == pytest.approx(0.5)
    assert ratios["tflite_micro"]["arena"] == pytest.approx(0.5, abs=0.01)
    # scored on other windows (another data set, other participants), two MAE are not a cost
    smaller["mae_scored_on"] = {**smaller["mae_scored_on"], "participants": ["someone else"]}
    assert not any("mae_cost_bpm" in r for r in compare(bench_result, smaller).values())


def test_a_run_without_export_benchmarks_pytorch_and_says_why_not_the_rest(teacher_dir, tmp_path):
    import shutil

    shutil.copytree(teacher_dir, tmp_path / "plain")
    result = bench_host(tmp_path / "plain", runs=5, batch=4)
    assert set(result["runtimes"]) == {"pytorch"}
    assert "edgeppg export" in result["skipped"]["onnxruntime"]
    with pytest.raises(EdgeppgError, match="not a run folder"):
        bench_host(tmp_path)
    with pytest.raises(EdgeppgError, match="unknown runtime 'tvm'"):
        bench_host(tmp_path / "plain", runtimes=("tvm",))


@pytest.mark.slow
def test_bench_command_prints_the_table_and_the_comparison(exported):
    run, _ = exported
    res = subprocess.run([sys.executable, "-m", "edgeppg", "bench", str(run), str(run), "--compare", "--runs", "5",
                          "--runtime", "pytorch", "--runtime", "tflite_int8"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "tflite_int8" in res.stdout and "as a fraction of" in res.stdout
    bad = subprocess.run([sys.executable, "-m", "edgeppg", "bench", str(run), "--compare"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--compare takes exactly two runs" in bad.stderr


@pytest.mark.slow
def test_demo_runs_the_whole_pipeline_and_compares_student_with_teacher(tmp_path):
    """The demo at a tiny budget on the shipped teacher: students over two seeds, the paired comparison with
    its interval, export, host benchmarks and the Cortex-M4; the shipped teacher's folder stays as it was."""
    from rich.console import Console

    from edgeppg import recipe
    from edgeppg.demo import DEMO_THREADS, SHIPPED_TEACHER, run_demo, student_folders

    before = sorted(p.name for p in SHIPPED_TEACHER.iterdir())
    quiet = Console(file=open(tmp_path / "log.txt", "w"), width=1000)  # nothing wraps: tables at their own width
    out = tmp_path / "demo"
    results = run_demo(out, quiet, quiet, seeds=(0, 1), budget=recipe.Budget(subjects=6, minutes=3.0, epochs=1),
                       bench_runs=5)
    assert sorted(p.name for p in SHIPPED_TEACHER.iterdir()) == before
    for folder in student_folders(out, (0, 1)).values():
        config = json.loads((folder / "config.json").read_text())
        # the thread count is pinned, not the machine's: another count sums in another order
        assert config["train"]["threads"] == DEMO_THREADS
        assert config["data"]["synthetic"]["seed"] == recipe.DEMO_DATA_SEED  # people the teacher never saw
    assert [json.loads((f / "config.json").read_text())["train"]["seed"]
            for f in student_folders(out, (0, 1)).values()] == [0, 0, 1, 1]
    # the interval pairs each seed's scratch and DKD students on every test participant
    v, runs = results["dkd_vs_scratch"], results["runs"]
    people = sorted(runs["dkd", 0]["test_by_subject"])
    diffs = [runs["scratch", s]["test_by_subject"][p] - runs["dkd", s]["test_by_subject"][p] for s in (0, 1)
             for p in people]
    assert v["seeds"] == 2 and v["participants"] == len(people) >= 2
    assert v["difference_bpm"] == pytest.approx(sum(diffs) / len(diffs))
    assert v["ci95"][0] <= v["difference_bpm"] <= v["ci95"][1] and v["verdict"] in v["text"]
    assert results["scores"]["teacher"]["test"]["windows"] == results["scores"]["dkd"]["test"]["windows"]
    for run in (out / "teacher", student_folders(out, (0, 1))["dkd", 0]):
        assert (run / "model_int8.tflite").is_file() and (run / "bench_host.json").is_file()
    ratios = results["bench"]["ratios"]["tflite_micro"]
    teacher, student = results["bench"]["teacher"], results["bench"]["student"]
    assert ratios["file_size"] == pytest.approx(student["runtimes"]["tflite_micro"]["file_bytes"]
                                                / teacher["runtimes"]["tflite_micro"]["file_bytes"])
    assert ratios["file_size"] < 1  # a 3-block student is smaller than the 6-block teacher
    log = (tmp_path / "log.txt").read_text()
    assert "less arena RAM" in log and "95% interval" in log and "kernels" in log
    table_lines = [line.rstrip() for line in log.splitlines() if "│" in line or "┃" in line]  # not the rules
    assert table_lines and max(map(len, table_lines)) <= 100
    if results["cortex_m4"] is not None:  # None only without the Arm toolchain, which the log then names
        assert results["cortex_m4"]["bit_exact"] and "Cortex-M4: fits in 256 KiB RAM" in log
    else:
        assert "skipped the Cortex-M4 report" in log
