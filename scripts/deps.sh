#!/usr/bin/env bash
# Install everything uaio's build and tests need on a fresh Debian machine.
# Idempotent: every step is skipped when its result is already there.
set -euo pipefail

APT_PKGS="build-essential pkg-config python3 python3-serial libffi-dev
  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm libclang-dev
  valgrind strace time iproute2 util-linux cmake dpkg-dev xz-utils"
RUST_TARGETS="thumbv7m-none-eabi thumbv7em-none-eabihf thumbv6m-none-eabi riscv32imc-unknown-none-elf"
CBINDGEN_VERSION=0.29.4
# make port-header / check-port-header (mk/port.mk pins the same version);
# it loads libclang from libclang-dev.
BINDGEN_VERSION=0.72.1

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=""
for p in $APT_PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "deps: apt-get install$missing"
  sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_ apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

command -v rustup >/dev/null || { echo "deps: rustup is required (https://rustup.rs)"; exit 1; }
installed=$(rustup target list --installed)
for t in $RUST_TARGETS; do
  echo "$installed" | grep -qx "$t" || rustup target add "$t"
done
rustup component list --installed | grep -q '^clippy' || rustup component add clippy
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
# make miri: nightly with Miri and the standard library's source (downgraded
# to the last nightly that has both, when the newest lacks one).
if ! rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^miri' ||
   ! rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src'; then
  rustup toolchain install nightly --profile minimal --allow-downgrade --component miri,rust-src
fi
cargo +nightly miri setup --print-sysroot >/dev/null

if ! cbindgen --version 2>/dev/null | grep -q " $CBINDGEN_VERSION\$"; then
  cargo install cbindgen --locked --version "$CBINDGEN_VERSION"
fi
if ! bindgen --version 2>/dev/null | grep -qx "bindgen $BINDGEN_VERSION"; then
  cargo install bindgen-cli --locked --version "$BINDGEN_VERSION"
fi
# make rp2-test: the rp2040js emulator, at the version tests/rp2/package.json
# and its lock pin, in tests/rp2/node_modules.
rp2_dir="$(cd "$(dirname "$0")/../tests/rp2" && pwd)"
if ! command -v npm >/dev/null; then # (a Node.js of another origin brings its own npm)
  echo "deps: apt-get install nodejs npm"
  DEBIAN_FRONTEND=noninteractive sudo_ apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if ! grep -q '"version": "1.4.1"' "$rp2_dir/node_modules/rp2040js/package.json" 2>/dev/null; then
  (cd "$rp2_dir" && npm ci --no-audit --no-fund --silent)
fi

# make stm32-test: qemu-system-arm 10 (bookworm-backports), unpacked into
# build/qemu10 beside the system's qemu (scripts/qemu10.sh; skipped when there).
bash "$(dirname "$0")/qemu10.sh" "$(dirname "$0")/../build/qemu10"
echo "deps: ok"
