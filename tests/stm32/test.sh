#!/usr/bin/env bash
# uaio on stm32 (make test-stm32): the Rust target that port/rust_target.mk
# picks, and a hard-float Cortex-M4 image linked against the core.
#   tests/stm32/test.sh OUT_DIR [MICROPYTHON_DIR]
# Run from the repository root, after cargo built the thumbv7em-none-eabihf core.
set -u
OUT=$1
MPY=${2:-}
LIB=target/thumbv7em-none-eabihf/release/libuaio.a
CPU="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"
mkdir -p "$OUT"
pass=0 fail=0
ok() { echo "PASS $*"; pass=$((pass + 1)); }
ko() { echo "FAIL $*"; fail=$((fail + 1)); }

# --- The target, from the fragment alone -----------------------------------

# The fragment's UAIO_CARGO_TARGET for these variables, or its error; given
# CFLAGS, also the recipe's check against them.
pick() {
	make --no-print-directory -s -f port/rust_target.mk \
		--eval 'uaio-show: ; @echo "$(if $(CFLAGS),$(call uaio_check_float_abi,$(CFLAGS)))$(UAIO_CARGO_TARGET)"' \
		uaio-show "$@" 2>&1 | sed 's/.*\*\*\* //'
}
# want: the target, "-" for none, or "error: <part of the message>".
case_() {
	local what=$1 want=$2; shift 2
	local got; got=$(pick "$@")
	case "$want" in
	error:*) [[ $got == *"${want#error: }"* ]] ;;
	-) [[ -z $got ]] ;;
	*) [[ $got == "$want" ]] ;;
	esac && ok "target: $what -> $want" || ko "target: $what: want $want, got '$got'"
}
F4="CMSIS_MCU=STM32F405xx MCU_SERIES=f4"
# The series alone, as when py.mk includes the module (stm32.mk comes later).
case_ "f4" thumbv7em-none-eabihf $F4
case_ "f7" thumbv7em-none-eabihf CMSIS_MCU=STM32F767xx MCU_SERIES=f7
case_ "h7" thumbv7em-none-eabihf CMSIS_MCU=STM32H743xx MCU_SERIES=h7
case_ "l4" thumbv7em-none-eabihf CMSIS_MCU=STM32L476xx MCU_SERIES=l4
case_ "g4" thumbv7em-none-eabihf CMSIS_MCU=STM32G474xx MCU_SERIES=g4
case_ "wb" thumbv7em-none-eabihf CMSIS_MCU=STM32WB55xx MCU_SERIES=wb
case_ "h5 (M33)" thumbv7em-none-eabihf CMSIS_MCU=STM32H573xx MCU_SERIES=h5
case_ "wl (M4, no FPU)" thumbv7em-none-eabi CMSIS_MCU=STM32WL55xx MCU_SERIES=wl
case_ "f0" thumbv6m-none-eabi CMSIS_MCU=STM32F091xC MCU_SERIES=f0
case_ "g0" thumbv6m-none-eabi CMSIS_MCU=STM32G0B1xx MCU_SERIES=g0
case_ "l0" thumbv6m-none-eabi CMSIS_MCU=STM32L073xx MCU_SERIES=l0
case_ "l1" thumbv7m-none-eabi CMSIS_MCU=STM32L152xE MCU_SERIES=l1
case_ "f2" thumbv7m-none-eabi CMSIS_MCU=STM32F205xx MCU_SERIES=f2
# The series and its flags, as stm32.mk spells them.
case_ "f4 -mfloat-abi=hard" thumbv7em-none-eabihf $F4 CFLAGS_MCU_f4="-mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard -mcpu=cortex-m4"
case_ "f4 -mfloat-abi=soft" thumbv7em-none-eabi $F4 CFLAGS_MCU_f4="-mthumb -mfloat-abi=soft -mcpu=cortex-m4"
case_ "f4 -mfloat-abi=softfp" thumbv7em-none-eabi $F4 CFLAGS_MCU_f4="-mthumb -mfloat-abi=softfp -mcpu=cortex-m4"
case_ "f4 -msoft-float" thumbv7em-none-eabi $F4 CFLAGS_MCU_f4="-mthumb -msoft-float -mcpu=cortex-m4"
case_ "f4 hard then soft (last wins)" thumbv7em-none-eabi $F4 CFLAGS_MCU_f4="-mfloat-abi=hard -mfloat-abi=soft"
# A target given on the command line is kept, or refused.
case_ "f4 given eabihf" thumbv7em-none-eabihf $F4 UAIO_CARGO_TARGET=thumbv7em-none-eabihf
case_ "f4 given eabi (mismatch)" "error: -mfloat-abi=hard but UAIO_CARGO_TARGET=thumbv7em-none-eabi is soft-float: set UAIO_CARGO_TARGET=thumbv7em-none-eabihf" \
	$F4 UAIO_CARGO_TARGET=thumbv7em-none-eabi
case_ "f0 given eabihf (mismatch)" "error: -mfloat-abi=soft but UAIO_CARGO_TARGET=thumbv7em-none-eabihf is hard-float: set UAIO_CARGO_TARGET=thumbv6m-none-eabi" \
	CMSIS_MCU=STM32F091xC MCU_SERIES=f0 UAIO_CARGO_TARGET=thumbv7em-none-eabihf
case_ "f4 soft given eabihf (mismatch)" "error: set UAIO_CARGO_TARGET=thumbv7em-none-eabi" \
	$F4 CFLAGS_MCU_f4=-mfloat-abi=soft UAIO_CARGO_TARGET=thumbv7em-none-eabihf
case_ "n6 (M55)" thumbv7em-none-eabihf CMSIS_MCU=STM32N657xx MCU_SERIES=n6
case_ "unknown series" "error: no Rust target known for stm32 series 'xx': set UAIO_CARGO_TARGET" \
	CMSIS_MCU=STM32XX00xx MCU_SERIES=xx
# Other ports: untouched, but the recipe still checks a thumb target.
case_ "unix (nothing set)" - CFLAGS=-O2
case_ "qemu (thumbv7m, soft)" thumbv7m-none-eabi UAIO_CARGO_TARGET=thumbv7m-none-eabi CFLAGS="-mthumb -mcpu=cortex-m3 -mfloat-abi=soft"
case_ "nrf's MCU_SERIES=m4 is not stm32" - MCU_SERIES=m4 CMSIS_MCU=NRF52840_XXAA
case_ "recipe: eabihf with soft CFLAGS" "error: -mfloat-abi=soft but UAIO_CARGO_TARGET=thumbv7em-none-eabihf is hard-float" \
	UAIO_CARGO_TARGET=thumbv7em-none-eabihf CFLAGS="-mthumb -mcpu=cortex-m4 -mfloat-abi=soft"

# --- The idle wait the module fragment picks --------------------------------

# port/micropython.mk's wait file, its define and the archive path.
wait_pick() {
	make --no-print-directory -s -f port/micropython.mk USERMOD_DIR="$PWD/port" BUILD="$OUT/wp" \
		--eval 'uaio-show: ; @echo "$(filter port_%,$(notdir $(SRC_USERMOD_C))) $(filter -DUAIO_MPEVENT% -DUAIO_CORTEXM=%,$(CFLAGS_USERMOD)) $(UAIO_LIB)"' \
		uaio-show "$@" 2>&1 | tail -1
}
wait_case() {
	local what=$1 want=$2; shift 2
	local got; got=$(wait_pick "$@")
	[[ $got == "$want" ]] && ok "wait: $what" || ko "wait: $what: want '$want', got '$got'"
}
wait_case "unix: poll(2), no wait file" "  $PWD/target/release/libuaio.a"
wait_case "stm32: the port's event wait" "port_mpevent.c -DUAIO_MPEVENT=1 $PWD/target/thumbv7em-none-eabihf/release/libuaio.a" \
	CMSIS_MCU=STM32F405xx MCU_SERIES=f4
wait_case "qemu: SysTick and WFI" "port_cortexm.c -DUAIO_CORTEXM=1 $PWD/target/thumbv7m-none-eabi/release/libuaio.a" \
	UAIO_CARGO_TARGET=thumbv7m-none-eabi UAIO_CORTEXM=1 UAIO_CORTEXM_HZ=25000000
wait_case "CARGO_TARGET_DIR is where the archive is" "port_mpevent.c -DUAIO_MPEVENT=1 $(cd "$OUT" && pwd)/ctd/thumbv6m-none-eabi/release/libuaio.a" \
	UAIO_CARGO_TARGET=thumbv6m-none-eabi CARGO_TARGET_DIR="$OUT/ctd"

# Thumb-1 only: MicroPython's long jump from nlr_push to nlr_push_tail (the
# short one does not reach under NUCLEO_G0B1RE's LTO with uaio linked in).
nlr_pick() {
	make --no-print-directory -s -f port/micropython.mk USERMOD_DIR="$PWD/port" BUILD="$OUT/wp" \
		--eval 'uaio-show: ; @echo "$(filter -DMICROPY_NLR_%,$(CFLAGS_USERMOD))"' uaio-show "$@" 2>&1 | tail -1
}
[[ $(nlr_pick CMSIS_MCU=STM32G0B1xx MCU_SERIES=g0) == "-DMICROPY_NLR_THUMB_USE_LONG_JUMP=1" ]] \
	&& ok "nlr: g0 (thumbv6m) gets MICROPY_NLR_THUMB_USE_LONG_JUMP=1" || ko "nlr: g0: '$(nlr_pick CMSIS_MCU=STM32G0B1xx MCU_SERIES=g0)'"
[[ -z $(nlr_pick CMSIS_MCU=STM32F405xx MCU_SERIES=f4) ]] \
	&& ok "nlr: f4 (thumbv7em) keeps MicroPython's short branch" || ko "nlr: f4: '$(nlr_pick CMSIS_MCU=STM32F405xx MCU_SERIES=f4)'"

# loop.c's choice of the hook: a target with none is a compile error, and a
# build that names a wait without its file is a link error.
sed -n '/^\/\/ The idle wait: one per kind of host/,/^#endif/p' csrc/loop.c >"$OUT/hook.h"
printf '#include <stdint.h>\n#include "hook.h"\nint32_t (*hook)(void *, int64_t) = IDLE_WAIT;\nint main(void) { return 0; }\n' >"$OUT/hook.c"
if [[ $(wc -l <"$OUT/hook.h") -gt 5 ]]; then
	arm-none-eabi-gcc $CPU -c "$OUT/hook.c" -o "$OUT/hook.o" 2>"$OUT/hook.log"
	grep -q 'error: #error "uaio: no idle wait for this target' "$OUT/hook.log" \
		&& ok "wait: a bare-metal build without a wait file does not compile" \
		|| ko "wait: no wait file: want the #error, got: $(head -3 "$OUT/hook.log")"
	arm-none-eabi-gcc $CPU -DUAIO_MPEVENT=1 -nostartfiles -Wl,--unresolved-symbols=report-all \
		"$OUT/hook.c" -o "$OUT/hook.elf" 2>"$OUT/hook.log"
	grep -q 'undefined reference to `uaio_mpevent_idle_wait' "$OUT/hook.log" \
		&& ok "wait: UAIO_MPEVENT=1 without port_mpevent.c does not link" \
		|| ko "wait: UAIO_MPEVENT=1 without its file: want an undefined reference, got: $(head -3 "$OUT/hook.log")"
else
	ko "wait: the hook selection is not found in csrc/loop.c"
fi

# --- The target, in MicroPython's stm32 Makefile ---------------------------

# Every board: the guess made while py.mk includes the module must agree with
# the CFLAGS stm32.mk sets afterwards (the recipe's check), or the build stops.
if [[ -n $MPY && -f $MPY/ports/stm32/Makefile ]]; then
	boards=$(cd "$MPY/ports/stm32/boards" && ls -d */ | tr -d / | while read -r b; do
		[[ -f $b/mpconfigboard.mk ]] && echo "$b"; done)
	bad=$(for b in $boards; do echo "$b"; done | xargs -P "$(nproc)" -I{} sh -c '
		r=$(make --no-print-directory -s -C "$1/ports/stm32" BOARD={} USER_C_MODULES="$2" BUILD="$3/probe-{}" \
			--eval "uaio-show: ; @echo \"\$(call uaio_check_float_abi,\$(CFLAGS))\$(UAIO_CARGO_TARGET)\"" \
			uaio-show 2>&1 | tail -1)
		case "$r" in thumb*-none-eabi|thumb*-none-eabihf) ;; *) echo "{}: $r";; esac' _ "$MPY" "$PWD" "$OUT")
	# A board that MicroPython's own makefiles refuse here (e.g. 1.28's
	# stm32.mk stops on GCC < 14.3 for the Cortex-M55 of N6) says nothing
	# about uaio: named and left out. uaio's own refusals start "uaio:".
	refused=$(echo "$bad" | grep -v "uaio:" | grep -E '^[A-Z0-9_]+: .*\*\*\* ' || true)
	bad=$(echo "$bad" | grep -vxF -f <(echo "$refused") || true)
	n=$(echo "$boards" | wc -w)
	[[ -n $refused ]] && echo "SKIP stm32 port: $(echo "$refused" | wc -l) boards refused by MicroPython itself here: $refused"
	[[ -z $bad ]] && ok "stm32 port: all $(( n - $(echo -n "$refused" | grep -c '^') )) other boards get a target that matches their final CFLAGS" \
		|| ko "stm32 port: $(echo "$bad" | wc -l) of $n boards: $bad"
	rm -rf "$OUT"/probe-*
else
	echo "SKIP stm32 port boards: no MicroPython at '$MPY'"
fi

# --- A hard-float image with every entry point -----------------------------

# The entry points, from the header, so that the list stays complete.
sed -n 's/^[A-Za-z_][A-Za-z0-9_ *]*[ *]\(uaio_[a-z0-9_]*\)(.*/UAIO_ENTRY(\1)/p' include/uaio.h >"$OUT/uaio_entries.h"
n=$(wc -l <"$OUT/uaio_entries.h")
img=$OUT/image.elf
rm -f "$img"
if arm-none-eabi-gcc $CPU -Os -ffunction-sections -fdata-sections -Wall -Werror -Iinclude -I"$OUT" \
	-c tests/stm32/link_all.c -o "$OUT/link_all.o" 2>"$OUT/cc.log" &&
	arm-none-eabi-gcc $CPU -nostartfiles -Wl,--gc-sections -Wl,-z,noexecstack \
		-T tests/stm32/link.ld -Wl,-T,port/arm_no_unwind.ld -Wl,-Map,"$OUT/image.map" \
		"$OUT/link_all.o" "$LIB" -lc -lgcc -o "$img" 2>"$OUT/ld.log"; then
	ok "image: $img links ($n entry points from include/uaio.h)"
else
	ko "image: does not build: $(cat "$OUT/cc.log" "$OUT/ld.log" | head -5)"
fi

undef=$(grep -o "undefined reference to \`[^']*'" "$OUT/ld.log" 2>/dev/null | sort -u | tr '\n' ' ')
[[ -f $img ]] && undef+=$(arm-none-eabi-nm -u "$img" | awk '{print $NF}' | tr '\n' ' ')
[[ -f $img && -z $undef ]] && ok "image: no undefined symbols" || ko "image: undefined: ${undef:-no image}"

dup=$(grep -o "multiple definition of \`[^']*'" "$OUT/ld.log" 2>/dev/null | sort -u | tr '\n' ' ')
[[ -f $img ]] && dup+=$(arm-none-eabi-nm -g --defined-only "$img" | awk '{print $3}' | sort | uniq -d | tr '\n' ' ')
[[ -f $img && -z $dup ]] && ok "image: no duplicate symbols" || ko "image: duplicates: ${dup:-no image}"

missing=$(sed 's/UAIO_ENTRY(\(.*\))/\1/' "$OUT/uaio_entries.h" | while read -r f; do
	arm-none-eabi-nm "$img" 2>/dev/null | grep -q " T $f\$" || echo "$f"; done | tr '\n' ' ')
[[ -f $img && -z $missing ]] && ok "image: all $n uaio_* entry points are in .text" || ko "image: missing: ${missing:-no image}"

# Host waits are cfg(unix): nothing on bare metal may reach for them.
host=$(arm-none-eabi-nm "$img" 2>/dev/null | awk '{print $NF}' | grep -xE 'p?poll|epoll_[a-z_]+|clock_gettime|__errno' | tr '\n' ' ')
[[ -f $img && -z $host ]] && ok "image: no host symbols (poll, ppoll, epoll_*, clock_gettime, __errno)" || ko "image: host symbols: ${host:-no image}"

unwind=$(arm-none-eabi-objdump -h "$img" 2>/dev/null | awk '$2 ~ /^\.ARM\.ex(idx|tab)/ {print $2}' | head -3 | tr '\n' ' ')
[[ -f $img && -z $unwind ]] && ok "image: no .ARM.exidx/.ARM.extab sections" || ko "image: unwind sections: ${unwind:-no image}"

vfp=$(arm-none-eabi-readelf -A "$img" 2>/dev/null | sed -n 's/^ *Tag_ABI_VFP_args: //p')
[[ $vfp == "VFP registers" ]] && ok "image: hard-float (Tag_ABI_VFP_args: VFP registers)" || ko "image: Tag_ABI_VFP_args: '${vfp:-none}'"

# What the core took from newlib and libgcc, for the record (not a check).
from=$(sed -n '/^Archive member included/,/^Discarded/p' "$OUT/image.map" 2>/dev/null |
	grep -oE '/lib(c|gcc)[a-z_]*\.a\([^)]*\)' | sed 's|.*/||' | sort -u | tr '\n' ' ')
echo "note: from libc/libgcc: ${from:-nothing (compiler_builtins in libuaio.a covers memcpy and 64-bit division)}"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
