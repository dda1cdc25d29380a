"""The generated C and the int8 kernels: natively under sanitizers against TFLite, and whole models on
QEMU's emulated Cortex-M4, bit for bit."""

import subprocess

import numpy as np
import pytest

from edgeppg.codegen import fixedpoint as fp
from edgeppg.codegen import generate, lower, read_graph
from edgeppg import files
from edgeppg.errors import EdgeppgError
from edgeppg.export import runtimes
from edgeppg.mcu import boards, toolchain
from edgeppg.export.tflite_model import with_crops
from edgeppg.mcu.build import build_cortex_m4, build_host
from edgeppg.mcu.qemu import run_host, run_qemu

import tflite_builders as tb

needs_arm, needs_cc = pytest.mark.m4, pytest.mark.cc  # skipped where the tool is missing (conftest)


def reference(path, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random int8 inputs and TFLite's reference-kernel outputs for them."""
    interp = runtimes.tflite_interpreter(path, reference=True)
    shape = tuple(interp.get_input_details()[0]["shape"][1:])
    x = np.random.default_rng(seed).integers(-128, 128, (n, *shape), dtype=np.int8)
    return x.reshape(n, -1), runtimes.run_tflite(interp, x).reshape(n, -1)


# --- fixed-point arithmetic: the C header against the Python statement of TFLite's rules ---------------

FIXEDPOINT_MAIN = r"""
#include <stdio.h>
#include "ep_fixedpoint.h"
int main(void) {
  long long x, m, s;
  while (scanf("%lld %lld %lld", &x, &m, &s) == 3) {
    const ep_requant q = ep_requant_of((int32_t)m, (int32_t)s);
    printf("%d %d %d\n", ep_multiply_by_quantized_multiplier((int32_t)x, (int32_t)m, (int32_t)s),
           s <= 0 ? ep_multiply_smaller_than_one((int32_t)x, (int32_t)m, (int32_t)s) : 0, ep_requant_apply(&q, (int32_t)x));
  }
  return 0;
}
"""


@needs_cc
def test_fixed_point_rounding_ties_saturation_and_large_multipliers(tmp_path):
    src = tmp_path / "fp.c"
    src.write_text(FIXEDPOINT_MAIN)
    exe = tmp_path / "fp"
    kernels = files.firmware_dir() / "kernels"
    subprocess.run(["gcc", "-std=c11", "-O1", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                    f"-I{kernels}", str(src), "-o", str(exe)], check=True)
    rng = np.random.default_rng(0)
    cases = [(fp.INT32_MIN, fp.INT32_MIN, 0), (fp.INT32_MAX, fp.INT32_MAX, 0), (fp.INT32_MIN, 2**30, -1),
             (0, 2**30, -5), (1, 2**30, 0)]
    cases += [(x, 2**30, -e) for e in range(1, 8) for x in (3 << (e - 1), -(3 << (e - 1)), (1 << e) + (1 << (e - 1)))]  # ties
    cases += [(int(x), int(m), int(s)) for x, m, s in zip(rng.integers(-2**20, 2**20, 300),
                                                           rng.integers(2**30, 2**31 - 1, 300), rng.integers(-12, 4, 300))]
    cases += [(int(x), 2**31 - 1, 8) for x in rng.integers(-2**16, 2**16, 20)]  # large multipliers: shift > 0
    out = subprocess.run([str(exe)], input="\n".join(f"{x} {m} {s}" for x, m, s in cases), capture_output=True,
                         text=True, check=True).stdout.split("\n")
    for (x, m, s), line in zip(cases, out):
        got, got_small, got_fast = map(int, line.split())
        assert got == fp.multiply_by_quantized_multiplier(x, m, s), (x, m, s)
        if m != fp.INT32_MIN:  # the M4 kernels' form (ep_requant_apply): the same value for every TFLite multiplier
            assert got_fast == got, (x, m, s)
        if s <= 0:
            assert got_small == fp.rounding_divide_by_pot(fp.saturating_rounding_doubling_high_mul(x, m), -s)


def test_quantize_multiplier_matches_tflite_conventions():
    assert fp.quantize_multiplier(0.5) == (2**30, 0)
    assert fp.quantize_multiplier(1.0) == (2**30, 1)
    assert fp.quantize_multiplier(0.0) == (0, 0)
    m, s = fp.quantize_multiplier(0.0123)
    assert 2**30 <= m < 2**31 and abs(m * 2.0 ** (s - 31) - 0.0123) < 1e-9
    assert fp.quantize_multiplier(1e-12) == (0, 0)  # below 2^-31: TFLite flushes to zero
    assert fp.quantize_multiplier((2**31 - 0.5) / 2**31) == (2**30, 1)  # rounds up to 1.0: renormalised


# --- kernels, natively with sanitizers, against TFLite on random shapes and quantisation ---------------

KERNEL_CASES = [
    ("conv", dict(width=23, c_in=3, c_out=5, k=5, stride=1, padding="SAME", relu=False, weight_scale=0.5, lo=-2, hi=1)),
    ("conv", dict(width=40, c_in=7, c_out=4, k=9, stride=2, padding="SAME", relu=True, weight_scale=0.2, lo=0, hi=4)),
    ("conv", dict(width=31, c_in=16, c_out=9, k=3, stride=2, padding="VALID", relu=True, weight_scale=0.05, lo=-8, hi=-1)),
    ("conv", dict(width=12, c_in=1, c_out=6, k=9, stride=1, padding="SAME", relu=False, weight_scale=3.0, lo=-0.1, hi=0.05)),
    ("conv", dict(width=9, c_in=33, c_out=2, k=1, stride=1, padding="VALID", relu=False, weight_scale=0.01, lo=-50, hi=50)),
    ("conv", dict(width=16, c_in=4, c_out=3, k=3, stride=1, padding="SAME", relu=True, weight_scale=1.0, lo=-1, hi=1,
                  bias_shift=-5.0)),
    ("conv", dict(width=16, c_in=4, c_out=3, k=3, stride=1, padding="SAME", relu=True, weight_scale=1.0, lo=-1, hi=1,
                  bias_shift=-6.0)),
    # the M4's fast path: every tap inside the input for most positions, channel pairs, odd remainders
    ("conv", dict(width=30, c_in=8, c_out=7, k=9, stride=1, padding="SAME", relu=True, weight_scale=0.1, lo=-3, hi=2)),
    ("conv", dict(width=29, c_in=12, c_out=6, k=3, stride=2, padding="VALID", relu=False, weight_scale=0.3, lo=-1, hi=4)),
    # the layer's own inner loop (ep_conv_dot.h) with tails of 5, 1 and 3 positions; the general loop (a step
    # of 176 int16 is beyond LDRD's reach); a one-position layer (the head)
    ("conv", dict(width=29, c_in=8, c_out=5, k=5, stride=1, padding="SAME", relu=True, weight_scale=0.2, lo=-2, hi=2)),
    ("conv", dict(width=31, c_in=4, c_out=3, k=3, stride=1, padding="SAME", relu=False, weight_scale=0.4, lo=-1, hi=3)),
    ("conv", dict(width=27, c_in=12, c_out=4, k=9, stride=1, padding="SAME", relu=True, weight_scale=0.1, lo=0, hi=2)),
    ("conv", dict(width=30, c_in=88, c_out=3, k=3, stride=2, padding="SAME", relu=True, weight_scale=0.05, lo=-1, hi=1)),
    ("conv", dict(width=1, c_in=20, c_out=9, k=1, stride=1, padding="VALID", relu=False, weight_scale=0.3, lo=-2, hi=2)),
    # Helium: more channels than one pass of three positions holds (64), the second pass odd
    ("conv", dict(width=17, c_in=16, c_out=67, k=3, stride=1, padding="SAME", relu=True, weight_scale=0.1, lo=-1, hi=2)),
    ("add", dict(width=17, c=5, relu=False, lo=-1, hi=3)),
    ("add", dict(width=8, c=12, relu=True, lo=-3, hi=0.5)),
    # a convolution fused with the ADD after it, as either of ADD's inputs; an ADD of the model's input
    ("residual", dict(width=25, c=8, k=9, conv_first=True, lo=-1, hi=2)),
    ("residual", dict(width=14, c=6, k=3, conv_first=False, lo=-2, hi=1)),
    ("input_residual", dict(width=19, c=4, lo=-1, hi=1)),
    ("pad_mean", dict(width=20, c=6, before=3, after=4, lo=-1, hi=2)),
    ("pad_mean", dict(width=13, c=3, before=0, after=1, lo=0, hi=10)),
    ("dense", dict(n_in=37, n_out=11, relu=False, lo=-2, hi=2)),
    ("dense", dict(n_in=64, n_out=180, relu=True, lo=-1, hi=5)),
    ("crop", dict(width=30, c=8, k=5, channels_first_add=False, lo=-2, hi=2)),
    ("crop", dict(width=25, c=4, k=3, channels_first_add=True, lo=-1, hi=3)),
]


@pytest.fixture(scope="module")
def kernel_models(tmp_path_factory):
    pytest.importorskip("tensorflow", reason="tensorflow builds the single-op models; make installs it")
    out = tmp_path_factory.mktemp("kernels")
    builders = {"conv": tb.conv_model, "add": tb.add_model, "pad_mean": tb.pad_mean_model, "dense": tb.dense_model,
                "residual": tb.residual_model, "input_residual": tb.input_residual_model, "crop": tb.crop_model}
    return [builders[kind](np.random.default_rng(i), out / f"{i}_{kind}.tflite", **kw)
            for i, (kind, kw) in enumerate(KERNEL_CASES)]


@needs_cc
@pytest.mark.parametrize("case", range(len(KERNEL_CASES)), ids=[f"{k}{i}" for i, (k, _) in enumerate(KERNEL_CASES)])
def test_kernels_natively_equal_tflite(case, kernel_models, tmp_path):
    path = kernel_models[case]
    kinds = {op.kind for op in read_graph(path).ops}
    expected_kind = {"conv": "CONV_2D", "add": "ADD", "pad_mean": "MEAN", "dense": "FULLY_CONNECTED", "residual": "ADD",
                     "input_residual": "ADD", "crop": "STRIDED_SLICE"}[KERNEL_CASES[case][0]]
    assert expected_kind in kinds, kinds
    if expected_kind == "STRIDED_SLICE":  # the layout shuffles around it are read as one crop
        assert "TRANSPOSE" in kinds and {op.kind for op in with_crops(read_graph(path)).ops} & {"TRANSPOSE", "CROP"} == {"CROP"}
    x, y = reference(path, 12, seed=case)
    result = run_host(build_host(path, (x, y), tmp_path / "host"))
    assert result.mismatches == [] and result.mismatched == 0 and result.windows == 12
    assert result.exit_code == 0


# Every case on the M4 (the DSP paths: SMLAD dot products, the convolution with the offset folded into the
# bias, ADD's tables) and on the M55's Helium build (its own convolution, ADD, MEAN and dot product); a spread
# of cases on the other cores, whose paths are one of those two or the plain C compiled for their core.
CORE_BUILDS = {"m4": ("mps2_an386", False), "m55-mve": ("mps3_an547", True), "m0": ("microbit", False),
               "m3": ("mps2_an385", False), "m7": ("mps2_an500", False), "m33": ("mps2_an505", False),
               "m55": ("mps3_an547", False)}
# each kind's first case on the plain C cores; on the M7, M33 and M55's DSP build, which compile the M4's C
# for another core, a convolution and a fused residual
EVERY_KIND, CONV_AND_RESIDUAL = {"conv", "residual", "input_residual", "pad_mean", "dense", "crop"}, {"conv", "residual"}
SPREAD = {"m0": EVERY_KIND, "m3": EVERY_KIND, "m7": CONV_AND_RESIDUAL, "m33": CONV_AND_RESIDUAL, "m55": CONV_AND_RESIDUAL}


def _core_cases():
    first = {kind: next(i for i, (k, _) in enumerate(KERNEL_CASES) if k == kind) for kind, _ in KERNEL_CASES}
    for core in CORE_BUILDS:
        for i, (kind, _) in enumerate(KERNEL_CASES):
            if core in ("m4", "m55-mve") or (kind in SPREAD[core] and first[kind] == i):
                yield pytest.param(core, i, id=f"{core}-{kind}{i}")


@needs_arm
@pytest.mark.parametrize("core, case", list(_core_cases()))
def test_kernels_equal_tflite_on_every_emulated_core(core, case, kernel_models, tmp_path):
    """The same single-op models through each core's build: bit for bit TFLite's."""
    board, helium = CORE_BUILDS[core]
    path = kernel_models[case]
    x, y = reference(path, 6, seed=100 + case)
    fw = build_cortex_m4(path, (x, y), tmp_path / core, board=board, helium=helium)
    result = run_qemu(fw.elf, machine=boards.board(board).qemu_machine)
    assert result.mismatches == [] and result.mismatched == 0 and result.windows == 6 and result.exit_code == 0


def test_the_kernel_cases_cover_negative_zero_points_and_large_multipliers(kernel_models):
    zps = {read_graph(p).tensors[read_graph(p).inputs[0]].zero_point for p in kernel_models}
    assert min(zps) < 0 < max(zps)
    assert any(shift > 0 for p in kernel_models for s in lower(read_graph(p)) if "shift" in s.consts
               for shift in s.consts["shift"]), "no case exercises a multiplier above one"


def test_the_kernel_cases_reach_every_convolution_path(kernel_models):
    """Which kernel each case lowers to: the layer's own inner loop and the general one, tails of every
    length, the im2col layout, ADD fused on either side and ADD on its own."""
    steps = {i: lower(read_graph(p)) for i, p in enumerate(kernel_models)}
    convs = [s.params.get("conv", s.params) for ss in steps.values() for s in ss if s.kernel.startswith("ep_conv1d")]
    assert any(c["dot"] == "0" for c in convs) and any(c["dot"] != "0" for c in convs)
    assert {c["out_w"] % 6 for c in convs} >= {0, 1, 3, 5} and any(c["out_w"] == 1 for c in convs)
    assert any(c["in_c"] % 4 for c in convs) and any(c["in_c"] % 4 == 0 for c in convs)
    fused = {KERNEL_CASES[i][0] for i, ss in steps.items() if any(s.kernel == "ep_conv1d_add_s8" for s in ss)}
    alone = {KERNEL_CASES[i][0] for i, ss in steps.items() if any(s.kernel == "ep_add_s8" for s in ss)}
    assert fused == {"add", "residual"} and alone == {"input_residual", "crop"}  # crop: its residual is the input
    sides = set()
    for i, ss in steps.items():
        if KERNEL_CASES[i][0] == "residual":
            conv = next(s for s in ss if s.kernel == "ep_conv1d_add_s8")
            add = next(s for s in ss if s.note.startswith("fused"))
            sides.add(add.op.inputs.index(conv.op.outputs[0]))
    assert sides == {0, 1}, "the convolution should be ADD's first input in one case and its second in another"


SCRATCH_MAIN = r"""
#include <stdio.h>
#include "ep_kernels.h"
#include "ep_conv_dot.h"
int main(void) {
  long in_c, k, stride, row, span;
  printf("%d %d\n", EP_CONV_POSITIONS, EP_CONV_DOT_MAX_STEP);
  while (scanf("%ld %ld %ld %ld %ld", &in_c, &k, &stride, &row, &span) == 5) {
    ep_conv_params p = {0};
    p.in_c = in_c; p.kernel = k; p.stride = stride; p.row = row; p.span = span;
    printf("%d\n", ep_conv_scratch_len(&p));
  }
  return 0;
}
"""


@needs_cc
def test_the_generator_sizes_the_scratch_and_positions_as_the_kernel_does(tmp_path):
    import importlib

    lower_mod = importlib.import_module("edgeppg.codegen.lower")  # the module: the package exports the function

    src = tmp_path / "scratch.c"
    src.write_text(SCRATCH_MAIN)
    kernels = files.firmware_dir() / "kernels"
    exe = tmp_path / "scratch"
    subprocess.run(["gcc", "-std=c11", "-DEP_PLAIN_C", f"-I{kernels}", str(src), str(kernels / "ep_conv.c"), "-o",
                    str(exe)], check=True)
    shapes = [(c, k, s, -(-k * c // 4) * 4, n) for c in (1, 3, 4, 32, 64) for k in (1, 3, 9) for s in (1, 2)
              for n in (6, 12)]
    out = subprocess.run([str(exe)], input="\n".join(" ".join(map(str, sh)) for sh in shapes), capture_output=True,
                         text=True, check=True).stdout.split()
    assert (int(out[0]), int(out[1])) == (lower_mod.CONV_POSITIONS, lower_mod.CONV_DOT_MAX_STEP)
    assert [int(v) for v in out[2:]] == [lower_mod.conv_scratch_len(*sh) for sh in shapes]
    for c, k, s, row, _ in shapes:  # the span chosen fits the scratch budget and is whole passes
        span = lower_mod.conv_span(c, k, s, row, 200)
        assert span % lower_mod.CONV_POSITIONS == 0
        assert 2 * lower_mod.conv_scratch_len(c, k, s, row, span) <= lower_mod.CONV_SCRATCH_BYTES or \
            span == lower_mod.CONV_POSITIONS


@needs_cc
def test_a_failing_self_check_names_the_window_and_logit(exported, tmp_path):
    run, _ = exported
    path = run / "model_int8.tflite"
    x, y = reference(path, 3)
    y = y.copy()
    y[1, 17] = np.int8(y[1, 17] ^ 1)  # one wrong bit in window 1, logit 17
    result = run_host(build_host(path, (x, y), tmp_path / "host"))
    assert result.mismatched == 1 and result.exit_code == 1
    assert result.mismatches == [f"MISMATCH window=1 logit=17 got={int(y[1, 17]) ^ 1} expected={int(y[1, 17])}"]


# --- whole models on the emulated Cortex-M4 ------------------------------------------------------------

@needs_arm
def test_exported_model_is_bit_exact_on_cortex_m4_and_counts_reproducibly(exported):
    from edgeppg.bench.cortex_m4 import bench_cortex_m4

    run, _ = exported
    r = bench_cortex_m4(run, windows=8)
    assert r["bit_exact"] and r["windows"] == 8 and r["windows_mismatched"] == 0
    assert r["instruction_count_reproducible"]
    lo, hi = r["instructions_min_max"]
    assert 0 < lo <= r["instructions_per_inference"] <= hi < 1.1 * lo
    assert r["fits"] and 0 < r["stack_bytes"] < 4096 and r["arena_bytes"] <= r["static_ram_bytes"]
    assert r["flash_bytes"] < r["flash_bytes_with_test_vectors"]
    plain = bench_cortex_m4(run, windows=2, plain_c=True)
    assert plain["bit_exact"] and plain["instructions_per_inference"] > r["instructions_per_inference"]


@needs_arm
@pytest.mark.parametrize("seed,stem_stride", [(1, 1), (2, 2)])
def test_random_small_resnets_are_bit_exact_on_cortex_m4(seed, stem_stride, tmp_path, tiny_data):
    import torch

    from edgeppg.config import RunConfig
    from edgeppg.export import export_run
    from edgeppg.models import ModelSpec, build_model
    from edgeppg.runs import save_model

    rng = np.random.default_rng(seed)
    spec = ModelSpec(blocks=int(rng.integers(1, 4)), width=int(rng.choice([8, 12, 16])), kernel=int(rng.choice([3, 5, 9])),
                     stem_stride=stem_stride)
    torch.manual_seed(seed)
    model = build_model(spec)
    model.train()
    with torch.no_grad():
        for _ in range(4):  # give BatchNorm some non-trivial statistics
            model(torch.randn(32, 200) * 2)
    run = tmp_path / "run"
    run.mkdir()
    save_model(run / "model.pt", model.eval(), RunConfig(tiny_data, spec))
    export_run(run, calib_windows=100, eval_windows=50, micro_windows=10)
    x, y = reference(run / "model_int8.tflite", 6, seed)
    build = build_cortex_m4(run / "model_int8.tflite", (x, y), tmp_path / "fw")
    result = run_qemu(build.elf)
    assert result.mismatches == [] and result.exit_code == 0, spec


# --- what the generator refuses, before writing anything -----------------------------------------------

def test_a_float_model_is_refused_before_any_c_is_written(exported, tmp_path):
    run, _ = exported
    with pytest.raises(EdgeppgError, match="is not int8 \\(a float model\\? export with --int8\\)"):
        generate(run / "model_float32.tflite", tmp_path / "gen")
    assert not (tmp_path / "gen").exists()


def test_an_unsupported_op_is_named(tmp_path):
    tf = pytest.importorskip("tensorflow", reason="tensorflow builds the test model; make installs it")

    def fn(x):
        return tf.nn.max_pool2d(x, [1, 2], [1, 2], "VALID")

    path = tb.convert(fn, (1, 1, 16, 4), np.random.default_rng(0), -1, 1, tmp_path / "pool.tflite")
    with pytest.raises(EdgeppgError, match=r"pool.tflite: op 0 \(MAX_POOL_2D\): op MAX_POOL_2D is not supported"):
        generate(path, tmp_path / "gen")
    assert not (tmp_path / "gen").exists()


def test_per_channel_activations_and_unexpected_shapes_are_named(exported):
    run, _ = exported
    graph = read_graph(run / "model_int8.tflite")
    conv = next(op for op in graph.ops if op.kind == "CONV_2D")
    out = graph.tensors[conv.outputs[0]]
    out.scales = np.array([out.scale, out.scale], np.float32)
    with pytest.raises(EdgeppgError, match=f"op {conv.index} \\(CONV_2D\\): tensor {out.index} .* per channel"):
        lower(graph)
    graph = read_graph(run / "model_int8.tflite")
    w = graph.tensors[conv.inputs[1]]
    w.shape = (w.shape[0], 3, w.shape[2], w.shape[3])
    with pytest.raises(EdgeppgError, match="expected a 1 x k filter"):
        lower(graph)


def test_missing_tools_are_named(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(EdgeppgError, match="arm-none-eabi-gcc not found: the Cortex-M4 target needs it"):
        toolchain.require("arm-none-eabi-gcc")


@needs_arm
def test_profile_times_every_op_and_adds_up_to_the_inference(exported):
    """--profile: one row per op of the model, and the ops' instructions add up to the whole inference."""
    from edgeppg.bench.cortex_m4 import bench_cortex_m4, profile_cortex_m4
    from edgeppg.codegen import read_graph

    run, _ = exported
    whole = bench_cortex_m4(run, windows=1)["instructions_per_inference"]
    p = profile_cortex_m4(run)
    graph = read_graph(run / "model_int8.tflite")
    assert [o["kind"] for o in p["ops"]] == [op.kind for op in graph.ops]
    convs = [o for o in p["ops"] if o["kernel"] == "ep_conv1d_s8"]
    assert convs and all(o["macs"] > 0 and o["instructions_per_mac"] > 0.5 for o in convs)
    assert all(o["instructions"] == 0 for o in p["ops"] if o["kernel"] == "(view)")
    # the rest is the calls and the timer reads; each op is rounded to a 40-instruction tick
    assert 0.95 * whole <= p["instructions_in_ops"] <= whole + 40 * len(p["ops"])
    assert (run / "profile_cortex_m4.json").is_file()


@needs_arm
def test_profile_runs_on_another_core_with_its_own_kernels(exported, tmp_path):
    """--profile on the M55's Helium build: the same ops, adding up to its inference, saved under its board."""
    import shutil

    from edgeppg.bench.cortex_m4 import bench_cortex_m4, profile_cortex_m4

    run = tmp_path / "run"
    shutil.copytree(exported[0], run, ignore=shutil.ignore_patterns("firmware", "card"))
    whole = bench_cortex_m4(run, windows=1, board="mps3_an547", helium=True)["instructions_per_inference"]
    p = profile_cortex_m4(run, board="mps3_an547", helium=True)
    assert p["core"] == "cortex-m55" and p["kernels"] == "Helium (MVE)"
    assert 0.95 * whole <= p["instructions_in_ops"] <= whole + 32 * len(p["ops"])
    assert (run / files.profile_json("native", "mps3_an547", True)).is_file()
    with pytest.raises(EdgeppgError, match="--profile counts instructions on an emulated core, not on nrf52840dk"):
        profile_cortex_m4(run, board="nrf52840dk")


def test_energy_estimate_follows_from_cycles_and_the_datasheet_currents():
    from edgeppg.mcu.boards import NRF52840, board
    from edgeppg.mcu.energy import estimate

    assert board("nrf52840dk").power is NRF52840
    e = estimate(6.4e6, NRF52840, period_s=2.0, battery_mah=100)  # 100 ms at 64 MHz
    assert e["estimate"] and e["active_ms"] == pytest.approx(100.0)
    assert e["energy_uj_per_inference"] == pytest.approx(NRF52840.run_ma * 1e-3 * 3.0 * 0.1 * 1e6)  # 990 uJ
    assert e["average_current_ua"] == pytest.approx(3.16 + (3300 - 3.16) * 0.05)
    assert e["battery_hours"] == pytest.approx(100e3 / e["average_current_ua"])
    assert all("nRF52840 Product Specification" in v for k, v in e["constants"]["sources"].items() if k != "supply_v")


def _fake_steps(spec: list[tuple[str, list[int], int]]):
    """Steps of a made-up graph: (kernel, tensors read, tensor written); just what fusion looks at."""
    from types import SimpleNamespace

    from edgeppg.codegen.lower import Step

    consts = {"ep_add_s8": {"table1": np.zeros(256, np.int32), "table2": np.ones(256, np.int32)}}
    params = {"ep_add_s8": {"in1_offset": 1, "in1_mult": 11, "in1_shift": -1, "in2_offset": 2, "in2_mult": 22,
                            "in2_shift": -2}}
    return [Step(SimpleNamespace(index=i), k, dict(params.get(k, {})), dict(consts.get(k, {})), r, w)
            for i, (k, r, w) in enumerate(spec)]


def test_a_residual_add_is_fused_only_where_writing_over_the_residual_is_safe():
    from types import SimpleNamespace

    from edgeppg.codegen.lower import fuse_residual_adds

    graph = SimpleNamespace(inputs=[0], outputs=[9])
    block = [("ep_conv1d_s8", [0], 1), ("ep_conv1d_s8", [1], 2), ("ep_conv1d_s8", [2], 3)]
    # the residual block: conv(conv(x)) + x, with the convolution as ADD's second input
    fused = fuse_residual_adds(graph, _fake_steps(block + [("ep_add_s8", [1, 3], 4), ("ep_mean_s8", [4], 9)]))
    assert fused[2].kernel == "ep_conv1d_add_s8" and fused[2].reads == [2, 1] and fused[2].writes == 1
    assert fused[3].kernel == "" and fused[3].note == "fused into op 2" and fused[3].reads == [1]
    add = fused[2].params["add"]  # the convolution's side first
    assert (add["in1_offset"], add["in1_mult"], add["in2_shift"]) == (2, 22, -1)
    assert fused[2].consts["table1"][0] == 1 and fused[2].consts["table2"][0] == 0
    # refused: the residual is read again after the convolution, or is its input, or is the model's input
    later = block + [("ep_mean_s8", [1], 5), ("ep_add_s8", [3, 1], 4), ("ep_mean_s8", [4], 9)]
    own_input = [("ep_conv1d_s8", [0], 1), ("ep_conv1d_s8", [1], 3), ("ep_add_s8", [3, 1], 4), ("ep_mean_s8", [4], 9)]
    model_input = [("ep_conv1d_s8", [0], 3), ("ep_add_s8", [3, 0], 4), ("ep_mean_s8", [4], 9)]
    for spec in (later, own_input, model_input):
        kernels = [s.kernel for s in fuse_residual_adds(graph, _fake_steps(spec))]
        assert "ep_add_s8" in kernels and "ep_conv1d_add_s8" not in kernels, spec


@needs_arm
@needs_cc
def test_a_folder_whose_path_has_a_space_builds_like_any_other(kernel_models, tmp_path):
    """make splits its words on spaces: the build works elsewhere and its files land in the folder asked for,
    the same program as a build in a plain folder."""
    path = kernel_models[0]
    x, y = reference(path, 4, seed=7)
    plain = build_cortex_m4(path, (x, y), tmp_path / "plain")
    spaced = build_cortex_m4(path, (x, y), tmp_path / "my runs" / "m4")
    assert spaced.elf == tmp_path / "my runs" / "m4" / "app.elf" and spaced.elf.is_file()
    loaded = [{k: v for k, v in b.sections.items() if not k.startswith((".debug", ".comment"))} for b in (plain, spaced)]
    assert spaced.flash_bytes == plain.flash_bytes and loaded[0] == loaded[1]  # only the debug info names paths
    result = run_qemu(spaced.elf)
    assert result.mismatched == 0 and result.windows == 4 and result.exit_code == 0
    host = build_host(path, (x, y), tmp_path / "my runs" / "host")
    assert host == tmp_path / "my runs" / "host" / "selftest_host" and run_host(host).mismatched == 0
