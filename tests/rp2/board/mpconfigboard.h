// RPI_PICO with the REPL on UART0 (the emulator has no USB host), and without
// what needs lib/mbedtls (or axtls, its fallback): SSL, cryptolib, MD5, SHA1.
#include "boards/RPI_PICO/mpconfigboard.h"
#define MICROPY_HW_ENABLE_UART_REPL             (1)
#define MICROPY_SSL_MBEDTLS                     (0)
#define MICROPY_PY_SSL                          (0)
#define MICROPY_PY_CRYPTOLIB                    (0)
#define MICROPY_PY_HASHLIB_MD5                  (0)
#define MICROPY_PY_HASHLIB_SHA1                 (0)
