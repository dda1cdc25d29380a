"""The table `edgeppg export` prints: every artefact, its size and its accuracy on held-out windows."""

from __future__ import annotations

from rich.table import Table

_ROWS = (("pytorch", "PyTorch (float)", None), ("onnx", "ONNX (float)", "onnx"),
         ("tflite_float32", "TFLite float32", "tflite_float32"), ("tflite_int8", "TFLite int8", "tflite_int8"))


def export_table(report: dict) -> Table:
    held = report["held_out"]
    t = Table(title=f"export: {report['model']}, scored on a sample of {held['windows']} windows of the test "
                    f"participants (seed {report.get('seed', 0)}; {report['readout']} read-out)")
    for col in ("artefact", "size", "MAE (BPM)", "RMSE (BPM)", "max |logit diff|", "argmax agrees"):
        t.add_column(col, justify="left" if col == "artefact" else "right")
    for key, label, artefact in _ROWS:
        m = report["accuracy"].get(key)
        if m is None:
            continue
        size = report["artefacts"][artefact]["bytes"] if artefact else None
        t.add_row(label, f"{size / 1024:.1f} KiB" if size else "-", f"{m['mae']:.2f}", f"{m['rmse']:.2f}",
                  f"{m['max_abs_logit_diff']:.2e}" if "max_abs_logit_diff" in m else "-",
                  f"{m['argmax_agreement']:.1%}" if "argmax_agreement" in m else "-")
    micro = report.get("tflite_micro")
    if micro:
        t.caption = (f"TFLite Micro: arena {micro['arena_bytes']:,} bytes; {micro['windows_checked']} windows "
                     f"{'bit-exact with TFLite (reference kernels)' if micro['bit_exact'] else str(micro['windows_mismatched']) + ' mismatched'}"
                     f"; int8 costs {report['int8_mae_loss_bpm']:+.2f} BPM MAE")
    return t
