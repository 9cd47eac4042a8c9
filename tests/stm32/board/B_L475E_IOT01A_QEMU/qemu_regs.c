// The PWR and FLASH registers of stm32l4xx_hal_conf.h, as RAM.
#include STM32_HAL_H

PWR_TypeDef qemu_pwr;
FLASH_TypeDef qemu_flash;
