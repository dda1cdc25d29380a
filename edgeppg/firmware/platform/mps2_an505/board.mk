# QEMU mps2-an505: a Cortex-M33 (DSP, single-precision FPU, TrustZone: run Secure) at 20 MHz.
ARCH := -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16
BSP_SHARED := qemu_mps
BOARD_DEFINES := -DEP_SYSCLK_HZ=20000000
