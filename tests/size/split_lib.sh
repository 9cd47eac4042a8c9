#!/bin/sh
# port/split_lib.sh, as the firmware glue uses it: a thumbv6m libuaio.a cut
# into the core and compiler_builtins; linked as core, libgcc, then the rest,
# with every entry point, the 64-bit helpers come from libgcc and nothing is
# left undefined; bad archives are refused with a message.
#   sh tests/size/split_lib.sh [WORK_DIR]
# One line per check, then "N passed, M failed"; exits 1 on any failure.
cd "$(dirname "$0")/../.." || exit 1
W=${1:-build/size-test}
rm -rf "$W" && mkdir -p "$W"
AR=arm-none-eabi-ar CC=arm-none-eabi-gcc NM=arm-none-eabi-nm
CPU="-mcpu=cortex-m0plus -mthumb"
pass=0 fail=0
check() { # status, description
	if [ "$1" = 0 ]; then pass=$((pass + 1)); echo "PASS $2"; else fail=$((fail + 1)); echo "FAIL $2"; fi
}

cargo build --quiet --release -p uaio-staticlib --target thumbv6m-none-eabi || exit 1
LIB=target/thumbv6m-none-eabi/release/libuaio.a
sh port/split_lib.sh $AR $LIB "$W"
check $? "split_lib.sh splits $LIB"
n_all=$($AR t $LIB 2>/dev/null | wc -l)
n_core=$($AR t "$W/libuaio_core.a" 2>/dev/null | wc -l)
n_rt=$($AR t "$W/libuaio_rt.a" 2>/dev/null | wc -l)
[ "$n_core" -ge 1 ] && [ $((n_core + n_rt)) = "$n_all" ]
check $? "every member in one part ($n_core core + $n_rt rt = $n_all)"
entries=$($NM -g --defined-only "$W/libuaio_core.a" 2>/dev/null | awk '$2 == "T" && $3 ~ /^uaio_/ {print $3}')
[ "$(echo "$entries" | grep -c .)" -ge 30 ]
check $? "the core part defines the entry points ($(echo "$entries" | grep -c .))"
! $NM -g --defined-only "$W/libuaio_rt.a" 2>/dev/null | grep -q ' T uaio_'
check $? "the rt part defines none (the C ports built into the archive are core too)"

# Every entry point linked as the firmware links them: core, the RTABI
# memory helpers, libgcc, rt, with the firmware's own memcpy/memmove/memset
# (a stand-in here). Undefined symbols fail the link.
$CC $CPU -Os -ffunction-sections -c csrc/aeabi_mem.c -o "$W/aeabi_mem.o"
cat >"$W/libc.c" <<'C'
#include <stddef.h>
void *memcpy(void *d, const void *s, size_t n) { char *o = d; const char *i = s; while (n--) *o++ = *i++; return d; }
void *memmove(void *d, const void *s, size_t n) { char *o = d; const char *i = s; if (o < i) while (n--) *o++ = *i++; else while (n--) o[n] = i[n]; return d; }
void *memset(void *d, int c, size_t n) { char *o = d; while (n--) *o++ = (char)c; return d; }
C
$CC $CPU -Os -ffreestanding -fno-builtin -c "$W/libc.c" -o "$W/libc.o"
LIBGCC=$($CC $CPU -print-libgcc-file-name)
$CC $CPU -nostdlib -nostartfiles -Wl,--gc-sections -Wl,-e,0 -Wl,-Map,"$W/all.map" \
	$(for s in $entries; do printf -- '-Wl,-u,%s ' "$s"; done) \
	"$W/libc.o" "$W/aeabi_mem.o" "$W/libuaio_core.a" "$LIBGCC" "$W/libuaio_rt.a" -o "$W/all.elf" 2>"$W/link.err"
check $? "every entry point links: core, libgcc, rt (nothing undefined)"
# The map names each archive member pulled in, then (on the next line) the
# reference that pulled it.
grep -B1 '(__aeabi_uldivmod)$' "$W/all.map" | head -n 1 | grep -q 'libgcc\.a('
check $? "64-bit division from libgcc, not compiler_builtins"
! grep -q 'libuaio_rt\.a(' "$W/all.map"
check $? "nothing of compiler_builtins linked in (libgcc and aeabi_mem.c cover the core)"

# Bad input: a message and a failure, never a half-written split.
out=$(sh port/split_lib.sh $AR "$W/missing.a" "$W/bad1" 2>&1); st=$?
[ $st != 0 ] && echo "$out" | grep -q "missing.a"
check $? "a missing archive fails, naming it"
mkdir -p "$W/bad2" && $AR rcs "$W/noncore.a" "$W/aeabi_mem.o" 2>/dev/null
out=$(sh port/split_lib.sh $AR "$W/noncore.a" "$W/bad2" 2>&1); st=$?
[ $st != 0 ] && echo "$out" | grep -q "no uaio-\* object" && [ ! -e "$W/bad2/libuaio_core.a" ]
check $? "an archive without the core's object fails, writes nothing"
mkdir -p "$W/dup" "$W/bad3" && cp "$W/aeabi_mem.o" "$W/dup/uaio-x.o" && \
	(cd "$W/dup" && $AR q dup.a uaio-x.o && $AR q dup.a uaio-x.o) 2>/dev/null
out=$(sh port/split_lib.sh $AR "$W/dup/dup.a" "$W/bad3" 2>&1); st=$?
[ $st != 0 ] && echo "$out" | grep -q "same name" && [ ! -e "$W/bad3/libuaio_core.a" ]
check $? "members of the same name fail, write nothing"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
