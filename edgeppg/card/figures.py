"""The card's figures as PNG bytes: training curve, heart rate over time, Bland-Altman. One colour per
meaning in every figure (reference black, per-window estimate grey, tracked estimate blue)."""

from __future__ import annotations

import io

import numpy as np

from edgeppg.card.collect import Series

REFERENCE, WINDOW, TRACKED, BEST = "#111111", "#9a9a9a", "#1f77b4", "#d62728"


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _plt().close(fig)
    return buf.getvalue()


def training_curve(history: list[dict], best_epoch: int) -> bytes:
    """Validation MAE per epoch (left) and the training loss terms (right)."""
    plt = _plt()
    epochs = [h["epoch"] for h in history]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
    ax1.plot(epochs, [h["val_mae"] for h in history], "o-", color=TRACKED, ms=3, label="validation MAE")
    if "val_rmse" in history[0]:
        ax1.plot(epochs, [h["val_rmse"] for h in history], "s--", color=WINDOW, ms=3, label="validation RMSE")
    ax1.axvline(best_epoch, color=BEST, lw=1, ls=":", label=f"kept: epoch {best_epoch}")
    ax1.set(xlabel="epoch", ylabel="BPM", title="validation participants")
    ax1.legend(loc="upper right", fontsize=8)
    losses = [k for k in history[0] if k not in ("epoch", "lr") and not k.startswith("val_")]
    for k in losses:
        ax2.plot(epochs, [h[k] for h in history], "o-", ms=3, label=k)
    ax2.set(xlabel="epoch", ylabel="loss (training batches, mean)", title="training loss terms")
    if losses:
        ax2.set_yscale("log")
        ax2.legend(loc="upper right", fontsize=8)
    for ax in (ax1, ax2):
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return _png(fig)


def hr_over_time(series: list[Series], window_label: str, max_panels: int = 4) -> bytes:
    plt = _plt()
    shown = series[:max_panels]
    fig, axes = plt.subplots(len(shown), 1, figsize=(10, 2.4 * len(shown)), squeeze=False)
    for ax, s in zip(axes[:, 0], shown):
        minutes = s.t_s / 60
        ax.plot(minutes, s.reference, color=REFERENCE, lw=1.4, label="reference")
        ax.plot(minutes, s.window, ".", color=WINDOW, ms=2.5, label=f"model, each window ({window_label})")
        ax.plot(minutes, s.tracked, color=TRACKED, lw=1.1, label="model, tracked")
        ax.set(ylabel="BPM", title=s.name)
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("minutes into the recording")
    axes[0, 0].legend(loc="lower left", bbox_to_anchor=(0, 1.12), ncol=3, fontsize=8, frameon=False)
    fig.tight_layout()
    return _png(fig)


def bland_altman(estimate: np.ndarray, reference: np.ndarray, title: str) -> bytes:
    """Difference against mean, with the bias and the 95% limits of agreement (bias +- 1.96 SD)."""
    plt = _plt()
    ok = np.isfinite(reference) & np.isfinite(estimate)
    mean, diff = (estimate[ok] + reference[ok]) / 2, estimate[ok] - reference[ok]
    bias, sd = float(diff.mean()), float(diff.std(ddof=1)) if ok.sum() > 1 else 0.0
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.scatter(mean, diff, s=5, alpha=0.35, color=TRACKED, edgecolors="none")
    for y, lab, ls in ((bias, f"bias {bias:+.2f}", "-"), (bias + 1.96 * sd, f"+1.96 SD {bias + 1.96 * sd:+.1f}", "--"),
                       (bias - 1.96 * sd, f"-1.96 SD {bias - 1.96 * sd:+.1f}", "--")):
        ax.axhline(y, color=BEST if ls == "-" else REFERENCE, ls=ls, lw=1)
        ax.annotate(lab, (1.0, y), xycoords=("axes fraction", "data"), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.set(xlabel="mean of model and reference (BPM)", ylabel="model - reference (BPM)", title=title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _png(fig)
