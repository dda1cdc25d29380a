#!/usr/bin/env bash
# The Cortex-M4 tools: Arm's GCC with newlib, its C++ library (the TFLite Micro backend is C++), and
# QEMU's system emulator for Arm; and Chromium, the headless browser the model-card test renders cards in.
# Installs Debian's packages when they are missing and this is a Debian/Ubuntu machine where we are
# root; otherwise says what to install and carries on (everything but the cortex-m4 target works
# without them, and its tests say why they are skipped).
set -u
need=()
command -v arm-none-eabi-gcc >/dev/null 2>&1 || need+=(gcc-arm-none-eabi libnewlib-arm-none-eabi)
# libstdc++ for arm-none-eabi: without it g++ finds neither <cstdint> nor libsupc++.
if ! command -v arm-none-eabi-g++ >/dev/null 2>&1 || \
   [ "$(arm-none-eabi-g++ -print-file-name=libstdc++_nano.a)" = libstdc++_nano.a ]; then
  need+=(libstdc++-arm-none-eabi-newlib)
fi
command -v qemu-system-arm >/dev/null 2>&1 || need+=(qemu-system-arm)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing ${need[*]} (Debian packages) for the Cortex-M4 firmware"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
    exit 0
  fi
  echo "warning: apt-get could not install ${need[*]}; the cortex-m4 target and the tests that need these will be skipped" >&2
  exit 0
fi
cat >&2 <<MSG
warning: the Cortex-M4 firmware (and the model-card browser test) need: ${need[*]}
  Debian/Ubuntu: sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm chromium
  macOS:         brew install --cask gcc-arm-embedded chromium && brew install qemu
The cortex-m4 target and the tests that need these are skipped until they are installed.
MSG
exit 0
