# QEMU mps3-an547: a Cortex-M55 (Helium, DSP, FPU) at 32 MHz. The DSP kernels by default; EP_MVE=1 builds
# the Helium ones (kernels/ep_conv_mve.c; docs/results.md has what each buys).
ARCH := -mcpu=cortex-m55$(if $(EP_MVE),,+nomve) -mthumb -mfloat-abi=hard
BSP_SHARED := qemu_semihost
BOARD_DEFINES := -DEP_TICK_INSTRUCTIONS=125 -DEP_TICK_DIVISOR=4  # SysTick: 1e9 / sysclk instructions
TFLM_ARCH := cortex-m55  # TensorFlow Lite Micro's TARGET_ARCH for this core (same float ABI as ARCH)
TFLM_CPU := M55
