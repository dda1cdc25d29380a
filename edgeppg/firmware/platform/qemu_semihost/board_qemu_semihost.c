/* QEMU's emulated boards (mps2-an385, -an386, -an500, -an505, mps3-an547, and the microbit's nRF51):
 * semihosting for the console and the exit status, SysTick as the counter. */
#include <stdint.h>

#include "board.h"
#include "cortex_m/ep_cortex_m.h"

/* ARM semihosting: r0 = operation, r1 = argument block; QEMU services `bkpt 0xab`. */
static int32_t semihost(uint32_t op, const void *arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return (int32_t)r0;
}

void ep_board_puts(const char *s) { semihost(0x04 /* SYS_WRITE0 */, s); }

int32_t ep_board_read(void *buf, int32_t max) {
  static int32_t handle = -2; /* not opened yet */
  if (handle == -2) {
    static const char name[] = "ep_stream.bin";
    const uint32_t open_args[3] = {(uint32_t)(uintptr_t)name, 1 /* "rb" */, sizeof name - 1};
    handle = semihost(0x01 /* SYS_OPEN */, open_args);
  }
  if (handle < 0 || max <= 0) return 0;
  const uint32_t read_args[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)buf, (uint32_t)max};
  return max - semihost(0x06 /* SYS_READ: returns the bytes NOT read */, read_args);
}

void ep_board_exit(int status) {
  /* SYS_EXIT: "application exit" ends QEMU with status 0, any other reason with status 1. */
  semihost(0x18, (const void *)(status == 0 ? 0x20026u : 0x20023u));
  for (;;) {
  }
}

void ep_board_init(void) { ep_systick_start(); }

uint64_t ep_board_ticks(void) { return ep_systick_ticks(); }

/* Under `-icount shift=0` QEMU retires one instruction per virtual nanosecond and SysTick runs from the
 * system clock: 1e9 / sysclk instructions per tick, the same count on every run. The board's board.mk
 * gives that as EP_TICK_INSTRUCTIONS / EP_TICK_DIVISOR (40 / 1 at 25 MHz, 125 / 4 at 32 MHz). */
#if !defined(EP_TICK_INSTRUCTIONS) || !defined(EP_TICK_DIVISOR)
#error "the board's board.mk defines EP_TICK_INSTRUCTIONS and EP_TICK_DIVISOR"
#endif
uint32_t ep_board_tick_instructions(void) { return EP_TICK_INSTRUCTIONS; }
uint32_t ep_board_tick_divisor(void) { return EP_TICK_DIVISOR; }
const char *ep_board_counter_name(void) { return "systick-icount"; }
