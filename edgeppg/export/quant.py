"""int8 <-> float at the model's edges, with the parameters the converter chose (written to quant.json).

The model's input and output are int8, so quantising a window is the application's job, on the host
and on the microcontroller alike. Both do what TFLite's QUANTIZE does: x / scale in float32, rounded
half away from zero, plus the zero point, clamped to int8.
"""

from __future__ import annotations

import numpy as np

from edgeppg.device import native
from edgeppg.export.tflite_model import TensorQuant


def quantize(x: np.ndarray, q: TensorQuant) -> np.ndarray:
    """The device's own quantisation (ep_quantize, compiled for the host): bit-equal to the firmware's."""
    return native.quantize(x, float(q.scale), int(q.zero_point))


def dequantize(v: np.ndarray, q: TensorQuant) -> np.ndarray:
    return (np.asarray(v, np.float32) - np.float32(q.zero_point)) * np.float32(q.scale)
