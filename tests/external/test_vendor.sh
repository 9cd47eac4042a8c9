#!/usr/bin/env bash
# scripts/vendor.sh's checks: a tarball whose sha256 is not the listed one,
# one with no line in SHA256SUMS, and a missing one are refused (exit 1,
# nothing unpacked); a good one is unpacked once, then left alone.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
VENDOR_SH=$HERE/../../scripts/vendor.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
check() { if eval "$2"; then echo "  ok   $1"; else echo "  FAIL $1"; fails=$((fails + 1)); fi; }

mkdir -p "$T/src/good-1/sub" "$T/vendor"
echo hello > "$T/src/good-1/sub/file.txt"
tar -cJf "$T/vendor/good-1.tar.xz" -C "$T/src" good-1
cp "$T/vendor/good-1.tar.xz" "$T/vendor/bad-1.tar.xz"
cp "$T/vendor/good-1.tar.xz" "$T/vendor/unlisted-1.tar.xz"
(cd "$T/vendor" && sha256sum good-1.tar.xz > SHA256SUMS &&
  echo "0000000000000000000000000000000000000000000000000000000000000000  bad-1.tar.xz" >> SHA256SUMS)

run() { UAIO_VENDOR=$T/vendor bash "$VENDOR_SH" "$@" >"$T/log" 2>&1; }
echo "scripts/vendor.sh:"
run bad-1 "$T/out/bad"
check "sha256 mismatch refused" '[ $? = 1 ] && grep -q "sha256 mismatch" "$T/log" && [ ! -e "$T/out/bad" ]'
run unlisted-1 "$T/out/unlisted"
check "tarball missing from SHA256SUMS refused" '[ $? = 1 ] && grep -q "no line in" "$T/log" && [ ! -e "$T/out/unlisted" ]'
run absent-1 "$T/out/absent"
check "missing tarball refused" '[ $? = 1 ] && grep -q "not found" "$T/log"'
run good-1 "$T/out/good"
check "good tarball unpacked, top folder stripped" '[ $? = 0 ] && [ "$(cat "$T/out/good/sub/file.txt")" = hello ]'
touch "$T/out/good/marker"
run good-1 "$T/out/good"
check "second call leaves it alone" '[ $? = 0 ] && [ -e "$T/out/good/marker" ] && [ ! -s "$T/log" ]'
exit $((fails > 0))
