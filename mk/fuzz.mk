# Fuzzing the C API, and Miri on the core's tests.
# Included by the top-level Makefile.
#
#   make fuzz   tests/ffi_fuzz.rs in release for FUZZ_OPS operations over
#               all its worlds, from FUZZ_SEED (default: a fresh one, printed;
#               a failure prints how to replay it)
#   make miri   cargo +nightly miri test: the core's unit tests and the model
#               tests, counts scaled down under cfg(miri); tests that call the
#               host's poll, epoll or sockets are skipped there (ignored)
#
# `make test-rust` already runs the harness at its default size (1.2 million
# operations, UAIO_FUZZ_OPS) with a fixed seed (UAIO_FUZZ_SEED).

FUZZ_OPS  ?= 50000000
FUZZ_SEED ?= 0x$(shell od -An -N8 -tx8 /dev/urandom | tr -d ' \n')
# proptest looks for its regression files: let Miri see the file system.
MIRIFLAGS ?= -Zmiri-disable-isolation

.PHONY: fuzz miri

fuzz:
	UAIO_FUZZ_OPS=$(FUZZ_OPS) UAIO_FUZZ_SEED=$(FUZZ_SEED) \
		cargo test --quiet --release --test ffi_fuzz -- --nocapture

miri:
	@cargo +nightly miri --version >/dev/null 2>&1 || \
		{ echo "make miri: needs the nightly toolchain with miri and rust-src (make deps)"; exit 1; }
	MIRIFLAGS="$(MIRIFLAGS)" cargo +nightly miri test --quiet
