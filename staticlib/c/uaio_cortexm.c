// The port for a bare Cortex-M with no HAL of its own (include/uaio_cortexm.h):
// a 1 ms SysTick tick with µs interpolation, the WFI idle wait and the wake
// from an interrupt. Compiled into libuaio.a by staticlib/build.rs for
// thumb*-none-* targets only.
//
// SysTick rather than a board timer: every Cortex-M has it at the same
// address, so one driver serves every board.

#include <stddef.h>
#include <stdint.h>

#include "uaio.h"
#include "uaio_cortexm.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define SYST_CSR REG(0xe000e010)
#define SYST_RVR REG(0xe000e014)
#define SYST_CVR REG(0xe000e018)
#define SCB_ICSR REG(0xe000ed04)
#define SCB_VTOR REG(0xe000ed08)

#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2) // the core clock
#define ICSR_PENDSTSET (1u << 26)
#define ICSR_ISRPENDING (1u << 22)
#define ICSR_VECTPENDING(icsr) (((icsr) >> 12) & 0x1ffu)
#define SYSTICK_EXC (15u)

// Longest single sleep: elapsed µs are measured with the 32-bit counter.
#define MAX_SLEEP_US (INT64_C(1) << 31)

// All zero at reset (.bss): 0 cycles per ms means no tick yet.
static uint32_t cycles_per_ms;
static volatile uint32_t tick_ms;
static uint32_t (*ms_source)(void);
static volatile uint32_t wake_flag;

static inline uint32_t irq_save(void) {
    uint32_t primask;
    __asm volatile ("mrs %0, primask\n cpsid i" : "=r" (primask) : : "memory");
    return primask;
}

static inline void irq_restore(uint32_t primask) {
    __asm volatile ("msr primask, %0\n isb" : : "r" (primask) : "memory");
}

// At least 1 MHz (µs resolution), whole cycles per ms. The reload
// (cycles per ms - 1) then always fits SysTick's 24 bits for a 32-bit Hz.
static int hz_ok(uint32_t core_hz) {
    return core_hz >= 1000000u && core_hz % 1000u == 0;
}

void uaio_cm_systick_handler(void) {
    tick_ms += 1;
}

static void systick_run(uint32_t core_hz) {
    cycles_per_ms = core_hz / 1000u;
    ms_source = NULL;
    tick_ms = 0;
    SYST_CSR = 0;
    SYST_RVR = cycles_per_ms - 1;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
    while (SYST_CVR == 0) {
        // Until the first reload: 0 would read as the end of a ms.
    }
}

int32_t uaio_cm_tick_start(uint32_t core_hz) {
    if (!hz_ok(core_hz)) {
        return UAIO_EINVAL;
    }
    systick_run(core_hz);
    return UAIO_OK;
}

int32_t uaio_cm_tick_start_vtor(uint32_t core_hz, uint32_t *table, uint32_t nvectors) {
    if (!hz_ok(core_hz) || table == NULL || nvectors < 16 || nvectors > 256) {
        return UAIO_EINVAL;
    }
    // VTOR wants the table aligned to its size rounded up to a power of two.
    uintptr_t align = 128;
    while (align < nvectors * 4u) {
        align *= 2;
    }
    if ((uintptr_t)table & (align - 1)) {
        return UAIO_EINVAL;
    }
    const uint32_t *old = (const uint32_t *)SCB_VTOR;
    for (uint32_t i = 0; i < nvectors; ++i) {
        table[i] = old[i];
    }
    table[SYSTICK_EXC] = (uint32_t)(uintptr_t)uaio_cm_systick_handler;
    __asm volatile ("dsb" : : : "memory");
    SCB_VTOR = (uint32_t)(uintptr_t)table;
    __asm volatile ("dsb\n isb" : : : "memory");
    systick_run(core_hz);
    return UAIO_OK;
}

int32_t uaio_cm_tick_attach(uint32_t core_hz, uint32_t (*ms_now)(void)) {
    if (!hz_ok(core_hz) || ms_now == NULL) {
        return UAIO_EINVAL;
    }
    ms_source = ms_now;
    cycles_per_ms = core_hz / 1000u;
    return UAIO_OK;
}

int uaio_cm_tick_running(void) {
    return cycles_per_ms != 0;
}

// The ms count and the cycles into the current ms, read consistently: a
// reload whose interrupt is not yet taken (masked here) counts as a tick.
// 0 is the last cycle of a ms (the interrupt pends on reaching it).
static uint32_t tick_read(uint32_t *cycles) {
    uint32_t primask = irq_save();
    uint32_t ms = ms_source != NULL ? ms_source() : tick_ms;
    uint32_t val = SYST_CVR;
    if (SCB_ICSR & ICSR_PENDSTSET) {
        val = SYST_CVR;
        if (val != 0) {
            ms += 1;
        }
    }
    irq_restore(primask);
    *cycles = cycles_per_ms - 1 - val;
    return ms;
}

uint32_t uaio_cm_ticks_ms(void) {
    uint32_t cycles;
    return tick_read(&cycles);
}

// ms * 1000 wraps at 2^32 exactly when the µs count would, so the two agree.
// cycles * 1000 fits 32 bits: cycles < core_hz / 1000.
uint32_t uaio_cm_ticks_us(void) {
    uint32_t cycles;
    uint32_t ms = tick_read(&cycles);
    return ms * 1000u + cycles * 1000u / (cycles_per_ms ? cycles_per_ms : 1);
}

uint32_t uaio_cm_ticks_cycles(void) {
    uint32_t cycles;
    uint32_t ms = tick_read(&cycles);
    return ms * cycles_per_ms + cycles;
}

void uaio_cm_wake(void) {
    wake_flag = 1;
}

// Interrupts are masked from the checks to the WFI, so one arriving in
// between still ends the WFI (a pending interrupt wakes it even when
// masked) and is never missed; its handler runs when they are unmasked.
int32_t uaio_cm_idle_wait(void *ctx, int64_t timeout_us) {
    uaio_cm_idle *cfg = ctx;
    if (cycles_per_ms == 0) {
        return UAIO_ENOTSUP; // no tick: a WFI might never end
    }
    if (timeout_us < 0 || timeout_us > MAX_SLEEP_US) {
        timeout_us = MAX_SLEEP_US;
    }
    int each_tick = cfg != NULL && (cfg->flags & UAIO_CM_IDLE_EACH_TICK);
    uint32_t start = uaio_cm_ticks_us();
    for (;;) {
        uint32_t primask = irq_save();
        int64_t left = timeout_us - (int64_t)(uint32_t)(uaio_cm_ticks_us() - start);
        if (left <= 0) {
            irq_restore(primask);
            return 0;
        }
        if (wake_flag) {
            wake_flag = 0;
            irq_restore(primask);
            return 0;
        }
        int32_t rc = cfg != NULL && cfg->pending != NULL ? cfg->pending(cfg->arg) : 0;
        if (rc != 0) {
            irq_restore(primask);
            return rc;
        }
        if (left < 1000) {
            // The last partial ms: spun, as the next tick would be late.
            irq_restore(primask);
            continue;
        }
        __asm volatile ("dsb\n wfi" : : : "memory");
        if (cfg != NULL) {
            cfg->wfis += 1;
        }
        uint32_t icsr = SCB_ICSR;
        uint32_t vect = ICSR_VECTPENDING(icsr);
        int other = (icsr & ICSR_ISRPENDING) || (vect != 0 && vect != SYSTICK_EXC);
        irq_restore(primask); // the pending handlers run here
        if (other || (each_tick && (icsr & ICSR_PENDSTSET))) {
            return 0;
        }
    }
}
