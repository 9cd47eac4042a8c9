# `make test-external`: programs and test suites we did not write, run on
# both binaries -- uaio ($(UNIX_BIN)) and stock MicroPython of the same
# version ($(STOCK_BIN)) -- and printed side by side (pass/fail/skip per
# suite and binary). It passes when uaio passes every case stock passes; a
# case that fails on stock too is listed with both failures, not counted.
#   1. MicroPython's tests/micropython/ringio_async.py, every
#      tests/extmod/asyncio_*.py that uses streams, and
#      tests/net_hosted/asyncio_*.py, by its run-tests.py.
#   2. Microdot: its own unittest suite and its tests/test_end2end.py, with
#      micropython-lib's unittest, hmac, datetime and jwt; then 2,000
#      requests over 20 concurrent CPython connections to a Microdot app
#      (0 errors; requests/s on both).
#   3. micropython-lib's aiorepl, typed into through a pty (Python's pty
#      module): expressions, awaits, exceptions, a background task, Ctrl-C
#      during an await, Ctrl-D.
#   4. micropython-lib's aioespnow on a stand-in espnow module
#      (tests/external/mpy/espnow.py: RingIO-backed, ioctl readiness only).
#   5. micropython-lib's aiohttp client against a CPython HTTP server on
#      127.0.0.1: GET, parameters, POST body and JSON, 200 KB, chunked,
#      concurrent requests, a websocket echo.
# Sources: ../shared/vendor tarballs only (scripts/vendor.sh checks their
# sha256), unpacked into $(BUILD)/vendor. Only 127.0.0.1 is used, inside a
# network namespace that has only loopback where unshare is allowed. Every
# program runs under a time limit (a hang fails its cases; even a uaio that
# hangs in every part gets its table printed), the whole run under
# EXTERNAL_TIMEOUT. First, the suite's own checks (test_vendor.sh,
# test_harness.py).
# Results: $(BUILD)/external/results.json.  EXTERNAL_PARTS=aiohttp,... runs
# some parts only (mpytests microdot microdot-load aiorepl aioespnow aiohttp).

MICRODOT_VENDOR  ?= microdot-118f4ef
EXTERNAL_TIMEOUT ?= 420
EXTERNAL_PARTS   ?=
EXTERNAL_NET = $(if $(shell unshare -n true 2>/dev/null && echo y),unshare -n sh -c 'ip link set lo up && exec "$$@"' sh)

.PHONY: test-external external-vendor

external-vendor: mplib
	@bash scripts/vendor.sh $(MICRODOT_VENDOR) $(BUILD)/vendor/microdot

test-external: unix stock external-vendor
	bash tests/external/test_vendor.sh
	python3 tests/external/test_harness.py
	$(EXTERNAL_NET) timeout $(EXTERNAL_TIMEOUT) python3 tests/external/run.py \
		--uaio $(UNIX_BIN) --stock $(STOCK_BIN) --mpy $(MPY) \
		--microdot $(BUILD)/vendor/microdot --mpylib $(MPLIB_DIR) \
		--work $(BUILD)/external $(if $(EXTERNAL_PARTS),--parts $(EXTERNAL_PARTS))
