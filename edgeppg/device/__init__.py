"""What runs on the device, and the host's exact copy of it: the signal contract (rates, window,
classes), the resampler design, the tracker, and the device's own C compiled for the host.

Torch-free and data-free: the firmware stage imports only this, the code generator and edgeppg.mcu."""
