# QEMU mps2-an385: a Cortex-M3 at 25 MHz, no DSP instructions (the kernels' plain C) and no FPU (soft float,
# IEEE single precision like the FPU's, so the preprocessing stays bit-exact with the host).
ARCH := -mcpu=cortex-m3 -mthumb -mfloat-abi=soft
BSP_SHARED := qemu_semihost
BOARD_DEFINES := -DEP_TICK_INSTRUCTIONS=40 -DEP_TICK_DIVISOR=1  # SysTick: 1e9 / sysclk instructions
TFLM_ARCH := cortex-m3  # TensorFlow Lite Micro's TARGET_ARCH for this core (same float ABI as ARCH)
TFLM_CPU := M3
