# ST NUCLEO-F767ZI (STM32F767ZI: Cortex-M7 with double-precision FPU; run at its 16 MHz reset clock, HSI).
ARCH := -mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16
BSP_SHARED := cycles
BOARD_DEFINES :=
TFLM_ARCH := cortex-m7+fp  # TensorFlow Lite Micro's TARGET_ARCH for this core (same float ABI as ARCH)
TFLM_CPU := M7
