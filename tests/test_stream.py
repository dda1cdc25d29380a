"""The heart-rate monitor firmware on a raw sample stream: the device's preprocessing, model and tracker
under QEMU against the host's copy of the same C, at every sensor rate, on whole recordings, on bad
input; the tracker's behaviour; and the firmware stage without torch."""

import json
import subprocess
import sys

import numpy as np
import pytest

from edgeppg.device import native, resampler, spec, tracker
from edgeppg.errors import EdgeppgError

needs_qemu = pytest.mark.m4  # skipped where Arm GCC or QEMU is missing (conftest)


def _signal(rate: float, seconds: float, seed: int = 0, offset: float = 1000.0) -> np.ndarray:
    """A pulse-like wave with noise and a large DC offset, as a raw sensor reading looks."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(rate * seconds)) / rate
    hr = 70 + 20 * np.sin(2 * np.pi * t / 40)
    phase = np.cumsum(hr / 60) / rate
    return (offset + np.sin(2 * np.pi * phase) + 0.4 * np.sin(4 * np.pi * phase + 1) +
            rng.normal(0, 0.2, t.size) + np.cumsum(rng.normal(0, 0.01, t.size))).astype(np.float32)


@pytest.fixture(scope="module")
def stream_fw(exported):
    from edgeppg.mcu.stream import build_stream_firmware

    run, _ = exported
    return run, build_stream_firmware(run)


# --- the host's copy of the preprocessing ----------------------------------------------------------------

@pytest.mark.parametrize("rate", spec.SENSOR_RATES)
def test_resampler_keeps_the_heart_rate_band_and_a_constant(rate):
    """A 1.5 Hz tone comes out at 25 Hz with its amplitude (the filter passes 0.5-3.5 Hz) and a constant
    stays exactly constant (each phase sums to one)."""
    t = np.arange(int(rate * 40)) / rate
    x, status, _ = native.windows(np.sin(2 * np.pi * 1.5 * t).astype(np.float32) + 2.0, rate)
    assert len(x) >= 14 and (status == 0).all()
    ref = np.sin(2 * np.pi * 1.5 * (np.arange(spec.WINDOW) + spec.STRIDE * 5) / spec.FS)
    assert np.corrcoef(x[5], ref)[0, 1] > 0.999  # in phase: the filter's delay is compensated
    flat, status, _ = native.windows(np.full(int(rate * 20), 3.0, np.float32), rate)
    assert (status == 1).all()  # a sensor stuck at 3.0 is flat, before any normalisation


def test_nan_samples_mark_the_windows_they_reach_and_nothing_else():
    x = _signal(64, 30)
    x[640] = np.nan  # 10 s
    _, status, _ = native.windows(x, 64)
    bad = np.flatnonzero(status == 2)
    assert bad.tolist() == [1, 2, 3, 4, 5]  # windows covering 10 s, and window 1 ([2, 10) s) by the filter's 0.2 s reach


def test_unsupported_rate_is_one_clear_error():
    with pytest.raises(EdgeppgError, match="sample rate -3.0: must be a positive"):
        resampler.design(-3.0)
    with pytest.raises(EdgeppgError, match="sample rate 25.0001 Hz: 25 Hz is not a simple ratio"):
        resampler.design(25.0001)


# --- the tracker ------------------------------------------------------------------------------------------

def _peaked(classes: list[int], width: float = 2.0) -> np.ndarray:
    c = np.arange(spec.N_CLASSES)
    return np.stack([np.exp(-0.5 * ((c - k) / width) ** 2) for k in classes]).astype(np.float32)


def test_tracker_follows_a_step_and_ignores_a_short_motion_burst():
    p = tracker.TrackerParams()
    hr = [40] * 10 + [55] * 15  # 70 -> 85 BPM in one stride
    lik = _peaked(hr)
    # three windows where a cadence peak at 140 BPM is taller than the pulse (a motion burst)
    for i in (5, 6, 7):
        lik[i] = 0.6 * lik[i] + _peaked([110])[0]
    t = tracker.track(p, likelihood=lik)
    assert (t.argmax_bpm[5:8] == 140).all()  # the window alone believes the cadence
    assert (t.tracked_bpm[5:8] == 70).all()  # the track does not jump
    assert (t.tracked_bpm[-5:] == 85).all()  # and follows the real step within a few windows
    assert 70 < t.tracked_bpm[10] <= 85  # a 15 BPM jump in one stride is followed at once, if not all the way


def test_tracker_never_holds_a_track_the_evidence_left_a_minute_ago():
    """The locked case: the track sits on a step rate (60 BPM) while the model's evidence moves to the heart
    (150 BPM, far past the transition's reach) and keeps a fainter peak where the track was. Within a
    minute (30 strides) the track is with the evidence."""
    p = tracker.TrackerParams()
    lik = np.concatenate([_peaked([30] * 20), _peaked([120] * 40) + 0.6 * _peaked([30] * 40)])
    t = tracker.track(p, likelihood=lik)
    assert (t.tracked_bpm[:20] == 60).all()
    moved = np.flatnonzero(t.tracked_bpm[20:] == 150)
    assert moved.size and moved[0] < 30 and (t.tracked_bpm[20 + moved[0]:] == 150).all(), t.tracked_bpm[20:]


def test_tracker_weighs_the_step_rate_down_where_the_accelerometer_shows_steps():
    """Steps at 138 BPM outshine a 150 BPM pulse for 20 s: told nothing, the track goes to the steps; told the
    step rate (the front end's step stage found it), it stays with the pulse, and the window alone still
    reads the steps. Outside the band nothing changes."""
    p = tracker.TrackerParams()
    hr = [120] * 30
    lik = _peaked(hr)
    lik[10:20] = 0.5 * lik[10:20] + _peaked([108] * 10)
    steps = np.full(30, np.nan)
    steps[10:20] = 138.0
    blind, told = tracker.track(p, likelihood=lik), tracker.track(p, likelihood=lik, steps=steps)
    assert (blind.tracked_bpm[15:20] == 138).all()
    assert (told.tracked_bpm == 150).all() and (told.argmax_bpm[10:20] == 138).all()
    assert np.array_equal(told.confidence, blind.confidence)  # the window's own confidence is the model's
    band = p.step_band()
    assert band.size == 2 * p.step_radius + 1 and band[p.step_radius] == np.float32(1 - p.step_penalty)
    assert band[0] == band[-1] > 0.95  # the band's edges barely touch the belief
    far = np.full(30, 60.0)  # steps far from both peaks: the same track as told nothing
    assert np.array_equal(tracker.track(p, likelihood=lik, steps=far).tracked_bpm, blind.tracked_bpm)


def test_tracker_holds_through_a_flat_stretch_and_flags_it_unavailable():
    p = tracker.TrackerParams()
    lik = _peaked([50] * 12)
    usable = np.ones(12, bool)
    usable[4:8] = False
    t = tracker.track(p, likelihood=lik, usable=usable)
    assert not t.available[4:8].any() and (t.confidence[4:8] == 0).all()
    assert (t.tracked_bpm == 80).all()
    assert t.available[:4].all()  # a clear peak is confident


def test_tracker_on_int8_logits_uses_the_same_table_as_the_device():
    p = tracker.TrackerParams()
    logits = np.full((3, spec.N_CLASSES), -100, np.int8)
    logits[:, 40] = 20
    t = tracker.track(p, logits=logits, output_scale=0.1)
    assert (t.argmax_bpm == 70).all() and (t.tracked_bpm == 70).all()
    assert t.confidence[0] == pytest.approx(1 / (1 + 179 * np.exp(-12.0)), rel=1e-5)


# --- the firmware under QEMU against the host -------------------------------------------------------------

def _watch(rate: float, seconds: float = 24.0) -> np.ndarray:
    """24 s of the real watch recording's raw PPG (100 s in), put on a grid at `rate` for the test."""
    from edgeppg.data import e2e_recording

    ppg = e2e_recording.stream()[0]
    t = np.arange(len(ppg)) / spec.FS
    return np.interp(100 + np.arange(int(rate * seconds)) / rate, t, ppg).astype(np.float32)


@needs_qemu
@pytest.mark.parametrize("source", ["random", "watch"])
@pytest.mark.parametrize("rate", spec.SENSOR_RATES)
def test_device_preprocessing_equals_the_host_at_every_rate(stream_fw, rate, source):
    from edgeppg.mcu.stream import compare, host_stream, run_qemu_stream

    run, fw = stream_fw
    x = _signal(rate, 24, seed=int(rate)) if source == "random" else _watch(rate)
    dev = run_qemu_stream(fw.elf, x, rate)
    host = host_stream(run, x, rate)
    r = compare(dev, host, np.full(len(host.status), np.nan), int(dev.summary["tick_instructions"]))
    assert r["windows"] == len(host.status) >= 8
    assert r["int8_input_mismatches"] == 0 and r["agree"] == 1.0 and r["agree_tracked"] == 1.0


@needs_qemu
def test_device_on_bad_streams_matches_the_host(stream_fw):
    """NaN samples, a flat stretch, and a stream that stops mid-window: the same windows and outcomes."""
    from edgeppg.mcu.stream import compare, host_stream, run_qemu_stream, stream_bytes

    run, fw = stream_fw
    x = _signal(64, 40, seed=3)
    x[700:710] = np.nan
    x[1600:2200] = 7.0  # the sensor stuck
    x = x[: 64 * 37 + 20]  # stops 5 s into a window
    dev = run_qemu_stream(fw.elf, x, 64.0)
    host = host_stream(run, x, 64.0)
    assert dev.status.tolist() == host.status.tolist() and {1, 2} <= set(host.status.tolist())
    assert not dev.available[dev.status != 0].any() and (dev.argmax_bpm[dev.status != 0] == 0).all()
    r = compare(dev, host, np.full(len(host.status), np.nan), 40)
    assert r["agree"] == 1.0 and r["agree_tracked"] == 1.0 and r["int8_input_mismatches"] == 0
    # the header promised more samples than came: the device reports the windows it completed and stops
    from edgeppg.mcu.qemu import qemu_command

    tmp = run / "short-stream"
    tmp.mkdir(exist_ok=True)
    (tmp / "ep_stream.bin").write_bytes(stream_bytes(x, 64.0)[: 12 + 4 * 64 * 20])
    out = subprocess.run(qemu_command(fw.elf), capture_output=True, text=True, cwd=tmp, timeout=120).stdout
    assert "EDGEPPG_STREAM windows=6 samples=1280" in out  # [12, 20) s needs 0.2 s more


@needs_qemu
def test_device_refuses_an_unsupported_rate(stream_fw):
    from edgeppg.mcu.stream import run_qemu_stream

    _, fw = stream_fw
    with pytest.raises(EdgeppgError, match="the stream did not finish \\(unsupported sample rate\\)"):
        run_qemu_stream(fw.elf, _signal(30, 10), 30.0)


@pytest.mark.slow
@needs_qemu
def test_stream_command_runs_a_whole_built_in_test_participant(exported):
    """`edgeppg stream` on a whole built-in test participant (64 Hz): every window bit-equal to the host."""
    run, _ = exported
    res = subprocess.run([sys.executable, "-m", "edgeppg", "stream", str(run)], capture_output=True, text=True,
                         timeout=900)
    assert res.returncode == 0, res.stderr
    name = next(run.glob("stream_synthetic-S*.json"))
    r = json.loads(name.read_text())
    assert r["windows"] > 200 and r["agree"] == 1.0 and r["int8_input_mismatches"] == 0
    assert r["max_abs_diff_bpm"] == 0 and r["mae_bpm"] == r["mae_bpm_host"]
    assert "a test participant" in r["note"] and r["sample_rate_hz"] == 64
    ipw = r["instructions_per_window"]
    assert ipw["model"] > ipw["preprocessing"] > 0 and ipw["tracker"] > 0
    assert r["ram_bytes"] > r["stream_state_bytes"] + r["arena_bytes"] and r["flash_bytes"] > 0
    bad = subprocess.run([sys.executable, "-m", "edgeppg", "stream", str(run), "--recording", "synthetic:S99"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "no participant 'S99'" in bad.stderr and "Traceback" not in bad.stderr


@needs_qemu
def test_firmware_stage_runs_without_torch_or_the_data_modules(stream_fw):
    """Code generation, builds, QEMU, the Cortex-M4 bench and the stream comparison from export's artefacts
    alone, with torch and edgeppg.data made unimportable."""
    run, _ = stream_fw
    code = f"""
import sys
sys.modules['torch'] = None
sys.modules['edgeppg.data'] = None
import numpy as np
from pathlib import Path
from edgeppg.bench.cortex_m4 import bench_cortex_m4
from edgeppg.mcu.stream import build_stream_firmware, compare, host_stream, run_qemu_stream
run = Path({str(run)!r})
r = bench_cortex_m4(run, windows=2)
fw = build_stream_firmware(run, opt='-Os')
x = (np.sin(np.arange(64 * 12) / 64 * 2 * np.pi * 1.2) * 50 + 300).astype(np.float32)
c = compare(run_qemu_stream(fw.elf, x, 64.0), host_stream(run, x, 64.0), np.full(2, np.nan), 40)
assert r['bit_exact'] and c['agree'] == 1.0 and c['int8_input_mismatches'] == 0, (r, c)
assert 'torch' not in [m for m in sys.modules if sys.modules[m] is not None]
print('ok')
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0 and res.stdout.strip().endswith("ok"), res.stderr[-2000:]


def _flash_stream(run, monkeypatch, x: np.ndarray, rate: float, acc: np.ndarray | None = None):
    """`edgeppg flash RUN --stream` with the probe and the serial port replaced by a board that asks for the
    stream's bytes (EDGEPPG_READY) and then prints, line for line, what the real firmware printed for them under
    QEMU. Returns the CLI's result, the bytes the board received and its window lines."""
    import serial
    from typer.testing import CliRunner

    from edgeppg import cli, recordings
    from edgeppg.mcu import flash
    from edgeppg.mcu.stream import build_stream_firmware, run_qemu_stream, stream_bytes

    fw = build_stream_firmware(run, dump_inputs=False)
    dev = run_qemu_stream(fw.elf, x, rate, acc=acc, acc_rate_hz=rate)
    board_lines = [f"hr i={i} status={s} argmax={a} tracked={t} conf_ppm=500000 avail=1 pre=100 model=64000 tracker=50"
                   for i, s, a, t in zip(dev.index, dev.status, dev.argmax_bpm, dev.tracked_bpm)]
    total = len(stream_bytes(x, rate, acc, rate))
    received = bytearray()

    class FakeBoard:
        def __init__(self, port, baud, timeout):
            self.out = [b"EDGEPPG_READY 12\n"]

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def readline(self):
            return self.out.pop(0) if self.out else b""

        def write(self, chunk):
            received.extend(chunk)
            if len(received) < total:
                self.out.append(f"EDGEPPG_READY {min(256, total - len(received))}\n".encode())
            else:
                self.out += [(ln + "\n").encode() for ln in board_lines]
                self.out.append(b"EDGEPPG_STREAM windows=%d samples=%d tick_instructions=0 stack=900 state=2180 "
                                b"counter=dwt-cycles\n" % (len(board_lines), len(x)))

    monkeypatch.setattr(serial, "Serial", FakeBoard)
    monkeypatch.setattr(flash, "connected_probes", lambda: [type("P", (), {"unique_id": "PROBE1"})()])
    monkeypatch.setattr(flash, "program", lambda elf, b, uid: None)
    monkeypatch.setattr(flash, "console_port", lambda port, uid: "/dev/fake")
    monkeypatch.setattr(recordings, "load", lambda name, folder, option: recordings.StreamRecording(
        name, x, rate, np.full(len(board_lines), 72.0), "test stream", acc))
    res = CliRunner().invoke(cli.app, ["flash", str(run), "--board", "nrf52840dk", "--stream", "synthetic:S01"])
    return res, bytes(received), board_lines


@needs_qemu
def test_flash_stream_sends_the_recording_as_the_board_asks_and_shows_its_heart_rate(exported, monkeypatch):
    """Hardware in the loop with the probe and the serial port replaced: the board's requests are answered
    with exactly the stream's bytes, in order, and each window's line is shown beside the reference."""
    from edgeppg.mcu.stream import stream_bytes

    run, _ = exported
    x = _signal(64, 14, seed=9)
    res, received, board_lines = _flash_stream(run, monkeypatch, x, 64.0)
    assert res.exit_code == 0, res.output
    assert received == stream_bytes(x, 64.0)
    assert res.output.count("reference  72.0") == len(board_lines) and f"{len(board_lines)} windows" in res.output


@needs_qemu
def test_flash_stream_feeds_a_real_board_the_accelerometer_too(exported_acc, monkeypatch, capsys):
    """A model trained on the accelerometer front end, on a board: its serial stream carries the recording's
    accelerometer as the two FIFOs deliver it (what edgeppg stream feeds QEMU); a recording without one is
    one line and exit 2, before anything is built or flashed."""
    from edgeppg import recordings
    from edgeppg.mcu.stream import stream_bytes

    rec = recordings.load(recordings.default_synthetic(exported_acc), exported_acc)
    x, acc = rec.samples[: int(30 * rec.rate_hz)], rec.acc[: int(30 * rec.rate_hz)]
    res, received, board_lines = _flash_stream(exported_acc, monkeypatch, x, rec.rate_hz, acc)
    assert res.exit_code == 0, res.output
    assert received[:4] == b"EPS2" and received == stream_bytes(x, rec.rate_hz, acc, rec.rate_hz)
    assert len(board_lines) >= 10 and res.output.count("reference  72.0") == len(board_lines)
    from edgeppg import cli

    monkeypatch.setattr(recordings, "load", lambda name, folder, option: recordings.StreamRecording(
        name, x, rec.rate_hz, np.full(12, 72.0), "no accelerometer"))
    with pytest.raises(SystemExit) as exit_:
        cli.main(["flash", str(exported_acc), "--board", "nrf52840dk", "--stream", "still.csv"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(err.strip().splitlines()) == 1
    assert "--stream still.csv: no accelerometer" in err


@needs_qemu
def test_monitor_firmware_links_for_the_nrf52840dk_and_fits(exported):
    """The same monitor with the board's UART input (EasyDMA receive on request) builds and fits the part."""
    from edgeppg.mcu import boards
    from edgeppg.mcu.build import section_sizes
    from edgeppg.mcu.stream import build_stream_firmware

    run, _ = exported
    fw = build_stream_firmware(run, board="nrf52840dk", dump_inputs=False)
    symbols = subprocess.run(["arm-none-eabi-nm", str(fw.elf)], capture_output=True, text=True, check=True).stdout
    assert all(s in symbols for s in ("ep_hrm_push", "ep_board_read", "ep_resamplers", "ep_tracker_config"))
    assert boards.fits(fw.flash_bytes, fw.static_ram_bytes + section_sizes(fw.elf)[".stack"], "nrf52840dk")


@needs_qemu
def test_the_shipped_students_monitor_fits_the_micro_bit(tmp_path):
    """The shipped student's heart-rate monitor, accelerometer front end included, on the Cortex-M0: the watch
    recording streams bit-exact with the host, and the monitor as the micro:bit v1 runs it (16 KiB of RAM)
    fits, the stack it measured within what its link reserves."""
    import shutil
    from pathlib import Path

    from edgeppg import recordings
    from edgeppg.mcu import boards
    from edgeppg.mcu.build import section_sizes
    from edgeppg.mcu.stream import build_stream_firmware, run_stream

    run = tmp_path / "student"
    shutil.copytree(Path(__file__).resolve().parents[1] / "models" / "student", run,
                    ignore=shutil.ignore_patterns("firmware", "card", "stream_*.json"))
    r = run_stream(run, recordings.load("e2epyppg", run), board="microbit")
    assert r["agree"] == 1.0 and r["agree_tracked"] == 1.0 and r["int8_input_mismatches"] == 0
    assert r["fits_board"] == "microbit_v1" and r["fits"] and r["ram_bytes"] < r["ram_bytes_with_dump"]
    fw = build_stream_firmware(run, board="microbit_v1", dump_inputs=False)  # links against the part's 16 KiB
    assert r["stack_bytes"] <= section_sizes(fw.elf)[".stack"]
    assert boards.fits(fw.flash_bytes, fw.static_ram_bytes + section_sizes(fw.elf)[".stack"], "microbit_v1")


@pytest.fixture(scope="module")
def exported_acc(tmp_path_factory):
    """A tiny model trained on the accelerometer front end (climbing and running), exported."""
    from edgeppg.config import RunConfig, TrainConfig
    from edgeppg.data.dataset import DataConfig
    from edgeppg.data.synthetic import SyntheticConfig
    from edgeppg.export import export_run
    from edgeppg.models.spec import ModelSpec
    from edgeppg.train import run

    out = tmp_path_factory.mktemp("acc") / "run"
    data = DataConfig(synthetic=SyntheticConfig(subjects=5, minutes=4, seed=6, scenario="cadence"),
                      inputs="ppg-acc-steps")  # the front end with its step stage, as the reference recipe
    run(RunConfig(data, ModelSpec(blocks=1, width=8), TrainConfig(epochs=1, batch_size=32, threads=2)), out)
    export_run(out, calib_windows=100, eval_windows=100, micro_windows=20)
    return out


def test_the_accelerometer_stream_is_framed_as_two_fifos_deliver_it():
    from edgeppg.mcu.stream import stream_bytes

    x = np.arange(300, dtype=np.float32)
    acc = np.arange(3 * 150, dtype=np.float32).reshape(150, 3)  # half the PPG's rate
    data = stream_bytes(x, 64.0, acc, 32.0)
    assert data[:4] == b"EPS2"
    rate, n, rate_a, m = np.frombuffer(data[4:20], "<f4,<u4,<f4,<u4")[0]
    assert (rate, n, rate_a, m) == (64.0, 300, 32.0, 150)
    pos, ppg, xyz = 20, [], []
    while pos < len(data):
        k = int(np.frombuffer(data[pos: pos + 4], "<i4")[0])
        ppg += list(np.frombuffer(data[pos + 4: pos + 4 + 4 * k], "<f4"))
        pos += 4 + 4 * k
        j = int(np.frombuffer(data[pos: pos + 4], "<i4")[0])
        assert 0 <= k <= 64 and 0 <= j <= 64
        xyz += list(np.frombuffer(data[pos + 4: pos + 4 + 12 * j], "<f4"))
        pos += 4 + 12 * j
        assert len(xyz) // 3 <= len(ppg) // 2 + 1  # never ahead of the PPG's clock
    assert ppg == list(x) and xyz == list(acc.reshape(-1))


@needs_qemu
@pytest.mark.slow
def test_the_monitor_takes_the_accelerometer_bit_exact_with_the_host(exported_acc):
    """A model trained on the accelerometer front end, streamed with the accelerometer: every window's int8
    input (the front end's output, quantised) and heart rate equal to the host's, and the front end at work."""
    from edgeppg import recordings
    from edgeppg.mcu.stream import run_stream

    rec = recordings.load(recordings.default_synthetic(exported_acc), exported_acc)
    r = run_stream(exported_acc, rec)
    assert r["windows"] > 50 and r["agree"] == 1.0 and r["agree_tracked"] == 1.0
    from edgeppg.mcu.stream import show_stream

    shown: list = []
    show_stream(exported_acc, rec, r, shown.append)  # agreement: the table, no error
    assert len(shown) == 2
    with pytest.raises(EdgeppgError, match=r"the firmware and the host disagree \(heart rate in 78.0% of windows"):
        show_stream(exported_acc, rec, {**r, "agree": 0.78}, shown.append)  # like bench: not exit 0
    assert len(shown) == 4  # the table that shows where still comes first
    assert r["int8_input_mismatches"] == 0 and r["max_abs_diff_bpm"] == 0
    ipw = r["instructions_per_window"]
    assert ipw["preprocessing"] > 100_000  # the accelerometer's resamplers and the front end's fit
    plain, _, _ = native.windows(rec.samples, rec.rate_hz)
    _, front, steps = native.cancel(plain, native.acc_windows(rec.acc, rec.rate_hz), "ppg-acc-steps")
    assert front.mean() > 0.3  # motion windows went through the fit
    assert np.isfinite(steps).mean() > 0.3  # and the tracker was told their step rates, on both sides
    # at 25 Hz a chunk of the stream can complete two PPG windows before their acceleration comes
    t25 = np.arange(0, len(rec.samples) / rec.rate_hz, 1 / 25.0)
    t = np.arange(len(rec.samples)) / rec.rate_hz
    at25 = recordings.StreamRecording("s25", np.interp(t25, t, rec.samples).astype(np.float32), 25.0,
                                      rec.reference_bpm, "25 Hz",
                                      np.stack([np.interp(t25, t, rec.acc[:, k]) for k in range(3)], 1).astype(np.float32))
    r25 = run_stream(exported_acc, at25)
    assert r25["agree"] == 1.0 and r25["int8_input_mismatches"] == 0 and r25["windows"] >= r["windows"]
    no_acc = recordings.StreamRecording("still.csv", rec.samples, rec.rate_hz, rec.reference_bpm, "no accelerometer")
    with pytest.raises(EdgeppgError, match="still.csv: no accelerometer"):
        run_stream(exported_acc, no_acc)


@needs_qemu
@pytest.mark.slow
@pytest.mark.parametrize("target", ["cortex-m0", "cortex-m55"])
def test_the_monitor_streams_bit_exact_with_the_host_on_another_core(exported_acc, target):
    """The accelerometer monitor on the cores least like the M4 (the M0's soft float, plain C and no unaligned
    access; the M55's Secure-state memory map and fractional tick): every window's int8 input and heart rate
    equal to the host's, saved apart. (The M3, M7 and M33 stream the watch recording the same way,
    docs/results.md.)"""
    from edgeppg import recordings
    from edgeppg.files import stream_json
    from edgeppg.mcu import boards
    from edgeppg.mcu.stream import run_stream

    rec = recordings.load(recordings.default_synthetic(exported_acc), exported_acc)
    board = boards.for_target(target).name
    r = run_stream(exported_acc, rec, board=board)
    assert r["windows"] > 50 and r["agree"] == 1.0 and r["agree_tracked"] == 1.0 and r["int8_input_mismatches"] == 0
    assert r["core"] == target and (exported_acc / stream_json(rec.name, board)).is_file()
    assert r["fits_board"] == boards.part(board).name


@needs_qemu
@pytest.mark.slow
def test_the_monitor_pairs_windows_whichever_sensor_runs_ahead(exported_acc):
    """The monitor keeps no copies of waiting windows (each stream holds its newest window until the next is
    complete): with the accelerometer's FIFO 1.4 s behind the PPG's, or 1.5 s ahead, every window still gets its
    acceleration (inputs equal the host's); 5 s behind, the PPG's windows go on as still ones (the PPG alone,
    normalised) but for the last two, whose acceleration comes once the PPG has ended; 5 s ahead, all but the last
    (the accelerometer's newest window, which its stream still holds when the PPG's comes)."""
    from edgeppg import recordings
    from edgeppg.device import contract as device_contract
    from edgeppg.mcu.stream import build_stream_firmware, host_stream, run_qemu_stream

    whole = recordings.load(recordings.default_synthetic(exported_acc), exported_acc)
    n = int(240 * whole.rate_hz)  # four minutes of it: 115 windows
    rec = recordings.StreamRecording(whole.name, whole.samples[:n], whole.rate_hz, whole.reference_bpm, whole.note,
                                     whole.acc[:n])
    c = device_contract.read(exported_acc)
    fw = build_stream_firmware(exported_acc, contract=c)
    with_acc = host_stream(exported_acc, rec.samples, rec.rate_hz, c, rec.acc, rec.rate_hz).inputs
    alone = native.windows(rec.samples, rec.rate_hz, c.resampler(rec.rate_hz),
                           quant=(c.input_scale, c.input_zero_point))[2]
    assert len(with_acc) > 50 and not np.array_equal(with_acc, alone)  # the front end changes some windows

    def inputs(lag: float) -> np.ndarray:
        d = run_qemu_stream(fw.elf, rec.samples, rec.rate_hz, acc=rec.acc, acc_rate_hz=rec.rate_hz, acc_lag_s=lag)
        assert np.array_equal(d.index, np.arange(len(with_acc)))  # every window, once, in order
        return d.inputs

    for lag in (1.4, -1.5):
        assert np.array_equal(inputs(lag), with_acc), lag
    late = inputs(5.0)
    assert np.array_equal(late[:-2], alone[:-2]) and np.array_equal(late[-2:], with_acc[-2:])
    ahead = inputs(-5.0)  # the last window's acceleration is the accelerometer's newest: it is still held
    assert np.array_equal(ahead[:-1], alone[:-1]) and np.array_equal(ahead[-1], with_acc[-1])
