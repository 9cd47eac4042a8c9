#!/usr/bin/env bash
# Prepares a MicroPython tree (build/micropython-X) for the rp2 port: unpacks
# the pico-sdk, TinyUSB and micropython-lib at the commits that MicroPython
# version pins, from ../shared/vendor (sha256-checked), into its lib/; then
# makes the port obey MICROPY_SSL_MBEDTLS=OFF (lib/mbedtls is not vendored):
# a small, idempotent edit of the unpacked tree, never of a user's checkout.
#   scripts/rp2-tree.sh <micropython dir> <sdk commit> <tinyusb commit> <micropython-lib commit>
set -euo pipefail
mpy=$1; sdk=$2; tusb=$3; mlib=$4
vendor=${UAIO_VENDOR:-$(cd "$(dirname "$0")/.." && pwd)/../shared/vendor}

unpack() { # <lib folder> <tarball stem>
  local dir=$mpy/lib/$1 tarball=$vendor/$2.tar.xz
  if [ -e "$dir/.uaio-$2" ]; then return; fi
  [ -f "$tarball" ] || { echo "rp2-tree: $tarball is missing" >&2; exit 1; }
  (cd "$vendor" && grep " $2.tar.xz\$" SHA256SUMS | sha256sum -c --quiet -) ||
    { echo "rp2-tree: $tarball fails its sha256 check" >&2; exit 1; }
  rm -rf "$dir" && mkdir -p "$dir"
  tar xJf "$tarball" -C "$dir" --strip-components=1
  touch "$dir/.uaio-$2"
  echo "rp2-tree: $2 unpacked into $dir"
}
unpack pico-sdk "pico-sdk-$sdk"
unpack tinyusb "tinyusb-$tusb"
unpack micropython-lib "micropython-lib-$mlib"

port=$mpy/ports/rp2
if ! grep -q 'uaio: SSL optional' "$port/CMakeLists.txt"; then
  # The port forces mbedtls on, links it and builds its glue unconditionally.
  python3 - "$port" <<'PY'
import re, sys
port = sys.argv[1]
def edit(name, old, new):
    path = f"{port}/{name}"
    text = open(path).read()
    if old not in text:
        sys.exit(f"rp2-tree: {name}: '{old.strip()}' not found (another MicroPython version?)")
    open(path, "w").write(text.replace(old, new, 1))
edit("CMakeLists.txt", "set(MICROPY_SSL_MBEDTLS ON)\n",
     "if(NOT DEFINED MICROPY_SSL_MBEDTLS) # uaio: SSL optional\n    set(MICROPY_SSL_MBEDTLS ON)\nendif()\n")
edit("CMakeLists.txt", "target_link_libraries(${MICROPY_TARGET} micropy_lib_mbedtls)\n",
     "if(MICROPY_SSL_MBEDTLS)\n    target_link_libraries(${MICROPY_TARGET} micropy_lib_mbedtls)\nendif()\n")
edit("mbedtls/mbedtls_port.c", "#ifdef MICROPY_SSL_MBEDTLS", "#if MICROPY_SSL_MBEDTLS")
path = f"{port}/mpconfigport.h"
text = open(path).read()
for name in ("MICROPY_SSL_MBEDTLS", "MICROPY_PY_CRYPTOLIB", "MICROPY_PY_HASHLIB_MD5", "MICROPY_PY_HASHLIB_SHA1"):
    text, n = re.subn(rf"^(#define {name} .*)$", rf"#ifndef {name}\n\1\n#endif", text, count=1, flags=re.M)
    if n != 1:
        sys.exit(f"rp2-tree: mpconfigport.h: {name} not found")
open(path, "w").write(text)
PY
  echo "rp2-tree: $port made to obey MICROPY_SSL_MBEDTLS=OFF"
fi
