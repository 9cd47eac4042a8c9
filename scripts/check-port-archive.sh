#!/bin/sh
# Checks the Cortex-M port member of a bare-metal Arm libuaio.a (mk/port.mk):
# it is there, a member of its own, with the float ABI of the Rust members
# (readelf's Tag_ABI_VFP_args: "VFP registers" for eabihf, absent for soft),
# and no member defines SysTick_Handler.
set -eu
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
nm=arm-none-eabi-nm
readelf=arm-none-eabi-readelf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

member=$($nm -A --defined-only "$lib" 2>/dev/null | awk '$NF == "uaio_cm_idle_wait" { print $1 }' | sed 's/^[^:]*:\([^:]*\):.*/\1/')
[ -n "$member" ] || { echo "$lib: no member defines uaio_cm_idle_wait"; exit 1; }
if $nm -A --defined-only "$lib" 2>/dev/null | grep -q ' SysTick_Handler$'; then
	echo "$lib: defines SysTick_Handler"; exit 1
fi
# The member of the core's C API, compiled by rustc.
rust=$($nm -A --defined-only "$lib" 2>/dev/null | awk '$NF == "uaio_io_wait" { print $1 }' | sed 's/^[^:]*:\([^:]*\):.*/\1/')
[ -n "$rust" ] && [ "$rust" != "$member" ] || { echo "$lib: the port is not a member of its own"; exit 1; }
(cd "$tmp" && ar x "$lib" "$member" "$rust")
abi() { $readelf -A "$tmp/$1" | sed -n 's/^ *Tag_ABI_VFP_args: *//p'; }
c_abi=$(abi "$member")
r_abi=$(abi "$rust")
[ "$c_abi" = "$r_abi" ] || { echo "$lib: float ABI: C port '${c_abi:-soft}', Rust '${r_abi:-soft}'"; exit 1; }
echo "$lib: port member $member, float ABI ${c_abi:-soft (core registers)} as the Rust code"
