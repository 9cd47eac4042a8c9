# uaio: build, test and compare. `make help` lists the targets.
# The two commands of the README: `make demo` and `make test`.

# The MicroPython that uaio is built against: the newest release by default;
# 1.25.0, 1.26.1, 1.27.0 or master, or your own checkout with MICROPY_DIR.
# Each version builds in a folder of its own (objects of two versions never
# mix): build/ for the default, build/vVERSION for others, build/own for yours.
MPY_DEFAULT  := 1.28.0
MPY_VERSION  ?= $(MPY_DEFAULT)
version_build = build$(if $(filter-out $(MPY_DEFAULT),$(1)),/v$(1))
BUILD        ?= $(if $(filter command line environment,$(origin MICROPY_DIR)),build/own,$(call version_build,$(MPY_VERSION)))
MICROPY_DIR  ?= $(BUILD)/micropython-$(MPY_VERSION)
MPY          := $(abspath $(MICROPY_DIR))
JOBS         ?= $(shell nproc 2>/dev/null || echo 2)
UAIO_LIB     := target/release/libuaio.a
# UAIO_PROFILE=lean|default|full: a unix build of that profile in
# build/unix-PROFILE (mk/profiles.mk); unset, build/unix has everything (full).
UNIX_DIR     := $(BUILD)/unix$(if $(UAIO_PROFILE),-$(UAIO_PROFILE))
UNIX_BIN     := $(UNIX_DIR)/micropython
STOCK_BIN    := $(BUILD)/stock/micropython
EMBEDDED_TARGETS := thumbv7em-none-eabihf thumbv7m-none-eabi

# What Debian's source package can build (its lib/ submodules are stripped).
UNIX_FLAGS := MICROPY_PY_SSL=0 MICROPY_SSL_AXTLS=0 MICROPY_SSL_MBEDTLS=0 \
	MICROPY_PY_BTREE=0 MICROPY_PY_FFI=0 CFLAGS_EXTRA=-DMICROPY_PY_CRYPTOLIB=0

.PHONY: help deps lib header check-header micropython mpy-cross unix stock demo \
	test runner test-rust test-py test-conformance test-gc test-embedded lint clean FORCE

help:
	@echo "make deps          install toolchains and tools (Debian packages, rustup targets, cbindgen)"
	@echo "make demo          build the unix MicroPython with uaio and run examples/demo.py"
	@echo "make test          every test: Rust, C (with sanitizers), MicroPython"
	@echo "make lib           build $(UAIO_LIB)"
	@echo "make header        regenerate include/uaio.h;  make check-header: fail if stale"
	@echo "make unix / stock  build $(UNIX_BIN) / $(STOCK_BIN);  MPY_VERSION=1.25.0|1.26.1|1.27.0|master or MICROPY_DIR=yours"
	@echo "make test-versions uaio and stock on each MicroPython version, its asyncio suites on both (make matrix-VERSION: one)"
	@echo "make qemu BOARD=MPS2_AN385|NETDUINO2, make qemu-test BOARD=..., make qemu-test-all"
	@echo "make rp2 BOARD=RPI_PICO, make rp2-stock, make rp2-test, make rp2-bench  (rp2040js emulator)"
	@echo "make stm32 BOARD=B_L475E_IOT01A|NUCLEO_F401RE|NUCLEO_G0B1RE|NUCLEO_H743ZI, make stm32-stock, make stm32-test  (qemu 10)"
	@echo "make bench         stock vs uaio, side by side"
	@echo "make size          what asyncio costs on the RPI_PICO and B_L475E_IOT01A images: stock, uaio per profile (size-qemu: MPS2_AN385)"
	@echo "make unix UAIO_PROFILE=lean|default  a unix build of that profile (build/unix-PROFILE);  make test-profiles, make profile-sizes"
	@echo "make fuzz          the C API fuzzer, FUZZ_OPS operations (50M), FUZZ_SEED;  make miri: Miri on the core's tests"
	@echo "make unix-asan / unix-ubsan  the firmware under ASan / UBSan;  make test-sanitize: every suite on both"
	@echo "make load          200 loopback clients against a uasyncio echo server (bytes, memory)"
	@echo "make soak          1,000,000 timer events across the ticks wrap (unix, and 2^30-ticks unix)"
	@echo "make clean"

deps:
	bash scripts/deps.sh

lib: $(UAIO_LIB)
$(UAIO_LIB): FORCE
	cargo build --quiet --release -p uaio-staticlib

header:
	cbindgen --quiet --config cbindgen.toml --crate uaio --output include/uaio.h

check-header:
	@mkdir -p $(BUILD)
	@cbindgen --quiet --config cbindgen.toml --crate uaio --output $(BUILD)/uaio.h
	@cmp -s $(BUILD)/uaio.h include/uaio.h || \
		{ echo "include/uaio.h is stale: run 'make header' and commit it"; diff -u include/uaio.h $(BUILD)/uaio.h | head -40; exit 1; }
	@echo "include/uaio.h is up to date"

# MicroPython MPY_VERSION (scripts/fetch-micropython.sh says from where),
# unless MICROPY_DIR is yours.
micropython: $(MICROPY_DIR)/py/mpconfig.h
$(BUILD)/micropython-%/py/mpconfig.h:
	bash scripts/fetch-micropython.sh $(BUILD)/micropython-$* $*

mpy-cross: micropython
	$(MAKE) -s -C $(MPY)/mpy-cross -j$(JOBS) BUILD=build

unix: $(UAIO_LIB) mpy-cross
	$(MAKE) -s -C $(MPY)/ports/unix -j$(JOBS) $(UNIX_FLAGS) \
		BUILD=$(abspath $(UNIX_DIR)) PROG=micropython \
		USER_C_MODULES=$(CURDIR) FROZEN_MANIFEST=$(CURDIR)/tests/profiles/manifest_$(or $(UAIO_PROFILE),full).py \
		UAIO_PROFILE=$(or $(UAIO_PROFILE),full)

stock: mpy-cross
	$(MAKE) -s -C $(MPY)/ports/unix -j$(JOBS) $(UNIX_FLAGS) \
		BUILD=$(abspath $(BUILD)/stock) PROG=micropython \
		FROZEN_MANIFEST=$(CURDIR)/port/stock_manifest.py

demo: deps unix
	$(UNIX_BIN) examples/demo.py

include mk/c.mk
# Optional fragments: bare-metal boards, benchmarks.
-include mk/qemu.mk mk/bench.mk mk/stm32.mk mk/esp32.mk mk/size.mk mk/rp2.mk
# Reliability: sanitizer builds, fuzzing, load.
-include mk/sanitize.mk mk/fuzz.mk mk/load.mk
# Plain C on libuaio.a on bare metal, without MicroPython (examples/baremetal).
include mk/baremetal.mk
# The port contract (include/uaio_port.h -> bindgen) and the archive's C port.
include mk/port.mk
# micropython-lib for the tests that run its packages; programs we did not
# write; random programs compared with stock and CPython.
include mk/mplib.mk mk/external.mk mk/difftest.mk
# What differs between MicroPython versions, and the version matrix.
include mk/versions.mk
# Profiles lean / default / full of the Python package.
include mk/profiles.mk

lint:
	cargo clippy --quiet --all-targets -- -D warnings
	cargo fmt --check

test-rust:
	cargo test --quiet --all-targets
	# The I/O registry as bare metal builds it (objects found by a scan),
	# under the host's registry tests.
	RUSTFLAGS="--cfg uaio_handle_scan" cargo test --quiet --target-dir target/handle-scan \
		--lib --test io_model --test io_epoll --test ffi_fuzz

# The core must build for bare metal with no std leaking in.
test-embedded:
	@for t in $(EMBEDDED_TARGETS); do \
		cargo build --quiet --release -p uaio-staticlib --target $$t || exit 1; \
		echo "built libuaio.a for $$t"; done

# The firmware as the test runners call it, with UPY_FLAGS (e.g. a heap size).
RUNNER = $(abspath $(BUILD))/micropython-runner$(if $(UAIO_PROFILE),-$(UAIO_PROFILE))
runner: unix
	@printf '#!/bin/sh\nexec $(abspath $(UNIX_BIN)) $(UPY_FLAGS) "$$@"\n' > $(RUNNER) && chmod +x $(RUNNER)

# The project's MicroPython tests (tests/py/*.py, expected output in .py.exp),
# run by MicroPython's own test runner against the uaio firmware.
test-py: runner
	cd $(MPY)/tests && $(RUN_ENV) MICROPY_MICROPYTHON=$(RUNNER) \
		python3 ./run-tests.py --result-dir $(abspath $(BUILD))/results/py$(RUN_TAG) $(abspath $(PY_TESTS))
PY_TESTS ?= $(wildcard tests/py/*.py)

# MicroPython's own asyncio suites against the uaio firmware: extmod and
# net_hosted, and multi_net with two instances in a network namespace that
# has only loopback (so that nothing but 127.0.0.1 is ever contacted).
# RUN_ENV adds e.g. UAIO_GC_STRESS=1 (a collection before every task step).
test-conformance: runner
	cd $(MPY)/tests && $(RUN_ENV) MICROPY_MICROPYTHON=$(RUNNER) python3 ./run-tests.py \
		--result-dir $(abspath $(BUILD))/results/conformance$(RUN_TAG) -d extmod -i asyncio
	cd $(MPY)/tests && $(RUN_ENV) MICROPY_MICROPYTHON=$(RUNNER) python3 ./run-tests.py \
		--result-dir $(abspath $(BUILD))/results/net_hosted$(RUN_TAG) net_hosted/asyncio_*.py
	cd $(MPY)/tests && unshare -n sh -c 'ip link set lo up && \
		$(RUN_ENV) MICROPY_MICROPYTHON=$(RUNNER) python3 ./run-multitests.py $(MULTI_INSTANCES) multi_net/asyncio_*.py'

# The same suites and the project's tests again: a small heap, and a garbage
# collection before every scheduling step.
test-gc: unix
	$(MAKE) --no-print-directory test-conformance test-py UPY_FLAGS="-X heapsize=$(SMALL_HEAP)" RUN_TAG=-smallheap
	$(MAKE) --no-print-directory test-conformance test-py RUN_ENV="UAIO_GC_STRESS=1" RUN_TAG=-gcstress
SMALL_HEAP ?= 640k

test: deps lint check-header check-port-header test-port-archive test-bench test-profiles test-rust miri test-embedded test-size c-test c-example baremetal-test test-py test-conformance test-gc test-difftest test-sanitize load soak test-external qemu-test-all rp2-test test-esp32 test-stm32 stm32-test test-versions

clean:
	cargo clean
	rm -rf $(BUILD)/unix $(BUILD)/unix-lean $(BUILD)/unix-default $(BUILD)/unix-full $(BUILD)/unix-ticks30 $(BUILD)/unix-asan $(BUILD)/unix-ubsan $(BUILD)/micropython-runner* $(BUILD)/stock $(BUILD)/c $(BUILD)/results $(BUILD)/uaio.h $(BUILD)/cmake

FORCE:
