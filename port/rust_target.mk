# uaio: the Rust target of a bare-metal port, for port/micropython.mk.
# Variables only, no rules, so that it can be tested on its own:
#   make -f port/rust_target.mk --eval 'show: ; @echo $(UAIO_CARGO_TARGET)' show \
#        CMSIS_MCU=STM32F405xx MCU_SERIES=f4
# In:  UAIO_CARGO_TARGET (optional); on stm32, CMSIS_MCU and MCU_SERIES from
#      the board's mpconfigboard.mk, and CFLAGS_MCU_$(MCU_SERIES) if defined.
# Out: UAIO_CARGO_TARGET, when not given; uaio_check_float_abi, for a recipe.

# The float ABI that gcc flags select, the last flag winning: hard, softfp or
# soft (also when none says: arm-none-eabi-gcc's default).
uaio_float_abi = $(or $(lastword $(foreach f,$1,$(patsubst -mfloat-abi=%,%,$(filter -mfloat-abi=%,$f))$(if $(filter -msoft-float,$f),soft)$(if $(filter -mhard-float,$f),hard))),soft)

# stm32 series by core, as ports/stm32/stm32.mk's CFLAGS_MCU_xx: Cortex-M0/M0+,
# M3, and M4/M7/M33/M55 (thumbv7em code runs on the ARMv8-M cores: the M33s
# of H5, L5, U5 and the M55 of N6, a series since MicroPython 1.26).
UAIO_STM32_V6M := f0 g0 l0
UAIO_STM32_V7M := f1 f2 l1
UAIO_STM32_V7EM := f3 f4 f7 g4 h5 h7 l4 l5 n6 u5 wb wl
# The series that stm32.mk builds with -msoft-float (no FPU), all others
# with -mfloat-abi=hard. Only a guess at its flags: py.mk includes this file
# before the port includes stm32.mk, which sets them; the $(UAIO_LIB) recipe
# checks the guess against the final CFLAGS.
UAIO_STM32_NOFPU := f0 g0 l0 f1 f2 l1 wl

# The stm32 series' target for these C flags (only M4/M7/M33/M55 have an FPU).
uaio_stm32_target = $(strip \
	$(if $(filter $(MCU_SERIES),$(UAIO_STM32_V6M)),thumbv6m-none-eabi) \
	$(if $(filter $(MCU_SERIES),$(UAIO_STM32_V7M)),thumbv7m-none-eabi) \
	$(if $(filter $(MCU_SERIES),$(UAIO_STM32_V7EM)),thumbv7em-none-eabi$(if \
		$(filter hard,$(call uaio_float_abi,$1)),hf)))

# A thumb target's float ABI must be the C code's: eabihf passes floats in
# VFP registers (-mfloat-abi=hard), eabi in core ones (soft, softfp). $1: the
# port's C flags. The fix suggested: stm32's own choice, else the target
# with its suffix changed.
uaio_good_target = $(or $(if $(UAIO_STM32),$(call uaio_stm32_target,$1)),$(if \
	$(filter hard,$(call uaio_float_abi,$1)),$(if $(filter thumbv6m% thumbv7m%,$(UAIO_CARGO_TARGET)),thumbv7em-none-eabihf,$(patsubst \
	%eabi,%eabihf,$(UAIO_CARGO_TARGET))),$(patsubst \
	%eabihf,%eabi,$(UAIO_CARGO_TARGET))))
uaio_abi_mismatch = $(if $(filter hard,$(call uaio_float_abi,$1)),$(if \
	$(filter %eabihf,$(UAIO_CARGO_TARGET)),,soft-float),$(if $(filter %eabihf,$(UAIO_CARGO_TARGET)),hard-float))
uaio_check_float_abi = $(if $(filter thumb%,$(UAIO_CARGO_TARGET)),$(if $(call uaio_abi_mismatch,$1),$(error \
	uaio: the port builds with -mfloat-abi=$(call uaio_float_abi,$1) but UAIO_CARGO_TARGET=$(UAIO_CARGO_TARGET) \
	is $(call uaio_abi_mismatch,$1): set UAIO_CARGO_TARGET=$(call uaio_good_target,$1))))

UAIO_STM32 := $(filter STM32%,$(CMSIS_MCU))
ifneq ($(UAIO_STM32),)
UAIO_PORT_FLOAT_FLAGS := $(or $(CFLAGS_MCU_$(MCU_SERIES)),$(if \
	$(filter $(MCU_SERIES),$(UAIO_STM32_NOFPU)),-msoft-float,-mfloat-abi=hard))
ifeq ($(UAIO_CARGO_TARGET),)
UAIO_CARGO_TARGET := $(call uaio_stm32_target,$(UAIO_PORT_FLOAT_FLAGS))
ifeq ($(UAIO_CARGO_TARGET),)
$(error uaio: no Rust target known for stm32 series '$(MCU_SERIES)': set UAIO_CARGO_TARGET)
endif
endif
# Fail early on a contradicting UAIO_CARGO_TARGET; the recipe checks again.
$(call uaio_check_float_abi,$(UAIO_PORT_FLOAT_FLAGS))
endif
