/* The streaming program's test build (a model of the streaming family, codegen/stream.py): a stream made
 * of the compiled-in windows' newest 2 s goes through ep_model_stream_update(), one update per 2 s, and
 * after each update the window form (ep_model_invoke(), which the self-test holds bit-exact with TFLite)
 * computes the same answer from scratch over the last 24 s. The two must agree bit for bit. Prints one
 * machine-readable line:
 *   EDGEPPG_STREAM updates=N mismatched=M update_ticks=T window_ticks=W tick_instructions=I[/D] state=S stack=K
 * (ticks of the last update and of the last window), and arena=A where the program runs in an arena
 * (TFLite Micro's per-update interpreter: the smallest arena it allocates in, found after the updates).
 * With EP_STREAM_ONLY the window form is left out, so the build's size is the streaming program's own.
 * Exits 0 only if all match. */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "ep_fmt.h"
#include "ep_model.h"
#include "ep_model_stream.h"
#include "ep_test_vectors.h"

#define UPDATES 24

#ifndef EP_STREAM_ONLY
static int8_t window[EP_MODEL_INPUT_SIZE];
#endif

int main(void) {
  char line[200];
  char *p;
  int mismatched = 0;
  uint64_t update_ticks = 0, window_ticks = 0;
  ep_board_init();
  ep_model_stream_reset();
#ifndef EP_STREAM_ONLY
  memset(window, EP_MODEL_INPUT_ZERO_POINT, sizeof window); /* zeros since forever, as the reset */
#endif
  for (int u = 0; u < UPDATES; ++u) {
    const int8_t *chunk = ep_test_input(u % ep_test_count) + EP_MODEL_INPUT_SIZE - EP_STREAM_NEW;
    memcpy(ep_model_stream_input(), chunk, EP_STREAM_NEW);
    uint64_t t0 = ep_board_ticks();
    ep_model_stream_update();
    update_ticks = ep_board_ticks() - t0;
#ifndef EP_STREAM_ONLY
    memmove(window, window + EP_STREAM_NEW, EP_MODEL_INPUT_SIZE - EP_STREAM_NEW);
    memcpy(window + EP_MODEL_INPUT_SIZE - EP_STREAM_NEW, chunk, EP_STREAM_NEW);
    memcpy(ep_model_input(), window, EP_MODEL_INPUT_SIZE);
    t0 = ep_board_ticks();
    ep_model_invoke();
    window_ticks = ep_board_ticks() - t0;
    const int8_t *got = ep_model_stream_output(), *want = ep_model_output();
    for (int i = 0; i < EP_MODEL_OUTPUT_SIZE; ++i) {
      if (got[i] != want[i]) {
        ep_fmt_mismatch(line, "update", u, i, got[i], want[i]);
        ep_board_puts(line);
        mismatched++;
        break;
      }
    }
#endif
  }
  p = ep_fmt_str(line, "EDGEPPG_STREAM updates=");
  p = ep_fmt_i64(p, UPDATES);
  p = ep_fmt_str(p, " mismatched=");
  p = ep_fmt_i64(p, mismatched);
  p = ep_fmt_str(p, " update_ticks=");
  p = ep_fmt_u64(p, update_ticks);
  p = ep_fmt_str(p, " window_ticks=");
  p = ep_fmt_u64(p, window_ticks);
  p = ep_fmt_tick_instructions(p, ep_board_tick_instructions(), ep_board_tick_divisor());
  p = ep_fmt_str(p, " state=");
  p = ep_fmt_i64(p, (int64_t)ep_model_stream_state_bytes());
  p = ep_fmt_str(p, " stack=");
  p = ep_fmt_u64(p, ep_board_stack_peak());
#ifdef EP_STREAM_ARENA_BYTES
  p = ep_fmt_str(p, " arena=");
  p = ep_fmt_i64(p, (int64_t)ep_model_stream_arena_needed());
#endif
  p = ep_fmt_str(p, "\n");
  *p = 0;
  ep_board_puts(line);
  return mismatched == 0 ? 0 : 1;
}
