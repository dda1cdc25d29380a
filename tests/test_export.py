"""Export end to end on a small trained model: ONNX, int8 TFLite, TFLite Micro, and the error paths."""

import json

import numpy as np
import pytest
import torch

from edgeppg.data.dataset import load_splits
from edgeppg.device import contract as device_contract
from edgeppg.errors import EdgeppgError
from edgeppg.export import export_run, onnx_export, quant, runtimes, tflite_model
from edgeppg.export.graph import export_form
from edgeppg.models import ModelSpec, build_model
from edgeppg.runs import load_model, save_torch


@pytest.fixture(scope="session")
def held_out(exported):
    _, cfg = load_model(exported[0])
    return load_splits(cfg.data).test


@pytest.mark.parametrize("spec", [ModelSpec(blocks=1, width=8), ModelSpec(blocks=5, width=8, kernel=5),
                                  ModelSpec(arch="mlp", hidden=16)])
def test_export_form_computes_the_same_function(spec):
    torch.manual_seed(0)
    model = build_model(spec)
    model.train()
    for _ in range(3):  # move BatchNorm's running statistics away from their initial values
        model(torch.randn(16, 200))
    model.eval()
    x = torch.randn(4, 200)
    with torch.no_grad():
        torch.testing.assert_close(export_form(model)(x[:, None, :]), model(x), rtol=1e-5, atol=1e-5)


def test_export_writes_every_artefact_and_scores_it(exported):
    run, report = exported
    for name in ("model.onnx", "model_float32.tflite", "model_int8.tflite", "device.json", "export.json"):
        assert (run / name).is_file(), name
    assert not (run / "quant.json").exists()  # the device contract is the one home of the scales
    assert not list(run.glob(".*building"))  # no half-written files
    assert json.loads((run / "export.json").read_text()) == json.loads(json.dumps(report))
    acc = report["accuracy"]
    assert acc["onnx"]["max_abs_logit_diff"] < 1e-4 and acc["onnx"]["mae"] == pytest.approx(acc["pytorch"]["mae"])
    assert acc["tflite_float32"]["max_abs_logit_diff"] < 1e-3
    assert acc["tflite_float32"]["argmax_agreement"] > 0.99
    assert report["int8_mae_loss_bpm"] == pytest.approx(acc["tflite_int8"]["mae"] - acc["pytorch"]["mae"])
    assert report["int8_mae_loss_bpm"] < 0.5, report["int8_mae_loss_bpm"]
    assert report["held_out"]["windows"] == 300 and report["calibration"]["windows"] == 200
    assert report["artefacts"]["tflite_int8"]["bytes"] < 0.5 * report["artefacts"]["tflite_float32"]["bytes"]


def test_int8_graph_is_for_tflite_micro(exported):
    run, report = exported
    ops = tflite_model.op_names(run / "model_int8.tflite")
    assert ops == report["artefacts"]["tflite_int8"]["ops"]
    assert set(ops) <= {"RESHAPE", "CONV_2D", "ADD", "PAD", "MEAN"}  # no TRANSPOSE, GATHER or FULLY_CONNECTED
    q_in, q_out = tflite_model.io_quant(run / "model_int8.tflite")
    assert (q_in.shape, q_in.dtype, q_out.shape, q_out.dtype) == ((1, 200, 1), "int8", (1, 180), "int8")
    c = device_contract.read(run)
    assert (c.input_scale, c.input_zero_point) == (q_in.scale, q_in.zero_point)
    assert (c.output_scale, c.output_zero_point) == (q_out.scale, q_out.zero_point)
    assert c.tflm_host_arena_bytes == report["tflite_micro"]["arena_bytes"]


def test_tflite_micro_equals_tflite_reference_kernels(exported, held_out):
    run, _ = exported
    path = run / "model_int8.tflite"
    q_in, _ = tflite_model.io_quant(path)
    x = quant.quantize(held_out.x[:150], q_in)
    reference = runtimes.run_tflite(runtimes.tflite_interpreter(path, reference=True), x)
    arena = device_contract.read(run).tflm_host_arena_bytes
    micro = runtimes.run_tflm(runtimes.tflm_interpreter(path.read_bytes(), arena), x, q_in.shape)
    assert micro.dtype == np.int8 and micro.shape == (150, 180)
    np.testing.assert_array_equal(micro, reference)


def test_the_arena_found_is_the_smallest_that_works(exported, held_out):
    run, report = exported
    model = (run / "model_int8.tflite").read_bytes()
    q_in, _ = tflite_model.io_quant(run / "model_int8.tflite")
    x = quant.quantize(held_out.x[:1], q_in)
    arena = report["tflite_micro"]["arena_bytes"]
    assert report["tflite_micro"]["bit_exact"] and report["tflite_micro"]["windows_checked"] == 100
    assert runtimes.tflm_works(model, arena, x, q_in.shape)
    assert not runtimes.tflm_works(model, arena - 16, x, q_in.shape)
    assert not runtimes.tflm_works(model, 100, x, q_in.shape)  # would crash the process if not forked


def test_quantize_rounds_half_away_from_zero_and_clamps():
    q = tflite_model.TensorQuant((1, 200, 1), "int8", 0.5, -1)
    np.testing.assert_array_equal(quant.quantize(np.array([0.25, -0.25, 0.74, 100.0, -100.0]), q),
                                  [0, -2, 0, 127, -128])
    np.testing.assert_allclose(quant.dequantize(np.array([-1, 3], np.int8), q), [0.0, 2.0])


def test_export_errors_name_the_file(tmp_path, teacher_dir):
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(EdgeppgError, match="junk.pt: not a readable checkpoint"):
        export_run(tmp_path / "junk.pt")
    obj = torch.load(teacher_dir / "model.pt", weights_only=True)
    del obj["config"]
    save_torch(tmp_path / "noconfig.pt", obj)
    with pytest.raises(EdgeppgError, match="noconfig.pt: an edgeppg model file without its config"):
        export_run(tmp_path / "noconfig.pt")
    with pytest.raises(EdgeppgError, match="nothing.pt: file not found"):
        export_run(tmp_path / "nothing.pt")


def test_no_single_byte_flip_of_the_int8_model_gives_anything_but_a_one_line_error(exported, tmp_path):
    """Fuzz the flatbuffer reader the firmware stage relies on: 300 seeded single-byte flips; each file reads
    as a graph or is refused with edgeppg's error, never a struct, index, type or value error."""
    from edgeppg.codegen import read_graph

    run, _ = exported
    data = (run / "model_int8.tflite").read_bytes()
    rng = np.random.default_rng(0)
    refused = 0
    for i, (at, bit) in enumerate(zip(rng.integers(0, len(data), 300), rng.integers(0, 8, 300))):
        flipped = bytearray(data)
        flipped[at] ^= 1 << int(bit)
        path = tmp_path / f"flip{i}.tflite"
        path.write_bytes(bytes(flipped))
        try:
            read_graph(path)
        except EdgeppgError as e:
            refused += 1
            assert "\n" not in str(e) and path.name in str(e)
    assert refused > 0  # the flips reach the structure, not only weights


def test_an_interrupted_export_leaves_the_previous_one_whole(exported, tmp_path, monkeypatch):
    """A re-export stopped after its TFLite conversion (Ctrl-C, a full disk) publishes nothing: the folder
    holds the previous export byte for byte and no staging folder; a finished one replaces it whole, and a
    folder whose model no longer matches its contract is exported again by ensure_export."""
    import shutil

    from rich.console import Console

    from edgeppg.export import pipeline

    run = tmp_path / "run"
    shutil.copytree(exported[0], run)
    names = ("model.onnx", "model_int8.tflite", "model_float32.tflite", "device.json", "device_vectors.npz",
             "export.json")
    before = {n: (run / n).read_bytes() for n in names}

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline.tflite_model, "check_ops_for_micro", stop)  # right after the conversion
    quiet = Console(file=open(tmp_path / "log.txt", "w"))
    with pytest.raises(KeyboardInterrupt):
        export_run(run, console=quiet, eval_windows=50, calib_windows=50, micro_windows=10)
    assert {n: (run / n).read_bytes() for n in names} == before
    assert not (run / pipeline.STAGE).exists()
    monkeypatch.undo()
    # a model swapped after export: its contract no longer matches, so the export is redone, not reused
    (run / "model_int8.tflite").write_bytes(before["model_float32.tflite"])
    pipeline.ensure_export(run, quiet)
    assert "exporting it again" in (tmp_path / "log.txt").read_text()
    device_contract.read(run)
    device_contract.read_vectors(run, 1)


def test_truncated_and_foreign_model_files(exported, tmp_path):
    run, _ = exported
    (tmp_path / "cut.onnx").write_bytes((run / "model.onnx").read_bytes()[:500])
    with pytest.raises(EdgeppgError, match="cut.onnx: not a readable ONNX model"):
        onnx_export.onnx_ops(tmp_path / "cut.onnx")
    with pytest.raises(EdgeppgError, match="cut.onnx: onnxruntime cannot load it"):
        onnx_export.onnx_session(tmp_path / "cut.onnx")
    (tmp_path / "cut.tflite").write_bytes((run / "model_int8.tflite").read_bytes()[:3000])
    with pytest.raises(EdgeppgError, match="cut.tflite: truncated or corrupt TFLite model"):
        tflite_model.op_names(tmp_path / "cut.tflite")
    (tmp_path / "text.tflite").write_text("hello, not a flatbuffer")
    with pytest.raises(EdgeppgError, match="text.tflite: not a TFLite model"):
        tflite_model.io_quant(tmp_path / "text.tflite")


def test_an_op_tflite_micro_lacks_is_named(tmp_path):
    tf = pytest.importorskip("tensorflow", reason="tensorflow builds the test model; make installs it")

    @tf.function(input_signature=[tf.TensorSpec([1, 8], tf.float32)])
    def top3(x):
        return tf.math.top_k(x, 3).values

    converter = tf.lite.TFLiteConverter.from_concrete_functions([top3.get_concrete_function()], top3)
    (tmp_path / "topk.tflite").write_bytes(converter.convert())
    with pytest.raises(EdgeppgError, match="topk.tflite: op TOPK_V2 is not supported by TensorFlow Lite Micro"):
        tflite_model.check_ops_for_micro(tmp_path / "topk.tflite")


def test_a_model_pytorch_cannot_export_is_named(tmp_path, monkeypatch):
    model = build_model(ModelSpec(blocks=1, width=8)).eval()

    class FFTForm(torch.nn.Module):
        def forward(self, x):
            return torch.fft.rfft(x).abs()[..., :180].flatten(1)

    monkeypatch.setattr(onnx_export, "export_form", lambda m: FFTForm())
    with pytest.raises(EdgeppgError, match="fft.onnx: PyTorch cannot export this model to ONNX"):
        onnx_export.to_onnx(model, tmp_path / "fft.onnx")
    assert not list(tmp_path.iterdir())
