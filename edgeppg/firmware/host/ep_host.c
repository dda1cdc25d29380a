/* Host-only helpers around the device's preprocessing, for edgeppg.device.native: whole recordings
 * and whole arrays per call instead of one ctypes call per sample. Never built into firmware. */
#include <stdlib.h>
#include <string.h>

#include "ep_cancel.h"
#include "ep_stream.h"
#include "ep_tracker.h"

/* Every window a recording completes; normalised floats into out (max_windows x EP_WINDOW), statuses,
 * and the quantised windows into q when it is not NULL. Returns the number of windows, or -1. */
int32_t ep_host_windows(const ep_resampler_design *d, const float *x, int32_t n, int32_t max_windows, float *out,
                        int32_t *status, float scale, int32_t zero_point, int8_t *q) {
  ep_stream *s = (ep_stream *)malloc(sizeof *s);
  if (s == NULL) return -1;
  ep_stream_init(s, d);
  int32_t count = 0;
  for (int32_t i = 0; i < n && count < max_windows; ++i) {
    if (!ep_stream_push(s, x[i])) continue;
    const ep_window w = ep_stream_window(s);
    ep_stream_normalised(s, &w, out + (size_t)count * EP_WINDOW);
    if (q != NULL) ep_stream_quantised(s, &w, scale, zero_point, q + (size_t)count * EP_WINDOW);
    status[count++] = w.status;
  }
  free(s);
  return count;
}

/* Every window a recording of one accelerometer axis completes, as resampled to 25 Hz (in g, not
 * normalised), into out (max_windows x EP_WINDOW). Returns the number of windows, or -1. */
int32_t ep_host_raw_windows(const ep_resampler_design *d, const float *x, int32_t n, int32_t max_windows, float *out) {
  ep_stream *s = (ep_stream *)malloc(sizeof *s);
  if (s == NULL) return -1;
  ep_stream_init(s, d);
  int32_t count = 0;
  for (int32_t i = 0; i < n && count < max_windows; ++i) {
    if (!ep_stream_push(s, x[i])) continue;
    memcpy(out + (size_t)(count++) * EP_WINDOW, ep_stream_samples(s, s->windows - 1), EP_WINDOW * sizeof(float));
  }
  free(s);
  return count;
}

/* The front end's streaming state when `chunked` (reset; the caller frees it), else NULL; *failed when out of
 * memory. */
static ep_cancel_chunks *new_chunks(int32_t chunked, int *failed) {
  ep_cancel_chunks *chunks = chunked ? (ep_cancel_chunks *)malloc(sizeof *chunks) : NULL;
  *failed = chunked && chunks == NULL;
  if (chunks) ep_cancel_chunks_reset(chunks);
  return chunks;
}

/* The accelerometer front end on n windows: ppg (n x EP_WINDOW, normalised), acc (n x 3 x EP_WINDOW, g); in its
 * streaming form when `chunked` (1: each window on its own; 2: the windows are consecutive on the stream's 2 s
 * grid and share their chunks' shares, as the device's do). Returns -1 when out of memory. */
int32_t ep_host_cancel(const float *ppg, const float *acc, int32_t n, int32_t harmonics, int32_t chunked, float *out,
                       int32_t *cancelled, int32_t *steps) {
  int failed;
  ep_cancel_chunks *chunks = new_chunks(chunked, &failed);
  if (failed) return -1;
  for (int32_t w = 0; w < n; ++w) {
    const float *a = acc + (size_t)w * 3 * EP_WINDOW, *const axes[3] = {a, a + EP_WINDOW, a + 2 * EP_WINDOW};
    cancelled[w] = ep_cancel(ppg + (size_t)w * EP_WINDOW, axes, harmonics, chunks, chunked == 2 ? w : -1,
                             out + (size_t)w * EP_WINDOW, steps + w);
  }
  free(chunks);
  return 0;
}

/* The step stage's dominant rate per window (chunked as for ep_host_cancel). Returns -1 when out of memory. */
int32_t ep_host_step_rates(const float *acc, int32_t n, int32_t chunked, int32_t *out) {
  int failed;
  ep_cancel_chunks *chunks = new_chunks(chunked, &failed);
  if (failed) return -1;
  for (int32_t w = 0; w < n; ++w) {
    const float *a = acc + (size_t)w * 3 * EP_WINDOW, *const axes[3] = {a, a + EP_WINDOW, a + 2 * EP_WINDOW};
    out[w] = ep_cancel_step_rate(axes, chunks, chunked == 2 ? w : -1);
  }
  free(chunks);
  return 0;
}

void ep_host_quantize(const float *x, int32_t n, float scale, int32_t zero_point, int8_t *out) {
  for (int32_t i = 0; i < n; ++i) out[i] = ep_quantize(x[i], scale, zero_point);
}

uint32_t ep_host_tracker_bytes(void) { return (uint32_t)sizeof(ep_tracker); }

/* Windows that come one by one (a data set cut on its own clock): each is a 25 Hz stream of its own. */
void ep_host_normalise(const float *x, int32_t n_windows, float *out, int32_t *status) {
  static const float one = 1.0f;
  const ep_resampler_design identity = {EP_FS_OUT, 1, 1, 1, 0, &one};
  ep_stream *s = (ep_stream *)malloc(sizeof *s);
  if (s == NULL) return;
  for (int32_t w = 0; w < n_windows; ++w) {
    ep_stream_init(s, &identity);
    for (int32_t i = 0; i < EP_WINDOW; ++i) ep_stream_push(s, x[(size_t)w * EP_WINDOW + i]);
    const ep_window win = ep_stream_window(s);
    ep_stream_normalised(s, &win, out + (size_t)w * EP_WINDOW);
    status[w] = win.status;
  }
  free(s);
}
