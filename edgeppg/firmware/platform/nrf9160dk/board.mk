# Nordic nRF9160 DK (Cortex-M33 at 64 MHz, run in the Secure state it resets into): CLOCK at 0x50005000, UARTE0
# at 0x50008000 (their Secure addresses), the VCOM on P0.29 (TX) / P0.28 (RX).
ARCH := -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16
BSP_SHARED := nrf_uarte cycles
BOARD_DEFINES := -DEP_NRF_CLOCK=0x50005000u -DEP_NRF_UARTE=0x50008000u -DEP_NRF_TX_PIN=29u -DEP_NRF_RX_PIN=28u
TFLM_ARCH := cortex-m33  # TensorFlow Lite Micro's TARGET_ARCH for this core (same float ABI as ARCH)
TFLM_CPU := M33
