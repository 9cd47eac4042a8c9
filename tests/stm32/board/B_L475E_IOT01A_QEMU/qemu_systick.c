// SysTick's clock as qemu 10 models it. qemu's SysTick takes its period
// from whichever of its two clocks (the core clock, or the reference clock
// HCLK/8) the RCC model updated last, whatever CTRL.CLKSOURCE selects: after
// SystemClock_Config() it counts at 10 MHz while the port programmed it for
// 80 MHz, so the guest's millisecond lasts 8 ms of qemu's clock (sleeps take
// 8x as long, and the USART, which takes one byte per SysTick wake-up, pastes
// a test at ~110 bytes/s). Selecting the reference clock and then the core
// clock again makes qemu take the core clock's period.
#include STM32_HAL_H

void qemu_board_early_init(void) {
    uint32_t ctrl = SysTick->CTRL;
    SysTick->CTRL = ctrl & ~SysTick_CTRL_CLKSOURCE_Msk;
    SysTick->CTRL = ctrl | SysTick_CTRL_CLKSOURCE_Msk;
}
