// B-L475E-IOT01A (boards/B_L475E_IOT01A) as qemu 10's machine b-l475e-iot01a
// models it: what qemu lacks is turned off, the REPL is USART1 (qemu's
// serial 0).
#define MICROPY_HW_BOARD_NAME       "B-L475E-IOT01A (qemu)"
#define MICROPY_HW_MCU_NAME         "STM32L475"

// qemu's SysTick runs from the wrong clock until CLKSOURCE is written again
// (qemu_systick.c); this runs after SystemClock_Config().
#define MICROPY_BOARD_EARLY_INIT    qemu_board_early_init
void qemu_board_early_init(void);

// qemu: the user switch reads pressed (a pressed switch at boot skips
// boot.py/main.py and asks for a safe mode), there is no RTC, flash storage
// reads an unmapped word, and there is no USB.
#define MICROPY_HW_HAS_SWITCH       (0)
#define MICROPY_HW_ENABLE_RNG       (1)
#define MICROPY_HW_ENABLE_RTC       (0)
#define MICROPY_HW_ENABLE_USB       (0)
#define MICROPY_HW_ENABLE_INTERNAL_FLASH_STORAGE (0)

// MSI is used and is 4MHz
#define MICROPY_HW_CLK_PLLM (1)
#define MICROPY_HW_CLK_PLLN (40)
#define MICROPY_HW_CLK_PLLP (RCC_PLLP_DIV7)
#define MICROPY_HW_CLK_PLLR (RCC_PLLR_DIV2)
#define MICROPY_HW_CLK_PLLQ (RCC_PLLQ_DIV4)
#define MICROPY_HW_FLASH_LATENCY    FLASH_LATENCY_4

// USART1 config connected to ST-Link (qemu's serial 0): the REPL.
#define MICROPY_HW_UART1_TX     (pin_B6)
#define MICROPY_HW_UART1_RX     (pin_B7)
#define MICROPY_HW_UART_REPL        PYB_UART_1
#define MICROPY_HW_UART_REPL_BAUD   115200

// LEDs
#define MICROPY_HW_LED1             (pin_A5) // green
#define MICROPY_HW_LED2             (pin_B14) // green
#define MICROPY_HW_LED_ON(pin)      (mp_hal_pin_high(pin))
#define MICROPY_HW_LED_OFF(pin)     (mp_hal_pin_low(pin))
