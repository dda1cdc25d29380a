/* What the Cortex-M boards share beyond start-up (ep_cortex_m.c): the line that asks the host for the next
 * bytes of a stream, the end of a program on a board with nothing to return to, and the two counters a
 * board's ep_board_ticks() reads, SysTick (every core) and DWT's cycle counter (all but the M0), each
 * extended to 64 bits. */
#ifndef EP_CORTEX_M_H
#define EP_CORTEX_M_H
#include <stdint.h>

#define EP_CM_CHUNK 256 /* the most a board asks the host for at once */
void ep_cm_ask(int32_t n);                             /* EDGEPPG_READY <n>: the host sends n bytes after it */
/* ep_board_read for a board that takes the stream a byte at a time: up to EP_CM_CHUNK bytes asked for, then each
 * taken from next_byte, which waits for it */
int32_t ep_cm_read_bytes(void *buf, int32_t max, uint8_t (*next_byte)(void));
void ep_cm_halt(int status) __attribute__((noreturn)); /* EDGEPPG_EXIT ok|failed, then sleep for ever */
void ep_systick_start(void);                           /* processor clock, wrap interrupt */
uint64_t ep_systick_ticks(void);
void ep_dwt_start(void);
uint64_t ep_dwt_ticks(void);

#endif
