#!/bin/sh
# Host test of port/micropython.cmake (no ESP-IDF, no pico-sdk): configures
# tests/cmake for each platform the module knows, two platforms it doesn't,
# and builds the ESP32-C3 core through the module's cargo target.
#   sh tests/cmake/run.sh [BUILD_DIR] [MICROPY_DIR]
# One line per check, then "N passed, M failed"; exits 1 on any failure.
cd "$(dirname "$0")/../.." || exit 1
unset UAIO_PROFILE   # each check sets its own
OUT=${1:-build/cmake}
MPY=${2:-build/micropython}
case $MPY in /*) ;; *) MPY=$(pwd)/$MPY ;; esac
pass=0 fail=0
mkdir -p "$OUT"

result() { # status, description, log
	if [ "$1" = 0 ]; then
		pass=$((pass + 1)); echo "PASS $2"
	else
		fail=$((fail + 1)); echo "FAIL $2 (log: $3)"
	fi
}

# configure NAME EXPECTED_TRIPLE -DVAR=VALUE...: must succeed, checks passing.
configure() {
	name=$1 triple=$2; shift 2
	rm -rf "$OUT/$name"   # no cached UAIO_CARGO_TARGET from a previous run
	cmake -S tests/cmake -B "$OUT/$name" -DEXPECT_TRIPLE="$triple" "$@" >"$OUT/$name.log" 2>&1
	st=$?
	n=$(sed -n 's/^-- uaio: \([0-9]*\) checks passed$/\1/p' "$OUT/$name.log")
	result $st "configure $* -> $triple (${n:-0} checks)" "$OUT/$name.log"
}

# refuse NAME TEXT -DVAR=VALUE...: configure must fail, saying TEXT.
refuse() {
	name=$1 text=$2; shift 2
	rm -rf "$OUT/$name"
	if cmake -S tests/cmake -B "$OUT/$name" "$@" >"$OUT/$name.log" 2>&1; then
		st=1
	else
		# CMake wraps the message: compare with whitespace squeezed.
		tr -s ' \n' '  ' <"$OUT/$name.log" | grep -qF "$text"; st=$?
	fi
	result $st "configure ${*:-(no platform)} fails: $text" "$OUT/$name.log"
}

configure esp32c3 riscv32imc-unknown-none-elf -DIDF_TARGET=esp32c3
configure explicit riscv32imac-unknown-none-elf -DIDF_TARGET=esp32c3 -DUAIO_CARGO_TARGET=riscv32imac-unknown-none-elf
configure esp32c2 riscv32imc-unknown-none-elf -DIDF_TARGET=esp32c2
configure esp32c6 riscv32imac-unknown-none-elf -DIDF_TARGET=esp32c6
configure esp32h2 riscv32imac-unknown-none-elf -DIDF_TARGET=esp32h2
configure esp32 xtensa-esp32-none-elf -DIDF_TARGET=esp32
configure esp32s2 xtensa-esp32s2-none-elf -DIDF_TARGET=esp32s2
configure esp32s3 xtensa-esp32s3-none-elf -DIDF_TARGET=esp32s3
configure rp2040 thumbv6m-none-eabi -DPICO_PLATFORM=rp2040
configure rp2350 thumbv8m.main-none-eabi -DPICO_PLATFORM=rp2350
configure rp2350hf thumbv8m.main-none-eabihf -DPICO_PLATFORM=rp2350-arm-s -DPICO_HARD_FLOAT_ABI=1
configure rp2350rv riscv32imac-unknown-none-elf -DPICO_PLATFORM=rp2350-riscv
# MicroPython's own py/usermod.cmake in place of the stand-in.
configure micropython riscv32imc-unknown-none-elf -DIDF_TARGET=esp32c3 \
	-DMICROPY_USERMOD_CMAKE="$MPY/py/usermod.cmake"

# UAIO_PROFILE: lean adds UAIO_PROFILE_LEAN=1 (also from the environment,
# as make passes it on); full the C Stream (streamio.c, UAIO_STREAMIO=1);
# anything but lean, default, full is refused.
configure lean thumbv6m-none-eabi -DPICO_PLATFORM=rp2040 -DUAIO_PROFILE=lean \
	"-DEXPECT_DEFS=MICROPY_PY_ASYNCIO=(0);UAIO_MPEVENT=1;UAIO_PROFILE_LEAN=1"
export UAIO_PROFILE=lean
configure leanenv thumbv6m-none-eabi -DPICO_PLATFORM=rp2040 \
	"-DEXPECT_DEFS=MICROPY_PY_ASYNCIO=(0);UAIO_MPEVENT=1;UAIO_PROFILE_LEAN=1"
unset UAIO_PROFILE
configure full thumbv6m-none-eabi -DPICO_PLATFORM=rp2040 -DUAIO_PROFILE=full -DEXPECT_STREAMIO=ON \
	"-DEXPECT_DEFS=MICROPY_PY_ASYNCIO=(0);UAIO_MPEVENT=1;UAIO_STREAMIO=1"
refuse badprofile "uaio: UAIO_PROFILE=tiny: expected lean, default or full" -DPICO_PLATFORM=rp2040 -DUAIO_PROFILE=tiny
refuse unknown "uaio: no Rust target known for IDF_TARGET=esp32p9. Set UAIO_CARGO_TARGET" -DIDF_TARGET=esp32p9
refuse noplatform "uaio: neither IDF_TARGET (esp32) nor PICO_PLATFORM (rp2) is set"

# The core for the ESP32-C3, built by the module's own cargo target into a
# target dir of the test's (a real build, not the one `make` left); and a
# host C object compiled with the module's definitions.
case $OUT in /*) cargo_dir=$OUT/cargo ;; *) cargo_dir=$(pwd)/$OUT/cargo ;; esac
configure build riscv32imc-unknown-none-elf -DIDF_TARGET=esp32c3 -DUAIO_TEST_COMPILE=ON \
	-DUAIO_CARGO_TARGET_DIR="$cargo_dir" -DEXPECT_TARGET_DIR="$cargo_dir"
cmake --build "$OUT/build" --target uaio_probe >"$OUT/probe.log" 2>&1
result $? "host C compile sees MICROPY_PY_ASYNCIO=(0)" "$OUT/probe.log"
lib=$cargo_dir/riscv32imc-unknown-none-elf/release/libuaio.a
cmake --build "$OUT/build" --target uaio_cargo >"$OUT/build.log" 2>&1 &&
	readelf -h "$lib" >>"$OUT/build.log" 2>&1 &&
	grep -q 'Machine: *RISC-V' "$OUT/build.log" &&
	! grep 'Flags:' "$OUT/build.log" | grep -qv 'RVC, soft-float ABI'
result $? "cmake --build --target uaio_cargo: libuaio.a for riscv32imc is RISC-V, RVC, soft-float" "$OUT/build.log"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
