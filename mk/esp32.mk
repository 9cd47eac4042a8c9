# CMake-based ports (esp32, rp2): port/micropython.cmake, tested on the host
# (no ESP-IDF here): configure checks for every platform it maps, the refusal
# of unknown ones, and the ESP32-C3 (riscv32imc) core built through it.
#   make test-esp32

.PHONY: test-esp32

# micropython: the run includes MicroPython's own py/usermod.cmake too.
test-esp32: micropython
	@sh tests/cmake/run.sh $(BUILD)/cmake $(MPY)
