/* What every Cortex-M board shares: the vector table, the reset handler (FPU on, .data copied, .bss
 * zeroed, the stack painted for its high-water mark, static constructors run, then main), fault
 * handlers that report and stop.
 * A board's own file (platform/<board>/board.c) provides the console, the counter and the exit; it may
 * start SysTick, whose handler (ep_board_common.c) counts its wraps. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "board.h"

extern uint8_t __heap_start, __heap_end;
extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_limit, __stack_top;
typedef void (*constructor)(void);
extern const constructor __preinit_array_start[], __preinit_array_end[], __init_array_start[], __init_array_end[];
int main(void);

/* -nostartfiles leaves out crtbegin.o, which defines the handle g++ passes when it registers the
 * destructor of a static object (C++: the TFLite Micro backend). */
void *__dso_handle = &__dso_handle;

/* newlib's malloc takes memory from here, and only from the heap the linker script reserves. The firmware
 * never allocates at run time, but C++ classes with virtual destructors (TFLite Micro's) link operator
 * delete, hence free and malloc, and with them a reference to _sbrk. */
void *_sbrk(ptrdiff_t increment) {
  static uint8_t *brk = &__heap_start;
  if (increment > &__heap_end - brk || increment < &__heap_start - brk) {
    errno = ENOMEM;
    return (void *)-1;
  }
  uint8_t *old = brk;
  brk += increment;
  return old;
}

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

void SysTick_Handler(void); /* ep_board_common.c */

/* Constructors of C++ globals (TFLite Micro's op resolver is one), in the order the linker collected
 * them; without this they stay zeroed and the first virtual call jumps through a null vtable. */
static void run_constructors(void) {
  for (const constructor *f = __preinit_array_start; f < __preinit_array_end; ++f) (*f)();
  for (const constructor *f = __init_array_start; f < __init_array_end; ++f) (*f)();
}

__attribute__((noreturn)) void Reset_Handler(void) {
#if defined(__ARM_FP)
  SCB_CPACR |= 0xFu << 20; /* CP10 and CP11 full access: the FPU (a core without one has no CPACR to set) */
  __asm__ volatile("dsb\n isb");
#endif
  memcpy(&__data_start, &__data_load, (size_t)((uintptr_t)&__data_end - (uintptr_t)&__data_start));
  memset(&__bss_start, 0, (size_t)((uintptr_t)&__bss_end - (uintptr_t)&__bss_start));
  /* Paint the stack below the current frame; what main uses overwrites the paint. */
  uintptr_t sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t *p = &__stack_limit; (uintptr_t)p < sp - 256u; ++p) *p = STACK_PAINT;
  run_constructors();
  ep_board_exit(main());
}

typedef void (*vector)(void);
__attribute__((section(".isr_vector"), used)) static const vector vectors[16] = {
    (vector)(uintptr_t)&__stack_top, Reset_Handler, Default_Handler, HardFault_Handler,
    Default_Handler, Default_Handler, Default_Handler, 0, 0, 0, 0,
    Default_Handler, Default_Handler, 0, Default_Handler, SysTick_Handler,
};
