// The idle wait of the uaio core on MicroPython ports that have their own
// tick and event wait (rp2, stm32, esp32, mimxrt, nrf, samd, renesas-ra):
// the port's own primitive, which returns on any interrupt, so that a
// `micropython.schedule` callback, an IRQ that sets a ThreadSafeFlag, or
// Ctrl-C ends the wait at once. Built with UAIO_MPEVENT=1 (port/micropython.mk
// and port/micropython.cmake pick it for these ports).
//
// The wait runs below a Rust frame: it never raises and never runs Python
// code. Pending work is left to C: the wait returns UAIO_EINTR and
// uaio_wait_io() runs it with mp_handle_pending() once Rust has returned.

#include "py/mphal.h"
#include "py/runtime.h"
#include "uaio_mp.h"

#if UAIO_MPEVENT

// While objects without fd wait (a UART), they are asked again each ms, as
// on the port's own select.poll.
#define OBJECT_POLL_US (1000)
// Longest single wait (17 min): the core computes the rest and calls again,
// reading the port's µs counter (2^32 on 32-bit ports) well within its period.
#define MAX_WAIT_MS (1u << 20)

static bool work_pending(void) {
    #if MICROPY_ENABLE_SCHEDULER
    if (MP_STATE_VM(sched_state) == MP_SCHED_PENDING) {
        return true;
    }
    #endif
    return MP_STATE_THREAD(mp_pending_exception) != MP_OBJ_NULL;
}

#if defined(MICROPY_EVENT_POLL_HOOK) && !MICROPY_PREVIEW_VERSION_2
// Ports still on the old macro (esp32, mimxrt, nrf, samd): it handles
// pending events, which may raise, then sleeps until an interrupt (or the
// next tick). Nothing was pending just before, so it raises only for an
// exception scheduled in between: that one is scheduled again, and C
// raises it after Rust returned.
static int32_t wait_ms(int32_t ms) {
    (void)ms;
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        MICROPY_EVENT_POLL_HOOK
        nlr_pop();
        return 0;
    }
    mp_sched_exception(MP_OBJ_FROM_PTR(nlr.ret_val));
    return UAIO_EINTR;
}
#else
// Ports with MICROPY_INTERNAL_WFE (rp2, stm32, renesas-ra): the sleep
// alone, without mp_event_wait_ms()'s handling of pending events (which
// would run callbacks below Rust). -1: until an interrupt. An interrupt
// taken between the check and the sleep is not lost: on rp2 it sets the
// event register, so WFE returns at once; WFI ports (stm32) wake at their
// next tick (1 ms).
static int32_t wait_ms(int32_t ms) {
    MICROPY_INTERNAL_EVENT_HOOK;
    if (work_pending()) {
        return UAIO_EINTR;
    }
    MICROPY_INTERNAL_WFE(ms);
    return 0;
}
#endif

// The `idle_wait` hook of the uaio core (loop.c): sleeps until `timeout_us`
// (-1: no limit) passed or an interrupt came. Whole ms sleep in the port's
// wait; the last partial ms is spun, so that a wake is neither early nor a
// tick late. Called with the GIL released; the port's wait expects it held.
int32_t uaio_mpevent_idle_wait(void *ctx, int64_t timeout_us) {
    (void)ctx;
    MP_THREAD_GIL_ENTER();
    uaio_state_t *st = MP_STATE_VM(uaio_state);
    if (st != NULL && uaio_io_len(&st->io) > 0 && (timeout_us < 0 || timeout_us > OBJECT_POLL_US)) {
        timeout_us = OBJECT_POLL_US;
    }
    int32_t rc = 0;
    if (work_pending()) {
        rc = UAIO_EINTR;
    } else if (timeout_us < 0) {
        rc = wait_ms(-1);
    } else if (timeout_us >= 1000) {
        uint64_t ms = (uint64_t)timeout_us / 1000;
        rc = wait_ms(ms > MAX_WAIT_MS ? (int32_t)MAX_WAIT_MS : (int32_t)ms);
    } else {
        mp_uint_t start = mp_hal_ticks_us();
        while ((mp_uint_t)(mp_hal_ticks_us() - start) < (mp_uint_t)timeout_us && !work_pending()) {
        }
    }
    if (rc == 0 && work_pending()) {
        rc = UAIO_EINTR;
    }
    MP_THREAD_GIL_EXIT();
    return rc;
}

#endif // UAIO_MPEVENT
