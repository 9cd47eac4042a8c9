#!/usr/bin/env bash
# Prepares a MicroPython tree (build/micropython-X) for the stm32 port: unpacks
# stm32lib, TinyUSB and micropython-lib from ../shared/vendor (sha256-checked,
# scripts/vendor.sh) into its lib/.
#   scripts/stm32-tree.sh <micropython dir> <stm32lib commit> <tinyusb commit> <micropython-lib commit>
set -euo pipefail
mpy=$1; st=$2; tusb=$3; mlib=$4
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/vendor.sh" "stm32lib-$st" "$mpy/lib/stm32lib"
bash "$here/vendor.sh" "tinyusb-$tusb" "$mpy/lib/tinyusb"
bash "$here/vendor.sh" "micropython-lib-$mlib" "$mpy/lib/micropython-lib"
