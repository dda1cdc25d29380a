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
  s->len = 0;
  s->base = 0;
  s->until_window = EP_WINDOW;
  s->windows = 0;
  for (int32_t i = 0; i < EP_STREAM_KEEP; ++i) s->out[i] = 0.0f;
  for (int32_t b = 0; b < EP_STREAM_BLOCKS; ++b) s->changes[b] = s->invalid[b] = 0;
}

/* One output at the end of out; when out is full, its oldest stride goes first. */
static void append(ep_stream *s, float y, int32_t changed, int32_t invalid) {
  if (s->len == EP_STREAM_KEEP) {
    for (int32_t i = EP_STRIDE; i < EP_STREAM_KEEP; ++i) s->out[i - EP_STRIDE] = s->out[i];
    for (int32_t b = 1; b < EP_STREAM_BLOCKS; ++b) {
      s->changes[b - 1] = s->changes[b];
      s->invalid[b - 1] = s->invalid[b];
    }
    s->len -= EP_STRIDE;
    s->base++;
  }
  const int32_t b = s->len / EP_STRIDE;
  if (s->len % EP_STRIDE == 0) s->changes[b] = s->invalid[b] = 0;
  s->out[s->len++] = y;
  s->changes[b] = (int16_t)(s->changes[b] + changed);
  s->invalid[b] = (uint8_t)(s->invalid[b] | invalid);
}

static void remember(ep_stream *s, float x) {
  s->pos = s->pos == 0 ? s->d->taps_per_phase - 1 : s->pos - 1;
  s->hist[s->pos] = x;
}

/* One output at phase p from the newest K inputs, newest first (hist from pos to its end, then from its
 * start), summed in that fixed order (float32, no contraction). */
static float filter(const ep_stream *s, int32_t p) {
  const int32_t k = s->d->taps_per_phase, wrap = k - s->pos;
  const float *h = s->d->taps + p * k, *x = s->hist + s->pos;
  float acc = 0.0f;
  for (int32_t i = 0; i < wrap; ++i) acc += h[i] * x[i];
  for (int32_t i = wrap; i < k; ++i) acc += h[i] * s->hist[i - wrap];
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
    append(s, filter(s, s->acc), s->changed, s->nan_hold > 0);
    s->changed = 0;
    s->acc += s->d->down;
    if (--s->until_window == 0) {
      s->until_window = EP_STRIDE;
      s->windows++;
      done = 1;
    }
  }
  return done;
}

/* Where window `index`'s first sample is in out (windows start on whole strides, as out's front moves). */
static int32_t offset_of(const ep_stream *s, int32_t index) { return (index - s->base) * EP_STRIDE; }

int ep_stream_has(const ep_stream *s, int32_t index) {
  const int32_t offset = offset_of(s, index);
  return index >= 0 && index < s->windows && offset >= 0 && offset + EP_WINDOW <= s->len;
}

ep_window ep_stream_window(const ep_stream *s) { return ep_stream_window_at(s, s->windows - 1); }

ep_window ep_stream_window_at(const ep_stream *s, int32_t index) {
  ep_window w = {index, EP_WINDOW_OK, 0.0f, 0.0f, offset_of(s, index)};
  const float *x = s->out + w.offset;
  int32_t changes = 0, invalid = 0;
  for (int32_t b = 0; b < EP_WINDOW / EP_STRIDE; ++b) {
    changes += s->changes[w.offset / EP_STRIDE + b];
    invalid |= s->invalid[w.offset / EP_STRIDE + b];
  }
  for (int32_t i = 0; i < EP_WINDOW; ++i) w.mean += x[i];
  w.mean /= (float)EP_WINDOW;
  float var = 0.0f;
  for (int32_t i = 0; i < EP_WINDOW; ++i) var += (x[i] - w.mean) * (x[i] - w.mean);
  w.std = sqrtf(var / (float)EP_WINDOW);
  if (invalid || !finite(w.mean) || !finite(w.std)) w.status = EP_WINDOW_INVALID;
  else if (changes < EP_MIN_RAW_CHANGES || !(w.std >= EP_MIN_STD)) w.status = EP_WINDOW_FLAT;
  return w;
}

const float *ep_stream_samples(const ep_stream *s, int32_t index) { return s->out + offset_of(s, index); }

void ep_stream_normalised(const ep_stream *s, const ep_window *w, float *out) {
  const float *x = s->out + w->offset;
  for (int32_t i = 0; i < EP_WINDOW; ++i) out[i] = (x[i] - w->mean) / w->std;
}

int8_t ep_quantize(float x, float scale, int32_t zero_point) {
  const float q = roundf(x / scale) + (float)zero_point;
  return (int8_t)(q < -128.0f ? -128 : (q > 127.0f ? 127 : q));
}

void ep_stream_quantised(const ep_stream *s, const ep_window *w, float scale, int32_t zero_point, int8_t *out) {
  const float *x = s->out + w->offset;
  for (int32_t i = 0; i < EP_WINDOW; ++i) out[i] = ep_quantize((x[i] - w->mean) / w->std, scale, zero_point);
}
