"""int8 <-> float at the model's edges, with the parameters the converter chose (written to quant.json).

The model's input and output are int8, so quantising a window is the application's job, on the host
and on the microcontroller alike. Both do what TFLite's QUANTIZE does: x / scale in float32, rounded
half away from zero, plus the zero point, clamped to int8.
"""

from __future__ import annotations

import numpy as np

from edgeppg.export.tflite_model import TensorQuant


def quantize(x: np.ndarray, q: TensorQuant) -> np.ndarray:
    y = np.asarray(x, np.float32) / np.float32(q.scale)
    rounded = np.sign(y) * np.floor(np.abs(y) + np.float32(0.5))  # half away from zero, like std::round
    return np.clip(rounded + q.zero_point, -128, 127).astype(np.int8)


def dequantize(v: np.ndarray, q: TensorQuant) -> np.ndarray:
    return (np.asarray(v, np.float32) - np.float32(q.zero_point)) * np.float32(q.scale)
