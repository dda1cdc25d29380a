"""Export: a trained run -> ONNX -> int8 TFLite, each artefact checked against the float model."""

from edgeppg.export.pipeline import EXPORT_JSON, INT8_TFLITE, ONNX_FILE, QUANT_JSON, export_run

__all__ = ["EXPORT_JSON", "INT8_TFLITE", "ONNX_FILE", "QUANT_JSON", "export_run"]
