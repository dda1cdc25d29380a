/* What every Cortex-M4 board shares: the vector table, the reset handler (FPU on, .data copied, .bss
 * zeroed, the stack painted for its high-water mark, then main), fault handlers that report and stop.
 * A board's own file (bsp/<board>/board.c) provides the console, the counter and the exit; it may
 * define SysTick_Handler, which otherwise falls back to Default_Handler. */
#include <stdint.h>
#include <string.h>

#include "board.h"

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_limit, __stack_top;
int main(void);

#define STACK_PAINT 0xA5A5A5A5u
#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

uint32_t ep_board_stack_peak(void) {
  const uint32_t *p = &__stack_limit;
  while (p < &__stack_top && *p == STACK_PAINT) ++p;
  return (uint32_t)((uintptr_t)&__stack_top - (uintptr_t)p);
}

void HardFault_Handler(void) {
  ep_board_puts("EDGEPPG_FAULT hard fault\n");
  ep_board_exit(1);
}

void Default_Handler(void) {
  ep_board_puts("EDGEPPG_FAULT unexpected interrupt\n");
  ep_board_exit(1);
}

void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));

__attribute__((noreturn)) void Reset_Handler(void) {
  SCB_CPACR |= 0xFu << 20; /* CP10 and CP11 full access: the FPU */
  __asm__ volatile("dsb\n isb");
  memcpy(&__data_start, &__data_load, (size_t)((uintptr_t)&__data_end - (uintptr_t)&__data_start));
  memset(&__bss_start, 0, (size_t)((uintptr_t)&__bss_end - (uintptr_t)&__bss_start));
  /* Paint the stack below the current frame; what main uses overwrites the paint. */
  uintptr_t sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t *p = &__stack_limit; (uintptr_t)p < sp - 256u; ++p) *p = STACK_PAINT;
  ep_board_exit(main());
}

typedef void (*vector)(void);
__attribute__((section(".isr_vector"), used)) static const vector vectors[16] = {
    (vector)(uintptr_t)&__stack_top, Reset_Handler, Default_Handler, HardFault_Handler,
    Default_Handler, Default_Handler, Default_Handler, 0, 0, 0, 0,
    Default_Handler, Default_Handler, 0, Default_Handler, SysTick_Handler,
};
