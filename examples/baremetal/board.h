/*
 * The example's board for qemu's mps2-an385 (Cortex-M3, 25 MHz): UART0
 * output, the exit through semihosting, and the port on top of the
 * archive's Cortex-M port (include/uaio_cortexm.h: SysTick tick, µs
 * counter, WFI idle wait): 64-bit time extended from the counter by the
 * uaio core, and the idle wait hook with the measures the example checks.
 */
#ifndef BOARD_H
#define BOARD_H

#include <stdint.h>

#include "uaio.h"
#include "uaio_cortexm.h"

#define CORE_HZ 25000000u /* what qemu's mps2-an385 SysTick counts */

/* What the idle wait hook did, for the example to check. */
typedef struct {
    uaio_cm_idle cm;    /* the archive's idle wait context: counts the WFIs */
    uint32_t waits;     /* calls of the hook */
    uint64_t asked_us;  /* sum of the timeouts asked for */
    uint64_t slept_us;  /* sum of the time spent in the hook */
    uint32_t early;     /* waits that returned before their timeout */
    uint64_t max_late_us; /* latest return after a timeout */
} idle_stats;

void uart_puts(const char *s);
void uart_putu64(uint64_t v);
void uart_puthex32(uint32_t v);
__attribute__((noreturn)) void semihost_exit(int failed);

/* Starts the archive's 1 ms SysTick tick, with the µs counter offset to
   start at `first_us` (so that a test can start it just before its 2^32
   wrap), and the 64-bit clock at 0. */
void tick_start(uint32_t first_us);
/* The raw counter: µs, wrapping at 2^32. */
uint32_t ticks_us(void);
/* Monotonic µs since tick_start, extended from the raw counter by
   uaio_clock_extend; `raw` (may be NULL) gets the reading it came from. */
uint64_t now_us(uint32_t *raw);
/* SysTick interrupts taken since tick_start. */
uint32_t tick_count(void);

/* startup.c: the reset entry (the example checks its copy of the vector table). */
void reset_handler(void);

/* The core's idle_wait hook (uaio_cm_idle_wait, measured); ctx is an idle_stats. */
int32_t board_idle_wait(void *ctx, int64_t timeout_us);

#endif
