# QEMU mps3-an547: a Cortex-M55 (Helium, DSP, FPU) at 32 MHz. The DSP kernels by default; EP_MVE=1 builds
# the Helium ones (bit-exact, not yet faster: docs/results.md).
ARCH := -mcpu=cortex-m55$(if $(EP_MVE),,+nomve) -mthumb -mfloat-abi=hard
BSP_SHARED := qemu_mps
BOARD_DEFINES := -DEP_TICK_INSTRUCTIONS=125 -DEP_TICK_DIVISOR=4  # SysTick: 1e9 / sysclk instructions
