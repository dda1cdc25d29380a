/* Nordic's development kits with the UARTE peripheral (the nRF52840 DK, the nRF9160 DK): the crystal,
 * UARTE0 at 115200 baud on the DK's interface-MCU pins (the USB virtual COM port), and the DWT cycle counter,
 * which counts real cycles. The board's board.mk says where the part keeps CLOCK and UARTE0 and which pins
 * the DK wires (EP_NRF_CLOCK, EP_NRF_UARTE, EP_NRF_TX_PIN, EP_NRF_RX_PIN). */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "cortex_m/ep_cortex_m.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#if !defined(EP_NRF_CLOCK) || !defined(EP_NRF_UARTE) || !defined(EP_NRF_TX_PIN) || !defined(EP_NRF_RX_PIN)
#error "the board's board.mk defines EP_NRF_CLOCK, EP_NRF_UARTE, EP_NRF_TX_PIN and EP_NRF_RX_PIN"
#endif
#define CLOCK_BASE EP_NRF_CLOCK
#define CLOCK_TASKS_HFCLKSTART REG(CLOCK_BASE + 0x000u)
#define CLOCK_EVENTS_HFCLKSTARTED REG(CLOCK_BASE + 0x100u)
#define UARTE0_BASE EP_NRF_UARTE
#define UARTE_TASKS_STARTTX REG(UARTE0_BASE + 0x008u)
#define UARTE_TASKS_STOPTX REG(UARTE0_BASE + 0x00Cu)
#define UARTE_EVENTS_ENDTX REG(UARTE0_BASE + 0x120u)
#define UARTE_TASKS_STARTRX REG(UARTE0_BASE + 0x000u)
#define UARTE_EVENTS_ENDRX REG(UARTE0_BASE + 0x110u)
#define UARTE_RXD_PTR REG(UARTE0_BASE + 0x534u)
#define UARTE_RXD_MAXCNT REG(UARTE0_BASE + 0x538u)
#define UARTE_RXD_AMOUNT REG(UARTE0_BASE + 0x53Cu)
#define UARTE_ENABLE REG(UARTE0_BASE + 0x500u)
#define UARTE_PSEL_TXD REG(UARTE0_BASE + 0x50Cu)
#define UARTE_PSEL_RXD REG(UARTE0_BASE + 0x514u)
#define UARTE_BAUDRATE REG(UARTE0_BASE + 0x524u)
#define UARTE_TXD_PTR REG(UARTE0_BASE + 0x544u)
#define UARTE_TXD_MAXCNT REG(UARTE0_BASE + 0x548u)
#define UARTE_CONFIG REG(UARTE0_BASE + 0x56Cu)
#define TX_PIN EP_NRF_TX_PIN
#define RX_PIN EP_NRF_RX_PIN
#define BAUD_115200 0x01D7E000u

void ep_board_init(void) {
  CLOCK_EVENTS_HFCLKSTARTED = 0;
  CLOCK_TASKS_HFCLKSTART = 1; /* the crystal: accurate UART timing and a stable 64 MHz */
  while (CLOCK_EVENTS_HFCLKSTARTED == 0) {
  }
  UARTE_PSEL_TXD = TX_PIN;
  UARTE_PSEL_RXD = RX_PIN;
  UARTE_BAUDRATE = BAUD_115200;
  UARTE_CONFIG = 0; /* no parity, no flow control */
  UARTE_ENABLE = 8;
  ep_dwt_start();
}

void ep_board_puts(const char *s) {
  /* EasyDMA reads from RAM only: copy through a RAM buffer, 64 bytes at a time. */
  static char buf[64];
  size_t n = strlen(s);
  while (n) {
    const size_t k = n < sizeof buf ? n : sizeof buf;
    memcpy(buf, s, k);
    UARTE_TXD_PTR = (uint32_t)(uintptr_t)buf;
    UARTE_TXD_MAXCNT = k;
    UARTE_EVENTS_ENDTX = 0;
    UARTE_TASKS_STARTTX = 1;
    while (UARTE_EVENTS_ENDTX == 0) {
    }
    UARTE_TASKS_STOPTX = 1;
    s += k;
    n -= k;
  }
}

/* The host sends exactly the bytes asked for, only after EDGEPPG_READY: EasyDMA receives them whole
 * while the CPU waits, so nothing is lost however long the model ran before. */
int32_t ep_board_read(void *buf, int32_t max) {
  static uint8_t rx[EP_CM_CHUNK];
  const int32_t n = max < (int32_t)sizeof rx ? max : (int32_t)sizeof rx;
  if (n <= 0) return 0;
  UARTE_RXD_PTR = (uint32_t)(uintptr_t)rx;
  UARTE_RXD_MAXCNT = (uint32_t)n;
  UARTE_EVENTS_ENDRX = 0;
  UARTE_TASKS_STARTRX = 1;
  ep_cm_ask(n);
  while (UARTE_EVENTS_ENDRX == 0) {
  }
  const int32_t got = (int32_t)UARTE_RXD_AMOUNT;
  memcpy(buf, rx, (size_t)got);
  return got;
}
