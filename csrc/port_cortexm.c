// Cortex-M support for MicroPython ports without a clock or an event wait
// (qemu), on the archive's bare Cortex-M port (include/uaio_cortexm.h,
// staticlib/c/uaio_cortexm.c: SysTick tick, µs counter, WFI idle wait):
// the port's HAL ticks and delays from it, the idle wait of the uaio core
// with MicroPython's pending work as its `pending` check, and, with
// UAIO_PROVIDE_TIME, the `time` module such ports lack.
//
// The tick's handler is installed without editing the port (whose
// SysTick_Handler is its fatal error handler): the port's vector table is
// copied to RAM and VTOR pointed at the copy. Set UAIO_CORTEXM_HZ to the
// core clock SysTick counts.
//
// Ports with their own tick and event wait (stm32, ...) must not build this
// file: it takes SysTick for itself. A port with its own SysTick tick and
// `time` but no event wait (MicroPython's qemu port since 1.27) builds it
// with UAIO_CORTEXM_TICK=0: the idle wait alone, on the port's ticks.

#include "py/mphal.h"
#include "py/runtime.h"
#include "py/smallint.h"
#include "uaio_cortexm.h"
#include "uaio_mp.h"

#if UAIO_CORTEXM

#ifndef UAIO_CORTEXM_TICK
#define UAIO_CORTEXM_TICK (1)
#endif

#ifndef UAIO_CORTEXM_HZ
#error "UAIO_CORTEXM_HZ: set the core clock frequency that SysTick counts"
#elif UAIO_CORTEXM_HZ < 1000000 || UAIO_CORTEXM_HZ % 1000 != 0
#error "UAIO_CORTEXM_HZ: at least 1 MHz, in whole kHz (uaio_cm_tick_start refuses others)"
#endif

// Vectors copied to RAM: the 16 exceptions, and a port's IRQs if it sets more.
#ifndef UAIO_CORTEXM_NVECTORS
#define UAIO_CORTEXM_NVECTORS (16)
#endif

// VTOR needs the table aligned to its size rounded up to a power of two (>= 128 bytes).
#define VTOR_ALIGN (UAIO_CORTEXM_NVECTORS <= 32 ? 128 : UAIO_CORTEXM_NVECTORS <= 64 ? 256 : \
    UAIO_CORTEXM_NVECTORS <= 128 ? 512 : 1024)

// Longest single sleep: elapsed µs are measured with the 32-bit counter.
#define MAX_SLEEP_US (INT64_C(1) << 31)

#if UAIO_CORTEXM_TICK
static uint32_t vectors[UAIO_CORTEXM_NVECTORS < 32 ? 32 : UAIO_CORTEXM_NVECTORS]
__attribute__((aligned(VTOR_ALIGN)));
#else
// The port's own SysTick ms tick, started at boot at 1 ms of
// UAIO_CORTEXM_HZ (the make passes it CPU_FREQ_HZ). (The port's own µs
// reading can step back a ms, which the core would take for a wrap of
// the counter: the archive's reading corrects for a pending reload.)
static uint32_t port_ms(void) {
    return (uint32_t)mp_hal_ticks_ms();
}
#endif

// Starts the tick on first use: the port has no init hook for us. The
// clock is checked above and the table is static: the start cannot fail.
static void tick_ensure(void) {
    if (!uaio_cm_tick_running()) {
        #if UAIO_CORTEXM_TICK
        uaio_cm_tick_start_vtor(UAIO_CORTEXM_HZ, vectors, UAIO_CORTEXM_NVECTORS);
        #else
        uaio_cm_tick_attach(UAIO_CORTEXM_HZ, port_ms);
        #endif
    }
}

// The scheduler's clock (csrc/loop.c). Wraps at 2^32 like the ms count
// times 1000, so the two agree.
uint32_t uaio_cortexm_ticks_us(void) {
    tick_ensure();
    return uaio_cm_ticks_us();
}

#if UAIO_CORTEXM_TICK

mp_uint_t mp_hal_ticks_ms(void) {
    tick_ensure();
    return uaio_cm_ticks_ms();
}

mp_uint_t mp_hal_ticks_us(void) {
    return uaio_cortexm_ticks_us();
}

mp_uint_t mp_hal_ticks_cpu(void) {
    tick_ensure();
    return uaio_cm_ticks_cycles();
}

#endif // UAIO_CORTEXM_TICK

// The archive's idle wait asks this with interrupts masked before each
// sleep: a scheduled callback or exception ends it (UAIO_EINTR).
static int32_t mp_work_pending(void *arg) {
    (void)arg;
    #if MICROPY_ENABLE_SCHEDULER
    if (MP_STATE_VM(sched_state) == MP_SCHED_PENDING) {
        return UAIO_EINTR;
    }
    #endif
    return MP_STATE_THREAD(mp_pending_exception) != MP_OBJ_NULL ? UAIO_EINTR : 0;
}

// Sleeps until `timeout_us` (-1: no limit, capped at MAX_SLEEP_US) passed,
// an interrupt other than the tick is taken, or MicroPython has pending work
// (UAIO_EINTR); with `one_tick`, also at the next tick.
static int32_t idle_sleep(int64_t timeout_us, bool one_tick) {
    uaio_cm_idle cfg = { .pending = mp_work_pending, .flags = one_tick ? UAIO_CM_IDLE_EACH_TICK : 0 };
    tick_ensure();
    return uaio_cm_idle_wait(&cfg, timeout_us);
}

// The `idle_wait` hook of the uaio core: called with a Rust frame below, so
// it must not raise. An object without interrupt (a polled stream) may turn
// ready at any time: while such waits are armed, the sleep ends at each tick
// so that the core asks them again, as it slices poll(2) on unix.
int32_t uaio_cortexm_idle_wait(void *ctx, int64_t timeout_us) {
    (void)ctx;
    uaio_state_t *st = MP_STATE_VM(uaio_state);
    return idle_sleep(timeout_us, st != NULL && uaio_io_len(&st->io) > 0);
}

#if UAIO_CORTEXM_TICK

// Blocking delays (outside the loop): may run pending callbacks and raise.
static void delay_us(uint64_t us) {
    uint64_t elapsed = 0;
    uint32_t last = mp_hal_ticks_us();
    for (;;) {
        uint32_t now = mp_hal_ticks_us();
        elapsed += (uint32_t)(now - last);
        last = now;
        if (elapsed >= us) {
            return;
        }
        uint64_t left = us - elapsed;
        idle_sleep(left > (uint64_t)MAX_SLEEP_US ? MAX_SLEEP_US : (int64_t)left, false);
        mp_handle_pending(true);
    }
}

void mp_hal_delay_ms(mp_uint_t ms) {
    delay_us((uint64_t)ms * 1000);
}

void mp_hal_delay_us(mp_uint_t us) {
    delay_us(us);
}

#if UAIO_PROVIDE_TIME

/******************************************************************************/
// The `time` module: wrap-around ticks of MICROPY_PY_TIME_TICKS_PERIOD.

#define TICKS_MASK (MICROPY_PY_TIME_TICKS_PERIOD - 1)
#define TICKS_HALF (MICROPY_PY_TIME_TICKS_PERIOD / 2)

static mp_obj_t time_ticks_ms(void) {
    return MP_OBJ_NEW_SMALL_INT(mp_hal_ticks_ms() & TICKS_MASK);
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_ticks_ms_obj, time_ticks_ms);

static mp_obj_t time_ticks_us(void) {
    return MP_OBJ_NEW_SMALL_INT(mp_hal_ticks_us() & TICKS_MASK);
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_ticks_us_obj, time_ticks_us);

static mp_obj_t time_ticks_cpu(void) {
    return MP_OBJ_NEW_SMALL_INT(mp_hal_ticks_cpu() & TICKS_MASK);
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_ticks_cpu_obj, time_ticks_cpu);

// The signed distance from `start` to `end`, in (-period/2, period/2].
static mp_obj_t time_ticks_diff(mp_obj_t end_in, mp_obj_t start_in) {
    mp_uint_t diff = ((mp_uint_t)mp_obj_get_int(end_in) - (mp_uint_t)mp_obj_get_int(start_in)) & TICKS_MASK;
    return MP_OBJ_NEW_SMALL_INT(((diff + TICKS_HALF) & TICKS_MASK) - TICKS_HALF);
}
static MP_DEFINE_CONST_FUN_OBJ_2(time_ticks_diff_obj, time_ticks_diff);

static mp_obj_t time_ticks_add(mp_obj_t ticks_in, mp_obj_t delta_in) {
    mp_int_t delta = mp_obj_get_int(delta_in);
    if (delta < -(mp_int_t)TICKS_HALF || delta >= (mp_int_t)TICKS_HALF) {
        mp_raise_msg(&mp_type_OverflowError, MP_ERROR_TEXT("ticks interval overflow"));
    }
    return MP_OBJ_NEW_SMALL_INT(((mp_uint_t)mp_obj_get_int(ticks_in) + (mp_uint_t)delta) & TICKS_MASK);
}
static MP_DEFINE_CONST_FUN_OBJ_2(time_ticks_add_obj, time_ticks_add);

static mp_int_t nonneg(mp_obj_t arg) {
    mp_int_t n = mp_obj_get_int(arg);
    return n < 0 ? 0 : n;
}

static mp_obj_t time_sleep_ms(mp_obj_t ms_in) {
    delay_us((uint64_t)nonneg(ms_in) * 1000);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(time_sleep_ms_obj, time_sleep_ms);

static mp_obj_t time_sleep_us(mp_obj_t us_in) {
    delay_us((uint64_t)nonneg(us_in));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(time_sleep_us_obj, time_sleep_us);

static mp_obj_t time_sleep(mp_obj_t s_in) {
    #if MICROPY_PY_BUILTINS_FLOAT
    mp_float_t s = mp_obj_get_float(s_in);
    // Sleeps beyond 2^51 µs (71 years) are cut short to that.
    mp_float_t us = s * MICROPY_FLOAT_CONST(1e6);
    delay_us(s > 0 ? uaio_float_to_u64(us < MICROPY_FLOAT_CONST(2e15) ? us : MICROPY_FLOAT_CONST(2e15)) : 0);
    #else
    delay_us((uint64_t)nonneg(s_in) * 1000000);
    #endif
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(time_sleep_obj, time_sleep);

static const mp_rom_map_elem_t time_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_time) },
    { MP_ROM_QSTR(MP_QSTR_sleep), MP_ROM_PTR(&time_sleep_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep_ms), MP_ROM_PTR(&time_sleep_ms_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep_us), MP_ROM_PTR(&time_sleep_us_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_ms), MP_ROM_PTR(&time_ticks_ms_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_us), MP_ROM_PTR(&time_ticks_us_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_cpu), MP_ROM_PTR(&time_ticks_cpu_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_diff), MP_ROM_PTR(&time_ticks_diff_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_add), MP_ROM_PTR(&time_ticks_add_obj) },
};
static MP_DEFINE_CONST_DICT(time_module_globals, time_module_globals_table);

const mp_obj_module_t uaio_time_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&time_module_globals,
};

// Extensible, as the ports' own `time`: `import utime` finds it too.
MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_time, uaio_time_module);

#endif // UAIO_PROVIDE_TIME

#endif // UAIO_CORTEXM_TICK

#endif // UAIO_CORTEXM
