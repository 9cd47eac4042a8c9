/*
 * uaio on a hard-float Cortex-M4: a bare image that takes the address of
 * every entry point of include/uaio.h, so that the linker must resolve each
 * one and everything it needs. Never run, only linked and inspected.
 * uaio_entries.h (generated from the header) holds one UAIO_ENTRY(name) a line.
 */
#include "uaio.h"

#define UAIO_ENTRY(name) (const void *)&name,
const void *const uaio_entries[] = {
#include "uaio_entries.h"
};

extern char _estack[];
void Reset_Handler(void);

/* The vector table is the root of --gc-sections; reset reaches the table. */
__attribute__((section(".isr_vector"), used))
const void *const vectors[] = { _estack, (const void *)Reset_Handler };

void Reset_Handler(void) {
    for (;;) {
        __asm__ volatile ("" : : "r" (uaio_entries) : "memory");
    }
}
