# `make bench`: uaio against stock MicroPython of the same version (MPY_VERSION),
# both built from one tree, side by side in one run
# (bench/README.md). Needs valgrind, strace and /usr/bin/time (`make deps`).
# BENCH_FLAGS=--quick for smaller work sizes.
BENCH_OUT   ?= $(BUILD)/bench/results.json
BENCH_FLAGS ?=

.PHONY: bench test-bench
bench: unix stock
	python3 bench/run.py --uaio $(UNIX_BIN) --stock $(STOCK_BIN) --out $(BENCH_OUT) $(BENCH_FLAGS)

# The harness's own checks (no binaries built, nothing measured).
test-bench:
	python3 tests/bench/test_versions.py
