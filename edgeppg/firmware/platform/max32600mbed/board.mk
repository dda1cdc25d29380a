# Maxim MAX32600MBED: the MAX32600 wellness-measurement MCU (Cortex-M3, no DSP or FPU, at the 24 MHz of its internal
# oscillator after reset), flashed through the board's DAPLink probe; the console over the same probe (SEGGER RTT),
# so no clock, pin or UART set-up of the part's own is needed.
ARCH := -mcpu=cortex-m3 -mthumb -mfloat-abi=soft
BSP_SHARED := segger_rtt cycles
BOARD_DEFINES :=
TFLM_ARCH := cortex-m3  # TensorFlow Lite Micro's TARGET_ARCH for this core (same float ABI as ARCH)
TFLM_CPU := M3
