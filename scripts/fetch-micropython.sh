#!/usr/bin/env bash
# Unpack MicroPython VERSION into DEST_DIR, from the first source that has it:
#   1.25.0:  Debian's source package (sha256-pinned upstream tarball);
#   others:  ../shared/vendor/micropython-VERSION.tar.xz (checked against its
#            SHA256SUMS), else a git clone of the release tag, checked against
#            the commit the tag must be;
#   1.28.0 with neither reachable: Debian's 1.25.0, with a message saying so.
# Usage: fetch-micropython.sh DEST_DIR [VERSION]   (VERSION: 1.28.0 by default)
set -euo pipefail

DEST=${1:?usage: fetch-micropython.sh DEST_DIR [VERSION]}
VERSION=${2:-1.28.0}
HERE=$(cd "$(dirname "$0")" && pwd)
VENDOR=${UAIO_VENDOR:-$HERE/../../shared/vendor}
UPSTREAM_GIT=https://github.com/micropython/micropython.git

# The commit each release tag must be (a clone is checked against it).
tag_commit() {
  case $1 in
    1.25.0) echo f498a16c7db6d4b2de200b3e0856528dfe0613c3 ;;
    1.26.1) echo 647c8b96cae7e202c7a020395b7cfe65e5b8ce04 ;;
    1.27.0) echo 78ff170de9e32c79db6e64d3e33d2bd60002bdcd ;;
    1.28.0) echo e0e9fbb17ed6fd06bb76e266ae554784c9c80804 ;;
    *) return 1 ;;
  esac
}

[ -f "$DEST/py/mpconfig.h" ] && { echo "micropython: already in $DEST"; exit 0; }

# Submodules are stripped from every source used here; the unix build needs
# only this file of micropython-lib (the port's default manifest is not used).
finish() {
  mkdir -p "$DEST/lib/micropython-lib" && touch "$DEST/lib/micropython-lib/README.md"
  echo "micropython: $1 unpacked into $DEST"
}

from_vendor() {
  [ -f "$VENDOR/$1.tar.xz" ] && bash "$HERE/vendor.sh" "$1" "$DEST"
}

from_git() {
  local commit work
  commit=$(tag_commit "$VERSION") || return 1
  command -v git >/dev/null || return 1
  work=$(mktemp -d)
  if ! timeout 300 git clone -q --depth 1 --branch "v$VERSION" "$UPSTREAM_GIT" "$work/mp" 2>/dev/null; then
    rm -rf "$work"; return 1
  fi
  [ "$(git -C "$work/mp" rev-parse HEAD)" = "$commit" ] ||
    { echo "micropython: tag v$VERSION is not $commit" >&2; rm -rf "$work"; exit 1; }
  rm -rf "$work/mp/.git"
  mkdir -p "$(dirname "$DEST")" && rm -rf "$DEST" && mv "$work/mp" "$DEST"
  rm -rf "$work"
}

case $VERSION in
  1.25.0) bash "$HERE/fetch-micropython-debian.sh" "$DEST"; finish "1.25.0 (Debian source package)" ;;
  master) from_vendor micropython-master-1c3c201 && finish "master 1c3c201 (vendor)" ||
            { echo "micropython: master is only in ../shared/vendor" >&2; exit 1; } ;;
  *)
    if from_vendor "micropython-$VERSION"; then
      finish "$VERSION (vendor tarball)"
    elif from_git; then
      finish "$VERSION (git tag v$VERSION)"
    elif [ "$VERSION" = 1.28.0 ]; then
      echo "micropython: 1.28.0 is neither in $VENDOR nor reachable upstream;" \
           "falling back to Debian's MicroPython 1.25.0" >&2
      bash "$HERE/fetch-micropython-debian.sh" "$DEST"
      finish "1.25.0 (Debian source package, fallback)"
    else
      echo "micropython: $VERSION is neither in $VENDOR nor reachable upstream" >&2; exit 1
    fi ;;
esac
