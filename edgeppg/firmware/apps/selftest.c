/* The test build: every compiled-in window goes through the model; its int8 logits must equal what
 * TFLite's reference kernels gave on the host, bit for bit. Prints each window's heart rate, the first
 * differing logit of any window that does not match, and one machine-readable summary line:
 *   EDGEPPG_RESULT windows=N mismatched=M ticks=T tick_instructions=I[/D] stack=S arena=A arena_used=U counter=NAME
 * (ticks of the first inference; a window's count depends a little on its data through rounding and
 * clamping branches, and is the same on every run). Exits 0 only if all match. On the host build the
 * entry point is main_selftest, called by the host board's main. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "ep_fmt.h"
#include "ep_contract.h"
#include "ep_model.h"
#include "ep_test_vectors.h"

typedef struct {
  int32_t argmax_bpm;    /* centre of the most likely one-BPM bin */
  float expectation_bpm; /* softmax-weighted mean of the bin centres */
} ep_selftest_hr; /* the two read-outs of one window (ep_hrm.h's ep_hr is the monitor's) */

static ep_selftest_hr ep_hr_from_logits(const int8_t *logits) {
  int best = 0;
  for (int i = 1; i < EP_MODEL_OUTPUT_SIZE; ++i)
    if (logits[i] > logits[best]) best = i; /* first maximum, as numpy's argmax */
  float total = 0.0f, weighted = 0.0f;
  for (int i = 0; i < EP_MODEL_OUTPUT_SIZE; ++i) {
    const float p = expf((float)(logits[i] - logits[best]) * EP_MODEL_OUTPUT_SCALE);
    total += p;
    weighted += p * (float)(i + EP_HR_LOW_BPM);
  }
  ep_selftest_hr hr = {best + EP_HR_LOW_BPM, weighted / total};
  return hr;
}

#ifdef EP_HOST
#define main main_selftest
#endif

int main(void) {
  char line[160];
  char *p;
  int mismatched = 0;
  uint64_t first_ticks = 0;
  ep_board_init();
  for (int w = 0; w < ep_test_count; ++w) {
    memcpy(ep_model_input(), ep_test_input(w), EP_MODEL_INPUT_SIZE);
    const uint64_t t0 = ep_board_ticks();
    ep_model_invoke();
    const uint64_t ticks = ep_board_ticks() - t0;
    if (w == 0) first_ticks = ticks;
    const int8_t *got = ep_model_output(), *want = ep_test_expected(w);
    for (int i = 0; i < EP_MODEL_OUTPUT_SIZE; ++i) {
      if (got[i] != want[i]) {
        ep_fmt_mismatch(line, "window", w, i, got[i], want[i]);
        ep_board_puts(line);
        mismatched++;
        break;
      }
    }
#ifdef EP_PROFILE
    if (w == 0) { /* the first inference, op by op */
      for (int i = 0; i < EP_MODEL_OPS; ++i) {
        p = ep_fmt_str(line, "op i=");
        p = ep_fmt_i64(p, i);
        p = ep_fmt_str(p, " ticks=");
        p = ep_fmt_u64(p, ep_model_op_ticks[i]);
        p = ep_fmt_str(p, "\n");
        *p = 0;
        ep_board_puts(line);
      }
    }
#endif
    const ep_selftest_hr hr = ep_hr_from_logits(got);
    p = ep_fmt_str(line, "window=");
    p = ep_fmt_i64(p, w);
    p = ep_fmt_str(p, " hr_argmax=");
    p = ep_fmt_i64(p, hr.argmax_bpm);
    p = ep_fmt_str(p, " hr_expectation_x10=");
    p = ep_fmt_i64(p, (int64_t)(hr.expectation_bpm * 10.0f + 0.5f));
    p = ep_fmt_str(p, " ticks=");
    p = ep_fmt_u64(p, ticks);
    p = ep_fmt_str(p, "\n");
    *p = 0;
    ep_board_puts(line);
  }
  p = ep_fmt_str(line, "EDGEPPG_RESULT windows=");
  p = ep_fmt_i64(p, ep_test_count);
  p = ep_fmt_str(p, " mismatched=");
  p = ep_fmt_i64(p, mismatched);
  p = ep_fmt_str(p, " ticks=");
  p = ep_fmt_u64(p, first_ticks);
  p = ep_fmt_tick_instructions(p, ep_board_tick_instructions(), ep_board_tick_divisor());
  p = ep_fmt_str(p, " stack=");
  p = ep_fmt_u64(p, ep_board_stack_peak());
  p = ep_fmt_str(p, " arena=");
  p = ep_fmt_u64(p, EP_MODEL_ARENA_BYTES);
  p = ep_fmt_str(p, " arena_used=");
  p = ep_fmt_u64(p, ep_model_arena_used());
  p = ep_fmt_str(p, " counter=");
  p = ep_fmt_str(p, ep_board_counter_name());
  p = ep_fmt_str(p, "\n");
  *p = 0;
  ep_board_puts(line);
  return mismatched == 0 ? 0 : 1;
}
