# B-L475E-IOT01A as qemu 10's machine b-l475e-iot01a models it (make stm32-test).
MCU_SERIES = l4
CMSIS_MCU = STM32L475xx
AF_FILE = boards/stm32l476_af.csv
LD_FILES = boards/stm32l476xg.ld boards/common_basic.ld
MICROPY_HW_ENABLE_ISR_UART_FLASH_FUNCS_IN_RAM = 1
USE_MBOOT = 0
