/*
 * Startup for mps2-an385 (Cortex-M3): the vector table, the reset handler
 * (copies .data, zeroes .bss, calls main) and a fault handler that reports
 * and stops qemu. Only the 16 core exceptions: the example uses no IRQs.
 */
#include <stdint.h>

#include "board.h"

extern uint32_t _stack_top, _data_start, _data_end, _data_load, _bss_start, _bss_end;
int main(void);
void reset_handler(void);

static void fault_handler(void)
{
    uart_puts("fault: hard fault or unexpected exception\n");
    semihost_exit(1);
}

typedef void (*vector)(void);

__attribute__((section(".vectors"), used)) static const vector vectors[16] = {
    (vector)&_stack_top, /* initial SP */
    reset_handler,
    fault_handler, /* NMI */
    fault_handler, /* HardFault */
    fault_handler, /* MemManage */
    fault_handler, /* BusFault */
    fault_handler, /* UsageFault */
    0, 0, 0, 0,
    fault_handler, /* SVCall */
    fault_handler, /* DebugMonitor */
    0,
    fault_handler, /* PendSV */
    uaio_cm_systick_handler, /* the archive's tick (include/uaio_cortexm.h) */
};

void reset_handler(void)
{
    const uint32_t *src = &_data_load;
    uint32_t *dst;
    for (dst = &_data_start; dst < &_data_end;)
        *dst++ = *src++;
    for (dst = &_bss_start; dst < &_bss_end;)
        *dst++ = 0;
    semihost_exit(main() == 0 ? 0 : 1);
}
