"""Real dev boards (a wearable part per core: micro:bit v1, MAX32600MBED, nRF52840 DK, NUCLEO-F767ZI, nRF54L15 DK
and nRF9160 DK, Alif B1), the emulated cores and the TensorFlow Lite Micro backend: what can be checked without
the boards or a TFLM tree is checked here; what needs them says why it is skipped."""

import contextlib
from fractions import Fraction
import re
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from edgeppg.codegen.tflm import arena_size, device_arena, generate_tflm, resolver_ops
from edgeppg.errors import EdgeppgError
from edgeppg.export import tflite_model
from edgeppg.mcu import boards, flash
from edgeppg.mcu.build import build_cortex_m4, build_cxx_check, section_sizes
from edgeppg.mcu.tflm import TFLM_COMMIT, tflm_dir, tflm_tree_commit
from edgeppg.mcu.qemu import qemu_command

needs_arm, needs_cxx = pytest.mark.arm_gcc, pytest.mark.cxx  # skipped where the tool is missing (conftest)
needs_qemu = pytest.mark.m4


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "edgeppg", *args], capture_output=True, text=True, timeout=600,
                          env=env)


PARTS = [b.name for b in boards.BOARDS.values() if b.pyocd_target]


def test_every_core_has_its_wearable_part_and_emulated_boards_answer_fits_for_it():
    assert set(PARTS) == {"nrf52840dk", "microbit_v1", "max32600mbed", "nrf9160dk", "nrf54l15dk", "nucleo_f767zi",
                          "alif_b1_dk"}
    assert {boards.part(boards.for_target(c).name).name for c in boards.cores()} <= set(PARTS)  # a part per core
    for b in boards.BOARDS.values():
        if b.qemu_machine and b.part:
            assert boards.part(b.name).core == b.core and boards.part(b.name).pyocd_target
    assert boards.limits("microbit") == "16 KiB RAM / 256 KiB flash (microbit_v1)"
    assert boards.fits(200 << 10, 15 << 10, "microbit") and not boards.fits(200 << 10, 17 << 10, "microbit")
    assert boards.fits(200 << 10, 17 << 10, "mps2_an386")  # the M4's part: the nRF52840's 256 KiB


@needs_arm
@pytest.mark.parametrize("name", PARTS)
def test_every_wearable_part_s_firmware_compiles_links_and_fits(exported, tmp_path, name):
    from edgeppg.mcu.firmware import test_vectors

    run, _ = exported
    b = boards.board(name)
    fw = build_cortex_m4(run / "model_int8.tflite", test_vectors(run, 4), tmp_path / "fw", board=name)
    sizes = section_sizes(fw.elf)
    assert 0 < fw.flash_bytes <= b.flash_bytes and 0 < fw.static_ram_bytes + sizes[".stack"] <= b.ram_bytes
    symbols = subprocess.run(["arm-none-eabi-nm", str(fw.elf)], capture_output=True, text=True, check=True).stdout
    assert "ep_model_invoke" in symbols and "Reset_Handler" in symbols
    # the vector table sits at the start of flash, with the stack top in the part's RAM
    header = subprocess.run(["arm-none-eabi-objdump", "-s", "-j", ".isr_vector", str(fw.elf)], capture_output=True,
                            text=True, check=True).stdout
    first_word = re.search(r"^ [0-9a-f]*?0000 ([0-9a-f]{8})", header, re.M).group(1)
    sp = int.from_bytes(bytes.fromhex(first_word), "little")
    assert 0x20000000 < sp <= 0x20000000 + b.ram_bytes


@needs_arm
def test_build_command_reports_the_board_limits(exported):
    run, _ = exported
    res = cli("build", str(run), "--board", "nrf52840dk", "--windows", "2")
    assert res.returncode == 0, res.stderr
    assert "of 1,048,576 B" in res.stdout and "of 262,144 B" in res.stdout and ": fits" in res.stdout


@needs_arm
def test_the_microbit_firmware_runs_under_qemu_with_its_uart_as_the_serial_port(monkeypatch, tmp_path, exported):
    """`edgeppg flash` to the micro:bit v1 with the probe replaced by QEMU's microbit machine, which emulates the
    nRF51's UART: the board's own firmware (platform/microbit_v1: UART console, SysTick cycles) is programmed
    and its console read from QEMU's pseudo-terminal by the same code that reads the real board's."""
    import shutil

    from edgeppg.mcu import firmware

    run = tmp_path / "run"
    shutil.copytree(exported[0], run, ignore=shutil.ignore_patterns("firmware", "card"))
    started = []

    def program(elf, b, uid):  # the probe: QEMU booting the ELF, its UART on a new pseudo-terminal
        qemu = subprocess.Popen(["qemu-system-arm", "-M", "microbit", "-display", "none", "-monitor", "none",
                                 "-serial", "pty", "-S", "-qmp", "stdio", "-kernel", str(elf)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append(qemu)
        for line in qemu.stdout:  # QMP's greeting, then where the UART went
            if "/dev/pts/" in line:
                started.append(re.search(r"(/dev/pts/\d+)", line).group(1))
                break

    def console_port(port, uid):
        return started[1]

    def start():
        started[0].stdin.write('{"execute": "qmp_capabilities"}\n{"execute": "cont"}\n')
        started[0].stdin.flush()

    def read_console(link, on_line):  # the board starts once the port is open, as a real one resets after programming
        import threading

        threading.Timer(0.5, start).start()
        return flash.read_console(link, on_line, timeout=60)

    monkeypatch.setattr(firmware, "program", program)
    monkeypatch.setattr(flash, "console_port", console_port)
    monkeypatch.setattr(firmware, "read_console", read_console)
    monkeypatch.setattr(firmware, "choose_probe", lambda probe, b, port: probe)  # the "probe" is QEMU
    try:
        result = firmware.flash_selftest(run, "microbit_v1", "QEMU", None, "native", "-O2", 4, False,
                                         __import__("rich.console").console.Console(stderr=True))
    finally:
        if started:
            started[0].kill()
    assert result.windows == 4 and result.mismatched == 0 and result.counter == "systick-cycles"
    assert result.tick_instructions == 0 and min(result.window_ticks) > 0


class QemuGdbTarget:
    """What pyOCD's RTT code asks of a target (memory reads and writes while the core runs), served by QEMU's
    gdbstub: each access stops the machine, reads or writes, and lets it run on, as a probe's would not need
    (QEMU takes tens of milliseconds to run again after a stop, so an access waits until it has run RUN_S)."""

    RUN_S = 0.05

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.pending = b""
        self.resumed = 0.0
        self.sock.sendall(b"+")

    def _reply(self) -> str:
        while True:
            start = self.pending.find(b"$")
            end = self.pending.find(b"#", start)
            if start >= 0 and end >= 0 and len(self.pending) >= end + 3:
                body, self.pending = self.pending[start + 1:end], self.pending[end + 3:]
                self.sock.sendall(b"+")
                return body.decode()
            self.pending += self.sock.recv(4096)

    def _send(self, body: str) -> None:
        self.sock.sendall(b"$%s#%02x" % (body.encode(), sum(body.encode()) & 0xFF))

    def _stopped(self, body: str) -> str:
        time.sleep(max(0.0, self.resumed + self.RUN_S - time.monotonic()))
        self.sock.sendall(b"\x03")
        self._reply()  # the stop reply
        self._send(body)
        reply = self._reply()
        self.resume()
        return reply

    def resume(self) -> None:
        self._send("c")
        self.resumed = time.monotonic()

    def read_memory_block8(self, addr: int, n: int) -> list[int]:
        return list(bytes.fromhex(self._stopped(f"m{addr:x},{n:x}")))

    def read_memory_block32(self, addr: int, n: int) -> list[int]:
        data = bytes(self.read_memory_block8(addr, 4 * n))
        return [int.from_bytes(data[i:i + 4], "little") for i in range(0, len(data), 4)]

    def read32(self, addr: int) -> int:
        return self.read_memory_block32(addr, 1)[0]

    def write_memory_block8(self, addr: int, data) -> None:
        if len(data):
            assert self._stopped(f"M{addr:x},{len(data):x}:{bytes(data).hex()}") == "OK"

    def write32(self, addr: int, value: int) -> None:
        self.write_memory_block8(addr, value.to_bytes(4, "little"))


@contextlib.contextmanager
def _rtt_board(run, out, app: str, vectors=None):
    """The Alif B1's console (platform/segger_rtt) on QEMU's M4, whose memory map its image also fits: the
    firmware built with it, running, and edgeppg's RTTConsole reading it through QEMU's gdbstub."""
    from edgeppg.codegen.emit import generate
    from edgeppg.device import contract
    from edgeppg.files import firmware_dir

    generate(run / "model_int8.tflite", out / "gen", vectors, contract.read(run))
    subprocess.run(["make", "-s", "-C", str(firmware_dir()), f"GEN={out / 'gen'}", f"OUT={out}", f"APP={app}",
                    "BOARD=mps2_an386", "BSP_SHARED=segger_rtt cycles", "BOARD_DEFINES="],
                   check=True, capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    qemu = subprocess.Popen(["qemu-system-arm", "-M", "mps2-an386", "-display", "none", "-monitor", "none", "-serial",
                             "none", "-semihosting-config", "enable=off", "-gdb", f"tcp:127.0.0.1:{port}", "-S",
                             "-kernel", str(out / "app.elf")])
    try:
        for _ in range(100):  # until QEMU listens
            try:
                target = QemuGdbTarget(port)
                break
            except OSError:
                time.sleep(0.05)
        target.resume()  # started halted (-S)
        yield flash.RTTConsole(target, flash.symbol(out / "app.elf", flash.RTT_BLOCK))
    finally:
        qemu.kill()
        qemu.wait()


@needs_qemu
def test_the_rtt_console_carries_the_self_test_and_a_stream_with_the_probe_replaced_by_qemu(exported, tmp_path):
    """The console of a board read through its debug probe (SEGGER RTT: the Alif B1's), with pyOCD's own RTT
    code on QEMU's gdbstub: the self-test's lines arrive whole and bit-exact, and the monitor, fed a recording
    as it asks for it through the down ring, computes every window as the host does."""
    from edgeppg.mcu.firmware import test_vectors
    from edgeppg.mcu.qemu import parse
    from edgeppg.mcu.stream import compare, host_stream, stream_bytes
    from edgeppg.mcu.stream import parse as parse_stream

    run, _ = exported
    with _rtt_board(run, tmp_path / "selftest", "selftest", test_vectors(run, 3)) as link:
        lines = []
        result = parse(flash.read_console(link, lines.append, timeout=60), 0, "RTT console")
    assert result.windows == 3 and result.mismatched == 0 and result.counter == "dwt-cycles"
    assert len(lines) == 4 and all(line.startswith("window=") for line in lines[:3])

    rng = np.random.default_rng(5)
    t = np.arange(int(24 * 25)) / 25
    x = np.sin(2 * np.pi * 1.3 * t) + 0.1 * rng.standard_normal(len(t))
    with _rtt_board(run, tmp_path / "stream", "stream") as link:
        text = flash.stream_to_board(link, stream_bytes(x, 25.0), lambda line: None, timeout=120)
    device, host = parse_stream(text, "RTT console"), host_stream(run, x, 25.0)
    figures = compare(device, host, np.full(len(device.index), np.nan), Fraction(1))
    assert figures["windows"] == 9 and figures["agree"] == 1.0 and figures["agree_tracked"] == 1.0


def test_a_ram_loaded_part_gets_a_pyocd_target_from_its_memory_and_starts_from_its_vector_table(tmp_path):
    """pyOCD knows no Alif part: edgeppg registers one whose memory is the B1's TCMs (RAM: written, not
    erased), and starts the loaded image as a reset would (VTOR, the stack, the reset handler, Thumb)."""
    from pyocd.coresight.coresight_target import CoreSightTarget
    from pyocd.target import TARGET

    b1 = boards.board("alif_b1_dk")
    name = flash.pyocd_target(b1)
    assert flash.pyocd_target(b1) == name and name in TARGET
    assert issubclass(TARGET[name], CoreSightTarget)
    assert [(r.start, r.length, r.is_ram) for r in flash.ram_memory(b1).regions] == [
        (0, 512 << 10, True), (0x20000000, 1496 << 10, True)]
    assert flash.pyocd_target(boards.board("nrf52840dk")) == "nrf52840"  # pyOCD's own target, as it is

    elf = tmp_path / "app.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m55", "-mthumb", "-nostdlib", "-x", "c", "-", "-o", str(elf),
                    "-Wl,--section-start=.isr_vector=0x0", "-Wl,-e,reset"],
                   input='void reset(void) { for (;;) {} }\n__attribute__((section(".isr_vector"), used)) '
                         'const void *vectors[2] = {(void *)0x20004000, (void *)reset};\n',
                   text=True, check=True)
    calls = []

    class Target:
        def write32(self, addr, value):
            calls.append(("write32", addr, value))

        def write_core_register(self, reg, value):
            calls.append((reg, value))

        def resume(self):
            calls.append(("resume",))

    flash.start_in_ram(Target(), elf)
    vtor, sp, reset = flash.image_start(elf)
    assert (vtor, sp) == (0, 0x20004000) and reset & 1  # a Thumb address
    assert calls == [("write32", 0xE000ED08, 0), ("msp", 0x20004000), ("pc", reset & ~1), ("xpsr", 1 << 24),
                     ("resume",)]


def test_flash_and_bench_say_a_port_is_no_console_of_an_rtt_board(exported):
    run, _ = exported
    for args in (("flash", str(run), "--board", "alif_b1_dk"),
                 ("bench", str(run), "--target", "cortex-m55", "--board", "alif_b1_dk")):
        res = cli(*args, "--port", "/dev/ttyACM0")
        assert res.returncode == 2
        assert res.stderr.strip().splitlines() == ["error: --port: the alif_b1_dk's console is RTT through its "
                                                   "debug probe, not a serial port"]


def test_flash_without_a_probe_says_so_in_one_line(exported):
    run, _ = exported
    if flash.connected_probes():
        pytest.skip("a debug probe is attached to this machine: the no-probe path cannot be exercised")
    res = cli("flash", str(run), "--board", "nrf52840dk")
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == ["error: no debug probe found: connect the board's debug USB port "
                                               "(is it powered on?)"]


def test_flash_refuses_unknown_and_emulated_boards(exported):
    run, _ = exported
    bad = cli("flash", str(run), "--board", "stm32f4disco")
    assert bad.returncode == 2 and f"unknown board 'stm32f4disco' (available: {', '.join(boards.BOARDS)})" in bad.stderr
    emulated = cli("flash", str(run), "--board", "mps2_an386")
    assert emulated.returncode == 2 and "is emulated, not flashed" in emulated.stderr


@needs_arm
@pytest.mark.parametrize("name", PARTS)
def test_board_console_is_parsed_into_cycles(monkeypatch, tmp_path, exported, name):
    """The flashing path with pyOCD and the serial port replaced, on each part: what the board prints becomes
    the report, its milliseconds at the part's clock."""
    import shutil

    from edgeppg.bench import cortex_m4
    from edgeppg.mcu import firmware

    run = tmp_path / "run"
    shutil.copytree(exported[0], run, ignore=shutil.ignore_patterns("firmware", "card"))
    b = boards.board(name)
    monkeypatch.setattr(cortex_m4, "choose_probe", lambda probe, board, port: "PROBE1")
    monkeypatch.setattr(firmware, "program", lambda elf, board, uid: None)
    monkeypatch.setattr(firmware, "board_console", lambda board, port, uid, elf: contextlib.nullcontext("link"))
    console = "".join(f"window={i} hr_argmax=70 hr_expectation_x10=701 ticks={640000 + i}\n" for i in range(3))
    console += "EDGEPPG_RESULT windows=3 mismatched=0 ticks=640000 tick_instructions=0 stack=400 arena=9000 counter=dwt-cycles\n"
    monkeypatch.setattr(firmware, "read_console", lambda link, on_line: console)
    r = cortex_m4.bench_cortex_m4(run, windows=3, board=name)
    assert r["cycles_per_inference"] == 640001
    assert r["measured_ms"][f"{b.clock_mhz:g} MHz"] == pytest.approx(640001 / (b.clock_mhz * 1e3))
    assert r["bit_exact"] and "instructions_per_inference" not in r and r["counter"] == "dwt-cycles"
    assert r["core"] == b.core and r["fits_board"] == name and (run / f"bench_{name}.json").is_file()
    assert ("energy" in r) == (b.power is not None)  # a part without recorded currents gets no energy estimate


def test_tflm_backend_registers_exactly_the_models_ops_and_sizes_the_arena(exported, tmp_path):
    run, report = exported
    path = run / "model_int8.tflite"
    ops = resolver_ops(path)
    assert ops == list(dict.fromkeys(tflite_model.op_names(path)))
    host = report["tflite_micro"]["arena_bytes"]
    arena = arena_size(host)
    assert arena % 16 == 0 and arena >= 1.25 * host + 2048
    assert device_arena(10_000) == 10_064 and device_arena(10_001) == 10_080  # use + 64 B, 16-byte aligned
    generate_tflm(path, tmp_path, arena)
    source = (tmp_path / "ep_model_tflm.cc").read_text()
    registered = re.findall(r"r\.(Add\w+)\(\)", source)
    expected = {"RESHAPE": "AddReshape", "CONV_2D": "AddConv2D", "ADD": "AddAdd", "PAD": "AddPad", "MEAN": "AddMean"}
    assert registered == [expected[op] for op in ops]
    data = re.search(r"ep_tflm_model_data\[(\d+)\] = \{(.*?)\};", source, re.S)
    blob = bytes(int(b, 16) for b in re.findall(r"0x([0-9a-f]{2})", data.group(2)))
    assert int(data.group(1)) == len(blob) and blob == path.read_bytes()
    header = (tmp_path / "ep_model.h").read_text()
    assert f"#define EP_MODEL_ARENA_BYTES {arena}" in header and f"#define EP_MODEL_RESOLVER_OPS {len(ops)}" in header


def test_tflm_backend_without_a_tree_says_what_is_missing(exported, monkeypatch, tmp_path):
    from edgeppg.bench.cortex_m4 import bench_cortex_m4
    from edgeppg.mcu import tflm

    run, _ = exported
    monkeypatch.delenv("TFLM_DIR", raising=False)
    monkeypatch.setattr(tflm, "default_tree", lambda: None)  # as on a user's machine with no tree beside the checkout
    with pytest.raises(EdgeppgError, match=f"TFLM_DIR is not set.*git -C DIR checkout {TFLM_COMMIT}"):
        bench_cortex_m4(run, windows=2, backend="tflm")
    monkeypatch.setenv("TFLM_DIR", str(tmp_path))
    with pytest.raises(EdgeppgError, match="not a TensorFlow Lite Micro tree"):
        bench_cortex_m4(run, windows=2, backend="tflm")


@pytest.mark.slow
@pytest.mark.tflm
@needs_cxx
@pytest.mark.parametrize("backend", ["tflm-cmsis-nn", "tflm-reference"])
def test_tflm_firmware_is_bit_exact_under_qemu(exported, backend):
    """TFLM's library built by TFLM's own make (cached per machine), the backend glue and the self-test,
    bit-exact with TFLite's reference kernels under QEMU, with the arena sized from the device's use."""
    from edgeppg.bench.cortex_m4 import bench_cortex_m4, result_name
    from edgeppg.codegen.tflm import DEVICE_MARGIN

    run, _ = exported
    r = bench_cortex_m4(run, windows=8, backend=backend)
    assert r["bit_exact"] and r["instruction_count_reproducible"] and r["backend"] == backend
    assert r["kernels"] == {"tflm-cmsis-nn": "TFLite Micro + CMSIS-NN", "tflm-reference": "TFLite Micro reference kernels"}[backend]
    assert 0 < r["arena_used_bytes"] <= r["arena_bytes"] <= r["arena_used_bytes"] + DEVICE_MARGIN + 15
    assert (run / result_name("mps2_an386", backend)).is_file()
    assert (run / "firmware" / f"mps2_an386-O2-{backend}" / "app_tflm.elf").is_file()
    # --profile on TFLM: its profiler hook times every op it invokes, in the model's order
    from edgeppg.bench.cortex_m4 import profile_cortex_m4
    from edgeppg.codegen import read_graph

    prof = profile_cortex_m4(run, backend=backend)
    assert [o["kind"] for o in prof["ops"]] == [op.kind for op in read_graph(run / "model_int8.tflite").ops]
    whole = r["instructions_per_inference"]
    # the profiled build adds the hook's virtual calls and timer reads to each op it times
    assert 0.9 * whole <= prof["instructions_in_ops"] <= 1.01 * whole
    assert (run / f"profile_cortex_m4_{backend}.json").is_file()


@pytest.mark.slow
@pytest.mark.tflm
@needs_cxx
def test_tflm_builds_for_another_core_with_its_own_kernels(exported, tmp_path):
    """TFLM for the M55 (TARGET_ARCH cortex-m55, so CMSIS-NN takes its Helium kernels), its library cached apart
    from the M4's: bit-exact under QEMU, in under one instruction per MAC (the M4's CMSIS-NN build takes
    about three, docs/results.md)."""
    import shutil

    from edgeppg.bench.cortex_m4 import bench_cortex_m4
    from edgeppg.mcu import tflm

    run = tmp_path / "run"
    shutil.copytree(exported[0], run, ignore=shutil.ignore_patterns("firmware", "card"))
    m55 = bench_cortex_m4(run, windows=2, backend="tflm-cmsis-nn", board="mps3_an547")
    assert m55["bit_exact"] and m55["core"] == "cortex-m55" and m55["kernels"] == "TFLite Micro + CMSIS-NN"
    macs = __import__("json").loads((run / "export.json").read_text())["macs"]
    assert m55["instructions_per_inference"] < macs  # Helium
    k = tflm.kernels("tflm-cmsis-nn")
    assert tflm.library_key(tflm.tflm_dir(), k, "cortex-m55") != tflm.library_key(tflm.tflm_dir(), k, "cortex-m4")


@pytest.mark.slow
@pytest.mark.tflm
@needs_cxx
def test_a_tflm_firmware_built_again_with_another_arena_takes_it(exported, tmp_path):
    """The TFLM objects depend on what they include: the same folder built again for a model whose generated
    ep_model.h says another arena recompiles the backend, and the firmware has that arena (a stale object
    would keep the old one)."""
    from edgeppg.device.contract import read_vectors
    from edgeppg.mcu.build import build_tflm

    x, y = read_vectors(exported[0], 1)
    first = build_tflm(exported[0] / "model_int8.tflite", (x, y), tmp_path / "fw", 64 << 10)
    second = build_tflm(exported[0] / "model_int8.tflite", (x, y), tmp_path / "fw", 80 << 10)
    assert second.static_ram_bytes - first.static_ram_bytes == 16 << 10


@pytest.mark.tflm
def test_every_op_edgeppg_registers_names_tflm_sources_that_exist():
    """The firmware's TFLM library is compiled from the kernel files and CMSIS-NN folders OPS names: a name
    TFLM does not have would fail only when a model with that op is first built."""
    from edgeppg.codegen.tflm import COMMON_CMSIS_NN, COMMON_KERNELS, OPS
    from edgeppg.mcu.tflm import _downloads

    tree = tflm_dir()
    kernels = tree / "tensorflow" / "lite" / "micro" / "kernels"
    cmsis_nn = _downloads(tree) / "cmsis_nn" / "Source"
    for op, t in OPS.items():
        for stem in (*t.kernels, *COMMON_KERNELS):
            assert (kernels / f"{stem}.cc").is_file() or (kernels / "cmsis_nn" / f"{stem}.cc").is_file(), (op, stem)
        for folder in (*t.cmsis_nn, *COMMON_CMSIS_NN):
            assert any((cmsis_nn / folder).glob("*.c")), (op, folder)
        # a CMSIS-NN kernel of this op names only functions of the folders OPS gives it
        own = kernels / "cmsis_nn" / f"{t.kernels[0]}.cc"
        if own.is_file():
            called = set(re.findall(r"\b(arm_[a-z0-9_]+)\s*\(", own.read_text()))
            defined = {p.stem for d in (*t.cmsis_nn, *COMMON_CMSIS_NN) for p in (cmsis_nn / d).glob("*.c")}
            assert {c for c in called if not c.endswith("_get_buffer_size")} <= defined | _helpers(cmsis_nn, t), (op, called - defined)


def _helpers(cmsis_nn, t) -> set[str]:
    """Functions defined inside the op's CMSIS-NN folders under another file's name (wrappers, variants)."""
    found = set()
    for d in (*t.cmsis_nn, "NNSupportFunctions"):
        for p in (cmsis_nn / d).glob("*.c"):
            found |= set(re.findall(r"^\w[\w \t*]*\b(arm_[a-z0-9_]+)\s*\(", p.read_text(), re.M))
    return found


@needs_cxx
def test_startup_and_cxx_runtime_give_the_tflm_backend_what_it_needs(tmp_path):
    """Without a TFLM tree: global constructors run before main (the op resolver is a global with a vtable),
    virtual calls, a function-local static with a destructor and a 16-byte aligned arena, in QEMU; and the
    same program links for the nRF52840 with its constructors in flash."""
    elf = build_cxx_check(tmp_path / "qemu", "mps2_an386")
    proc = subprocess.run(qemu_command(elf), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.stdout.strip() == "EDGEPPG_CXX_OK" and proc.returncode == 0
    nrf = build_cxx_check(tmp_path / "nrf", "nrf52840dk")
    sizes = section_sizes(nrf)
    assert sizes[".init_array"] >= 4  # at least the global resolver's constructor
    headers = subprocess.run(["arm-none-eabi-objdump", "-h", str(nrf)], capture_output=True, text=True,
                             check=True).stdout
    vma = int(re.search(r"\.init_array\s+[0-9a-f]+\s+([0-9a-f]+)", headers).group(1), 16)
    assert vma < boards.board("nrf52840dk").flash_bytes


def test_tflm_pins_name_the_commits_of_the_package_and_the_tree():
    """The host checks use the tflite-micro package, the firmware a TFLM tree: each pin names the commit it
    is. They differ only because TFLM_COMMIT's own wheel does not import on CPython 3.11 (edgeppg.mcu.tflm)."""
    from importlib.metadata import metadata

    from edgeppg.mcu.tflm import WHEEL_COMMIT

    description = metadata("tflite-micro")["Description"]
    built_from = re.search(r"built from commit\s*\[([0-9a-f]+)\]", description).group(1)
    assert built_from == WHEEL_COMMIT and TFLM_COMMIT == "90b983c"


def test_tflm_tree_commit_is_read_from_a_git_checkout(tmp_path, monkeypatch):
    tree = tmp_path / "tflite-micro"
    (tree / "tensorflow" / "lite" / "micro").mkdir(parents=True)
    (tree / "tensorflow" / "lite" / "micro" / "micro_interpreter.h").write_text("// marker\n")
    monkeypatch.setenv("TFLM_DIR", str(tree))
    assert tflm_dir() == tree.resolve() and tflm_tree_commit(tree) is None  # a tree, but not a git checkout
    git = ["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "tree"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    assert tflm_tree_commit(tree) == head and len(head) == 40


def test_cortex_m4_results_are_kept_apart_per_board_and_backend():
    from edgeppg.bench.cortex_m4 import result_name

    names = {result_name(b, k) for b in ("mps2_an386", "nrf52840dk")
             for k in ("native", "tflm-cmsis-nn", "tflm-reference")}
    assert names == {"bench_cortex_m4.json", "bench_cortex_m4_tflm-cmsis-nn.json", "bench_cortex_m4_tflm-reference.json",
                     "bench_nrf52840dk.json", "bench_nrf52840dk_tflm-cmsis-nn.json",
                     "bench_nrf52840dk_tflm-reference.json"}
    assert result_name("mps2_an386", "tflm") == "bench_cortex_m4_tflm-cmsis-nn.json"  # tflm: short for CMSIS-NN
    with pytest.raises(EdgeppgError, match="unknown backend 'cmsis'"):
        result_name("mps2_an386", "cmsis")


@pytest.mark.m4
@pytest.mark.parametrize("name, helium", [("microbit", False), ("mps2_an385", False), ("mps2_an500", False),
                                          ("mps2_an505", False), ("mps3_an547", False), ("mps3_an547", True)])
def test_every_emulated_core_runs_the_native_firmware_bit_exact(exported, tmp_path, name, helium):
    """The M0 (ARMv6-M: no DSP, no unaligned access, soft float; QEMU's nRF51 with more memory) and the M3
    (the kernels' plain C), the M7, the M33 and the M55 (Secure state, their own memory maps; the M55's
    SysTick a fractional 125/4 instructions) and the M55's Helium kernels: the same self-test as the M4's,
    bit-exact with TFLite, its instruction count reproducible."""
    import shutil

    from edgeppg.bench.cortex_m4 import bench_cortex_m4, result_name

    run = tmp_path / "run"
    shutil.copytree(exported[0], run, ignore=shutil.ignore_patterns("firmware", "card"))
    b = boards.board(name)
    r = bench_cortex_m4(run, windows=4, board=name, helium=helium)
    assert r["bit_exact"] and r["instruction_count_reproducible"] and r["core"] == b.core
    assert r["kernels"] == ("Helium (MVE)" if helium else "DSP (SMLAD)" if b.dsp else "plain C")
    assert (run / result_name(name, "native")).is_file()
    assert qemu_command(run / "x.elf", b.qemu_machine)[2] == b.qemu_machine


def test_a_target_names_a_core_and_a_board_must_have_it():
    assert boards.for_target("cortex-m3").name == "mps2_an385"
    assert boards.for_target("cortex-m4").name == "mps2_an386"
    assert boards.for_target("cortex-m4", "nrf52840dk").name == "nrf52840dk"
    with pytest.raises(EdgeppgError, match="--board nrf52840dk is a cortex-m4, not a cortex-m33"):
        boards.for_target("cortex-m33", "nrf52840dk")
    with pytest.raises(EdgeppgError, match="unknown target 'cortex-m99'"):
        boards.for_target("cortex-m99")
    assert boards.cores() == ("cortex-m0", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55")
    assert boards.for_target("cortex-m0").qemu_machine == "microbit"
    assert boards.for_target("cortex-m0", wearable=True).name == "microbit_v1"
    assert boards.for_target(None, "nrf9160dk").core == "cortex-m33"  # the board says its core


def test_helium_is_refused_on_a_core_without_it(exported, tmp_path):
    with pytest.raises(EdgeppgError, match="--helium: the cortex-m4 .mps2_an386. has no Helium"):
        build_cortex_m4(exported[0] / "model_int8.tflite", None, tmp_path / "fw", helium=True)
