/* ST's NUCLEO-F767ZI: USART3 at 115200 baud on PD8 (TX) / PD9 (RX), which the on-board ST-LINK turns into its
 * USB virtual COM port, and the DWT cycle counter. The part runs at its reset clock (HSI, 16 MHz: USART3's
 * clock too, so the divisor is exact to 0.1%); cycles do not depend on the clock. The host sends each
 * chunk only after EDGEPPG_READY and the CPU does nothing but take its bytes, so no DMA is needed. */
#include <stdint.h>

#include "board.h"
#include "cortex_m/ep_cortex_m.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define RCC_AHB1ENR REG(0x40023830u)
#define RCC_APB1ENR REG(0x40023840u)
#define GPIOD_MODER REG(0x40020C00u)
#define GPIOD_AFRH REG(0x40020C24u)
#define USART3_BASE 0x40004800u
#define USART_CR1 REG(USART3_BASE + 0x00u)
#define USART_BRR REG(USART3_BASE + 0x0Cu)
#define USART_ISR REG(USART3_BASE + 0x1Cu)
#define USART_ICR REG(USART3_BASE + 0x20u)
#define USART_RDR REG(USART3_BASE + 0x24u)
#define USART_TDR REG(USART3_BASE + 0x28u)
#define ISR_ORE (1u << 3)
#define ISR_RXNE (1u << 5)
#define ISR_TXE (1u << 7)
#define HSI_HZ 16000000u

void ep_board_init(void) {
  RCC_AHB1ENR |= 1u << 3;  /* GPIOD */
  RCC_APB1ENR |= 1u << 18; /* USART3 */
  (void)RCC_APB1ENR;       /* let the enables settle before the peripherals are touched */
  GPIOD_MODER = (GPIOD_MODER & ~(0xFu << 16)) | (0xAu << 16); /* PD8, PD9: alternate function */
  GPIOD_AFRH = (GPIOD_AFRH & ~0xFFu) | 0x77u;                 /* AF7: USART3 */
  USART_BRR = (HSI_HZ + 115200u / 2) / 115200u;
  USART_CR1 = (1u << 3) | (1u << 2) | 1u; /* TE, RE, UE */
  ep_dwt_start();
}

void ep_board_puts(const char *s) {
  for (; *s; ++s) {
    while (!(USART_ISR & ISR_TXE)) {
    }
    USART_TDR = (uint8_t)*s;
  }
}

static uint8_t next_byte(void) {
  while (!(USART_ISR & ISR_RXNE)) {
  }
  return (uint8_t)USART_RDR;
}

int32_t ep_board_read(void *buf, int32_t max) {
  USART_ICR = ISR_ORE; /* a stale overrun would stop reception */
  return ep_cm_read_bytes(buf, max, next_byte);
}
