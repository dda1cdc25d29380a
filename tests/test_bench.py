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
    from rich.console import Console

    from edgeppg.demo import DEMO_THREADS, run_demo

    quiet = Console(file=open(tmp_path / "log.txt", "w"), width=120)
    out = tmp_path / "demo"
    results = run_demo(out, epochs=1, teacher_blocks=2, student_blocks=1, subjects=6, minutes=3,
                       console=quiet, log=quiet, bench_runs=5)
    for run in ("teacher-2b", "student-1b-scratch", "student-1b-dkd"):
        assert (out / run / "metrics.json").is_file()
        # the thread count is pinned, not the machine's: another count sums in another order
        assert json.loads((out / run / "config.json").read_text())["train"]["threads"] == DEMO_THREADS
    for run in ("teacher-2b", "student-1b-dkd"):
        assert (out / run / "model_int8.tflite").is_file() and (out / run / "bench_host.json").is_file()
    ratios = results["bench"]["ratios"]["tflite_micro"]
    teacher, student = results["bench"]["teacher"], results["bench"]["student"]
    assert ratios["file_size"] == pytest.approx(student["runtimes"]["tflite_micro"]["file_bytes"]
                                                / teacher["runtimes"]["tflite_micro"]["file_bytes"])
    assert ratios["file_size"] < 1  # a 1-block student is smaller than a 2-block teacher
    log = (tmp_path / "log.txt").read_text()
    assert "less arena RAM" in log
    if results["cortex_m4"] is not None:  # None only without the Arm toolchain, which the log then names
        assert results["cortex_m4"]["bit_exact"] and "Cortex-M4: fits in 256 KiB RAM" in log
    else:
        assert "skipped the Cortex-M4 report" in log
