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

# qemu's STM32L4 USART faults on 16-bit access to TDR/RDR (CMSIS declares
# them uint16_t): the port's uart.c is made to access them as 32-bit words,
# which the real USARTs accept too. A small, idempotent edit of the unpacked
# tree, never of a user's checkout.
uart=$mpy/ports/stm32/uart.c
if ! grep -q 'uaio: 32-bit data register' "$uart"; then
  python3 - "$uart" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
edits = [
    ('#include "pendsv.h"\n', '#include "pendsv.h"\n\n// uaio: 32-bit data register access (qemu faults on 16-bit).\n#include <stddef.h>\n#define UART_DR32(uart, reg) (*(volatile uint32_t *)((uintptr_t)(uart) + offsetof(USART_TypeDef, reg)))\n'),
    ("int data = self->uartx->RDR & self->char_mask;", "int data = UART_DR32(self->uartx, RDR) & self->char_mask;"),
    ("uart->TDR = data;", "UART_DR32(uart, TDR) = data;"),
    ("int data = self->uartx->RDR; // clears", "int data = UART_DR32(self->uartx, RDR); // clears"),
]
for old, new in edits:
    if text.count(old) != 1:
        sys.exit(f"stm32-tree: uart.c: '{old.strip()}' not found once (another MicroPython version?)")
    text = text.replace(old, new)
open(path, "w").write(text)
PY
  echo "stm32-tree: $uart accesses TDR/RDR as 32-bit words"
fi

# NUCLEO_H743ZI without Ethernet (lwip is not vendored): a copy of the board
# folder without its MICROPY_HW_ETH_* pins, beside the tree (both images).
h7=$mpy/ports/stm32/boards/NUCLEO_H743ZI
noeth=$mpy/../stm32-boards/NUCLEO_H743ZI
if [ ! -f "$noeth/mpconfigboard.h" ] || [ "$h7/mpconfigboard.h" -nt "$noeth/mpconfigboard.h" ]; then
  rm -rf "$noeth" && mkdir -p "$(dirname "$noeth")" && cp -r "$h7" "$noeth"
  grep -v 'MICROPY_HW_ETH_' "$h7/mpconfigboard.h" > "$noeth/mpconfigboard.h"
  echo "stm32-tree: $noeth: NUCLEO_H743ZI without Ethernet"
fi
