#include "board.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

/* CMSDK APB UART0: qemu's -nographic serial. */
#define UART0_DATA REG(0x40004000)
#define UART0_STATE REG(0x40004004)
#define UART0_CTRL REG(0x40004008)
#define UART0_BAUDDIV REG(0x40004010)
#define UART_STATE_TXFULL (1u << 0)
#define UART_CTRL_TXEN (1u << 0)

static uint32_t us_offset; /* raw counter = the archive's µs + this */
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

void tick_start(uint32_t first_us)
{
    /* The vector table (startup.c) calls uaio_cm_systick_handler. Whole
       ms, so that deadlines in whole ms fall on ticks. */
    if (uaio_cm_tick_start(CORE_HZ) != UAIO_OK) {
        uart_puts("FAILED: uaio_cm_tick_start\n");
        semihost_exit(1);
    }
    us_offset = first_us / 1000u * 1000u;
    /* Time 0 is the start of this ms. */
    uaio_clock_init(&clock, UAIO_CM_TICKS_US_BITS, us_offset, 0);
}

/* A constant added to a counter that wraps at 2^32 keeps it one. */
uint32_t ticks_us(void)
{
    return uaio_cm_ticks_us() + us_offset;
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
    return uaio_cm_ticks_ms();
}

/* The archive's idle wait, measured: with the tick as the only interrupt
   it returns at the deadline (WFI until the last partial ms, which it
   spins); the example checks that it never returns early and sleeps. */
int32_t board_idle_wait(void *ctx, int64_t timeout_us)
{
    idle_stats *st = ctx;
    uint64_t start = now_us(0);
    int32_t rc = uaio_cm_idle_wait(&st->cm, timeout_us);
    uint64_t now = now_us(0);
    uint64_t end = start + (timeout_us < 0 ? 0 : (uint64_t)timeout_us);

    st->waits++;
    st->asked_us += timeout_us < 0 ? 0 : (uint64_t)timeout_us;
    st->slept_us += now - start;
    if (timeout_us >= 0 && now < end)
        st->early++;
    if (timeout_us >= 0 && now >= end && now - end > st->max_late_us)
        st->max_late_us = now - end;
    return rc;
}
