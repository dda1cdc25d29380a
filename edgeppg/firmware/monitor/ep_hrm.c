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

#if EP_HRM_ACC
/* The accelerometer's three axes, each through its own copy of the PPG's resampler. Each stream holds its
 * newest window until its next one is complete, so a window is read where its streams hold it: no copies. */
static ep_stream acc_stream[3];
static int acc_ready;
static int32_t waiting;          /* the newest PPG window, waiting in its stream for its acceleration; -1: none */
static int parked;               /* 1: the window before it waits here, taken out of the stream (ppg, parked_w) */
static ep_window parked_w;
static float ppg[EP_WINDOW];     /* the window handed on (or parked), normalised */
static float cleaned[EP_WINDOW]; /* and as the front end left it */
static int32_t step_class;       /* the window's step rate as a class for the tracker, -1 for none */
#if EP_CANCEL_CHUNKED
static ep_cancel_chunks cancel_chunks; /* the front end's streaming form: its last chunks' shares */
#define CANCEL_CHUNKS (&cancel_chunks)
#define EP_HRM_CHUNKS_STATE sizeof cancel_chunks
#else
#define CANCEL_CHUNKS ((ep_cancel_chunks *)0)
#define EP_HRM_CHUNKS_STATE 0
#endif
#define EP_HRM_ACC_STATE                                                                        \
  (sizeof acc_stream + sizeof waiting + sizeof parked + sizeof parked_w + sizeof ppg + sizeof cleaned + \
   sizeof step_class + EP_HRM_CHUNKS_STATE)
#else
#define EP_HRM_ACC_STATE 0
#endif

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
#if EP_HRM_ACC
      waiting = -1;
      parked = 0;
#if EP_CANCEL_CHUNKED
      ep_cancel_chunks_reset(&cancel_chunks);
#endif
#endif
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

/* PPG window `index` (one the stream holds), normalised into ppg when usable. */
static ep_window take(int32_t index) {
  const ep_window w = ep_stream_window_at(&stream, index);
  if (w.status == EP_WINDOW_OK) ep_stream_normalised(&stream, &w, ppg);
  return w;
}

/* A window (its PPG in ppg) to the front end (with its acceleration, when `use_acc`), the model, the tracker. */
static void hand_on(const ep_window *w, int use_acc, ep_hr_fn on_hr, void *user) {
  step_class = -1;
  if (w->status == EP_WINDOW_OK) {
    const float *x = ppg;
    int32_t step_bpm = -1;
    if (use_acc) {
      const float *const axes[3] = {ep_stream_samples(&acc_stream[0], w->index),
                                    ep_stream_samples(&acc_stream[1], w->index),
                                    ep_stream_samples(&acc_stream[2], w->index)};
      if (ep_cancel(ppg, axes, EP_CANCEL_HARMONICS, CANCEL_CHUNKS, w->index, cleaned, &step_bpm)) x = cleaned;
    }
    step_class = step_bpm >= 0 ? step_bpm - EP_HR_LOW_BPM : -1;
    for (int32_t i = 0; i < EP_WINDOW; ++i)
      MODEL_INPUT[i] = ep_quantize(x[i], EP_MODEL_INPUT_SCALE, EP_MODEL_INPUT_ZERO_POINT);
  }
  run_window(w, on_hr, user);
}

/* A PPG window is complete. Windows go on in order, each once its acceleration is in: the one parked two
 * windows back goes on now as a still window (its acceleration did not come); the one that waited in the
 * stream is parked (the stream is about to drop it); this one goes on at once when its acceleration is in
 * (as a still one when the accelerometer ran more than a window ahead), else waits. */
static void window(ep_hr_fn on_hr, void *user) {
  const int32_t index = stream.windows - 1;
  if (parked) {
    parked = 0;
    hand_on(&parked_w, 0, on_hr, user);
  }
  if (waiting >= 0) {
    parked_w = take(waiting);
    parked = 1;
    waiting = -1;
  }
  if (!parked && acc_stream[0].windows > index) {
    const ep_window w = take(index);
    hand_on(&w, ep_stream_has(&acc_stream[0], index), on_hr, user);
  } else {
    waiting = index;
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
}

#if EP_HRM_ACC
int ep_hrm_init_acc(float sample_rate_hz) {
  acc_ready = 0;
  waiting = -1;
  parked = 0;
#if EP_CANCEL_CHUNKED
  ep_cancel_chunks_reset(&cancel_chunks); /* the axes' streams start again: their chunks are new */
#endif
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
    const int32_t index = acc_stream[0].windows - 1;
    if (parked && parked_w.index == index) {
      parked = 0;
      hand_on(&parked_w, 1, on_hr, user);
    } else if (!parked && waiting == index) {
      waiting = -1;
      const ep_window w = take(index);
      hand_on(&w, 1, on_hr, user);
    }
  }
}
#endif
