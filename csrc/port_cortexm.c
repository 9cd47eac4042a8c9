// Cortex-M support for ports without a clock or an event wait (qemu): a
// SysTick millisecond tick with µs interpolation, the idle wait of the uaio
// core (WFI until the deadline or an interrupt), and, with
// UAIO_PROVIDE_TIME, the `time` module such ports lack.
//
// SysTick rather than a board timer: every Cortex-M3/M4/M7 has it at the
// same address, so one driver serves every board. The port's vector table
// is copied to RAM and VTOR pointed at the copy, so the tick handler is
// installed without editing the port (whose SysTick_Handler is its fatal
// error handler). Set UAIO_CORTEXM_HZ to the core clock SysTick counts.
//
// Ports with their own tick and event wait (stm32, ...) must not build this
// file: it takes SysTick for itself. A port with its own SysTick tick and
// `time` but no event wait (MicroPython's qemu port since 1.27) builds it
// with UAIO_CORTEXM_TICK=0: the idle wait alone, on the port's ticks.

#include "py/mphal.h"
#include "py/runtime.h"
#include "py/smallint.h"
#include "uaio_mp.h"

#if UAIO_CORTEXM

#ifndef UAIO_CORTEXM_TICK
#define UAIO_CORTEXM_TICK (1)
#endif

#ifndef UAIO_CORTEXM_HZ
#error "UAIO_CORTEXM_HZ: set the core clock frequency that SysTick counts"
#endif

// Vectors copied to RAM: the 16 exceptions, and a port's IRQs if it sets more.
#ifndef UAIO_CORTEXM_NVECTORS
#define UAIO_CORTEXM_NVECTORS (16)
#endif

// VTOR needs the table aligned to its size rounded up to a power of two (>= 128 bytes).
#define VTOR_ALIGN (UAIO_CORTEXM_NVECTORS <= 32 ? 128 : UAIO_CORTEXM_NVECTORS <= 64 ? 256 : \
    UAIO_CORTEXM_NVECTORS <= 128 ? 512 : 1024)

#define REG(addr) (*(volatile uint32_t *)(addr))
#define SYST_CSR REG(0xe000e010)
#define SYST_RVR REG(0xe000e014)
#define SYST_CVR REG(0xe000e018)
#define SCB_ICSR REG(0xe000ed04)
#define SCB_VTOR REG(0xe000ed08)

#define SYST_CSR_ENABLE (1 << 0)
#define SYST_CSR_TICKINT (1 << 1)
#define SYST_CSR_CLKSOURCE (1 << 2) // the core clock
#define ICSR_PENDSTSET (1 << 26)
#define ICSR_ISRPENDING (1 << 22)
#define ICSR_VECTPENDING(icsr) (((icsr) >> 12) & 0x1ff)
#define SYSTICK_EXC (15)

#define CYCLES_PER_MS ((uint32_t)(UAIO_CORTEXM_HZ / 1000))
// Longest single sleep: elapsed µs are measured with the 32-bit counter.
#define MAX_SLEEP_US (INT64_C(1) << 31)

static inline uint32_t irq_save(void) {
    uint32_t primask;
    __asm volatile ("mrs %0, primask\n cpsid i" : "=r" (primask) : : "memory");
    return primask;
}

static inline void irq_restore(uint32_t primask) {
    __asm volatile ("msr primask, %0\n isb" : : "r" (primask) : "memory");
}

#if UAIO_CORTEXM_TICK

static uint32_t vectors[UAIO_CORTEXM_NVECTORS < 32 ? 32 : UAIO_CORTEXM_NVECTORS]
__attribute__((aligned(VTOR_ALIGN)));
static volatile uint32_t tick_ms;

static void systick_isr(void) {
    tick_ms += 1;
}

// Starts the tick on first use: the port has no init hook for us.
static void tick_start(void) {
    const uint32_t *old = (const uint32_t *)SCB_VTOR;
    for (size_t i = 0; i < UAIO_CORTEXM_NVECTORS; ++i) {
        vectors[i] = old[i];
    }
    vectors[SYSTICK_EXC] = (uint32_t)systick_isr;
    __asm volatile ("dsb" : : : "memory");
    SCB_VTOR = (uint32_t)vectors;
    __asm volatile ("dsb\n isb" : : : "memory");
    SYST_RVR = CYCLES_PER_MS - 1;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
    while (SYST_CVR == 0) {
        // Until the first reload: 0 would read as the end of a ms.
    }
}

#define TICK_MS() tick_ms

#else

// The port's own SysTick ms tick, started at boot with CYCLES_PER_MS (the
// make passes it CPU_FREQ_HZ): its count, read through its HAL.
#define TICK_MS() ((uint32_t)mp_hal_ticks_ms())

#endif // UAIO_CORTEXM_TICK

// The ms count and the cycles into the current ms, read consistently: a
// reload whose interrupt is not yet taken (masked here) counts as a tick.
// 0 is the last cycle of a ms (the interrupt pends on reaching it). (The
// port's own µs reading lacks this: it can step back a ms, which the core
// would take for a wrap of the counter.)
static uint32_t tick_read(uint32_t *cycles) {
    #if UAIO_CORTEXM_TICK
    if (!(SYST_CSR & SYST_CSR_ENABLE)) {
        tick_start();
    }
    #endif
    uint32_t primask = irq_save();
    uint32_t ms = TICK_MS();
    uint32_t val = SYST_CVR;
    if (SCB_ICSR & ICSR_PENDSTSET) {
        val = SYST_CVR;
        if (val != 0) {
            ms += 1;
        }
    }
    irq_restore(primask);
    *cycles = CYCLES_PER_MS - 1 - val;
    return ms;
}

// The scheduler's clock (csrc/loop.c). Wraps at 2^32 like the ms count
// times 1000, so the two agree.
uint32_t uaio_cortexm_ticks_us(void) {
    uint32_t cycles;
    uint32_t ms = tick_read(&cycles);
    return ms * 1000 + cycles * 1000 / CYCLES_PER_MS;
}

#if UAIO_CORTEXM_TICK

mp_uint_t mp_hal_ticks_ms(void) {
    uint32_t cycles;
    return tick_read(&cycles);
}

mp_uint_t mp_hal_ticks_us(void) {
    return uaio_cortexm_ticks_us();
}

mp_uint_t mp_hal_ticks_cpu(void) {
    uint32_t cycles;
    uint32_t ms = tick_read(&cycles);
    return ms * CYCLES_PER_MS + cycles;
}

#endif // UAIO_CORTEXM_TICK

static bool mp_work_pending(void) {
    #if MICROPY_ENABLE_SCHEDULER
    if (MP_STATE_VM(sched_state) == MP_SCHED_PENDING) {
        return true;
    }
    #endif
    return MP_STATE_THREAD(mp_pending_exception) != MP_OBJ_NULL;
}

// Sleeps until `timeout_us` (-1: no limit, capped at MAX_SLEEP_US) passed,
// an interrupt other than the tick is taken, or MicroPython has pending work
// (UAIO_EINTR); with `one_tick`, also at the next tick. Interrupts are masked
// from the check to the WFI, so one arriving in between still ends the WFI
// (a pending interrupt wakes it even when masked) and is never missed. The
// last partial ms is spun, so that the wake is not up to a tick late.
static int32_t idle_sleep(int64_t timeout_us, bool one_tick) {
    if (timeout_us < 0 || timeout_us > MAX_SLEEP_US) {
        timeout_us = MAX_SLEEP_US;
    }
    uint32_t start = uaio_cortexm_ticks_us();
    for (;;) {
        uint32_t primask = irq_save();
        int64_t left = timeout_us - (int64_t)(uint32_t)(uaio_cortexm_ticks_us() - start);
        if (left <= 0) {
            irq_restore(primask);
            return 0;
        }
        if (mp_work_pending()) {
            irq_restore(primask);
            return UAIO_EINTR;
        }
        if (left < 1000) {
            irq_restore(primask);
            continue;
        }
        __asm volatile ("dsb\n wfi" : : : "memory");
        uint32_t icsr = SCB_ICSR;
        uint32_t vect = ICSR_VECTPENDING(icsr);
        bool other = (icsr & ICSR_ISRPENDING) || (vect != 0 && vect != SYSTICK_EXC);
        irq_restore(primask); // the pending handlers run here
        if (other || (one_tick && (icsr & ICSR_PENDSTSET))) {
            return 0;
        }
    }
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
