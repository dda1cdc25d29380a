"""Tables for host benchmarks and teacher/student comparisons."""

from __future__ import annotations

from rich.table import Table

from edgeppg.mcu.boards import FLASH_MEANS, RAM_MEANS, limits


def host_table(result: dict) -> Table:
    """One window at a time throughout (batch 1); the batch-`--batch` throughput stays in the JSON file."""
    t = Table(title=f"{result['run']}: {result['model']}, {result['params']:,} params, "
                    f"{result['macs'] / 1e6:.2f} M MACs; one window at a time (batch 1), "
                    f"{result['threads']} thread(s)",
              caption="MAE: the int8/float artefact on export's sample of test-participant windows; "
                      "process memory: resident-set growth of a fresh process running the model")
    for col in ("runtime", "file\n(KiB)", "p50\nms", "p95\nms", "p99\nms", "windows\n/ s", "process\nmemory (MiB)",
                "arena\n(KiB)", "MAE\n(BPM)"):
        t.add_column(col, justify="left" if col == "runtime" else "right")
    for rt, r in result["runtimes"].items():
        lat = r["latency_ms"]
        t.add_row(rt, f"{r['file_bytes'] / 1024:.1f}", f"{lat['p50']:.3f}", f"{lat['p95']:.3f}",
                  f"{lat['p99']:.3f}", f"{1000 / lat['mean']:,.0f}", f"{r['rss_growth_bytes'] / 2**20:.1f}",
                  f"{r['arena_bytes'] / 1024:.1f}" if r.get("arena_bytes") else "-",
                  f"{r['mae_bpm']:.2f}" if "mae_bpm" in r else "-")
    if result["skipped"]:  # below the table: a reason is a sentence, and would widen a column to its length
        t.caption += "; skipped: " + "; ".join(f"{rt} ({why})" for rt, why in result["skipped"].items())
    return t


def compare_table(a: dict, b: dict, ratios: dict[str, dict]) -> Table:
    t = Table(title=f"{b['model']} as a fraction of {a['model']} (batch 1)", caption=f"{b['run']} vs {a['run']}; "
              "each column divides a figure by the same figure of the first run")
    for col in ("runtime", "latency p50", "process memory", "arena", "file size", "MAE cost (BPM)"):
        t.add_column(col, justify="left" if col == "runtime" else "right")
    for rt, r in ratios.items():
        t.add_row(rt, f"{r['latency_p50']:.1%}", f"{r['rss_growth']:.1%}",
                  f"{r['arena']:.1%}" if "arena" in r else "-", f"{r['file_size']:.1%}",
                  f"{r['mae_cost_bpm']:+.2f}" if "mae_cost_bpm" in r else "-")
    return t


def mcu_table(r: dict) -> Table:
    t = Table(title=f"{r['run']}: {r['target']}, {r['opt']}, {r['kernels']} kernels")
    t.add_column("measure")
    t.add_column("value", justify="right")
    fits = "fits" if r["fits"] else "does NOT fit"
    if "instructions_per_inference" in r:
        speed = [("instructions / inference", f"{r['instructions_per_inference']:,}"
                                              f"{'' if r['instruction_count_reproducible'] else ' (NOT reproducible)'}"),
                 *((f"est. latency @ {clk}", f"{ms:.1f} ms") for clk, ms in r["estimated_ms"].items())]
        t.caption = (f"latency = instructions x {r['cpi_assumed']} cycles/instruction (estimate); "
                     f"counter: {r['counter']}")
    else:
        speed = [("cycles / inference (measured)", f"{r['cycles_per_inference']:,}"),
                 *((f"latency @ {clk}", f"{ms:.1f} ms") for clk, ms in r["measured_ms"].items())]
        t.caption = f"counter: {r['counter']}"
    rows = [
        ("bit-exact with TFLite", f"{'yes' if r['bit_exact'] else 'NO'} ({r['windows'] - r['windows_mismatched']}"
                                  f"/{r['windows']} windows)"),
        *speed,
        (f"flash ({FLASH_MEANS})", f"{r['flash_bytes'] / 1024:.1f} KiB"),
        (f"RAM ({RAM_MEANS})", f"{r['ram_bytes'] / 1024:.1f} KiB"),
        ("  activation arena (reserved / used)", f"{r['arena_bytes'] / 1024:.1f} / "
                                                 f"{r.get('arena_used_bytes', r['arena_bytes']) / 1024:.1f} KiB"),
        ("  peak stack", f"{r['stack_bytes']} B"),
        (r.get("fits_limits") or limits(), fits),
    ]
    if "energy" in r:
        e = r["energy"]
        rows += [(f"energy / inference ({e['part']}, estimate)", f"{e['energy_uj_per_inference']:.0f} uJ"),
                 (f"average current, 1 inference / {e['inference_period_s']:g} s", f"{e['average_current_ua']:.1f} uA")]
        if "battery_hours" in e:
            rows.append((f"  {e['battery_mah']:g} mAh battery (inference only)", f"{e['battery_hours'] / 24:.0f} days"))
    if "streaming" in r:  # a model of the streaming family: its per-update program (bench/streaming.py)
        s = r["streaming"]
        rows += [("streaming: bit-exact with the window form", f"{'yes' if s['bit_exact'] else 'NO'} "
                                                               f"({s['updates']} updates)"),
                 ("  instructions / 2 s update", f"{s['instructions_per_update']:,} "
                                                 f"({s['instructions_per_update'] / s['instructions_per_window']:.2f}x "
                                                 "a window)"),
                 ("  flash / RAM (state and stack included)", f"{s['flash_bytes'] / 1024:.1f} / "
                                                              f"{s['ram_bytes'] / 1024:.1f} KiB"),
                 ("  state kept between updates", f"{s['state_bytes']:,} B")]
    for k, v in rows:
        t.add_row(k, v)
    return t


def mcu_compare_table(a: dict, b: dict, ratios: dict[str, float]) -> Table:
    t = Table(title="Cortex-M4: second run as a fraction of the first", caption=f"{b['run']} vs {a['run']}")
    for col in ("instructions", "RAM", "flash"):
        t.add_column(col, justify="right")
    t.add_row(f"{ratios['instructions']:.1%}", f"{ratios['ram']:.1%}", f"{ratios['flash']:.1%}")
    return t


def profile_table(r: dict) -> Table:
    core = r.get("core", "cortex-m4").replace("cortex-m", "Cortex-M")
    t = Table(title=f"{r['run']}: instructions per op on the emulated {core} ({r['opt']}, {r['backend']}"
                    f"{', ' + r['kernels'] if r['backend'] == 'native' and 'kernels' in r else ''})",
              caption=f"resolution {r['resolution']}; MACs for ADD and MEAN are element operations")
    for col in ("op", "kind", "kernel", "MACs", "instructions", "instr/MAC", "share"):
        t.add_column(col, justify="left" if col in ("kind", "kernel") else "right")
    for o in r["ops"]:
        t.add_row(str(o["op"]), o["kind"], o["kernel"], f"{o['macs']:,}", f"{o['instructions']:,}",
                  "-" if o["instructions_per_mac"] is None else f"{o['instructions_per_mac']:.2f}",
                  f"{o['instructions'] / max(r['instructions_in_ops'], 1):.1%}")
    t.add_row("all", "", "", f"{r['macs']:,} (conv + FC)", f"{r['instructions_in_ops']:,}",
              f"{r['instructions_in_ops'] / max(r['macs'], 1):.2f}", "100%")
    return t
