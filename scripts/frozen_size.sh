#!/bin/sh
# The flash a profile's frozen Python takes on a Cortex-M3 (MPS2_AN385):
# MicroPython's own makemanifest.py/mpy-tool.py freeze the profile's
# manifest against a qemu build's qstrs (GENHDR_BUILD, a build dir that has
# genhdr/), then arm-none-eabi-gcc compiles that C as the port would (-Os);
# text+data of the object (bytecode, raw-code tables, new qstrs).
#   scripts/frozen_size.sh MICROPY_DIR GENHDR_BUILD PROFILE [EXTRAS...]
# PROFILE "stock": MicroPython's own extmod/asyncio, for comparison.
set -e
MPY=$(cd "$1" && pwd) GEN=$2 PROFILE=$3; shift 3
ROOT=${UAIO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
extras=""
for e in "$@"; do extras="$extras\"$e\", "; done
if [ "$PROFILE" = stock ]; then
	echo 'include("$(MPY_DIR)/extmod/asyncio")' > "$OUT/manifest.py"
else
	printf 'include("%s/port/manifest.py", profile="%s", extras=(%s))\n' "$ROOT" "$PROFILE" "$extras" > "$OUT/manifest.py"
fi
mkdir -p "$OUT/build/genhdr"
cp "$GEN/genhdr/qstrdefs.preprocessed.h" "$OUT/build/genhdr/"
python3 "$MPY/tools/makemanifest.py" -o "$OUT/frozen.c" -b "$OUT/build" -f"-march=armv7m" \
	-v MPY_DIR="$MPY" -v MPY_LIB_DIR="$MPY/lib/micropython-lib" -v PORT_DIR="$MPY/ports/qemu" \
	-v BOARD_DIR="$MPY/ports/qemu/boards/MPS2_AN385" "$OUT/manifest.py" >/dev/null
cd "$MPY/ports/qemu"
arm-none-eabi-gcc -c -mthumb -mcpu=cortex-m3 -mfloat-abi=soft -Os -DNDEBUG -std=gnu99 \
	-DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_FLOAT -I. -I../.. -I"$GEN" -Iboards/MPS2_AN385 \
	"$OUT/frozen.c" -o "$OUT/frozen.o"
arm-none-eabi-size "$OUT/frozen.o" | awk -v p="$PROFILE $*" 'NR==2 {print p": "$1+$2" bytes (text "$1", data "$2")"}'
