"""Building and running the firmware: the cross toolchain, the build, QEMU's emulated Cortex-M4."""
