/* The same board interface on the development machine: the self-test and the kernels run natively,
 * under the sanitizers, with stdout as the console. There is no instruction counter here. */
#ifndef EP_BOARD_H
#define EP_BOARD_H
#include <stdint.h>

void ep_board_init(void);
void ep_board_puts(const char *s);
uint64_t ep_board_ticks(void);
uint32_t ep_board_tick_instructions(void);
const char *ep_board_counter_name(void);
uint32_t ep_board_stack_peak(void);
void ep_board_exit(int status) __attribute__((noreturn));

#endif
