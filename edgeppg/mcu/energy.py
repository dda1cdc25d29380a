"""Energy per inference and battery life: an estimate from cycles and the part's datasheet currents.

    energy per inference = run current x supply voltage x (cycles / clock)
    average current      = sleep current + (run current - sleep current) x (active time / period)
    battery life         = capacity / average current

Only the inference is counted (not the sensor, its analogue front end, the radio or the display), at
one inference per 2 s stride. Under QEMU the cycles are instructions x the assumed CPI, so the result
is an estimate twice over, and says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from edgeppg.device.spec import STRIDE_S


@dataclass(frozen=True)
class PowerModel:
    part: str
    clock_mhz: float
    supply_v: float
    run_ma: float  # CPU running from flash with cache, at clock_mhz
    sleep_ua: float  # System ON idle, RAM retained, a timer running to wake for the next window
    sources: dict[str, str]


def estimate(cycles: float, p: PowerModel, period_s: float = STRIDE_S, battery_mah: float | None = None) -> dict:
    """The energy of `cycles` on the part `p` (a board's `power`), one inference every `period_s`."""
    active_s = cycles / (p.clock_mhz * 1e6)
    energy_uj = p.run_ma * 1e-3 * p.supply_v * active_s * 1e6
    avg_ua = p.sleep_ua + (p.run_ma * 1e3 - p.sleep_ua) * min(active_s / period_s, 1.0)
    out = {
        "estimate": True, "part": p.part, "cycles_per_inference": round(cycles), "active_ms": active_s * 1e3,
        "energy_uj_per_inference": energy_uj, "inference_period_s": period_s, "average_current_ua": avg_ua,
        "duty_cycle": min(active_s / period_s, 1.0), "constants": asdict(p),
        "counts": "the inference only (no sensor, radio or display)",
    }
    if battery_mah is not None:
        out.update(battery_mah=battery_mah, battery_hours=battery_mah * 1e3 / avg_ua)
    return out
