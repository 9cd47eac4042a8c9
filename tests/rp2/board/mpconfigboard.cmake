# RPI_PICO as uaio's tests build it (mk/rp2.mk), for the rp2040js emulator:
# the board itself, its pins, and no SSL (lib/mbedtls is not vendored here;
# the tree is prepared by scripts/rp2-tree.sh so that this switch is obeyed).
include(${MICROPY_PORT_DIR}/boards/RPI_PICO/mpconfigboard.cmake)
set(MICROPY_BOARD_PINS ${MICROPY_PORT_DIR}/boards/RPI_PICO/pins.csv)
set(MICROPY_SSL_MBEDTLS OFF)
