"""Export: a trained run -> ONNX -> int8 TFLite, each artefact checked against the float model.

`export_run` is imported on first use: the firmware stage reads .tflite files through this package's
tflite_model module and must not pull in torch with it."""

from edgeppg.files import EXPORT_JSON, INT8_TFLITE, ONNX_FILE

__all__ = ["EXPORT_JSON", "INT8_TFLITE", "ONNX_FILE", "export_run"]


def __getattr__(name: str):
    if name == "export_run":
        from edgeppg.export.pipeline import export_run

        return export_run
    raise AttributeError(name)
