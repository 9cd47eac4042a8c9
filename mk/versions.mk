# MicroPython versions: what differs between them, in one place, and the
# version matrix. Included by the top-level Makefile.
#
#   make test-versions     for each of MATRIX_VERSIONS: uaio and stock built
#                          from that version's tree, that version's asyncio
#                          suites on both (extmod, net_hosted, multi_net on
#                          loopback), tests/py on uaio; closing lines per
#                          version, then a table over all (scripts/matrix.py)
#   make matrix-VERSION    one version (e.g. make matrix-1.27.0)
#
# The default version (MPY_DEFAULT) gets the full suites elsewhere in
# `make test`; it is here too for the comparison with stock, which costs
# about a minute (its two binaries are those of `make unix stock`).

MATRIX_VERSIONS ?= 1.25.0 1.26.1 1.27.0 $(MPY_DEFAULT) master

# The version of the tree in $(MPY) as major*100+minor (1.28 -> 128), read
# from its py/mpconfig.h when a recipe needs it (so it also holds for a
# MICROPY_DIR of your own). mpy_before(N): "y" if the tree is older than N.
MPY_TREE_VERSION = $(shell awk '/define MICROPY_VERSION_MAJOR/ {a=$$3} /define MICROPY_VERSION_MINOR/ {b=$$3} \
	END {print a*100+b}' $(MPY)/py/mpconfig.h 2>/dev/null)
mpy_before = $(shell test 0$(MPY_TREE_VERSION) -lt $(1) && echo y)

# Differences, one variable each:
# - run-multitests.py names its two unix instances `-i micropython` up to
#   1.26 and `-t unix` from 1.27 on (both read MICROPY_MICROPYTHON).
MULTI_INSTANCES = $(if $(call mpy_before,127),-i micropython -i micropython,-t unix -t unix)
# - the qemu port has its own SysTick tick, HAL delays and `time` module from
#   1.27 on: uaio then adds only its idle wait (csrc/port_cortexm.c), and
#   tells the port's tick the core clock (CPU_FREQ_HZ, 25 MHz if not told).
QEMU_UAIO_TICK = $(if $(call mpy_before,127),1,0)

.PHONY: test-versions matrix-run

test-versions:
	@rc=0; for v in $(MATRIX_VERSIONS); do $(MAKE) --no-print-directory matrix-$$v || rc=1; done; \
	python3 scripts/matrix.py summary $(foreach v,$(MATRIX_VERSIONS),$(call version_build,$(v))/results/matrix) || rc=1; \
	exit $$rc

# One version: its build folder, its tree, built and then run by a sub-make
# in which MPY and the difference variables are that version's. The old
# result goes first, so that a failed build never shows a stale one.
matrix-%: FORCE
	@b=$(call version_build,$*); start=$$(date +%s); rm -f $$b/results/matrix/matrix.json; \
	$(MAKE) --no-print-directory unix stock MPY_VERSION=$* BUILD=$$b MICROPY_DIR=$$b/micropython-$* && \
	$(MAKE) --no-print-directory matrix-run MPY_VERSION=$* BUILD=$$b MICROPY_DIR=$$b/micropython-$* MATRIX_SINCE=$$start

matrix-run:
	python3 scripts/matrix.py run --version $(MPY_VERSION) --mpy $(MPY) \
		--uaio $(UNIX_BIN) --stock $(STOCK_BIN) --out $(BUILD)/results/matrix \
		--multi-instance "$(MULTI_INSTANCES)" --since $(MATRIX_SINCE) \
		--project-tests $(wildcard tests/py/*.py)
