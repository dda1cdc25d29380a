#include <stdio.h>
#include <stdlib.h>

#include "board.h"

void ep_board_init(void) {}
void ep_board_puts(const char *s) { fputs(s, stdout); }
int32_t ep_board_read(void *buf, int32_t max) { return (int32_t)fread(buf, 1, (size_t)max, stdin); }
uint64_t ep_board_ticks(void) { return 0; }
uint32_t ep_board_tick_instructions(void) { return 0; }
uint32_t ep_board_tick_divisor(void) { return 1; }
const char *ep_board_counter_name(void) { return "none"; }
uint32_t ep_board_stack_peak(void) { return 0; }
void ep_board_exit(int status) {
  fflush(stdout);
  exit(status);
}

int main_selftest(void);
int main(void) { ep_board_exit(main_selftest()); }
