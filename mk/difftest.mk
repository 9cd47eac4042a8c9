# Differential testing (tests/difftest/): random asyncio programs whose
# output is deterministic by construction, run on uaio, on stock MicroPython
# (same version) and, where they use only what both share, on CPython 3;
# the outputs must be the same. A divergence prints the seed and the
# program's index and leaves the program in $(BUILD)/difftest/ (it runs
# alone on any of the three).
#
#   make difftest DIFF_SEED=7 DIFF_N=10000   (DIFF_SEED unset: from the clock)
#   make test-difftest                       (make test's run: a fixed seed)
# DIFF_FLAGS adds options of tests/difftest/difftest.py (--help), e.g.
# --only 17 to run one program of a seed, --scenes scene_lock,scene_event.

DIFF_N     ?= 2000
DIFF_SEED  ?=
DIFF_FLAGS ?=
DIFFTEST = python3 tests/difftest/difftest.py --uaio $(UNIX_BIN) --stock $(STOCK_BIN) --out $(BUILD)/difftest

.PHONY: difftest test-difftest

difftest: unix stock
	$(DIFFTEST) --n $(DIFF_N) $(if $(DIFF_SEED),--seed $(DIFF_SEED)) $(DIFF_FLAGS)

# The driver's own tests first (CPython stands in for the interpreters).
test-difftest: unix stock
	python3 tests/difftest/test_harness.py
	$(DIFFTEST) --n 2000 --seed 1
