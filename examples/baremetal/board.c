#include "board.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

/* CMSDK APB UART0: qemu's -nographic serial. */
#define UART0_DATA REG(0x40004000)
#define UART0_STATE REG(0x40004004)
#define UART0_CTRL REG(0x40004008)
#define UART0_BAUDDIV REG(0x40004010)
#define UART_STATE_TXFULL (1u << 0)
#define UART_CTRL_TXEN (1u << 0)

/* SysTick and the System Control Block. */
#define SYST_CSR REG(0xe000e010)
#define SYST_RVR REG(0xe000e014)
#define SYST_CVR REG(0xe000e018)
#define SCB_ICSR REG(0xe000ed04)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CORECLK (1u << 2)
#define ICSR_PENDSTSET (1u << 26)

#define CORE_HZ 25000000u /* what qemu's mps2-an385 SysTick counts */
#define CYCLES_PER_MS (CORE_HZ / 1000u)
#define CYCLES_PER_US (CORE_HZ / 1000000u)

static volatile uint32_t tick_ms;  /* ms part of the µs counter, may wrap */
static volatile uint32_t ticks_taken;
static uaio_clock clock;

void uart_puts(const char *s)
{
    if (!(UART0_CTRL & UART_CTRL_TXEN)) {
        UART0_BAUDDIV = 16; /* the smallest divisor the UART accepts */
        UART0_CTRL = UART_CTRL_TXEN;
    }
    for (; *s; s++) {
        while (UART0_STATE & UART_STATE_TXFULL) {
        }
        UART0_DATA = (uint8_t)*s;
    }
}

void uart_putu64(uint64_t v)
{
    char buf[21], *p = buf + sizeof buf - 1;
    *p = '\0';
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    uart_puts(p);
}

void uart_puthex32(uint32_t v)
{
    char buf[11] = "0x";
    for (int i = 0; i < 8; i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
    buf[10] = '\0';
    uart_puts(buf);
}

/* SYS_EXIT with ADP_Stopped_ApplicationExit: qemu exits 0; with any other
   reason (RunTimeErrorUnknown) it exits 1. */
void semihost_exit(int failed)
{
    register uint32_t r0 __asm__("r0") = 0x18;
    register uint32_t r1 __asm__("r1") = failed ? 0x20023 : 0x20026;
    __asm__ volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
    for (;;) {
    }
}

static inline uint32_t irq_save(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n cpsid i" : "=r"(primask) : : "memory");
    return primask;
}

static inline void irq_restore(uint32_t primask)
{
    __asm__ volatile("msr primask, %0\n isb" : : "r"(primask) : "memory");
}

void systick_handler(void)
{
    tick_ms += 1;
    ticks_taken += 1;
}

void tick_start(uint32_t first_us)
{
    /* Whole ms: the sub-ms part comes from the SysTick counter. */
    tick_ms = first_us / 1000u;
    SYST_RVR = CYCLES_PER_MS - 1;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_CORECLK | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
    while (SYST_CVR == 0) {
        /* until the first reload: 0 reads as the last cycle of a ms */
    }
    /* Time 0 is the start of this ms, so that deadlines in whole ms fall
       on ticks (the idle wait wakes at a tick). */
    uaio_clock_init(&clock, 32, tick_ms * 1000u, 0);
}

/* tick_ms * 1000 wraps at 2^32 exactly when the µs count would (2^32 * 1000
   is 0 mod 2^32), so the counter is continuous across both wraps. A reload
   whose interrupt is still pending (masked here) counts as the next ms. */
uint32_t ticks_us(void)
{
    uint32_t primask = irq_save();
    uint32_t ms = tick_ms;
    uint32_t val = SYST_CVR;
    if (SCB_ICSR & ICSR_PENDSTSET) {
        val = SYST_CVR;
        if (val != 0)
            ms += 1;
    }
    irq_restore(primask);
    return ms * 1000u + (CYCLES_PER_MS - 1 - val) / CYCLES_PER_US;
}

uint64_t now_us(uint32_t *raw)
{
    uint32_t r = ticks_us();
    uint64_t now = 0;
    uaio_clock_extend(&clock, r, &now);
    if (raw)
        *raw = r;
    return now;
}

uint32_t tick_count(void)
{
    return ticks_taken;
}

/* Sleeps in WFI until `timeout_us` has passed (-1: until any interrupt).
   Interrupts are masked from the time check to the WFI, so a tick in
   between is not lost: a pending interrupt ends WFI even while masked, and
   its handler runs once they are unmasked. The tick is 1 ms, so the wake
   is at the first tick at or after the deadline: never early, at most a
   tick late, and no spinning for the last partial ms. */
int32_t board_idle_wait(void *ctx, int64_t timeout_us)
{
    idle_stats *st = ctx;
    uint64_t start = now_us(0), now = start;
    uint64_t end = start + (timeout_us < 0 ? 0 : (uint64_t)timeout_us);

    st->waits++;
    st->asked_us += timeout_us < 0 ? 0 : (uint64_t)timeout_us;
    for (;;) {
        uint32_t primask = irq_save();
        now = now_us(0);
        if (timeout_us >= 0 && now >= end) {
            irq_restore(primask);
            break;
        }
        __asm__ volatile("dsb\n wfi" : : : "memory");
        st->wfis++;
        irq_restore(primask);
        if (timeout_us < 0)
            break;
    }
    st->slept_us += now - start;
    if (timeout_us >= 0 && now < end)
        st->early++;
    if (timeout_us >= 0 && now >= end && now - end > st->max_late_us)
        st->max_late_us = now - end;
    return UAIO_OK;
}
