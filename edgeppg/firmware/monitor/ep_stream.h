/* Streaming preprocessing: a sensor's raw PPG samples in, normalised 8 s windows out every 2 s.
 *
 * Sensor-agnostic and model-agnostic: a polyphase FIR resampler from the sensor's rate to 25 Hz, a ring
 * of the last window, per-window normalisation and int8 quantisation. The host compiles this same file
 * (with -ffp-contract=off on both sides) and trains on its windows, so a model sees on the device
 * exactly the numbers it was trained on. The constants (window, stride, thresholds) come from the
 * generated ep_contract.h. */
#ifndef EP_STREAM_H
#define EP_STREAM_H
#include <stdint.h>

#include "ep_contract.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One sensor rate's resampler: output rate = rate_hz * up / down. Output m is centred on input time
 * m / output rate (the filter's delay is compensated, as scipy's resample_poly does), so windows line
 * up with labels; the first inputs are extended backwards with the first sample. */
typedef struct {
  float rate_hz;
  int32_t up, down;
  int32_t taps_per_phase; /* K: inputs each output reads (at most EP_RESAMPLER_MAX_TAPS) */
  int32_t delay;          /* in samples at rate_hz * up */
  const float *taps;      /* up x K, phase-major; taps[p * K + k] weighs the k-th newest input */
} ep_resampler_design;

enum { EP_WINDOW_OK = 0, EP_WINDOW_FLAT = 1, EP_WINDOW_INVALID = 2 };

typedef struct {
  const ep_resampler_design *d;
  float hist[2 * EP_RESAMPLER_MAX_TAPS]; /* the newest K inputs, twice, so they read as one run */
  int32_t pos;                           /* hist[pos .. pos + K) is newest-first */
  int32_t acc;                           /* next output's position after the newest input, upsampled */
  int32_t started;
  float last_raw;
  int32_t nan_hold; /* inputs until a non-finite sample has left the filter */
  uint8_t changed;  /* some raw sample differed from the one before it since the last output */
  float ring[EP_WINDOW];
  uint8_t flags[EP_WINDOW]; /* per output: bit 0 raw signal changed, bit 1 touched by a non-finite input */
  int32_t head;             /* where the next output goes in ring */
  int32_t until_window;     /* outputs until the next window is complete */
  int32_t windows;          /* windows completed so far */
} ep_stream;

/* A complete window: ring order starts at `start`. */
typedef struct {
  int32_t index;  /* the window covers [index * stride, index * stride + window) output samples */
  int32_t status; /* EP_WINDOW_OK, _FLAT (the raw signal did not change, or too small a spread), _INVALID */
  float mean, std;
} ep_window;

void ep_stream_init(ep_stream *s, const ep_resampler_design *d);
/* Push one raw sample; returns 1 when it completed a window (then call ep_stream_window). */
int ep_stream_push(ep_stream *s, float x);
ep_window ep_stream_window(const ep_stream *s);
/* The completed window as resampled (25 Hz, not normalised), oldest first: an accelerometer axis in g. */
void ep_stream_raw(const ep_stream *s, float *out);
/* The completed window, normalised: (x - mean) / std, oldest first. */
void ep_stream_normalised(const ep_stream *s, const ep_window *w, float *out);
/* The completed window, normalised and quantised as TFLite's QUANTIZE does (round half away from zero). */
void ep_stream_quantised(const ep_stream *s, const ep_window *w, float scale, int32_t zero_point, int8_t *out);
int8_t ep_quantize(float x, float scale, int32_t zero_point);

#ifdef __cplusplus
}
#endif
#endif
