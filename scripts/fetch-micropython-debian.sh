#!/usr/bin/env bash
# MicroPython 1.25.0 as Debian's source package, unpacked into $1
# (called by fetch-micropython.sh).
# Uses a private apt configuration (nothing under /etc is changed) whose
# deb-src line reuses the Debian mirror already named in the machine's apt
# sources. The upstream tarball is pinned by sha256; the Debian revision is
# whatever the mirror carries for 1.25.0 (mirrors keep only the current one).
set -euo pipefail

DEST=${1:?usage: fetch-micropython.sh DEST_DIR}
UPSTREAM=1.25.0+ds
ORIG=micropython_${UPSTREAM}.orig.tar.xz
ORIG_SHA256=7b25be99a502f070b2de81dafc08da7051d992325d6e67daa9045a918fffdbea
. "$(dirname "$0")/apt-private.sh"
apt_private micropython "deb-src trixie main"
version=$(apt-cache "${APT[@]}" showsrc micropython | awk '/^Version:/{print $2}' |
          grep -F "${UPSTREAM}-" | sort -V | tail -n 1)
[ -n "$version" ] || { echo "micropython: no ${UPSTREAM} source package on the mirror" >&2; exit 1; }
echo "micropython: fetching source package $version"
(cd "$work" && apt-get "${APT[@]}" source --download-only "micropython=$version" >/dev/null)

echo "$ORIG_SHA256  $work/$ORIG" | sha256sum -c --quiet - ||
  { echo "micropython: sha256 mismatch for $ORIG" >&2; exit 1; }

mkdir -p "$DEST"
tar -xf "$work/$ORIG" -C "$DEST" --strip-components=1
