# Reliability under load and over time.
#
# `make load`: an echo server on the uaio firmware (tests/load/echo_server.py,
# start_server and the modern Stream API) serves 200 concurrent loopback
# connections from a CPython process (tests/load/clients.py), 500 messages
# each of 1..4096 random bytes; every byte must come back in order, and the
# server's gc.mem_free() after the run must be within 5 % of before. Run
# twice: request/response on one connection per client; then pipelined with
# a 4 KB server send buffer (so that the server's writes block and drain()
# waits), each client over 10 connections in turn (fd numbers are reused
# under epoll). In a network namespace that has only loopback, where
# unshare is allowed.
# LOAD_FLAGS adds client options (e.g. --seed 7; clients.py --help).
#
# `make soak`: a million timer events on a virtual clock that starts just
# before the ticks wrap (tests/soak/wrap_soak.py): on the unix firmware
# (ticks period 2^62: one wrap), and on a unix build with the 2^30 period of
# 32-bit ports (several wraps). SOAK_ARGS: "EVENTS SEED".

LOAD_FLAGS ?=
SOAK_ARGS ?=
TICKS30_BIN := $(BUILD)/unix-ticks30/micropython
LOAD_NET = $(if $(shell unshare -n true 2>/dev/null && echo y),unshare -n sh -c 'ip link set lo up && exec "$$@"' sh)

.PHONY: load soak unix-ticks30

load: unix
	$(LOAD_NET) python3 tests/load/clients.py --micropython $(abspath $(UNIX_BIN)) $(LOAD_FLAGS)
	$(LOAD_NET) python3 tests/load/clients.py --micropython $(abspath $(UNIX_BIN)) --pipeline --server-sndbuf 4096 --reconnect 10 $(LOAD_FLAGS)

# The unix firmware with 32-bit ports' ticks period (2^30 ms).
unix-ticks30: $(UAIO_LIB) mpy-cross
	$(MAKE) -s -C $(MPY)/ports/unix -j$(JOBS) $(filter-out CFLAGS_EXTRA=%,$(UNIX_FLAGS)) \
		CFLAGS_EXTRA="-DMICROPY_PY_CRYPTOLIB=0 -DMICROPY_PY_TIME_TICKS_PERIOD=0x40000000" \
		BUILD=$(abspath $(BUILD)/unix-ticks30) PROG=micropython \
		USER_C_MODULES=$(CURDIR) FROZEN_MANIFEST=$(CURDIR)/tests/profiles/manifest_full.py UAIO_PROFILE=full

soak: unix unix-ticks30
	timeout 300 $(UNIX_BIN) tests/soak/wrap_soak.py $(SOAK_ARGS)
	timeout 300 $(TICKS30_BIN) tests/soak/wrap_soak.py $(SOAK_ARGS)
