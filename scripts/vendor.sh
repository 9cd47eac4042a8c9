#!/usr/bin/env bash
# Unpack a third-party tarball from ../shared/vendor into a build folder,
# after checking it against the folder's SHA256SUMS.
# Usage: vendor.sh NAME DEST   e.g. vendor.sh microdot-118f4ef build/vendor/microdot
#   NAME: the tarball's name without .tar.xz; DEST: emptied and filled with
#   the tarball's contents (its top folder stripped). Nothing is done when
#   DEST already holds NAME (a stamp file .vendor records it).
# UAIO_VENDOR overrides the vendor folder.
set -euo pipefail

NAME=${1:?usage: vendor.sh NAME DEST}
DEST=${2:?usage: vendor.sh NAME DEST}
HERE=$(cd "$(dirname "$0")" && pwd)
VENDOR=${UAIO_VENDOR:-$HERE/../../shared/vendor}
TARBALL=$VENDOR/$NAME.tar.xz

[ "$(cat "$DEST/.vendor" 2>/dev/null)" = "$NAME" ] && exit 0
[ -f "$TARBALL" ] || { echo "vendor: $TARBALL not found" >&2; exit 1; }
line=$(grep " $NAME.tar.xz\$" "$VENDOR/SHA256SUMS") ||
  { echo "vendor: $NAME.tar.xz has no line in $VENDOR/SHA256SUMS" >&2; exit 1; }
(cd "$VENDOR" && echo "$line" | sha256sum -c --quiet -) ||
  { echo "vendor: sha256 mismatch for $TARBALL" >&2; exit 1; }
# Unpack beside DEST, then move into place, so that an interrupted unpack
# never leaves a DEST that looks complete.
rm -rf "$DEST" "$DEST.tmp"
mkdir -p "$DEST.tmp"
tar -xJf "$TARBALL" -C "$DEST.tmp" --strip-components=1
echo "$NAME" > "$DEST.tmp/.vendor"
mv "$DEST.tmp" "$DEST"
echo "vendor: $NAME unpacked into $DEST"
