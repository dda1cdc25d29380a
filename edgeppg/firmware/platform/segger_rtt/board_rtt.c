/* The console over the debug probe (SEGGER's RTT protocol), its counter DWT's cycles (platform/cycles): for
 * parts whose UART the host cannot reach without board-specific clock and pin set-up (the Alif Balletto B1's
 * M55, the MAX32600), the debugger reads and writes two rings in RAM while the core runs. The layout below is
 * the protocol's (a 16-byte id, the ring counts, then each ring's name, buffer, size, write and read offsets,
 * flags), which pyOCD's `pyocd.debug.rtt` reads; the host finds the block by its symbol, `ep_rtt`
 * (edgeppg.mcu.flash). Console lines wait while the up ring is full, so none is lost to a slow host, and the
 * stream's bytes arrive in the down ring after each EDGEPPG_READY, as the serial boards take theirs. */
#include <stdint.h>

#include "board.h"
#include "cortex_m/ep_cortex_m.h"

#define UP_SIZE 1024u
#define DOWN_SIZE (2u * EP_CM_CHUNK) /* more than one EDGEPPG_READY asks for */
#define BLOCK_IF_FULL 2u

typedef struct {
  const char *name;
  char *buffer;
  uint32_t size;
  volatile uint32_t write; /* the producer's offset: the target's in the up ring, the host's in the down ring */
  volatile uint32_t read;
  uint32_t flags;
} ep_rtt_ring;

typedef struct {
  char id[16];
  int32_t up_rings, down_rings;
  ep_rtt_ring up, down;
} ep_rtt_block;

ep_rtt_block ep_rtt;
static char up_buffer[UP_SIZE], down_buffer[DOWN_SIZE];
static const char ring_name[] = "Terminal";

static void barrier(void) { __asm__ volatile("dmb" ::: "memory"); }

void ep_board_init(void) {
  /* A stale block from the image before is overwritten; the id goes in last, so a host that finds it finds
   * the rings ready (built from pieces, so the image itself never holds the id the host looks for). */
  ep_rtt.id[0] = 0;
  ep_rtt.up_rings = 1;
  ep_rtt.down_rings = 1;
  ep_rtt.up = (ep_rtt_ring){ring_name, up_buffer, UP_SIZE, 0, 0, BLOCK_IF_FULL};
  ep_rtt.down = (ep_rtt_ring){ring_name, down_buffer, DOWN_SIZE, 0, 0, BLOCK_IF_FULL};
  barrier();
  static const char tail[] = "GER RTT";
  for (uint32_t i = 0; i < sizeof tail; ++i) ep_rtt.id[3 + i] = tail[i];
  ep_rtt.id[1] = 'E';
  ep_rtt.id[2] = 'G';
  barrier();
  ep_rtt.id[0] = 'S';
  ep_dwt_start();
}

void ep_board_puts(const char *s) {
  for (; *s; ++s) {
    const uint32_t at = ep_rtt.up.write, next = (at + 1u) % UP_SIZE;
    while (next == ep_rtt.up.read) {
    } /* full: the host has not read yet */
    up_buffer[at] = *s;
    barrier();
    ep_rtt.up.write = next;
  }
}

static uint8_t next_byte(void) {
  const uint32_t at = ep_rtt.down.read;
  while (at == ep_rtt.down.write) {
  }
  barrier();
  const uint8_t byte = (uint8_t)down_buffer[at];
  ep_rtt.down.read = (at + 1u) % DOWN_SIZE;
  return byte;
}

int32_t ep_board_read(void *buf, int32_t max) { return ep_cm_read_bytes(buf, max, next_byte); }
