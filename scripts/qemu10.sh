#!/usr/bin/env bash
# qemu-system-arm 10 (Debian bookworm-backports) unpacked into $1 (default
# build/qemu10), beside the system's qemu: its machine b-l475e-iot01a models
# the STM32L475 of the B-L475E-IOT01A. A private apt configuration (nothing
# under /etc is changed) reuses the Debian mirror named in the machine's apt
# sources; the .debs are downloaded and unpacked with dpkg-deb -x; the
# system's libraries serve (bookworm's, which backports builds against).
# Nothing is done when $1/bin/qemu-system-arm runs.
set -euo pipefail
DEST=$(mkdir -p "${1:-build/qemu10}" && cd "${1:-build/qemu10}" && pwd)
SUITE=bookworm-backports
if [ -x "$DEST/bin/qemu-system-arm" ] && "$DEST/bin/qemu-system-arm" --version | grep -q 'version 10\.'; then
  exit 0
fi
. "$(dirname "$0")/apt-private.sh"
apt_private qemu10 "deb $SUITE main" "deb bookworm main"
version=$(apt-cache "${APT[@]}" madison qemu-system-arm | awk -F'|' '{gsub(/ /,"",$2); print $2}' |
          grep '^1:10\.0' | sort -V | tail -n 1)
[ -n "$version" ] || { echo "qemu10: no qemu-system-arm 1:10.0.x in $SUITE" >&2; exit 1; }
echo "qemu10: qemu-system-arm $version"
cd "$work"
apt-get "${APT[@]}" download "qemu-system-arm=$version" "qemu-system-data=$version" >/dev/null
for deb in ./*.deb; do dpkg-deb -x "$deb" "$work/root"; done
# Libraries the binary needs that the system lacks or has too old.
missing=$(LD_LIBRARY_PATH= ldd "$work/root/usr/bin/qemu-system-arm" 2>&1 | awk '/not found/{print $1}' || true)
[ -z "$missing" ] || { echo "qemu10: libraries missing from the system: $missing" >&2; exit 1; }
rm -rf "$DEST" && mkdir -p "$DEST/bin"
cp -a "$work/root/usr" "$DEST/"
# It also looks for its modules (none are needed headless) where the
# system's qemu 7.2 keeps its own, and says on stderr that those do not load;
# run-tests.py's execpty reads the pty's name from the first stderr line:
# the wrapper drops those lines.
mkdir -p "$DEST/usr/lib/qemu-modules"
cat > "$DEST/bin/qemu-system-arm" <<'SH'
#!/bin/bash
here=$(cd "$(dirname "$0")/.." && pwd)
export QEMU_MODULE_DIR=$here/usr/lib/qemu-modules
exec "$here/usr/bin/qemu-system-arm" -L "$here/usr/share/qemu" "$@" \
  2> >(grep --line-buffered -v -e 'failed to initialize module' -e 'failed to open module' \
         -e '^Only modules from the same build can be loaded' >&2)
SH
chmod +x "$DEST/bin/qemu-system-arm"
"$DEST/bin/qemu-system-arm" --version | head -1
