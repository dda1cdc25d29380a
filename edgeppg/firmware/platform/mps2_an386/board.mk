# QEMU mps2-an386: a Cortex-M4F (DSP and single-precision FPU) at 25 MHz.
ARCH := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
BSP_SHARED := qemu_mps
BOARD_DEFINES := -DEP_SYSCLK_HZ=25000000
