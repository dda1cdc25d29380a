# QEMU mps2-an386: a Cortex-M4F (DSP and single-precision FPU) at 25 MHz.
ARCH := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
BSP_SHARED := qemu_semihost
BOARD_DEFINES := -DEP_TICK_INSTRUCTIONS=40 -DEP_TICK_DIVISOR=1  # SysTick: 1e9 / sysclk instructions
TFLM_ARCH := cortex-m4+fp  # TensorFlow Lite Micro's TARGET_ARCH for this core (same float ABI as ARCH)
TFLM_CPU := M4
