/*
 * The example's port for qemu's mps2-an385 (Cortex-M3, 25 MHz): UART0
 * output, a SysTick millisecond tick read as a wrapping µs counter,
 * 64-bit time extended from it by the uaio core, the idle wait hook the
 * core calls (WFI until the deadline), and the exit through semihosting.
 */
#ifndef BOARD_H
#define BOARD_H

#include <stdint.h>

#include "uaio.h"

/* What the idle wait hook did, for the example to check. */
typedef struct {
    uint32_t waits;     /* calls of the hook */
    uint32_t wfis;      /* WFIs executed in them */
    uint64_t asked_us;  /* sum of the timeouts asked for */
    uint64_t slept_us;  /* sum of the time spent in the hook */
    uint32_t early;     /* waits that returned before their timeout */
    uint64_t max_late_us; /* latest return after a timeout */
} idle_stats;

void uart_puts(const char *s);
void uart_putu64(uint64_t v);
void uart_puthex32(uint32_t v);
__attribute__((noreturn)) void semihost_exit(int failed);

/* Starts the 1 ms SysTick tick with the µs counter at `first_us` (so that
   a test can start it just before its 2^32 wrap), and the 64-bit clock at 0. */
void tick_start(uint32_t first_us);
/* The raw counter: µs, wrapping at 2^32. */
uint32_t ticks_us(void);
/* Monotonic µs since tick_start, extended from the raw counter by
   uaio_clock_extend; `raw` (may be NULL) gets the reading it came from. */
uint64_t now_us(uint32_t *raw);
/* SysTick interrupts taken. */
uint32_t tick_count(void);
void systick_handler(void);

/* The core's idle_wait hook; ctx is an idle_stats. */
int32_t board_idle_wait(void *ctx, int64_t timeout_us);

#endif
