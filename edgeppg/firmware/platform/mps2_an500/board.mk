# QEMU mps2-an500: a Cortex-M7 (DSP, double-precision FPU) at 25 MHz.
ARCH := -mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16
BSP_SHARED := qemu_mps
BOARD_DEFINES := -DEP_SYSCLK_HZ=25000000
