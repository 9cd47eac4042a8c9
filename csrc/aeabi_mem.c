// The ARM run-time ABI's memory helpers (RTABI section 4.3.4), which the
// Rust core's compiler calls for struct copies and zeroing, as thin calls to
// the firmware's own memcpy/memmove/memset: else Rust's compiler_builtins
// brings a second copy of them (about 1 KiB). Weak, so that a port or libc
// that has them (newlib, pico-sdk) keeps its own. Bare-metal Arm firmware
// only (port/micropython.mk, port/micropython.cmake).
#include <stddef.h>
#include <string.h>

#define UAIO_AEABI_COPY(name, fn) \
    void name(void *dest, const void *src, size_t n); \
    __attribute__((weak)) void name(void *dest, const void *src, size_t n) { \
        fn(dest, src, n); \
    }
// Note the argument order: the length before the byte.
#define UAIO_AEABI_SET(name) \
    void name(void *dest, size_t n, int c); \
    __attribute__((weak)) void name(void *dest, size_t n, int c) { \
        memset(dest, c, n); \
    }
#define UAIO_AEABI_CLR(name) \
    void name(void *dest, size_t n); \
    __attribute__((weak)) void name(void *dest, size_t n) { \
        memset(dest, 0, n); \
    }

UAIO_AEABI_COPY(__aeabi_memcpy, memcpy)
UAIO_AEABI_COPY(__aeabi_memcpy4, memcpy)
UAIO_AEABI_COPY(__aeabi_memcpy8, memcpy)
UAIO_AEABI_COPY(__aeabi_memmove, memmove)
UAIO_AEABI_COPY(__aeabi_memmove4, memmove)
UAIO_AEABI_COPY(__aeabi_memmove8, memmove)
UAIO_AEABI_SET(__aeabi_memset)
UAIO_AEABI_SET(__aeabi_memset4)
UAIO_AEABI_SET(__aeabi_memset8)
UAIO_AEABI_CLR(__aeabi_memclr)
UAIO_AEABI_CLR(__aeabi_memclr4)
UAIO_AEABI_CLR(__aeabi_memclr8)
