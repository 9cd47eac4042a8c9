# Profiles (port/README.md): a unix build of each in build/unix-PROFILE
# (`make unix UAIO_PROFILE=lean`; build/unix itself is full), and the suites
# each claims: lean and default MicroPython's asyncio suites, default also
# the project's tests that need no optional subpackage (build/unix, full,
# runs them all).
# A test needs a subpackage when it imports one or uses asyncio.Queue/Semaphore
# (not when its prose mentions a queue); mk/qemu.mk leaves the same tests out.
NEEDS_SUBPACKAGE = (import|from) .*(queues|semaphore|synchro|udp|websocket|Queue|Semaphore)|asyncio\.(Queue|Semaphore|BoundedSemaphore)|(queues|synchro|udp|websocket)\.
PROFILE_PY_TESTS = $(shell grep -LE '$(NEEDS_SUBPACKAGE)' tests/py/*.py)
MPY_CROSS = $(MPY)/mpy-cross/build/mpy-cross

.PHONY: test-profiles test-profile-manifest test-profile-lean test-profile-default profile-sizes

test-profiles: test-profile-manifest test-profile-lean test-profile-default

# What port/manifest.py freezes for each profile and extras, its errors, and
# the package.json of each part; no build.
test-profile-manifest: micropython
	python3 tests/profiles/test_manifest.py $(MPY)
	@if $(MAKE) -n -C $(MPY)/ports/unix $(UNIX_FLAGS) BUILD=$(abspath $(BUILD))/unix-badprofile \
		USER_C_MODULES=$(CURDIR) UAIO_PROFILE=tiny > $(BUILD)/badprofile.log 2>&1; then \
		echo "make UAIO_PROFILE=tiny: not refused"; exit 1; fi
	@grep -q "UAIO_PROFILE=tiny: expected lean, default or full" $(BUILD)/badprofile.log \
		&& echo "make UAIO_PROFILE=tiny refused: ok" || { cat $(BUILD)/badprofile.log; exit 1; }

test-profile-lean: mplib
	$(MAKE) --no-print-directory test-conformance UAIO_PROFILE=lean RUN_TAG=-lean
	cd $(MPY)/tests && MICROPY_MICROPYTHON=$(abspath $(BUILD))/micropython-runner-lean python3 ./run-tests.py \
		--result-dir $(abspath $(BUILD))/results/profile-lean $(abspath tests/profiles/lean_names.py)
	python3 tests/profiles/test_mip.py $(BUILD)/unix-lean/micropython $(MPLIB_DIR)

test-profile-default:
	$(MAKE) --no-print-directory test-conformance UAIO_PROFILE=default RUN_TAG=-default
	$(MAKE) --no-print-directory test-py UAIO_PROFILE=default RUN_TAG=-default \
		PY_TESTS="$(PROFILE_PY_TESTS) $(CURDIR)/tests/profiles/default_names.py"

# The .mpy bytes of each part and profile; and, given a qemu build's qstrs
# (make qemu BOARD=MPS2_AN385), the flash each profile's frozen Python takes
# on Cortex-M3, beside stock asyncio's.
QSTR_BUILD ?= $(abspath $(BUILD))/qemu-MPS2_AN385
profile-sizes: mpy-cross
	python3 scripts/profile_sizes.py $(MPY_CROSS) --json $(BUILD)/profile-sizes.json
	@if [ -f $(QSTR_BUILD)/genhdr/qstrdefs.preprocessed.h ]; then \
		for p in stock lean default full; do sh scripts/frozen_size.sh $(MPY) $(QSTR_BUILD) $$p || exit 1; done; \
	else echo "frozen flash: needs $(QSTR_BUILD)/genhdr (make qemu BOARD=MPS2_AN385, or QSTR_BUILD=...)"; fi
