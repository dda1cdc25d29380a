# Nordic nRF52840 DK (Cortex-M4F at 64 MHz): CLOCK at 0x40000000, UARTE0 at 0x40002000, the VCOM on P0.06 / P0.08.
ARCH := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
BSP_SHARED := nrf_uarte cycles
BOARD_DEFINES := -DEP_NRF_CLOCK=0x40000000u -DEP_NRF_UARTE=0x40002000u -DEP_NRF_TX_PIN=6u -DEP_NRF_RX_PIN=8u
TFLM_ARCH := cortex-m4+fp  # TensorFlow Lite Micro's TARGET_ARCH for this core (same float ABI as ARCH)
TFLM_CPU := M4
