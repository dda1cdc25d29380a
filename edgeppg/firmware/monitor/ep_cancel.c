#include "ep_cancel.h"

#include <math.h>

/* Regressor t: axis t / LAGS, delayed by t % LAGS samples (the window's first sample before it), centred. */
typedef struct {
  const float *x;
  int32_t lag;
  float mean;
} ep_regressor;

static float at(const ep_regressor *r, int32_t i) { return r->x[i >= r->lag ? i - r->lag : 0] - r->mean; }

/* sum_i a(i) b(i), in sample order */
static float dot(const ep_regressor *a, const ep_regressor *b) {
  float sum = 0.0f;
  const int32_t head = a->lag > b->lag ? a->lag : b->lag;
  for (int32_t i = 0; i < head; ++i) sum += at(a, i) * at(b, i);
  const float *x = a->x - a->lag, *y = b->x - b->lag;
  for (int32_t i = head; i < EP_WINDOW; ++i) sum += (x[i] - a->mean) * (y[i] - b->mean);
  return sum;
}

/* Solves (G) w = b in place by Cholesky (G symmetric positive definite, n x n); 0 if G is not. */
static int32_t solve(float g[EP_CANCEL_TERMS][EP_CANCEL_TERMS], float *b, int32_t n) {
  for (int32_t j = 0; j < n; ++j) {
    float d = g[j][j];
    for (int32_t k = 0; k < j; ++k) d -= g[j][k] * g[j][k];
    if (!(d > 0.0f)) return 0;
    g[j][j] = sqrtf(d);
    for (int32_t i = j + 1; i < n; ++i) {
      float s = g[i][j];
      for (int32_t k = 0; k < j; ++k) s -= g[i][k] * g[j][k];
      g[i][j] = s / g[j][j];
    }
  }
  for (int32_t i = 0; i < n; ++i) { /* L y = b */
    float s = b[i];
    for (int32_t k = 0; k < i; ++k) s -= g[i][k] * b[k];
    b[i] = s / g[i][i];
  }
  for (int32_t i = n - 1; i >= 0; --i) { /* L^T w = y */
    float s = b[i];
    for (int32_t k = i + 1; k < n; ++k) s -= g[k][i] * b[k];
    b[i] = s / g[i][i];
  }
  return 1;
}

static void copy(const float *ppg, float *out) {
  if (out != ppg)
    for (int32_t i = 0; i < EP_WINDOW; ++i) out[i] = ppg[i];
}

int32_t ep_cancel(const float *ppg, const float *acc, float *out) {
  /* the gate: the spread of |acc| over the window */
  float mag_mean = 0.0f, mag_var = 0.0f, mean[3] = {0.0f, 0.0f, 0.0f};
  for (int32_t i = 0; i < EP_WINDOW; ++i) {
    const float x = acc[i], y = acc[EP_WINDOW + i], z = acc[2 * EP_WINDOW + i];
    mag_mean += sqrtf(x * x + y * y + z * z);
    mean[0] += x;
    mean[1] += y;
    mean[2] += z;
  }
  mag_mean /= (float)EP_WINDOW;
  for (int32_t a = 0; a < 3; ++a) mean[a] /= (float)EP_WINDOW;
  for (int32_t i = 0; i < EP_WINDOW; ++i) {
    const float x = acc[i], y = acc[EP_WINDOW + i], z = acc[2 * EP_WINDOW + i];
    const float d = sqrtf(x * x + y * y + z * z) - mag_mean;
    mag_var += d * d;
  }
  if (!(sqrtf(mag_var / (float)EP_WINDOW) > EP_CANCEL_GATE_G)) {
    copy(ppg, out);
    return 0;
  }
  /* normal equations of the ridge fit: (R^T R + lambda I) w = R^T ppg, lambda relative to R^T R's diagonal */
  float g[EP_CANCEL_TERMS][EP_CANCEL_TERMS], b[EP_CANCEL_TERMS], trace = 0.0f;
  ep_regressor r[EP_CANCEL_TERMS];
  for (int32_t t = 0; t < EP_CANCEL_TERMS; ++t) {
    r[t].x = acc + (t / EP_CANCEL_LAGS) * EP_WINDOW;
    r[t].lag = t % EP_CANCEL_LAGS;
    r[t].mean = mean[t / EP_CANCEL_LAGS];
  }
  for (int32_t s = 0; s < EP_CANCEL_TERMS; ++s) {
    b[s] = 0.0f;
    for (int32_t i = 0; i < EP_WINDOW; ++i) b[s] += at(&r[s], i) * ppg[i];
    for (int32_t t = 0; t <= s; ++t) {
      const float sum = dot(&r[s], &r[t]);
      g[s][t] = sum;
      g[t][s] = sum;
    }
    trace += g[s][s];
  }
  const float lambda = EP_CANCEL_RIDGE * trace / (float)EP_CANCEL_TERMS + 1e-12f;
  for (int32_t s = 0; s < EP_CANCEL_TERMS; ++s) g[s][s] += lambda;
  if (!solve(g, b, EP_CANCEL_TERMS)) {
    copy(ppg, out);
    return 0;
  }
  /* subtract the fit, then renormalise: the model sees a zero-mean, unit-spread window as always */
  float m = 0.0f, v = 0.0f;
  for (int32_t i = 0; i < EP_WINDOW; ++i) {
    float fit = 0.0f;
    for (int32_t t = 0; t < EP_CANCEL_TERMS; ++t) fit += b[t] * at(&r[t], i);
    out[i] = ppg[i] - fit;
    m += out[i];
  }
  m /= (float)EP_WINDOW;
  for (int32_t i = 0; i < EP_WINDOW; ++i) v += (out[i] - m) * (out[i] - m);
  const float sd = sqrtf(v / (float)EP_WINDOW);
  if (!(sd >= EP_MIN_STD)) { /* the accelerometer explained everything: keep the window as it was */
    copy(ppg, out);
    return 0;
  }
  for (int32_t i = 0; i < EP_WINDOW; ++i) out[i] = (out[i] - m) / sd;
  return 1;
}
