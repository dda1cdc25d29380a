"""The signal every model and device shares: 25 Hz, 8 s windows every 2 s, heart rate as 180 one-BPM
classes from 30 BPM. Everything else (Python windowing, the device contract, the generated C header)
reads these numbers from here."""

FS = 25.0  # Hz, the model's input rate
WINDOW_S = 8.0
STRIDE_S = 2.0
WINDOW = int(FS * WINDOW_S)  # 200 samples
STRIDE = int(FS * STRIDE_S)  # 50 samples
# The streaming family's input (data.stream): the window and the 16 s before it, each 2 s of which the device
# preprocessed once, with the 8 s window it ended; a streaming model may look back this far.
CONTEXT_S = 16.0
CONTEXT = int(FS * CONTEXT_S)  # 400 samples
HR_LOW = 30  # BPM of class 0
N_CLASSES = 180  # 30..209 BPM
# Sensor rates the firmware accepts out of the box (PPG-DaLiA's E4: 64, WildPPG: 128, GalaxyPPG: 25, ...).
SENSOR_RATES = (25.0, 32.0, 50.0, 64.0, 100.0, 128.0)
# A window is unusable ("flat") when its raw samples never change or its 25 Hz spread is below this.
MIN_RAW_CHANGES = 1
MIN_STD = 1e-6
# A window counts as motion when |acc| varies by more than this within it (std, in g); the rest are still.
# The accelerometer front end (firmware/monitor/ep_cancel.c) opens at the same threshold.
MOTION_G = 0.05
# The front end's fit: each axis at this many lags (0 .. LAGS-1 samples at 25 Hz), ridge-regularised by
# this fraction of the mean diagonal of the normal equations.
CANCEL_LAGS = 5
CANCEL_RIDGE = 0.1
# What a model sees, and what the front end removes for it: nothing ("ppg", the paper's setting); what the
# axes explain ("ppg-acc"); that and the step stage's fit at the accelerometer's dominant rate and twice it
# ("ppg-acc-steps": the number is the harmonics ep_cancel removes); and that front end in its streaming form
# ("ppg-acc-steps-stream": a window's fit and spectrum from its 2 s chunks' shares, each computed once, for the
# streaming family; the step rates it finds agree with the per-window form's in nearly every window).
STEP_HARMONICS = {"ppg-acc": 0, "ppg-acc-steps": 2, "ppg-acc-steps-stream": 2}
CHUNKED_STEPS = ("ppg-acc-steps-stream",)
INPUTS = ("ppg", *STEP_HARMONICS)
