#include "ep_stream.h"

#include <math.h>

static int finite(float x) { return (x - x) == 0.0f; } /* false for NaN and +-inf */

void ep_stream_init(ep_stream *s, const ep_resampler_design *d) {
  s->d = d;
  s->pos = 0;
  s->acc = d->delay + d->up; /* output 0 sits `delay` upsampled samples after input 0; no input yet */
  s->started = 0;
  s->last_raw = 0.0f;
  s->nan_hold = 0;
  s->changed = 0;
  s->head = 0;
  s->until_window = EP_WINDOW;
  s->windows = 0;
  for (int32_t i = 0; i < EP_WINDOW; ++i) {
    s->ring[i] = 0.0f;
    s->flags[i] = 0;
  }
}

static void remember(ep_stream *s, float x) {
  const int32_t k = s->d->taps_per_phase;
  s->pos = s->pos == 0 ? k - 1 : s->pos - 1;
  s->hist[s->pos] = x;
  s->hist[s->pos + k] = x;
}

/* One output at phase p from the newest K inputs, summed in a fixed order (float32, no contraction). */
static float filter(const ep_stream *s, int32_t p) {
  const int32_t k = s->d->taps_per_phase;
  const float *h = s->d->taps + p * k, *x = s->hist + s->pos;
  float acc = 0.0f;
  for (int32_t i = 0; i < k; ++i) acc += h[i] * x[i];
  return acc;
}

int ep_stream_push(ep_stream *s, float x) {
  if (!finite(x)) {
    s->nan_hold = s->d->taps_per_phase;
    x = s->last_raw; /* hold the last good value; the outputs it reaches are flagged */
  } else if (s->nan_hold > 0) {
    s->nan_hold--;
  }
  if (!s->started) { /* the stream is extended backwards with its first sample */
    for (int32_t i = 0; i < s->d->taps_per_phase; ++i) remember(s, x);
    s->started = 1;
    s->last_raw = x;
  } else {
    remember(s, x);
  }
  if (x != s->last_raw) s->changed = 1;
  s->last_raw = x;
  s->acc -= s->d->up;
  int done = 0;
  while (s->acc < s->d->up) {
    s->ring[s->head] = filter(s, s->acc);
    s->flags[s->head] = (uint8_t)(s->changed | (s->nan_hold > 0 ? 2 : 0));
    s->changed = 0;
    s->head = s->head + 1 == EP_WINDOW ? 0 : s->head + 1;
    s->acc += s->d->down;
    if (--s->until_window == 0) {
      s->until_window = EP_STRIDE;
      s->windows++;
      done = 1;
    }
  }
  return done;
}

ep_window ep_stream_window(const ep_stream *s) {
  ep_window w = {s->windows - 1, EP_WINDOW_OK, 0.0f, 0.0f};
  int32_t changes = 0, invalid = 0;
  for (int32_t i = 0; i < EP_WINDOW; ++i) {
    const int32_t j = s->head + i < EP_WINDOW ? s->head + i : s->head + i - EP_WINDOW;
    w.mean += s->ring[j];
    changes += s->flags[j] & 1;
    invalid |= s->flags[j] & 2;
  }
  w.mean /= (float)EP_WINDOW;
  float var = 0.0f;
  for (int32_t i = 0; i < EP_WINDOW; ++i) {
    const int32_t j = s->head + i < EP_WINDOW ? s->head + i : s->head + i - EP_WINDOW;
    var += (s->ring[j] - w.mean) * (s->ring[j] - w.mean);
  }
  w.std = sqrtf(var / (float)EP_WINDOW);
  if (invalid || !finite(w.mean) || !finite(w.std)) w.status = EP_WINDOW_INVALID;
  else if (changes < EP_MIN_RAW_CHANGES || !(w.std >= EP_MIN_STD)) w.status = EP_WINDOW_FLAT;
  return w;
}

void ep_stream_raw(const ep_stream *s, float *out) {
  for (int32_t i = 0; i < EP_WINDOW; ++i) out[i] = s->ring[s->head + i < EP_WINDOW ? s->head + i : s->head + i - EP_WINDOW];
}

void ep_stream_normalised(const ep_stream *s, const ep_window *w, float *out) {
  for (int32_t i = 0; i < EP_WINDOW; ++i) {
    const int32_t j = s->head + i < EP_WINDOW ? s->head + i : s->head + i - EP_WINDOW;
    out[i] = (s->ring[j] - w->mean) / w->std;
  }
}

int8_t ep_quantize(float x, float scale, int32_t zero_point) {
  const float q = roundf(x / scale) + (float)zero_point;
  return (int8_t)(q < -128.0f ? -128 : (q > 127.0f ? 127 : q));
}

void ep_stream_quantised(const ep_stream *s, const ep_window *w, float scale, int32_t zero_point, int8_t *out) {
  for (int32_t i = 0; i < EP_WINDOW; ++i) {
    const int32_t j = s->head + i < EP_WINDOW ? s->head + i : s->head + i - EP_WINDOW;
    out[i] = ep_quantize((s->ring[j] - w->mean) / w->std, scale, zero_point);
  }
}
