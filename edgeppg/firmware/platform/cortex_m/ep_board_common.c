/* ep_cortex_m.h: what the Cortex-M boards share beyond start-up. */
#include "cortex_m/ep_cortex_m.h"

#include "board.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define SYST_RELOAD 0x00FFFFFFu
#define DEMCR REG(0xE000EDFCu)
#define DWT_CTRL REG(0xE0001000u)
#define DWT_CYCCNT REG(0xE0001004u)
#define DWT_LAR REG(0xE0001FB0u)

void ep_cm_ask(int32_t n) {
  char line[24] = "EDGEPPG_READY ", tmp[12];
  int32_t i = 14, digits = 0;
  do {
    tmp[digits++] = (char)('0' + n % 10);
    n /= 10;
  } while (n);
  while (digits) line[i++] = tmp[--digits];
  line[i++] = '\n';
  line[i] = 0;
  ep_board_puts(line);
}

int32_t ep_cm_read_bytes(void *buf, int32_t max, uint8_t (*next_byte)(void)) {
  uint8_t *dst = buf;
  const int32_t n = max < EP_CM_CHUNK ? max : EP_CM_CHUNK;
  if (n <= 0) return 0;
  ep_cm_ask(n);
  for (int32_t k = 0; k < n; ++k) dst[k] = next_byte();
  return n;
}

void ep_cm_halt(int status) {
  ep_board_puts(status == 0 ? "EDGEPPG_EXIT ok\n" : "EDGEPPG_EXIT failed\n");
  for (;;) __asm__ volatile("wfi");
}

static volatile uint32_t systick_wraps;

void SysTick_Handler(void) { systick_wraps++; }

void ep_systick_start(void) {
  SYST_RVR = SYST_RELOAD;
  SYST_CVR = 0;
  SYST_CSR = 7; /* processor clock, interrupt on wrap, enabled */
}

uint64_t ep_systick_ticks(void) {
  uint32_t wraps, value;
  do {
    wraps = systick_wraps;
    value = SYST_CVR;
  } while (wraps != systick_wraps);
  return (uint64_t)wraps * (SYST_RELOAD + 1u) + (SYST_RELOAD - value);
}

static uint32_t cycles_high, cycles_last;

void ep_dwt_start(void) {
  DEMCR |= 1u << 24;     /* TRCENA: the DWT unit */
  DWT_LAR = 0xC5ACCE55u; /* unlocks the M7's DWT; ignored where there is no lock */
  DWT_CYCCNT = 0;
  DWT_CTRL |= 1u; /* CYCCNTENA */
}

uint64_t ep_dwt_ticks(void) { /* the 32-bit counter wraps (every 67 s at 64 MHz): extend it */
  const uint32_t now = DWT_CYCCNT;
  if (now < cycles_last) cycles_high++;
  cycles_last = now;
  return ((uint64_t)cycles_high << 32) | now;
}
