/* Streaming preprocessing: a sensor's raw PPG samples in, normalised 8 s windows out every 2 s.
 *
 * Sensor-agnostic and model-agnostic: a polyphase FIR resampler from the sensor's rate to 25 Hz, the newest
 * window and the stride after it, per-window normalisation and int8 quantisation. The host compiles this same file
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

/* Outputs kept: a window and the stride after it, so a window stays readable until the next one is complete
 * (a monitor pairs the PPG's window with the accelerometer's, whichever comes second, without copying
 * either). Kept in order, oldest first, so a window is one run of floats; every stride they move down. */
#define EP_STREAM_KEEP (EP_WINDOW + EP_STRIDE)
#define EP_STREAM_BLOCKS (EP_STREAM_KEEP / EP_STRIDE)
#if EP_WINDOW % EP_STRIDE
#error "the window must be whole strides"
#endif

typedef struct {
  const ep_resampler_design *d;
  float hist[EP_RESAMPLER_MAX_TAPS]; /* the newest K inputs, a ring: newest first from hist[pos] */
  int32_t pos;
  int32_t acc;                           /* next output's position after the newest input, upsampled */
  int32_t started;
  float last_raw;
  int32_t nan_hold; /* inputs until a non-finite sample has left the filter */
  uint8_t changed;  /* some raw sample differed from the one before it since the last output */
  float out[EP_STREAM_KEEP];         /* outputs, oldest first: out[0] is output number base * EP_STRIDE */
  int16_t changes[EP_STREAM_BLOCKS]; /* per stride of out: outputs whose raw signal changed */
  uint8_t invalid[EP_STREAM_BLOCKS]; /* per stride of out: 1 when an output was touched by a non-finite input */
  int32_t len;                       /* outputs held */
  int32_t base;                      /* strides dropped from the front so far */
  int32_t until_window;              /* outputs until the next window is complete */
  int32_t windows;                   /* windows completed so far */
} ep_stream;

/* A complete window: the newest, or an older one the stream still holds. */
typedef struct {
  int32_t index;  /* the window covers [index * stride, index * stride + window) output samples */
  int32_t status; /* EP_WINDOW_OK, _FLAT (the raw signal did not change, or too small a spread), _INVALID */
  float mean, std;
  int32_t offset; /* where its first sample is in out (while ep_stream_has(index)) */
} ep_window;

void ep_stream_init(ep_stream *s, const ep_resampler_design *d);
/* Push one raw sample; returns 1 when it completed a window (then call ep_stream_window). */
int ep_stream_push(ep_stream *s, float x);
/* 1 when window `index` is complete and still held: from its completion until the next one's. */
int ep_stream_has(const ep_stream *s, int32_t index);
/* The newest complete window; and window `index`, which ep_stream_has. */
ep_window ep_stream_window(const ep_stream *s);
ep_window ep_stream_window_at(const ep_stream *s, int32_t index);
/* Window `index` (one ep_stream_has) as resampled (25 Hz, not normalised), oldest first, where the stream
 * holds it: an accelerometer axis in g. */
const float *ep_stream_samples(const ep_stream *s, int32_t index);
/* The window, normalised: (x - mean) / std, oldest first. */
void ep_stream_normalised(const ep_stream *s, const ep_window *w, float *out);
/* The window, normalised and quantised as TFLite's QUANTIZE does (round half away from zero). */
void ep_stream_quantised(const ep_stream *s, const ep_window *w, float scale, int32_t zero_point, int8_t *out);
int8_t ep_quantize(float x, float scale, int32_t zero_point);

#ifdef __cplusplus
}
#endif
#endif
