#!/bin/sh
# Splits libuaio.a for a firmware link (port/micropython.mk, .cmake):
#   OUTDIR/libuaio_core.a  uaio's own objects: the crate's LTO object
#                          (uaio-*) and the C ports built into the archive
#                          (<hash>-uaio_*.o, staticlib/build.rs)
#   OUTDIR/libuaio_rt.a    the rest: Rust's compiler_builtins
# The firmware links core, then its own libgcc, then rt: the division,
# shift and memory helpers that libgcc or the port (pico-sdk's wrapped ones)
# already has are used, and rt only fills what nothing else provides. A
# symbol that neither has stays undefined: a link error, never a silent gap.
# Plain C users link the whole libuaio.a as before.
# Usage: split_lib.sh AR libuaio.a OUTDIR
set -eu
ar=$1 lib=$2
if [ ! -f "$lib" ]; then echo "split_lib.sh: no archive $lib" >&2; exit 1; fi
# Absolute paths: ar runs inside the work folder.
lib=$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")
out=$(mkdir -p "$3" && cd "$3" && pwd)
tmp=$out/split.tmp
rm -rf "$tmp" && mkdir -p "$tmp"
# binutils' LTO plugin cannot read the LLVM bitcode that Rust's objects also
# carry and says so for each member: only a failing ar's messages are shown.
run_ar() {
    "$ar" "$@" 2>"$tmp/ar.err" || { cat "$tmp/ar.err" >&2; exit 1; }
}
# (ar rcs says it on stdout.)
pack() {
    name=$1; shift
    (cd "$tmp" && "$ar" rcs "$name" "$@") >"$tmp/ar.err" 2>&1 || { cat "$tmp/ar.err" >&2; exit 1; }
}
members=$(run_ar t "$lib")
core_re='^uaio-|^[0-9a-f]+-uaio_'
core=$(printf '%s\n' "$members" | grep -E "$core_re" || true)
if [ -z "$core" ]; then
    echo "split_lib.sh: no uaio-* object in $lib (has rustc renamed it?)" >&2
    exit 1
fi
(cd "$tmp" && run_ar x "$lib")
# Members of the same name would overwrite each other when extracted.
if [ "$(printf '%s\n' "$members" | sort | uniq -d)" ]; then
    echo "split_lib.sh: $lib has members of the same name" >&2
    exit 1
fi
pack core.a $core
pack rt.a $(printf '%s\n' "$members" | grep -Ev "$core_re")
mv "$tmp/core.a" "$out/libuaio_core.a"
mv "$tmp/rt.a" "$out/libuaio_rt.a"
rm -rf "$tmp"
