# uaio on stm32. MicroPython's stm32 port itself does not build here (Debian's
# source package strips lib/stm32lib), so the test covers what uaio adds:
#   make test-stm32   the Rust target port/rust_target.mk picks (for a table of
#                     cases and for every stm32 board's Makefile), and a
#                     hard-float Cortex-M4 image linked with every entry point
# (tests/stm32/test.sh; its files go to build/stm32-test).

.PHONY: test-stm32

test-stm32:
	cargo build --quiet --release -p uaio-staticlib --target thumbv7em-none-eabihf
	bash tests/stm32/test.sh $(BUILD)/stm32-test $(if $(wildcard $(MPY)/ports/stm32/Makefile),$(MPY))
