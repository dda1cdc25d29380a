/* Start-up for QEMU's mps2-an386: vector table, reset handler (FPU on, .data copied, .bss zeroed,
 * stack painted for the high-water mark), semihosting console and exit, SysTick as the counter. */
#include <stdint.h>
#include <string.h>

#include "board.h"

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_limit, __stack_top;
int main(void);

#define STACK_PAINT 0xA5A5A5A5u
#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SYST_RELOAD 0x00FFFFFFu

static volatile uint32_t systick_wraps;

/* ARM semihosting: r0 = operation, r1 = argument block; QEMU services `bkpt 0xab`. */
static int32_t semihost(uint32_t op, const void *arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return (int32_t)r0;
}

void ep_board_puts(const char *s) { semihost(0x04 /* SYS_WRITE0 */, s); }

void ep_board_exit(int status) {
  /* SYS_EXIT: "application exit" ends QEMU with status 0, any other reason with status 1. */
  semihost(0x18, (const void *)(status == 0 ? 0x20026u : 0x20023u));
  for (;;) {
  }
}

void SysTick_Handler(void) { systick_wraps++; }

void ep_board_init(void) {
  SYST_RVR = SYST_RELOAD;
  SYST_CVR = 0;
  SYST_CSR = 7; /* processor clock, interrupt on wrap, enabled */
}

uint64_t ep_board_ticks(void) {
  uint32_t wraps, value;
  do {
    wraps = systick_wraps;
    value = SYST_CVR;
  } while (wraps != systick_wraps);
  return (uint64_t)wraps * (SYST_RELOAD + 1u) + (SYST_RELOAD - value);
}

/* Under `-icount shift=0` QEMU retires one instruction per virtual nanosecond and SysTick runs from the
 * 25 MHz system clock: one tick every 40 instructions, the same count on every run. */
uint32_t ep_board_tick_instructions(void) { return 40; }
const char *ep_board_counter_name(void) { return "systick-icount"; }

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
