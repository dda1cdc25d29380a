# QEMU mps2-an505: a Cortex-M33 (DSP, single-precision FPU, TrustZone: run Secure) at 20 MHz.
ARCH := -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16
BSP_SHARED := qemu_semihost
BOARD_DEFINES := -DEP_TICK_INSTRUCTIONS=50 -DEP_TICK_DIVISOR=1  # SysTick: 1e9 / sysclk instructions
TFLM_ARCH := cortex-m33  # TensorFlow Lite Micro's TARGET_ARCH for this core (same float ABI as ARCH)
TFLM_CPU := M33
