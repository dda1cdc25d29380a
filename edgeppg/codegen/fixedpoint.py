"""TFLite's fixed-point arithmetic, in Python: how a real scale becomes an int32 multiplier and a shift,
and what the kernels then compute. The generator uses the first; the tests use both to check the C.

Scales come from the flatbuffer as float32 and are widened to double before any arithmetic, in the same
order as TFLite's kernels, so the multipliers are the same bits TFLite computes.
"""

from __future__ import annotations

import math

import numpy as np

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def quantize_multiplier(real: float) -> tuple[int, int]:
    """(multiplier, shift) with real ~= multiplier * 2**(shift - 31), multiplier in [2**30, 2**31)."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = math.floor(abs(q) * (1 << 31) + 0.5) * (1 if q >= 0 else -1)  # std::round: half away from zero
    if q_fixed == 1 << 31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    return int(q_fixed), int(shift)


def quantize_multiplier_smaller_than_one(real: float) -> tuple[int, int]:
    m, shift = quantize_multiplier(real)
    if shift > 0:
        raise ValueError(f"multiplier {real} is not smaller than one")
    return m, shift


def saturating_rounding_doubling_high_mul(a: int, b: int) -> int:
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    total = ab + nudge
    return int(abs(total) // (1 << 31)) * (1 if total >= 0 else -1)  # C division truncates toward zero


def rounding_divide_by_pot(x: int, exponent: int) -> int:
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def wrap32(x: int) -> int:
    return (x + 2**31) % 2**32 - 2**31


def multiply_by_quantized_multiplier(x: int, multiplier: int, shift: int) -> int:
    left, right = max(shift, 0), max(-shift, 0)
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(wrap32(x << left), multiplier), right)


def multiply_by_quantized_multiplier_single(x: int, multiplier: int, shift: int) -> int:
    """The single-rounding form TFLite's FULLY_CONNECTED uses: (x * m + half) >> (31 - shift)."""
    total = 31 - shift
    return (x * multiplier + (1 << (total - 1))) >> total


def mean_multiplier(in_scale: float, out_scale: float, count: int) -> tuple[int, int]:
    """MEAN folds 1/count into the multiplier, as TFLite's reference QuantizedMeanOrSum does."""
    mult, shift = quantize_multiplier(float(in_scale) / float(out_scale))
    s = min(count.bit_length() - 1, 32, 31 + shift)
    return int((mult << s) // count), shift - s


def add_input_table(offset: int, left_shift: int, multiplier: int, shift: int) -> np.ndarray:
    """ADD's rescaled input for every int8 value (index q + 128): what TFLite computes per element,
    (q + offset) << left_shift through MultiplyByQuantizedMultiplierSmallerThanOneExp, done once here."""
    return np.array([rounding_divide_by_pot(saturating_rounding_doubling_high_mul((q + offset) << left_shift, multiplier),
                                            -shift) for q in range(-128, 128)], np.int32)
