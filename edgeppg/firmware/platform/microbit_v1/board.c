/* The BBC micro:bit v1 (nRF51822): the 16 MHz crystal, the UART at 115200 baud on the pins its interface MCU
 * turns into the USB serial port (TX P0.24, RX P0.25), and SysTick as the cycle counter (the Cortex-M0 has
 * no DWT). The nRF51's UART has no DMA: the host sends each chunk only after EDGEPPG_READY, and the CPU
 * does nothing but wait for its bytes. QEMU's microbit machine emulates this UART, which is how the board's
 * console is tested without the board (tests/test_boards.py). */
#include <stdint.h>

#include "board.h"
#include "cortex_m/ep_cortex_m.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define CLOCK_TASKS_HFCLKSTART REG(0x40000000u)
#define CLOCK_EVENTS_HFCLKSTARTED REG(0x40000100u)
#define UART_BASE 0x40002000u
#define UART_TASKS_STARTRX REG(UART_BASE + 0x000u)
#define UART_TASKS_STARTTX REG(UART_BASE + 0x008u)
#define UART_EVENTS_RXDRDY REG(UART_BASE + 0x108u)
#define UART_EVENTS_TXDRDY REG(UART_BASE + 0x11Cu)
#define UART_ENABLE REG(UART_BASE + 0x500u)
#define UART_PSELTXD REG(UART_BASE + 0x50Cu)
#define UART_PSELRXD REG(UART_BASE + 0x514u)
#define UART_RXD REG(UART_BASE + 0x518u)
#define UART_TXD REG(UART_BASE + 0x51Cu)
#define UART_BAUDRATE REG(UART_BASE + 0x524u)
#define UART_CONFIG REG(UART_BASE + 0x56Cu)
#define BAUD_115200 0x01D7E000u
void ep_board_init(void) {
  CLOCK_EVENTS_HFCLKSTARTED = 0;
  CLOCK_TASKS_HFCLKSTART = 1; /* the crystal: accurate UART timing */
  while (CLOCK_EVENTS_HFCLKSTARTED == 0) {
  }
  UART_PSELTXD = 24u;
  UART_PSELRXD = 25u;
  UART_BAUDRATE = BAUD_115200;
  UART_CONFIG = 0; /* no parity, no flow control */
  UART_ENABLE = 4;
  UART_TASKS_STARTTX = 1;
  UART_TASKS_STARTRX = 1;
  ep_systick_start();
}

static void put(char c) {
  UART_EVENTS_TXDRDY = 0;
  UART_TXD = (uint8_t)c;
  while (UART_EVENTS_TXDRDY == 0) {
  }
}

void ep_board_puts(const char *s) {
  while (*s) put(*s++);
}

static uint8_t next_byte(void) {
  while (UART_EVENTS_RXDRDY == 0) {
  }
  UART_EVENTS_RXDRDY = 0;
  return (uint8_t)UART_RXD;
}

int32_t ep_board_read(void *buf, int32_t max) { return ep_cm_read_bytes(buf, max, next_byte); }
