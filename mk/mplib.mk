# micropython-lib (the commit MicroPython 1.28 pins), unpacked from
# ../shared/vendor after a sha256 check (scripts/vendor.sh), for the tests
# that run its packages unchanged: tests/py/aioespnow.py finds it through
# UAIO_MPLIB, test-external through --mpylib.
MPYLIB_VENDOR ?= micropython-lib-8380c7b
# One copy for every MicroPython version's build (build/, build/vVERSION).
MPLIB_DIR     := $(CURDIR)/build/vendor/micropython-lib
export UAIO_MPLIB := $(MPLIB_DIR)

.PHONY: mplib
mplib:
	@bash scripts/vendor.sh $(MPYLIB_VENDOR) $(MPLIB_DIR)

test-py matrix-run: mplib
