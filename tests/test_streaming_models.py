"""The streaming family (issue #27): a window's answer is a computation over the stream, so a device
can keep what overlapping windows share; its input is the stream as the device preprocessed it."""

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import torch

from edgeppg.config import DistillConfig, RunConfig
from edgeppg.device import streaming as streamed
from edgeppg.data.dataset import load_windows
from edgeppg.device.spec import CONTEXT, FS, STRIDE, WINDOW
from edgeppg.errors import EdgeppgError
from edgeppg.models import ModelSpec, build_model, count_macs
from edgeppg.bench.streaming import bench_stream
from edgeppg.codegen import stream
from edgeppg.device.contract import read_vectors
from edgeppg.export import export_run
from edgeppg.export.tflite_model import read_graph, with_crops
from edgeppg.runs import load_model, save_model, write_json
from edgeppg.train import run

STUDENT = ModelSpec(blocks=3, width=16, stem_stride=2, block_strides="1,5,1")


def _features(model, x):
    with torch.no_grad():
        return model.forward_features(x)[1]


@pytest.mark.parametrize("spec", [STUDENT, replace(STUDENT, pool_s=2),
                                  ModelSpec(blocks=6, width=32, kernel=5, stem_stride=2, block_strides="1,5,1,1,1,1")])
def test_overlapping_windows_share_every_frame_they_overlap_in(spec):
    """Two windows a hop apart, cut from one stream: every layer's frames of the later window are the earlier
    window's frames moved by one hop, plus new ones; so a device computes only the new ones."""
    torch.manual_seed(0)
    model = build_model(spec, stream=True).eval()
    s = torch.randn(1, CONTEXT + WINDOW + STRIDE)
    first, second = _features(model, s[:, :-STRIDE]), _features(model, s[:, STRIDE:])
    per_frame = spec.stem_stride
    for block, a, b in zip(model.blocks, first, second):
        per_frame *= block.conv1[0].stride[0]
        hop = STRIDE // per_frame
        assert torch.allclose(a[..., hop:], b[..., :-hop], atol=1e-5)
        assert not torch.allclose(a[..., -hop:], b[..., -hop:])  # the newest frames are new
    assert first[-1].shape[-1] * model.frame == spec.pool_s * FS  # the read-out averages the last pool_s of frames
    # the window form's cost falls to a quarter per update: each layer computes a hop's frames of its four
    window = build_model(replace(spec, pool_s=8))
    assert model.update_macs() < 0.26 * count_macs(window)


def test_a_window_model_does_not_share_its_frames():
    """The point of the family: with 'same' padding and a window's own normalisation, it does not hold."""
    torch.manual_seed(0)
    model = build_model(STUDENT).eval()
    s = torch.randn(1, WINDOW + STRIDE)
    a, b = _features(model, s[:, :-STRIDE])[0], _features(model, s[:, STRIDE:])[0]
    assert not torch.allclose(a[..., STRIDE // 2:], b[..., :-STRIDE // 2], atol=1e-3)


def test_the_answer_depends_on_no_sample_before_what_the_model_reads():
    torch.manual_seed(0)
    model = build_model(STUDENT, stream=True).eval()
    x = torch.randn(2, CONTEXT + WINDOW)
    y = x.clone()
    y[:, :CONTEXT + WINDOW - model.needed] = 99.0
    assert torch.equal(model(x), model(y)) and model.needed < CONTEXT + WINDOW


def test_strides_and_reach_the_stream_cannot_give_are_refused():
    with pytest.raises(EdgeppgError, match=r"strides 1 \(stem\) and 1,2,1,2,1,2 \(blocks\) do not divide the 50-sample"):
        build_model(ModelSpec(), stream=True)  # 2 x 2 x 2 = 8 does not divide 50
    with pytest.raises(EdgeppgError, match="looks back 33.56 s; the stream gives 16 s"):
        build_model(ModelSpec(blocks=6, stem_stride=5, block_strides="1,2,1,1,1,1"), stream=True)
    with pytest.raises(EdgeppgError, match="no streaming form"):
        build_model(ModelSpec(arch="mlp"), stream=True)
    with pytest.raises(EdgeppgError, match="block_strides: must be 3 whole numbers"):
        ModelSpec(blocks=3, block_strides="1,5")
    with pytest.raises(EdgeppgError, match="pool_s: must be whole 2 s updates, got 3"):
        ModelSpec(pool_s=3)
    with pytest.raises(EdgeppgError, match="--pool-s 4: a window model pools its whole window"):
        build_model(replace(STUDENT, pool_s=4))


def test_a_shorter_read_out_reads_less_of_the_stream():
    """Pooling the newest 2 s instead of 8: the model reads 6 s (150 samples) less of the stream, the
    samples only the frames it no longer averages depended on."""
    needed = [build_model(replace(STUDENT, pool_s=p), stream=True).needed for p in (8, 6, 4, 2)]
    assert np.diff(needed).tolist() == [-2 * FS] * 3


def test_compose_takes_each_chunk_from_the_window_it_ended():
    n = 12
    x = np.arange(n * WINDOW, dtype=np.float32).reshape(n, WINDOW)  # every sample says where it came from
    usable = np.ones(n, bool)
    usable[5] = False  # the device could not use window 5: its newest 2 s are zeros in every later input
    out = streamed.compose(x, usable, np.arange(n))
    assert out.shape == (n, CONTEXT + WINDOW)
    chunks = out.reshape(n, -1, STRIDE)
    assert np.array_equal(chunks[0, -4:].reshape(-1), x[0])  # the first window gives all of its chunks
    assert not chunks[0, :-4].any()  # before the recording: zeros
    for k in range(1, n):
        assert np.array_equal(chunks[k, -1], x[k, -STRIDE:]) or not usable[k]
        assert np.array_equal(chunks[k, -2], x[k - 1, -STRIDE:]) or not usable[k - 1]
    assert not chunks[5, -1].any() and not chunks[8, -4].any() and chunks[9, -4].any()
    # a window's input ends with the newest 2 s of itself and the three before: the 8 s it spans
    assert np.array_equal(chunks[7, -4:].reshape(-1)[-STRIDE:], x[7, -STRIDE:])


def test_streamed_windows_are_the_device_windows_newest_chunks(tiny_data):
    windows = load_windows(tiny_data)
    streams = load_windows(replace(tiny_data, stream=True))
    assert streams.x.shape == (len(windows), CONTEXT + WINDOW)
    assert np.array_equal(streams.hr, windows.hr) and np.array_equal(streams.start_s, windows.start_s)
    same = (windows.subject == windows.subject[0])
    assert np.array_equal(streams.x[same][6, -STRIDE:], windows.x[same][6, -STRIDE:])
    assert np.array_equal(streams.x[same][6, -2 * STRIDE:-STRIDE], windows.x[same][5, -STRIDE:])


@pytest.mark.slow
def test_a_streaming_student_trains_distils_and_exports(teacher_dir, tiny_data, quick_train, tmp_path):
    data = replace(tiny_data, stream=True)
    metrics = run(RunConfig(data, STUDENT, replace(quick_train, epochs=2)), tmp_path / "scratch")
    assert np.isfinite(metrics["test"]["mae"])
    model, cfg = load_model(tmp_path / "scratch")
    assert cfg.data.stream and model.input_len == CONTEXT + WINDOW
    # a window teacher teaches a streaming student: it reads the same windows as it was trained on them
    dkd = run(RunConfig(data, STUDENT, replace(quick_train, epochs=1), DistillConfig(strategy="dkd",
                                                                                     teacher=str(teacher_dir))),
              tmp_path / "dkd")
    assert np.isfinite(dkd["test"]["mae"])
    report = export_run(tmp_path / "scratch", calib_windows=100, eval_windows=100, micro_windows=20)
    # the int8 model reads the window and its context; TFLite Micro runs it bit for bit as TFLite does
    assert report["artefacts"]["tflite_int8"]["input"]["shape"] == [1, CONTEXT + WINDOW, 1]
    assert report["tflite_micro"]["bit_exact"] and abs(report["int8_mae_loss_bpm"]) < 3
    graph = with_crops(read_graph(tmp_path / "scratch" / "model_int8.tflite"))
    assert {op.kind for op in graph.ops} <= {"CROP", "CONV_2D", "RESHAPE", "ADD", "MEAN"}  # no layout shuffles
    assert [op.options["length"] for op in graph.ops if op.kind == "CROP"][0] == model.needed
    prog = stream.program(graph)
    k, s = STUDENT.kernel, STUDENT.stem_stride
    assert prog.maps[graph.inputs[0]].frames == STRIDE + k - s  # the input keeps kernel - stride samples
    assert prog.state_bytes < 0.5 * sum(t.nbytes for t in graph.tensors if t.data is None)


def _exported(spec: ModelSpec, data, run_dir, seed: int = 3):
    """An exported streaming model of `spec` (untrained: the arithmetic is what is tested)."""
    torch.manual_seed(seed)
    config = RunConfig(replace(data, stream=True), spec)
    run_dir.mkdir()
    save_model(run_dir / "model.pt", build_model(spec, stream=True).eval(), config)
    write_json(run_dir / "config.json", config.to_dict())
    export_run(run_dir, calib_windows=100, eval_windows=50, micro_windows=10)
    return run_dir


@pytest.mark.slow
@pytest.mark.parametrize("spec", [STUDENT, replace(STUDENT, pool_s=2)], ids=["pool-8s", "pool-2s"])
def test_tflite_micro_runs_the_per_update_model_as_the_window_form(spec, tiny_data, tmp_path):
    """The per-update model for TFLite Micro (codegen/tflm_stream.py): its variables keep the rows each
    update needs, so TFLM's interpreter gives, update by update, the logits TFLite gives for the window
    form on the last 24 s; from its first update (the state as after zeros since forever) and again after
    a reset and the priming updates."""
    from tflite_micro.python.tflite_micro import runtime

    from edgeppg.codegen import tflm_stream
    from edgeppg.export.runtimes import run_tflite, tflite_interpreter

    run_dir = _exported(spec, tiny_data, tmp_path / "stream")
    window = tflite_interpreter(run_dir / "model_int8.tflite")
    graph = with_crops(read_graph(run_dir / "model_int8.tflite"))
    prog = stream.program(graph)
    model = tflm_stream.per_update_model(run_dir / "model_int8.tflite")
    assert {"VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "CALL_ONCE"} <= set(tflm_stream.per_update_ops(graph))
    assert 0 < tflm_stream.state_bytes(prog) < prog.state_bytes  # the variables hold history, not the new rows
    x, _ = read_vectors(run_dir, 10)
    zero = graph.tensors[graph.inputs[0]].zero_point
    interp = runtime.Interpreter.from_bytes(model, arena_size=1 << 20)
    for attempt in range(2):
        last = np.full(CONTEXT + WINDOW, zero, np.int8)
        for u in range(16):
            chunk = x[u % len(x), -STRIDE:]
            last = np.concatenate([last[STRIDE:], chunk])
            interp.set_input(chunk.reshape(1, STRIDE, 1), 0)
            interp.invoke()
            assert np.array_equal(interp.get_output(0)[0], run_tflite(window, last[None])[0]), (attempt, u)
        interp.reset()  # the variables at the zero point; the priming updates take them back to zeros' rows
        for _ in range(prog.primes):
            interp.set_input(np.full((1, STRIDE, 1), zero, np.int8), 0)
            interp.invoke()


@pytest.mark.slow
@pytest.mark.m4
@pytest.mark.tflm
def test_tflite_micro_runs_the_per_update_model_bit_exact_on_the_m4(tiny_data, tmp_path):
    """The streamtest firmware on TFLite Micro: every update of the per-update model against TFLM's window
    form, on the emulated Cortex-M4, for a fraction of the instructions and less RAM than the window form's
    interpreter; the per-update interpreter's arena is the smallest it allocates in, found on the device."""
    from edgeppg.codegen.tflm import arena_size
    from edgeppg.device.contract import read as read_contract

    run_dir = _exported(STUDENT, tiny_data, tmp_path / "stream")
    x, y = read_vectors(run_dir, 4)
    window_arena = arena_size(read_contract(run_dir).tflm_host_arena_bytes)
    r = bench_stream(run_dir / "model_int8.tflite", x, y, tmp_path / "fw", backend="tflm-cmsis-nn",
                     arena=window_arena)
    assert r["bit_exact"] and r["updates"] >= 20 and r["backend"] == "tflm-cmsis-nn"
    assert r["instructions_per_update"] < 0.3 * r["instructions_per_window"]
    assert r["ram_bytes"] < window_arena  # its own arena, state, stack and all: less than the window's arena


@pytest.mark.slow
@pytest.mark.m4
@pytest.mark.parametrize("spec", [STUDENT, replace(STUDENT, pool_s=2)], ids=["pool-8s", "pool-2s"])
def test_the_streaming_program_is_bit_exact_on_the_m4(spec, tiny_data, tmp_path):
    """Every 2 s update of the generated per-update program gives the logits the window form gives from
    scratch, on the emulated Cortex-M4, for a fraction of the instructions; whatever span the read-out
    pools (the program takes the mean's length from the graph)."""
    run_dir = _exported(spec, tiny_data, tmp_path / "stream")
    x, y = read_vectors(run_dir, 4)
    r = bench_stream(run_dir / "model_int8.tflite", x, y, tmp_path / "fw")
    assert r["bit_exact"] and r["updates"] >= 20
    assert r["instructions_per_update"] < 0.3 * r["instructions_per_window"]
    assert r["state_bytes"] < r["ram_bytes"]
    if spec.pool_s != 8:
        return  # the monitor runs the same program: once, for the 8 s read-out, is enough
    # the monitor runs it from the sensor stream: every window's heart rate as the host's (TFLite on the
    # windows the host composes as the device keeps them), and the model's cost is an update's
    from edgeppg import recordings
    from edgeppg.mcu.stream import run_stream

    s = run_stream(run_dir, recordings.load(recordings.default_synthetic(run_dir), run_dir))
    assert s["windows"] > 50 and s["agree"] == 1.0 and s["agree_tracked"] == 1.0 and s["int8_input_mismatches"] == 0
    assert s["instructions_per_window"]["model"] < 0.3 * r["instructions_per_window"]


@pytest.mark.slow
@pytest.mark.m4
def test_the_monitor_runs_the_front_ends_streaming_form_bit_exact_with_the_host(tmp_path):
    """A streaming model behind the accelerometer front end whose step stage keeps its chunks' spectra
    (ppg-acc-steps-stream): from the sensor streams, every window's int8 input and heart rate as the host's,
    which computes each window on its own; the step stage at work in the climbers' motion windows."""
    from edgeppg import recordings
    from edgeppg.data.dataset import DataConfig
    from edgeppg.data.synthetic import SyntheticConfig
    from edgeppg.device import native
    from edgeppg.mcu.stream import run_stream

    torch.manual_seed(4)
    data = DataConfig(synthetic=SyntheticConfig(subjects=5, minutes=4, seed=6, scenario="cadence"),
                      inputs="ppg-acc-steps-stream", stream=True)
    config = RunConfig(data, STUDENT)
    run_dir = tmp_path / "stream"
    run_dir.mkdir()
    save_model(run_dir / "model.pt", build_model(STUDENT, stream=True).eval(), config)
    write_json(run_dir / "config.json", config.to_dict())
    export_run(run_dir, calib_windows=100, eval_windows=50, micro_windows=10)
    rec = recordings.load(recordings.default_synthetic(run_dir), run_dir)
    s = run_stream(run_dir, rec)
    assert s["windows"] > 50 and s["agree"] == 1.0 and s["agree_tracked"] == 1.0 and s["int8_input_mismatches"] == 0
    plain, _, _ = native.windows(rec.samples, rec.rate_hz)
    _, opened, steps = native.cancel(plain, native.acc_windows(rec.acc, rec.rate_hz), data.inputs)
    assert opened.mean() > 0.3 and np.isfinite(steps).mean() > 0.3
    # at 25 Hz the PPG can run two windows ahead of its acceleration: windows wait, some go on without it, and the
    # state must not hand a later window a chunk it kept for another
    t25, t = np.arange(0, len(rec.samples) / rec.rate_hz, 1 / 25.0), np.arange(len(rec.samples)) / rec.rate_hz
    at25 = recordings.StreamRecording("s25", np.interp(t25, t, rec.samples).astype(np.float32), 25.0,
                                      rec.reference_bpm, "25 Hz",
                                      np.stack([np.interp(t25, t, rec.acc[:, k]) for k in range(3)], 1).astype(np.float32))
    r25 = run_stream(run_dir, at25)
    assert r25["agree"] == 1.0 and r25["agree_tracked"] == 1.0 and r25["int8_input_mismatches"] == 0


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edgeppg", *args], capture_output=True, text=True, timeout=300)
