# BBC micro:bit v1 (nRF51822: Cortex-M0 at 16 MHz, 256 KiB flash, 16 KiB RAM): the kernels' plain C, soft float.
ARCH := -mcpu=cortex-m0 -mthumb -mfloat-abi=soft
BSP_SHARED := cycles
BOARD_DEFINES := -DEP_CYCLES_SYSTICK  # the M0 has no DWT cycle counter
TFLM_ARCH := cortex-m0  # TensorFlow Lite Micro's TARGET_ARCH for this core (same float ABI as ARCH)
TFLM_CPU := M0
