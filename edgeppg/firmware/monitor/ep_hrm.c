#include "ep_hrm.h"

#include "ep_model.h"

/* From the generated ep_contract.c: one resampler per accepted sensor rate, the tracker's parameters. */
extern const ep_resampler_design ep_resamplers[];
extern const ep_tracker_params ep_tracker_config;

static ep_stream stream;
static ep_tracker tracker;
static int ready;
static uint64_t (*clock_fn)(void);

#ifdef EP_HRM_KEEP_INPUT
static int8_t kept_input[EP_WINDOW]; /* the model's input is overwritten by its own activations */
#endif

static uint64_t now(void) { return clock_fn ? clock_fn() : 0; }

int ep_hrm_init(float sample_rate_hz) {
  ready = 0;
  for (int32_t i = 0; i < EP_RESAMPLER_COUNT; ++i) {
    if (ep_resamplers[i].rate_hz == sample_rate_hz) {
      ep_stream_init(&stream, &ep_resamplers[i]);
      ep_tracker_init(&tracker);
      ready = 1;
      return 0;
    }
  }
  return -1;
}

void ep_hrm_set_clock(uint64_t (*ticks)(void)) { clock_fn = ticks; }

uint32_t ep_hrm_state_bytes(void) { return (uint32_t)(sizeof stream + sizeof tracker); }

static void window(ep_hr_fn on_hr, void *user) {
  const ep_window w = ep_stream_window(&stream);
  ep_hr hr = {w.index, w.status, 0, 0, 0.0f, 0, 0, 0, 0};
  ep_track t;
  if (w.status == EP_WINDOW_OK) {
    ep_stream_quantised(&stream, &w, EP_MODEL_INPUT_SCALE, EP_MODEL_INPUT_ZERO_POINT, ep_model_input());
#ifdef EP_HRM_KEEP_INPUT
    for (int32_t i = 0; i < EP_WINDOW; ++i) kept_input[i] = ep_model_input()[i];
    hr.input = kept_input;
#endif
    const uint64_t t0 = now();
    ep_model_invoke();
    const uint64_t t1 = now();
    t = ep_tracker_step_logits(&tracker, &ep_tracker_config, ep_model_output());
    hr.ticks_model = t1 - t0;
    hr.ticks_tracker = now() - t1;
    hr.hr_argmax_bpm = t.argmax_class + EP_HR_LOW_BPM;
  } else {
    const uint64_t t1 = now();
    t = ep_tracker_skip(&tracker, &ep_tracker_config);
    hr.ticks_tracker = now() - t1;
  }
  hr.hr_tracked_bpm = t.tracked_class + EP_HR_LOW_BPM;
  hr.confidence = t.confidence;
  hr.available = t.available;
  on_hr(user, &hr);
}

void ep_hrm_push(const float *samples, int32_t n, ep_hr_fn on_hr, void *user) {
  if (!ready) return;
  for (int32_t i = 0; i < n; ++i)
    if (ep_stream_push(&stream, samples[i])) window(on_hr, user);
}
