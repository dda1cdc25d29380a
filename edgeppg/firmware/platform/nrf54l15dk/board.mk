# Nordic nRF54L15 DK: the nRF54L15 (Bluetooth LE SoC for wearables; its application core a Cortex-M33 with DSP
# and FPU, at 64 MHz, the clock it resets to: 128 MHz once raised), flashed with pyOCD's built-in target through
# the DK's probe; the console over the same probe (SEGGER RTT), so no clock, pin or UARTE set-up is needed.
ARCH := -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16
BSP_SHARED := segger_rtt cycles
BOARD_DEFINES :=
TFLM_ARCH := cortex-m33  # TensorFlow Lite Micro's TARGET_ARCH for this core (same float ABI as ARCH)
TFLM_CPU := M33
