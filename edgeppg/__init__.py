"""edgeppg: PPG heart-rate models from training and distillation to int8 on Cortex-M."""

__version__ = "0.1.0"
