/*
 * uaio: the port contract, what a host gives the core so that it can wait.
 * Written by hand; its Rust side, src/ffi/port_sys.rs, is generated from it
 * by bindgen (make port-header; make check-port-header fails if stale).
 * Plain C: no MicroPython types. include/uaio.h includes it.
 *
 * A port provides three things; which file provides them for which host is
 * in port/README.md ("The port layer"):
 *
 *  1. A clock. The core never reads one: every call that needs the time
 *     takes `now`. A port reads a counter that counts up in a fixed unit
 *     (µs for MicroPython) and wraps at 2^bits, and extends it to 64-bit
 *     monotonic time with uaio_clock_init(bits) / uaio_clock_extend(),
 *     at least once per counter period.
 *  2. An idle wait (uaio_idle_wait_fn), which uaio_io_wait() calls where the
 *     host has no poll(2): it sleeps until `timeout_us` passed or an event
 *     arrived, whichever is first. It may return early (the caller looks
 *     at the time and asks again), never raises or unwinds, and must not
 *     lose a wake that an interrupt signalled just before it went to sleep.
 *     POSIX hosts need none: the core waits in poll(2)/epoll itself.
 *  3. The readiness of objects without a file descriptor
 *     (uaio_poll_object_fn), if the host has such objects.
 *
 * A wake from an interrupt is the port's business: its idle wait returns
 * when an interrupt handler has signalled one (uaio_cm_wake() on bare
 * Cortex-M, include/uaio_cortexm.h; any interrupt on MicroPython ports).
 */
#ifndef UAIO_PORT_H
#define UAIO_PORT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The `timeout_us` of a wait without a deadline. */
#define UAIO_WAIT_FOREVER (-1)

/**
 * While objects without a file descriptor wait, a sleep lasts at most this
 * long (µs), so that they are asked again.
 */
#define UAIO_OBJECT_POLL_US (1000)

/**
 * The readiness of an object without fd: the UAIO_READ / UAIO_WRITE /
 * UAIO_ERROR bits of `events` that hold now. Must not block.
 */
typedef uint32_t (*uaio_poll_object_fn)(void *ctx, uint64_t handle, uint32_t events);

/**
 * Sleeps until an event arrives or `timeout_us` (UAIO_WAIT_FOREVER: no
 * deadline) passed. Returns 0, or a negative UAIO_E* code (UAIO_EINTR:
 * the host has work to run first, e.g. a signal or a scheduled callback).
 */
typedef int32_t (*uaio_idle_wait_fn)(void *ctx, int64_t timeout_us);

/** What a port supplies to uaio_io_wait(). Every member may be NULL. */
typedef struct uaio_port_hooks {
    /** Passed to each hook. */
    void *ctx;
    /** Asked about every armed object without fd, before and after a wait. */
    uaio_poll_object_fn poll_object;
    /** The sleep, on hosts without poll(2) (bare metal). */
    uaio_idle_wait_fn idle_wait;
} uaio_port_hooks;

#ifdef __cplusplus
}
#endif

#endif /* UAIO_PORT_H */
