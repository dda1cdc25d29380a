/* What the application needs from a board: a console, an input stream (the streaming firmware's raw
 * samples), an instruction or cycle counter, the stack high-water mark, and a way to stop with a status. Each board folder beside it implements it: QEMU's
 * mps2-an386, the nRF52840 DK, and the development machine (host). */
#ifndef EP_BOARD_H
#define EP_BOARD_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" { /* the TFLite Micro backend is C++ */
#endif

void ep_board_init(void);
void ep_board_puts(const char *s);
/* Up to `max` bytes of the input stream into buf; 0 at its end. QEMU: the file ep_stream.bin through
 * semihosting; the nRF52840 DK: its serial port (the board asks for each chunk: EDGEPPG_READY <bytes>). */
int32_t ep_board_read(void *buf, int32_t max);
uint64_t ep_board_ticks(void);       /* monotonic counter */
uint32_t ep_board_tick_instructions(void); /* executed instructions per tick (0: ticks are cycles) */
uint32_t ep_board_tick_divisor(void); /* ...divided by this: a tick need not be a whole number of instructions */
const char *ep_board_counter_name(void);
uint32_t ep_board_stack_peak(void);  /* bytes of stack ever used, from the painted stack */
void ep_board_exit(int status) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif
#endif
