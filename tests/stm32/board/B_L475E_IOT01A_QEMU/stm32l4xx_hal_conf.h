#ifndef MICROPY_INCLUDED_STM32L4XX_HAL_CONF_H
#define MICROPY_INCLUDED_STM32L4XX_HAL_CONF_H

// Oscillator values in Hz
#define HSE_VALUE (8000000)
#define LSE_VALUE (32768)
#define EXTERNAL_SAI1_CLOCK_VALUE (48000)
#define EXTERNAL_SAI2_CLOCK_VALUE (48000)

// Oscillator timeouts in ms
#define HSE_STARTUP_TIMEOUT (100)
#define LSE_STARTUP_TIMEOUT (5000)

#include "boards/stm32l4xx_hal_conf_base.h"

// qemu models no PWR and does not keep FLASH->ACR (the HAL reads back the
// wait states it set, and stops on a mismatch): these registers are RAM
// here (qemu_regs.c). Flash is never written (no flash storage).
#ifndef __ASSEMBLER__
extern PWR_TypeDef qemu_pwr;
extern FLASH_TypeDef qemu_flash;
#undef PWR
#define PWR (&qemu_pwr)
#undef FLASH
#define FLASH (&qemu_flash)
#endif

#endif // MICROPY_INCLUDED_STM32L4XX_HAL_CONF_H
