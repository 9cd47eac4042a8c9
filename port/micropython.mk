# uaio as a MicroPython user C module (make-based ports: unix, stm32, qemu).
#   make -C ports/unix USER_C_MODULES=/path/to/uaio FROZEN_MANIFEST=/path/to/uaio/port/manifest.py
# The Rust core is built by cargo into /path/to/uaio/target. Set
# UAIO_CARGO_TARGET to the port's Rust target triple on cross builds; stm32
# picks it from the board's MCU series and float ABI (port/rust_target.mk).

UAIO_DIR := $(abspath $(USERMOD_DIR)/..)
UAIO_CARGO_TARGET ?=
include $(UAIO_DIR)/port/rust_target.mk
# Where cargo builds: CARGO_TARGET_DIR when set (as cargo itself honours it).
UAIO_TARGET_DIR := $(abspath $(or $(CARGO_TARGET_DIR),$(UAIO_DIR)/target))
UAIO_LIB := $(UAIO_TARGET_DIR)/$(if $(UAIO_CARGO_TARGET),$(UAIO_CARGO_TARGET)/)release/libuaio.a
UAIO_SRC := $(USERMOD_DIR)/../csrc/moduaio.c
# Bare-metal targets build the core for size ("z": about 5% smaller than the
# release profile's "s" on thumbv6m/v7em); hosted ones keep "s".
UAIO_OPT_LEVEL ?= $(if $(findstring -none-,$(UAIO_CARGO_TARGET)),z)

SRC_USERMOD_C += $(UAIO_SRC) $(addprefix $(USERMOD_DIR)/../csrc/,loop.c task.c sync.c)
CFLAGS_USERMOD += -I$(UAIO_DIR)/include
# uaio replaces MicroPython's own asyncio scheduler (_asyncio). Spelt as
# ports that disable it spell it (qemu), or -Werror rejects the redefinition.
CFLAGS_USERMOD += -DMICROPY_PY_ASYNCIO='(0)'

# UAIO_PROFILE=lean|default|full: as the manifest's profile (port/README.md).
# lean leaves out the C that only the 2.x layer calls; full adds the C
# Stream (streamio.c: faster, allocation-free waits), where lean and default
# use the package's Python one. A default/full manifest on a lean C module
# fails at import.
UAIO_PROFILE ?= default
ifeq ($(filter lean default full,$(UAIO_PROFILE)),)
$(error uaio: UAIO_PROFILE=$(UAIO_PROFILE): expected lean, default or full)
endif
ifeq ($(UAIO_PROFILE),lean)
CFLAGS_USERMOD += -DUAIO_PROFILE_LEAN=1
endif
ifeq ($(UAIO_PROFILE),full)
SRC_USERMOD_C += $(USERMOD_DIR)/../csrc/streamio.c
CFLAGS_USERMOD += -DUAIO_STREAMIO=1
endif

# Cortex-M ports without a clock or event wait (qemu): UAIO_CORTEXM=1 with
# UAIO_CORTEXM_HZ=<core clock> adds the SysTick tick and the WFI idle wait;
# UAIO_PROVIDE_TIME=1 also a `time` module (csrc/port_cortexm.c).
ifeq ($(UAIO_CORTEXM),1)
SRC_USERMOD_C += $(USERMOD_DIR)/../csrc/port_cortexm.c
CFLAGS_USERMOD += -DUAIO_CORTEXM=1 -DUAIO_CORTEXM_HZ=$(UAIO_CORTEXM_HZ)
CFLAGS_USERMOD += -DUAIO_PROVIDE_TIME=$(if $(filter 1,$(UAIO_PROVIDE_TIME)),1,0)
# UAIO_CORTEXM_TICK=0: the port has its own tick (then UAIO_PROVIDE_TIME=0 too).
CFLAGS_USERMOD += -DUAIO_CORTEXM_TICK=$(if $(filter 0,$(UAIO_CORTEXM_TICK)),0,1)
else ifneq ($(findstring -none-,$(UAIO_CARGO_TARGET)),)
# Other bare-metal ports (stm32, mimxrt, nrf, samd, renesas-ra) have a tick
# and an event wait: the idle wait sleeps in it (csrc/port_mpevent.c). Hosted
# ports (unix) wait in poll(2); a port with none of these does not compile.
SRC_USERMOD_C += $(USERMOD_DIR)/../csrc/port_mpevent.c
CFLAGS_USERMOD += -DUAIO_MPEVENT=1
endif
# Thumb-1 (Cortex-M0/M0+: stm32 g0/f0/l0): MicroPython's nlr_push
# ends in a short branch to nlr_push_tail (+-2 KiB). Under LTO (NUCLEO_G0B1RE)
# the link places the two wherever its partitions fall, and the code this
# module adds moved them apart ("relocation truncated to fit:
# R_ARM_THM_JUMP11 against nlr_push_tail"). The branch is inside nlr_push,
# not in uaio's calls to it, so MicroPython's own switch for this is set: a
# long jump (a few bytes, one load per nlr_push).
ifeq ($(UAIO_CARGO_TARGET),thumbv6m-none-eabi)
CFLAGS_USERMOD += -DMICROPY_NLR_THUMB_USE_LONG_JUMP=1
endif
# Defines the port itself reads (e.g. its clock), from the caller's make.
CFLAGS_USERMOD += $(UAIO_PORT_CFLAGS)

ifeq ($(UAIO_CARGO_TARGET),)
# Hosted ports (unix) link LDFLAGS after the objects.
LDFLAGS_USERMOD += $(UAIO_LIB)
else
# Bare-metal ports link LDFLAGS before the objects, where an archive is never
# searched, and assign LIBS after including this file: append to LIBS for the
# firmware link alone.
ifneq ($(filter thumb%,$(UAIO_CARGO_TARGET)),)
# Arm: the core's own objects, then the port's libgcc, then Rust's
# compiler_builtins only for what neither the firmware nor libgcc has
# (port/split_lib.sh), and the RTABI memory helpers as calls to the
# firmware's memcpy/memset (csrc/aeabi_mem.c): no second copy of either.
UAIO_FW_LIB := $(BUILD)/uaio/libuaio_core.a
SRC_USERMOD_C += $(USERMOD_DIR)/../csrc/aeabi_mem.c
$(BUILD)/firmware.elf: LIBS += $(UAIO_FW_LIB) "$(shell $(CC) $(CFLAGS) -print-libgcc-file-name)" $(BUILD)/uaio/libuaio_rt.a
$(UAIO_FW_LIB): $(UAIO_LIB)
	$(ECHO) "SPLIT $(notdir $(UAIO_LIB))"
	$(Q)mkdir -p $(@D)
	$(Q)sh $(UAIO_DIR)/port/split_lib.sh $(AR) $(UAIO_LIB) $(@D)
# ARM unwind tables (Rust's, and libgcc's 64-bit division that the core's µs
# time brings in) have no place in MicroPython's linker scripts.
LDFLAGS_USERMOD += -Wl,-T,$(UAIO_DIR)/port/arm_no_unwind.ld
else
$(BUILD)/firmware.elf: LIBS += $(UAIO_LIB)
endif
endif
# What the firmware links: the whole archive unless split above.
UAIO_FW_LIB ?= $(UAIO_LIB)

# Cargo decides whether anything changed; the module's object waits for the
# archive so that the link finds it.
$(BUILD)/$(patsubst $(USER_C_MODULES)/%.c,%.o,$(UAIO_SRC)): $(UAIO_FW_LIB)

# By now CFLAGS are final: the port's float ABI must match the target's.
$(UAIO_LIB): FORCE
	$(call uaio_check_float_abi,$(CFLAGS))
	$(ECHO) "CARGO uaio $(UAIO_CARGO_TARGET)"
	$(Q)$(if $(UAIO_OPT_LEVEL),CARGO_PROFILE_RELEASE_OPT_LEVEL=$(UAIO_OPT_LEVEL) )cargo build --quiet --release -p uaio-staticlib --manifest-path $(UAIO_DIR)/Cargo.toml \
		--target-dir $(UAIO_TARGET_DIR) \
		$(if $(UAIO_CARGO_TARGET),--target $(UAIO_CARGO_TARGET))
