# make size: what asyncio costs on the real RPI_PICO (rp2, mk/rp2.mk) and
# B_L475E_IOT01A (stm32, mk/stm32.mk) images. Per board it builds
#   base     the port with MICROPY_PY_ASYNCIO=0 and nothing frozen for asyncio
#            (the port's own boards/manifest.py without its asyncio line)
#   stock    the port as shipped (make rp2-stock / make stm32-stock)
#   PROFILE  uaio, for each of SIZE_PROFILES: the port's manifest with its
#            asyncio line replaced by include(port/manifest.py, profile=PROFILE),
#            built with UAIO_PROFILE=PROFILE
# and scripts/size.py prints per board the flash/RAM of each part and each
# image's cost over base; JSON in build/size/size.json. Each image builds in
# a folder of its own that later runs reuse (4-10 min each the first time).
#   make size SIZE_BOARDS=RPI_PICO SIZE_PROFILES=default    one board, one profile
#   make size-qemu                                           the qemu MPS2_AN385 image
SIZE_BOARDS   ?= RPI_PICO B_L475E_IOT01A
SIZE_PROFILES ?= lean default full
SIZE_DIR      := $(abspath $(BUILD)/size)
SIZE_KINDS     = base stock $(SIZE_PROFILES)
SIZE_PORT_RPI_PICO := rp2
SIZE_PORT_B_L475E_IOT01A := stm32
# Image folder of board $1, kind $2 (stock: the folder make rp2-stock / stm32-stock uses).
size_dir = $(if $(filter stock,$2),$(abspath $(BUILD)/$(SIZE_PORT_$1)-stock-$1),$(SIZE_DIR)/$(SIZE_PORT_$1)-$1-$2)

.PHONY: size size-images size-qemu test-size $(foreach b,$(SIZE_BOARDS),$(foreach k,$(SIZE_KINDS),size-$b-$k))

# The port's manifest without asyncio (base) or with uaio's package (a profile).
# The port's asyncio line must be there: else the images would not differ.
$(SIZE_DIR)/%-manifest-base.py: FORCE
	@mkdir -p $(@D)
	@grep -q '^include("$$(MPY_DIR)/extmod/asyncio")' $(MPY)/ports/$*/boards/manifest.py || \
		{ echo "size: no asyncio line in ports/$*/boards/manifest.py"; exit 1; }
	@sed '/^include("$$(MPY_DIR)\/extmod\/asyncio")/d' $(MPY)/ports/$*/boards/manifest.py > $@.new
	@cmp -s $@.new $@ || cp $@.new $@
$(SIZE_DIR)/%-manifest-uaio.py: $(SIZE_DIR)/%-manifest-base.py
	@# The profile is filled in by each build (a .in template, one line to change).
	@sed 's|^include("$$(MPY_DIR)/extmod/asyncio")|include("$(CURDIR)/port/manifest.py", profile="@PROFILE@")|' \
		$(MPY)/ports/$*/boards/manifest.py > $@.in && mv $@.in $@
# $1 board, $2 profile: its manifest (rewritten only when it changes, so that
# an unchanged image is not refrozen).
size_profile_manifest = sed 's/@PROFILE@/$2/' $(SIZE_DIR)/$(SIZE_PORT_$1)-manifest-uaio.py > $(SIZE_DIR)/$(SIZE_PORT_$1)-manifest-$2.py.new && \
	{ cmp -s $(SIZE_DIR)/$(SIZE_PORT_$1)-manifest-$2.py.new $(SIZE_DIR)/$(SIZE_PORT_$1)-manifest-$2.py || \
	  cp $(SIZE_DIR)/$(SIZE_PORT_$1)-manifest-$2.py.new $(SIZE_DIR)/$(SIZE_PORT_$1)-manifest-$2.py; }

# --- RPI_PICO (the board make rp2 builds: tests/rp2/board) ---
size-RPI_PICO-base: rp2-tree mpy-cross $(SIZE_DIR)/rp2-manifest-base.py
	$(RP2_CMAKE) -B $(call size_dir,RPI_PICO,base) -DUSER_C_MODULES=$(CURDIR)/mk/size_noasyncio.cmake \
		-DMICROPY_FROZEN_MANIFEST=$(SIZE_DIR)/rp2-manifest-base.py >/dev/null
	cmake --build $(call size_dir,RPI_PICO,base) -j$(JOBS) -- --no-print-directory -s
size-RPI_PICO-stock:
	$(MAKE) --no-print-directory rp2-stock
$(foreach p,$(SIZE_PROFILES),size-RPI_PICO-$p): size-RPI_PICO-%: rp2-tree mpy-cross $(SIZE_DIR)/rp2-manifest-uaio.py
	$(call size_profile_manifest,RPI_PICO,$*)
	$(RP2_CMAKE) -B $(call size_dir,RPI_PICO,$*) -DUSER_C_MODULES=$(CURDIR)/port/micropython.cmake \
		-DMICROPY_FROZEN_MANIFEST=$(SIZE_DIR)/rp2-manifest-$*.py -DUAIO_PROFILE=$* >/dev/null
	cmake --build $(call size_dir,RPI_PICO,$*) -j$(JOBS) -- --no-print-directory -s

# --- B_L475E_IOT01A (the real board's folder, as make stm32 builds it) ---
SIZE_STM32 = $(MAKE) -s -C $(MPY)/ports/stm32 -j$(JOBS) $(filter-out BOARD=% BOARD_DIR=%,$(STM32_FLAGS)) BOARD=B_L475E_IOT01A
size-B_L475E_IOT01A-base: stm32-tree mpy-cross $(SIZE_DIR)/stm32-manifest-base.py
	$(SIZE_STM32) BUILD=$(call size_dir,B_L475E_IOT01A,base) FROZEN_MANIFEST=$(SIZE_DIR)/stm32-manifest-base.py \
		CFLAGS_EXTRA=-DMICROPY_PY_ASYNCIO=0
size-B_L475E_IOT01A-stock:
	$(MAKE) --no-print-directory stm32-stock BOARD=B_L475E_IOT01A
$(foreach p,$(SIZE_PROFILES),size-B_L475E_IOT01A-$p): size-B_L475E_IOT01A-%: stm32-tree mpy-cross $(SIZE_DIR)/stm32-manifest-uaio.py
	$(call size_profile_manifest,B_L475E_IOT01A,$*)
	$(SIZE_STM32) BUILD=$(call size_dir,B_L475E_IOT01A,$*) USER_C_MODULES=$(CURDIR) \
		FROZEN_MANIFEST=$(SIZE_DIR)/stm32-manifest-$*.py UAIO_PROFILE=$*

# One image after the other (each build uses every core).
size-images:
	@$(foreach b,$(SIZE_BOARDS),$(foreach k,$(SIZE_KINDS),$(MAKE) --no-print-directory size-$b-$k &&)) true

size: size-images
	python3 scripts/size.py --out $(SIZE_DIR) --profiles $(SIZE_PROFILES) \
		$(foreach b,$(SIZE_BOARDS),--board $b $(foreach k,$(SIZE_KINDS),$k=$(call size_dir,$b,$k)))

# --- qemu MPS2_AN385 (scripts/size_qemu.py): uaio beside stock asyncio ---
SIZE_QEMU_DIR   := $(SIZE_DIR)/qemu
SIZE_QEMU_UAIO  := $(abspath $(BUILD)/qemu-MPS2_AN385)
SIZE_QEMU_BASE  := $(abspath $(BUILD)/qemu-MPS2_AN385-base)
SIZE_QEMU_STOCK := $(abspath $(BUILD)/qemu-MPS2_AN385-stock)
# The port as `make qemu` builds it, with the same heap so that the heap in
# .bss cancels out, but without uaio's C module.
SIZE_QEMU = $(MAKE) -C $(MPY)/ports/qemu BOARD=MPS2_AN385 MICROPY_HEAP_SIZE=$(QEMU_HEAP_MPS2_AN385)
SIZE_QEMU_BASE_MAKE = $(SIZE_QEMU) BUILD=$(SIZE_QEMU_BASE) FROZEN_MANIFEST=$(SIZE_QEMU_DIR)/base_manifest.py

# base: nothing frozen; stock: stock asyncio's package frozen.
$(SIZE_QEMU_DIR)/base_manifest.py:
	@mkdir -p $(@D) && : > $@
$(SIZE_QEMU_DIR)/stock_manifest.py:
	@mkdir -p $(@D) && echo 'include("$$(MPY_DIR)/extmod/asyncio")' > $@

size-qemu: mpy-cross $(SIZE_QEMU_DIR)/base_manifest.py $(SIZE_QEMU_DIR)/stock_manifest.py
	@$(MAKE) --no-print-directory qemu BOARD=MPS2_AN385
	@$(SIZE_QEMU_BASE_MAKE) -s -j$(JOBS)
	@$(SIZE_QEMU) -s -j$(JOBS) BUILD=$(SIZE_QEMU_STOCK) FROZEN_MANIFEST=$(SIZE_QEMU_DIR)/stock_manifest.py
	@# The port's own compile commands for stock's C modules (printed, not run).
	@$(SIZE_QEMU_BASE_MAKE) -n V=1 $(foreach m,modasyncio modselect,-W ../../extmod/$(m).c $(SIZE_QEMU_BASE)/extmod/$(m).o) \
		> $(SIZE_QEMU_DIR)/stock_cc.txt
	@python3 scripts/size_qemu.py --mpy $(MPY) --uaio $(SIZE_QEMU_UAIO) --base $(SIZE_QEMU_BASE) \
		--stock $(SIZE_QEMU_STOCK) --cc $(SIZE_QEMU_DIR)/stock_cc.txt --out $(SIZE_QEMU_DIR)

# The Arm firmware link's archive split (port/split_lib.sh): in `make test`.

test-size:
	sh tests/size/split_lib.sh $(BUILD)/size-test
