# The unix firmware with uaio under sanitizers, and MicroPython's asyncio
# suites plus the project's tests run on it. Included by the top-level
# Makefile (needs MPY, BUILD, JOBS, UNIX_FLAGS and the test-py /
# test-conformance / runner rules).
#
#   make unix-asan        build/unix-asan/micropython   (-fsanitize=address)
#   make unix-ubsan       build/unix-ubsan/micropython  (-fsanitize=undefined)
#   make test-sanitize    test-py + test-conformance on both, plain and
#                         under GC stress
#
# C side (MicroPython, csrc/): GCC's sanitizers, as MicroPython's later CI
# builds them (1.25's tools/ci.sh has no sanitizer jobs yet). The GC scans the
# C stack conservatively, so ASan's use-after-return fake stacks must stay off:
# a frame moved to the fake stack is invisible to the GC.
#
# Rust core, ASan build: rustc's -Zsanitizer=address (nightly) on the host
# target, into target/asan; its instrumentation calls the same __asan_* ABI
# that GCC's libasan provides. Use-after-return is off there too: the core
# calls back into C (the readiness hook), which may run the GC. -Zbuild-std is
# not used: with lto the core and the parts of `core` it uses are one module,
# instrumented as a whole, and build-std would need rust-src and a download
# of std's dependency crates. Without a nightly toolchain the plain release
# library is linked instead (the C side is still sanitized). Not seen by
# ASan: an out-of-bounds get_unchecked() on a local array (its in-bounds
# pointer arithmetic counts as proof); the UBSan build's checks catch that.
# Rust core, UBSan build: rustc has no UBSan; its nearest equivalent is
# overflow checks plus debug assertions (which turn on core's checks of
# unsafe preconditions). A failed check panics, the panic handler aborts, and
# the test runner reports the crash.

SAN_CFLAGS_asan  := -fsanitize=address --param asan-use-after-return=0
SAN_CFLAGS_ubsan := -fsanitize=undefined,float-cast-overflow -fno-sanitize=nonnull-attribute -fno-sanitize-recover=all
SAN_COMMON       := -fno-omit-frame-pointer
# nonnull-attribute is left out as MicroPython's CI leaves it out: the core
# itself passes NULL with a zero length to memcpy (py/objboundmeth.c, on every
# mp_call_function_0 of a bound method). float-cast-overflow is added (not in
# -fsanitize=undefined): csrc/ turns float durations into integer µs.

# Run-time options: stop at the first report, exit nonzero; the report's text
# goes to stderr, which the test runners merge into the output they compare,
# so the test fails. Leak detection stays on (MicroPython's CI leaves it on
# too): the GC heap is one malloc'd block that a global (MP_STATE_MEM) points
# into, so LSan sees it reachable and reports only blocks malloc'd outside
# the GC and lost. SAN_LEAKS=0 turns it off where LSan cannot run (it stops
# the process's threads the way a debugger does).
SAN_LEAKS ?= 1
SAN_ENV_asan  = ASAN_OPTIONS=detect_leaks=$(SAN_LEAKS):detect_stack_use_after_return=0:halt_on_error=1
SAN_ENV_ubsan = UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# The Rust library each build links (lazy: only evaluated by these targets).
SAN_HOST    = $(shell rustc -vV | sed -n 's/^host: //p')
SAN_NIGHTLY = $(shell rustup run nightly rustc --version >/dev/null 2>&1 && echo yes)
SAN_LIB_asan  = $(if $(SAN_NIGHTLY),target/asan/$(SAN_HOST)/release/libuaio.a,$(UAIO_LIB))
SAN_LIB_ubsan = target/ubsan/release/libuaio.a

# UNIX_FLAGS already sets CFLAGS_EXTRA: keep its value and add ours.
SAN_UNIX_FLAGS := $(filter-out CFLAGS_EXTRA=%,$(UNIX_FLAGS))
SAN_CFLAGS_KEEP := $(patsubst CFLAGS_EXTRA=%,%,$(filter CFLAGS_EXTRA=%,$(UNIX_FLAGS)))

.PHONY: unix-asan unix-ubsan san-lib-asan san-lib-ubsan test-sanitize

# Line tables (only) give the reports file and line in the core too.
SAN_CARGO_ENV := CARGO_PROFILE_RELEASE_DEBUG=line-tables-only

san-lib-asan:
	$(if $(SAN_NIGHTLY),$(SAN_CARGO_ENV) RUSTFLAGS="-Zsanitizer=address -Cllvm-args=-asan-use-after-return=never" \
		cargo +nightly build --quiet --release -p uaio-staticlib \
		--target $(SAN_HOST) --target-dir target/asan,\
	@echo "sanitize: no nightly Rust: the ASan build links the uninstrumented core"; \
		$(MAKE) --no-print-directory lib)

san-lib-ubsan:
	$(SAN_CARGO_ENV) CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true \
		cargo build --quiet --release -p uaio-staticlib --target-dir target/ubsan

# STRIP= keeps symbols for the reports. UAIO_LIB on the port's command line
# overrides the library port/micropython.mk would link. A change of flags
# starts the build directory afresh (the port's make does not track them).
unix-asan unix-ubsan: unix-%: san-lib-% mpy-cross
	@d=$(BUILD)/unix-$*; f='$(SAN_CFLAGS_$*) $(SAN_LIB_$*)'; mkdir -p $$d; \
		echo "$$f" | cmp -s - $$d/sanitize-flags || { rm -rf $$d; mkdir -p $$d; echo "$$f" > $$d/sanitize-flags; }
	$(MAKE) -s -C $(MPY)/ports/unix -j$(JOBS) $(SAN_UNIX_FLAGS) STRIP= \
		CFLAGS_EXTRA="$(SAN_CFLAGS_KEEP) $(SAN_CFLAGS_$*) $(SAN_COMMON)" \
		LDFLAGS_EXTRA="$(SAN_CFLAGS_$*)" \
		BUILD=$(abspath $(BUILD)/unix-$*) PROG=micropython \
		UAIO_LIB=$(abspath $(SAN_LIB_$*)) \
		USER_C_MODULES=$(CURDIR) FROZEN_MANIFEST=$(CURDIR)/tests/profiles/manifest_full.py UAIO_PROFILE=full

# The suites of `make test-py test-conformance` on each sanitized binary,
# through its own runner script, then again with a collection before every
# task step (as test-gc does). `-o unix` keeps the sub-make from building the
# plain firmware that `runner` depends on: it is not used here.
# $(1): asan or ubsan, $(2): tag of the results directory, $(3): more environment.
SAN_TEST = $(MAKE) --no-print-directory -o unix test-py test-conformance \
	UNIX_BIN=$(BUILD)/unix-$(1)/micropython RUNNER=$(abspath $(BUILD))/micropython-runner-$(1) \
	RUN_TAG=-$(1)$(2) RUN_ENV="$(SAN_ENV_$(1)) $(3)"
test-sanitize: unix-asan unix-ubsan
	$(call SAN_TEST,asan)
	$(call SAN_TEST,ubsan)
	$(call SAN_TEST,asan,-gcstress,UAIO_GC_STRESS=1)
	$(call SAN_TEST,ubsan,-gcstress,UAIO_GC_STRESS=1)
