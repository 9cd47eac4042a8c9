/*
 * uaio: the port for a bare Cortex-M with no HAL of its own, in libuaio.a
 * for thumb*-none-* targets (staticlib/c/uaio_cortexm.c): a 1 ms SysTick
 * tick read as a µs counter, the idle wait (WFI until the deadline or an
 * interrupt) and the wake from an interrupt. Plain C, no MicroPython.
 *
 *   uaio_cm_tick_start(25000000);          // or _vtor, or _attach
 *   uaio_clock_init(&clock, UAIO_CM_TICKS_US_BITS, uaio_cm_ticks_us(), 0);
 *   uaio_port_hooks hooks = { .idle_wait = uaio_cm_idle_wait };
 *   ... uaio_io_wait(&io, timeout_us, &hooks);
 *
 * The archive member is linked only when a program names one of these
 * functions: firmware with a SysTick of its own (MicroPython's stm32, rp2)
 * never gets it. It defines no SysTick_Handler: the program's vector table
 * calls uaio_cm_systick_handler(), or uaio_cm_tick_start_vtor() installs it.
 */
#ifndef UAIO_CORTEXM_H
#define UAIO_CORTEXM_H

#include <stdint.h>

#include "uaio_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** uaio_cm_ticks_us() wraps at 2^UAIO_CM_TICKS_US_BITS (for uaio_clock_init). */
#define UAIO_CM_TICKS_US_BITS (32)

/** uaio_cm_idle.flags: end the wait at the next tick too (objects polled each ms). */
#define UAIO_CM_IDLE_EACH_TICK (1u << 0)

/**
 * Starts SysTick at 1 ms on the core clock `core_hz` (a multiple of 1000;
 * the reload must fit SysTick's 24 bits). The program's vector table must
 * call uaio_cm_systick_handler() for SysTick. UAIO_OK or UAIO_EINVAL.
 */
int32_t uaio_cm_tick_start(uint32_t core_hz);

/**
 * uaio_cm_tick_start(), installing the handler itself: copies the first
 * `nvectors` (16..256) entries of the vector table in use to `table` (RAM,
 * aligned to nvectors * 4 rounded up to a power of two, at least 128), puts
 * the handler in SysTick's entry and points VTOR at the copy (Cortex-M3 and
 * up; optional on M0+). For a firmware whose own SysTick entry must not be
 * edited. UAIO_OK, or UAIO_EINVAL (nothing changed).
 */
int32_t uaio_cm_tick_start_vtor(uint32_t core_hz, uint32_t *table, uint32_t nvectors);

/**
 * Uses a SysTick that the program already runs at 1 ms with its own ms
 * count (read by `ms_now`) instead of starting one: the µs reading and the
 * idle wait then follow that count. UAIO_OK or UAIO_EINVAL.
 */
int32_t uaio_cm_tick_attach(uint32_t core_hz, uint32_t (*ms_now)(void));

/** The SysTick interrupt handler (after uaio_cm_tick_start()). */
void uaio_cm_systick_handler(void);

/** Whether a tick was started or attached. */
int uaio_cm_tick_running(void);

/** Milliseconds since the tick started, wrapping at 2^32. */
uint32_t uaio_cm_ticks_ms(void);

/**
 * Microseconds, wrapping at 2^32 (ms * 1000 + the µs into the current ms:
 * the two wrap together). Never steps back, also when read with interrupts
 * masked across a reload.
 */
uint32_t uaio_cm_ticks_us(void);

/** Core clock cycles, wrapping at 2^32. */
uint32_t uaio_cm_ticks_cycles(void);

/**
 * From an interrupt handler (or anywhere): the idle wait returns now, or at
 * once when it is next called. Nothing is lost between a program's last
 * look at its flags and the WFI.
 */
void uaio_cm_wake(void);

/** Optional context of uaio_cm_idle_wait() (it writes `wfis`). */
typedef struct uaio_cm_idle {
    /**
     * Called with interrupts masked before each sleep: non-zero ends the
     * wait with that result (e.g. UAIO_EINTR for work the host must run).
     * May be NULL.
     */
    int32_t (*pending)(void *arg);
    /** Passed to `pending`. */
    void *arg;
    /** UAIO_CM_IDLE_* bits. */
    uint32_t flags;
    /** Counts the WFIs executed, for a program that checks it sleeps. */
    uint32_t wfis;
} uaio_cm_idle;

/**
 * The idle wait (uaio_idle_wait_fn; `ctx` is NULL or a uaio_cm_idle):
 * sleeps in WFI until `timeout_us` passed (UAIO_WAIT_FOREVER and sleeps
 * over 2^31 µs end after 2^31 µs), an interrupt other than the tick was
 * taken, uaio_cm_wake() was called, or `pending` says so. The last partial
 * ms is spun, so a timed wake is neither early nor a tick late. Interrupts
 * are masked from the checks to the WFI (a pending interrupt still ends
 * it), so none is missed. 0, `pending`'s result, or UAIO_ENOTSUP (no tick).
 */
int32_t uaio_cm_idle_wait(void *ctx, int64_t timeout_us);

#ifdef __cplusplus
}
#endif

#endif /* UAIO_CORTEXM_H */
