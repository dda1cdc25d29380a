/* The heart-rate monitor a sensor driver calls: raw PPG samples in, heart rate out every 2 s.
 *
 *   ep_hrm_init(64.0f);                        // the sensor's rate: one the device contract lists
 *   ep_hrm_push(fifo, n, on_heart_rate, ctx);  // any number of samples, as they arrive
 *
 * Inside: streaming resampling to 25 Hz and normalisation (ep_stream), the int8 model (ep_model),
 * and the tracker (ep_tracker). `on_heart_rate` is called from within ep_hrm_push once per completed
 * window, 8 s after the first sample and every 2 s after that.
 *
 * A model trained on the accelerometer front end (the contract's inputs "ppg-acc": EP_HRM_ACC in the
 * generated ep_contract.h) also takes the wrist's acceleration, at its own rate:
 *
 *   ep_hrm_init_acc(32.0f);                    // after ep_hrm_init: a rate the contract lists
 *   ep_hrm_push_acc(xyz, n, on_heart_rate, ctx); // n samples of x, y, z interleaved, in g
 *
 * A window is handed to the model once both its PPG and its acceleration are in: the PPG may run up to two
 * windows (4 s) ahead of the accelerometer, the accelerometer one window ahead of the PPG (each stream holds
 * its newest window until its next one is complete). A PPG window whose acceleration has not come two PPG
 * windows later goes on as a still one, and so does one whose acceleration is gone (the accelerometer ran
 * further ahead). */
#ifndef EP_HRM_H
#define EP_HRM_H
#include <stdint.h>

#include "ep_stream.h"
#include "ep_tracker.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int32_t index;          /* window number: it covers seconds [2 * index, 2 * index + 8) of the stream */
  int32_t status;         /* EP_WINDOW_OK, EP_WINDOW_FLAT or EP_WINDOW_INVALID (the model did not run) */
  int32_t hr_argmax_bpm;  /* this window alone; 0 when the model did not run */
  int32_t hr_tracked_bpm; /* tracked across windows: the one to show */
  float confidence;       /* this window's softmax peak (0 .. 1) */
  int32_t available;      /* 0: show "HR unavailable" */
  const int8_t *input;    /* the quantised window the model saw: built with EP_HRM_KEEP_INPUT only (NULL) */
  uint64_t ticks_model, ticks_tracker; /* from the clock given to ep_hrm_set_clock (0 without one) */
} ep_hr;

typedef void (*ep_hr_fn)(void *user, const ep_hr *hr);

/* 0, or -1 when the contract has no resampler for this rate (the monitor then ignores pushes). */
int ep_hrm_init(float sample_rate_hz);
void ep_hrm_push(const float *samples, int32_t n, ep_hr_fn on_hr, void *user);
/* Optional: a monotonic counter, to measure the model's and the tracker's share of the time. */
void ep_hrm_set_clock(uint64_t (*ticks)(void));
#if EP_HRM_ACC
/* 0, or -1 when the contract has no resampler for this rate. */
int ep_hrm_init_acc(float sample_rate_hz);
void ep_hrm_push_acc(const float *xyz, int32_t n, ep_hr_fn on_hr, void *user);
#endif
/* Bytes of state the monitor keeps between pushes (the model's arena is counted apart). */
uint32_t ep_hrm_state_bytes(void);

#ifdef __cplusplus
}
#endif
#endif
