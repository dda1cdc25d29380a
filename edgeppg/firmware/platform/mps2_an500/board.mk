# QEMU mps2-an500: a Cortex-M7 (DSP, double-precision FPU) at 25 MHz.
ARCH := -mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16
BSP_SHARED := qemu_semihost
BOARD_DEFINES := -DEP_TICK_INSTRUCTIONS=40 -DEP_TICK_DIVISOR=1  # SysTick: 1e9 / sysclk instructions
TFLM_ARCH := cortex-m7+fp  # TensorFlow Lite Micro's TARGET_ARCH for this core (same float ABI as ARCH)
TFLM_CPU := M7
