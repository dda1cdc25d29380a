#include "ep_hrm.h"

#include "ep_model.h"
#if EP_HRM_ACC
#include "ep_cancel.h"
#endif

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

#if EP_MODEL_STREAMING
#include "ep_model_stream.h"
/* A model of the streaming family (codegen/stream.py) keeps the stream it has seen: each window hands it
 * only its newest 2 s, the first window all of its 8 s, and a window the model cannot use zeros (the
 * host's edgeppg.device.streaming composes its training windows the same way). Its int8 window waits here. */
static int8_t model_window[EP_WINDOW];
#define MODEL_INPUT model_window
#define MODEL_OUTPUT ep_model_stream_output()
static void model_run(int32_t index, int usable) {
  for (int32_t at = index == 0 ? 0 : EP_WINDOW - EP_STREAM_NEW; at < EP_WINDOW; at += EP_STREAM_NEW) {
    int8_t *in = ep_model_stream_input();
    for (int32_t i = 0; i < EP_STREAM_NEW; ++i) in[i] = usable ? model_window[at + i] : EP_MODEL_INPUT_ZERO_POINT;
    ep_model_stream_update();
  }
}
#else
#define MODEL_INPUT ep_model_input()
#define MODEL_OUTPUT ep_model_output()
static void model_run(int32_t index, int usable) {
  (void)index;
  if (usable) ep_model_invoke();
}
#endif

int ep_hrm_init(float sample_rate_hz) {
  ready = 0;
  for (int32_t i = 0; i < EP_RESAMPLER_COUNT; ++i) {
    if (ep_resamplers[i].rate_hz == sample_rate_hz) {
      ep_stream_init(&stream, &ep_resamplers[i]);
      ep_tracker_init(&tracker);
#if EP_MODEL_STREAMING
      ep_model_stream_reset();
#endif
      ready = 1;
      return 0;
    }
  }
  return -1;
}

void ep_hrm_set_clock(uint64_t (*ticks)(void)) { clock_fn = ticks; }

#if EP_HRM_ACC
/* The accelerometer's three axes, each through its own copy of the PPG's resampler, and the windows that
 * wait for their other half: slot = window index % EP_HRM_PENDING. */
static ep_stream acc_stream[3];
static int acc_ready;
static struct {
  int32_t index; /* -1: empty */
  ep_window w;
  float x[EP_WINDOW]; /* normalised PPG */
} ppg_wait[EP_HRM_PENDING];
static struct {
  int32_t index;
  float xyz[3 * EP_WINDOW]; /* axis-major, g */
} acc_wait[EP_HRM_PENDING];
static int32_t next_window; /* the next window to hand to the model, in order */
static float cleaned[EP_WINDOW];
static int32_t step_class; /* the window's step rate as a class for the tracker, -1 for none */
#define EP_HRM_ACC_STATE (sizeof acc_stream + sizeof ppg_wait + sizeof acc_wait + sizeof cleaned + sizeof step_class)
#else
#define EP_HRM_ACC_STATE 0
#endif

uint32_t ep_hrm_state_bytes(void) { return (uint32_t)(sizeof stream + sizeof tracker + EP_HRM_ACC_STATE); }

#if EP_HRM_ACC
/* The model and the tracker on one window (its int8 input already in place when it is usable). */
static void run_window(const ep_window *wp, ep_hr_fn on_hr, void *user) {
  const ep_window w = *wp;
  ep_hr hr = {w.index, w.status, 0, 0, 0.0f, 0, 0, 0, 0};
  ep_track t;
  if (w.status == EP_WINDOW_OK) {
#ifdef EP_HRM_KEEP_INPUT
    for (int32_t i = 0; i < EP_WINDOW; ++i) kept_input[i] = MODEL_INPUT[i];
    hr.input = kept_input;
#endif
    const uint64_t t0 = now();
    model_run(w.index, 1);
    const uint64_t t1 = now();
    t = ep_tracker_step_logits(&tracker, &ep_tracker_config, MODEL_OUTPUT, step_class);
    hr.ticks_model = t1 - t0;
    hr.ticks_tracker = now() - t1;
    hr.hr_argmax_bpm = t.argmax_class + EP_HR_LOW_BPM;
  } else {
    model_run(w.index, 0);
    const uint64_t t1 = now();
    t = ep_tracker_skip(&tracker, &ep_tracker_config);
    hr.ticks_tracker = now() - t1;
  }
  hr.hr_tracked_bpm = t.tracked_class + EP_HR_LOW_BPM;
  hr.confidence = t.confidence;
  hr.available = t.available;
  on_hr(user, &hr);
}

/* The window in `slot` to the front end (when its acceleration is in), the model and the tracker. */
static void hand_on(int32_t slot, int use_acc, ep_hr_fn on_hr, void *user) {
  const ep_window *w = &ppg_wait[slot].w;
  step_class = -1;
  if (w->status == EP_WINDOW_OK) {
    const float *x = ppg_wait[slot].x;
    int32_t step_bpm = -1;
    if (use_acc && ep_cancel(x, acc_wait[slot].xyz, EP_CANCEL_HARMONICS, cleaned, &step_bpm)) x = cleaned;
    step_class = step_bpm >= 0 ? step_bpm - EP_HR_LOW_BPM : -1;
    for (int32_t i = 0; i < EP_WINDOW; ++i)
      MODEL_INPUT[i] = ep_quantize(x[i], EP_MODEL_INPUT_SCALE, EP_MODEL_INPUT_ZERO_POINT);
  }
  ppg_wait[slot].index = -1;
  next_window++;
  run_window(w, on_hr, user);
}

/* A completed PPG window waits in its slot for its acceleration. When the slot still holds the window
 * EP_HRM_PENDING before it (its acceleration never came), that one goes on first, as a still window. */
static void window(ep_hr_fn on_hr, void *user) {
  const ep_window w = ep_stream_window(&stream);
  const int32_t slot = w.index % EP_HRM_PENDING;
  if (ppg_wait[slot].index >= 0 && ppg_wait[slot].index == next_window) hand_on(slot, 0, on_hr, user);
  ppg_wait[slot].index = w.index;
  ppg_wait[slot].w = w;
  ep_stream_normalised(&stream, &w, ppg_wait[slot].x);
}

/* Hand on, in order, every window whose PPG and acceleration are both in. */
static void drain(ep_hr_fn on_hr, void *user) {
  for (;;) {
    const int32_t slot = next_window % EP_HRM_PENDING;
    if (ppg_wait[slot].index != next_window || acc_wait[slot].index != next_window) return;
    hand_on(slot, 1, on_hr, user);
  }
}
#else
/* The PPG-only monitor: each window straight to the model and the tracker. (run_window above repeats its
 * second half; calling it from here instead costs this build instructions and flash, measured.) */
static void window(ep_hr_fn on_hr, void *user) {
  const ep_window w = ep_stream_window(&stream);
  ep_hr hr = {w.index, w.status, 0, 0, 0.0f, 0, 0, 0, 0};
  ep_track t;
  if (w.status == EP_WINDOW_OK) {
    ep_stream_quantised(&stream, &w, EP_MODEL_INPUT_SCALE, EP_MODEL_INPUT_ZERO_POINT, MODEL_INPUT);
#ifdef EP_HRM_KEEP_INPUT
    for (int32_t i = 0; i < EP_WINDOW; ++i) kept_input[i] = MODEL_INPUT[i];
    hr.input = kept_input;
#endif
    const uint64_t t0 = now();
    model_run(w.index, 1);
    const uint64_t t1 = now();
    t = ep_tracker_step_logits(&tracker, &ep_tracker_config, MODEL_OUTPUT, -1);
    hr.ticks_model = t1 - t0;
    hr.ticks_tracker = now() - t1;
    hr.hr_argmax_bpm = t.argmax_class + EP_HR_LOW_BPM;
  } else {
    model_run(w.index, 0);
    const uint64_t t1 = now();
    t = ep_tracker_skip(&tracker, &ep_tracker_config);
    hr.ticks_tracker = now() - t1;
  }
  hr.hr_tracked_bpm = t.tracked_class + EP_HR_LOW_BPM;
  hr.confidence = t.confidence;
  hr.available = t.available;
  on_hr(user, &hr);
}
#endif

void ep_hrm_push(const float *samples, int32_t n, ep_hr_fn on_hr, void *user) {
  if (!ready) return;
  for (int32_t i = 0; i < n; ++i)
    if (ep_stream_push(&stream, samples[i])) window(on_hr, user);
#if EP_HRM_ACC
  drain(on_hr, user);
#endif
}

#if EP_HRM_ACC
int ep_hrm_init_acc(float sample_rate_hz) {
  acc_ready = 0;
  next_window = 0;
  for (int32_t k = 0; k < EP_HRM_PENDING; ++k) ppg_wait[k].index = acc_wait[k].index = -1;
  for (int32_t i = 0; i < EP_RESAMPLER_COUNT; ++i) {
    if (ep_resamplers[i].rate_hz == sample_rate_hz) {
      for (int32_t a = 0; a < 3; ++a) ep_stream_init(&acc_stream[a], &ep_resamplers[i]);
      acc_ready = 1;
      return 0;
    }
  }
  return -1;
}

void ep_hrm_push_acc(const float *xyz, int32_t n, ep_hr_fn on_hr, void *user) {
  if (!acc_ready) return;
  for (int32_t i = 0; i < n; ++i) {
    int done = 0;
    for (int32_t a = 0; a < 3; ++a) done = ep_stream_push(&acc_stream[a], xyz[3 * i + a]); /* the axes move together */
    if (!done) continue;
    const int32_t index = acc_stream[0].windows - 1, slot = index % EP_HRM_PENDING;
    acc_wait[slot].index = index;
    for (int32_t a = 0; a < 3; ++a) ep_stream_raw(&acc_stream[a], acc_wait[slot].xyz + a * EP_WINDOW);
  }
  drain(on_hr, user);
}
#endif
