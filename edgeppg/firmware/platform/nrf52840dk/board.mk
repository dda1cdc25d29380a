# Nordic nRF52840 (Cortex-M4F at 64 MHz).
ARCH := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
