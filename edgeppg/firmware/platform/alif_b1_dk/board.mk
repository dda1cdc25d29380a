# Alif Balletto B1 DevKit: the B1's Cortex-M55 (Helium, DSP, FPU; the RTSS-HE core at 160 MHz), its image loaded
# into the core's TCMs over the debug probe (edgeppg.mcu.flash), the console over the probe (SEGGER RTT).
# The DSP kernels by default; EP_MVE=1 builds the Helium ones, as on QEMU's M55.
ARCH := -mcpu=cortex-m55$(if $(EP_MVE),,+nomve) -mthumb -mfloat-abi=hard
BSP_SHARED := segger_rtt cycles
BOARD_DEFINES :=
TFLM_ARCH := cortex-m55  # TensorFlow Lite Micro's TARGET_ARCH for this core (same float ABI as ARCH)
TFLM_CPU := M55
