"""Small int8 TFLite models made with TensorFlow's own converter, for testing the generated C against
TFLite on shapes and quantisation parameters a trained ResNet would never show."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def convert(fn, shape: tuple[int, ...], rng: np.random.Generator, lo: float, hi: float, path: Path) -> Path:
    """Full-integer int8 conversion of tf.function `fn`, calibrated on uniform data in [lo, hi]."""
    import tensorflow as tf

    concrete = tf.function(fn, input_signature=[tf.TensorSpec(shape, tf.float32)]).get_concrete_function()
    conv = tf.lite.TFLiteConverter.from_concrete_functions([concrete])
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    calib = [rng.uniform(lo, hi, shape).astype(np.float32) for _ in range(32)]
    conv.representative_dataset = lambda: ([c] for c in calib)
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    path.write_bytes(conv.convert())
    return path


def conv_model(rng: np.random.Generator, path: Path, width: int, c_in: int, c_out: int, k: int, stride: int,
               padding: str, relu: bool, weight_scale: float, lo: float, hi: float, bias_shift: float = 0.0) -> Path:
    """A negative `bias_shift` with ReLU leaves the output a tiny range: multipliers above one."""
    import tensorflow as tf

    w = tf.constant(rng.normal(0, weight_scale, (1, k, c_in, c_out)).astype(np.float32))
    b = tf.constant((rng.normal(0, weight_scale, c_out) + bias_shift).astype(np.float32))

    def fn(x):
        y = tf.nn.conv2d(x, w, strides=[1, 1, stride, 1], padding=padding) + b
        return tf.nn.relu(y) if relu else y

    return convert(fn, (1, 1, width, c_in), rng, lo, hi, path)


def add_model(rng: np.random.Generator, path: Path, width: int, c: int, relu: bool, lo: float, hi: float) -> Path:
    """Two 1x1 convolutions of the input (different scales) added: an ADD of two activations."""
    import tensorflow as tf

    w1 = tf.constant(rng.normal(0, 1.0, (1, 1, c, c)).astype(np.float32))
    w2 = tf.constant(rng.normal(0, 0.1, (1, 1, c, c)).astype(np.float32))

    def fn(x):
        y = tf.nn.conv2d(x, w1, 1, "VALID") + tf.nn.conv2d(x, w2, 1, "VALID")
        return tf.nn.relu(y) if relu else y

    return convert(fn, (1, 1, width, c), rng, lo, hi, path)


def pad_mean_model(rng: np.random.Generator, path: Path, width: int, c: int, before: int, after: int,
                   lo: float, hi: float) -> Path:
    """PAD along the length, a VALID convolution, then MEAN over the length."""
    import tensorflow as tf

    w = tf.constant(rng.normal(0, 0.5, (1, 3, c, c)).astype(np.float32))

    def fn(x):
        y = tf.pad(x, [[0, 0], [0, 0], [before, after], [0, 0]])
        y = tf.nn.relu(tf.nn.conv2d(y, w, 1, "VALID"))
        return tf.reduce_mean(y, axis=[2], keepdims=True)

    return convert(fn, (1, 1, width, c), rng, lo, hi, path)


def dense_model(rng: np.random.Generator, path: Path, n_in: int, n_out: int, relu: bool, lo: float, hi: float) -> Path:
    import tensorflow as tf

    w = tf.constant(rng.normal(0, 0.3, (n_in, n_out)).astype(np.float32))
    b = tf.constant(rng.normal(0, 0.3, n_out).astype(np.float32))

    def fn(x):
        y = tf.matmul(x, w) + b
        return tf.nn.relu(y) if relu else y

    return convert(fn, (1, n_in), rng, lo, hi, path)


def residual_model(rng: np.random.Generator, path: Path, width: int, c: int, k: int, conv_first: bool,
                   lo: float, hi: float) -> Path:
    """A residual block: h = relu(conv_a(x)), then y = relu(conv_c(relu(conv_b(h))) + h), with the last
    convolution as ADD's first or second input. edgeppg fuses conv_c and the ADD, writing the sum over h."""
    import tensorflow as tf

    wa = tf.constant(rng.normal(0, 0.5, (1, 3, c, c)).astype(np.float32))
    wb = tf.constant(rng.normal(0, 0.3, (1, k, c, c)).astype(np.float32))
    wc = tf.constant(rng.normal(0, 0.3, (1, k, c, c)).astype(np.float32))

    def fn(x):
        h = tf.nn.relu(tf.nn.conv2d(x, wa, 1, "SAME"))
        z = tf.nn.conv2d(tf.nn.relu(tf.nn.conv2d(h, wb, 1, "SAME")), wc, 1, "SAME")
        return tf.nn.relu(z + h if conv_first else h + z)

    return convert(fn, (1, 1, width, c), rng, lo, hi, path)


def input_residual_model(rng: np.random.Generator, path: Path, width: int, c: int, lo: float, hi: float) -> Path:
    """y = x + conv(x): the residual is the model's input, which edgeppg never writes over, so ADD runs
    on its own."""
    import tensorflow as tf

    w = tf.constant(rng.normal(0, 0.5, (1, 3, c, c)).astype(np.float32))

    def fn(x):
        return x + tf.nn.conv2d(x, w, 1, "SAME")

    return convert(fn, (1, 1, width, c), rng, lo, hi, path)


def crop_model(rng: np.random.Generator, path: Path, width: int, c: int, k: int, channels_first_add: bool,
               lo: float, hi: float) -> Path:
    """A streaming model's shortcut: y = relu(conv(x) + the newest rows of x), the rows cropped as
    onnx2tf writes it after a residual ADD (TRANSPOSE, STRIDED_SLICE channels-first, TRANSPOSE back), with
    the ADD channels-first too or not: edgeppg reads either as a CROP (tflite_model.with_crops)."""
    import tensorflow as tf

    w = tf.constant(rng.normal(0, 0.5, (k, c, c)).astype(np.float32))

    def fn(x):
        h = x  # the block input
        z = tf.nn.conv1d(h, w, 1, "VALID")
        kept = tf.transpose(h, [0, 2, 1])[:, :, k - 1:]
        if channels_first_add:
            return tf.transpose(tf.nn.relu(tf.transpose(z, [0, 2, 1]) + kept), [0, 2, 1])
        return tf.nn.relu(z + tf.transpose(kept, [0, 2, 1]))

    return convert(fn, (1, width, c), rng, lo, hi, path)
