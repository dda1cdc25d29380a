#include "ep_cancel.h"

#include <math.h>

/* Regressor t of sample i: axis t / LAGS, delayed by t % LAGS samples (the window's first sample before it). */
static float regressor(const float *acc, const float *mean, int32_t t, int32_t i) {
  const int32_t axis = t / EP_CANCEL_LAGS, lag = t % EP_CANCEL_LAGS;
  return acc[axis * EP_WINDOW + (i >= lag ? i - lag : 0)] - mean[axis];
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
  for (int32_t s = 0; s < EP_CANCEL_TERMS; ++s) {
    b[s] = 0.0f;
    for (int32_t i = 0; i < EP_WINDOW; ++i) b[s] += regressor(acc, mean, s, i) * ppg[i];
    for (int32_t t = 0; t <= s; ++t) {
      float sum = 0.0f;
      for (int32_t i = 0; i < EP_WINDOW; ++i) sum += regressor(acc, mean, s, i) * regressor(acc, mean, t, i);
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
    for (int32_t t = 0; t < EP_CANCEL_TERMS; ++t) fit += b[t] * regressor(acc, mean, t, i);
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
