# QEMU microbit: the BBC micro:bit's nRF51822, a Cortex-M0 (ARMv6-M: no DSP, no FPU, no unaligned
# access; soft float) at 16 MHz. The kernels' plain C.
ARCH := -mcpu=cortex-m0 -mthumb -mfloat-abi=soft
BSP_SHARED := qemu_semihost
BOARD_DEFINES := -DEP_TICK_INSTRUCTIONS=125 -DEP_TICK_DIVISOR=2  # SysTick: 1e9 / sysclk instructions
TFLM_ARCH := cortex-m0  # TensorFlow Lite Micro's TARGET_ARCH for this core (same float ABI as ARCH)
TFLM_CPU := M0
