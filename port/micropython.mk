# uaio as a MicroPython user C module (make-based ports: unix, stm32, qemu).
#   make -C ports/unix USER_C_MODULES=/path/to/uaio FROZEN_MANIFEST=/path/to/uaio/port/manifest.py
# The Rust core is built by cargo into /path/to/uaio/target. Set
# UAIO_CARGO_TARGET to the port's Rust target triple on cross builds.

UAIO_DIR := $(abspath $(USERMOD_DIR)/..)
UAIO_CARGO_TARGET ?=
UAIO_LIB := $(UAIO_DIR)/target/$(if $(UAIO_CARGO_TARGET),$(UAIO_CARGO_TARGET)/)release/libuaio.a
UAIO_SRC := $(USERMOD_DIR)/../csrc/moduaio.c

SRC_USERMOD_C += $(UAIO_SRC) $(addprefix $(USERMOD_DIR)/../csrc/,loop.c task.c sync.c)
CFLAGS_USERMOD += -I$(UAIO_DIR)/include
# uaio replaces MicroPython's own asyncio scheduler (_asyncio).
CFLAGS_USERMOD += -DMICROPY_PY_ASYNCIO=0
LDFLAGS_USERMOD += $(UAIO_LIB)

# Cargo decides whether anything changed; the module's object waits for the
# archive so that the link finds it.
$(BUILD)/$(patsubst $(USER_C_MODULES)/%.c,%.o,$(UAIO_SRC)): $(UAIO_LIB)

$(UAIO_LIB): FORCE
	$(ECHO) "CARGO uaio $(UAIO_CARGO_TARGET)"
	$(Q)cargo build --quiet --release -p uaio-staticlib --manifest-path $(UAIO_DIR)/Cargo.toml \
		$(if $(UAIO_CARGO_TARGET),--target $(UAIO_CARGO_TARGET))
