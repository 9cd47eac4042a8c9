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
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
if [ -x "$DEST/bin/qemu-system-arm" ] && "$DEST/bin/qemu-system-arm" --version | grep -q 'version 10\.'; then
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mirror=$( { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}';
            grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
              sed 's/\[[^]]*\]//' | awk '{print $2}'; } 2>/dev/null |
          grep -E '/debian/?$' | head -n 1 || true)
[ -n "$mirror" ] || { echo "qemu10: no Debian mirror found in the apt sources" >&2; exit 1; }
mkdir -p "$work/lists/partial" "$work/archives/partial"
{ echo "deb [signed-by=$KEYRING] ${mirror%/} $SUITE main"
  echo "deb [signed-by=$KEYRING] ${mirror%/} bookworm main"; } > "$work/sources.list"
APT=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o Dir::State::Lists="$work/lists" -o Dir::Cache::Archives="$work/archives"
     -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
apt-get "${APT[@]}" update -qq
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
