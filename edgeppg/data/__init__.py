"""Data: the built-in synthetic PPG, the shared windowing, caching and participant splits."""

from edgeppg.data.dataset import DataConfig, Splits, load_splits, load_windows, split_subjects
from edgeppg.data.recording import Recording
from edgeppg.data.synthetic import SyntheticConfig
from edgeppg.data.windows import N_CLASSES, WINDOW, WindowSet, class_to_hr, hr_to_class, window_recording

__all__ = [
    "DataConfig", "Splits", "load_splits", "load_windows", "split_subjects", "Recording", "SyntheticConfig",
    "N_CLASSES", "WINDOW", "WindowSet", "class_to_hr", "hr_to_class", "window_recording",
]
