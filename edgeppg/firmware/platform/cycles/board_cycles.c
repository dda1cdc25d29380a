/* What every real board shares: its counter is the core's own cycles (DWT's cycle counter, or SysTick's on
 * the M0, which has none: the board's board.mk defines EP_CYCLES_SYSTICK), started by its ep_board_init, and
 * a program's end is ep_cm_halt (nothing to return to). Its console and input are the board's own BSP's. */
#include "board.h"
#include "cortex_m/ep_cortex_m.h"

uint64_t ep_board_ticks(void) {
#ifdef EP_CYCLES_SYSTICK
  return ep_systick_ticks();
#else
  return ep_dwt_ticks();
#endif
}

uint32_t ep_board_tick_instructions(void) { return 0; } /* ticks are cycles, not instructions */
uint32_t ep_board_tick_divisor(void) { return 1; }

const char *ep_board_counter_name(void) {
#ifdef EP_CYCLES_SYSTICK
  return "systick-cycles";
#else
  return "dwt-cycles";
#endif
}

void ep_board_exit(int status) { ep_cm_halt(status); }
