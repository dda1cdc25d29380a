#include "ep_cancel.h"

#include <math.h>

/* The fit's system, the step stage and its spectrum each get a frame of their own, one after another: inlined
 * into one, their arrays would sit on the stack together (measured: 3.2 KiB at the deepest, 1.6 apart). */
#if defined(__GNUC__)
#define EP_OWN_FRAME __attribute__((noinline))
#else
#define EP_OWN_FRAME
#endif

/* A firmware build whose contract does not ask for the streaming form (EP_CANCEL_CHUNKED 0) leaves its code out;
 * the host's build keeps both forms. */
#if defined(EP_CANCEL_CHUNKED) && !EP_CANCEL_CHUNKED
#define EP_STREAMING_FORM 0
#else
#define EP_STREAMING_FORM 1
#endif

/* Regressor t: axis t / LAGS, delayed by t % LAGS samples (the window's first sample before it), centred. */
typedef struct {
  const float *x;
  int32_t lag;
  float mean;
} ep_regressor;

static float at(const ep_regressor *r, int32_t i) { return r->x[i >= r->lag ? i - r->lag : 0] - r->mean; }

/* The fit's EP_CANCEL_TERMS regressors over acc, centred on the axes' means (mean NULL: raw). */
static void regressors(const float *const acc[3], const float *mean, ep_regressor *r) {
  for (int32_t t = 0; t < EP_CANCEL_TERMS; ++t) {
    r[t].x = acc[t / EP_CANCEL_LAGS];
    r[t].lag = t % EP_CANCEL_LAGS;
    r[t].mean = mean ? mean[t / EP_CANCEL_LAGS] : 0.0f;
  }
}

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
static int32_t solve(float (*g)[EP_CANCEL_TERMS], float *b, int32_t n) {
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

/* The step stage. cos and sin of 2 pi / 1500 (one BPM at 25 Hz, radians per sample) as decimal literals, which
 * every compiler rounds to the same float: each frequency is reached by rotation, so no libm call (whose last
 * bit may differ between the host's and the device's) enters the result. */
#define EP_STEP_COS1 0.9999912270f
#define EP_STEP_SIN1 0.0041887780f

/* Advances the phasor (c, s) by `steps` BPM of rotation. */
static void rotate(float *c, float *s, int32_t steps) {
  for (int32_t k = 0; k < steps; ++k) {
    const float c2 = *c * EP_STEP_COS1 - *s * EP_STEP_SIN1;
    *s = *s * EP_STEP_COS1 + *c * EP_STEP_SIN1;
    *c = c2;
  }
}

/* Goertzel's recurrence over x[0 .. n): its last two states (s1 newest), from which a bin's power or value comes. */
static void goertzel(const float *x, int32_t n, float coeff, float *s1, float *s2) {
  float a = 0.0f, b = 0.0f;
  for (int32_t i = 0; i < n; ++i) {
    const float s0 = x[i] + coeff * a - b;
    b = a;
    a = s0;
  }
  *s1 = a;
  *s2 = b;
}

/* The accelerometer's dominant rate in BPM (EP_HR_LOW_BPM .. + EP_CLASSES - 1): the largest power at a one-BPM
 * class, summed over the centred axes under a Welch window, each class by Goertzel's recurrence. */
EP_OWN_FRAME static int32_t step_rate(const float *const acc[3], const float *mean) {
  float power[EP_CLASSES], xw[EP_WINDOW];
  const float half = 0.5f * (float)(EP_WINDOW - 1), inv = 1.0f / (0.5f * (float)(EP_WINDOW + 1));
  for (int32_t b = 0; b < EP_CLASSES; ++b) power[b] = 0.0f;
  for (int32_t a = 0; a < 3; ++a) {
    for (int32_t i = 0; i < EP_WINDOW; ++i) {
      const float u = ((float)i - half) * inv;
      xw[i] = (acc[a][i] - mean[a]) * (1.0f - u * u);
    }
    float c = 1.0f, s = 0.0f;
    rotate(&c, &s, EP_HR_LOW_BPM);
    for (int32_t b = 0; b < EP_CLASSES; ++b, rotate(&c, &s, 1)) {
      const float coeff = 2.0f * c;
      float s1, s2;
      goertzel(xw, EP_WINDOW, coeff, &s1, &s2);
      power[b] += s1 * s1 + s2 * s2 - coeff * s1 * s2;
    }
  }
  int32_t best = 0;
  for (int32_t b = 1; b < EP_CLASSES; ++b)
    if (power[b] > power[best]) best = b;
  return EP_HR_LOW_BPM + best;
}

/* The streaming scan. A chunk's spectrum: Goertzel's output, sum_k x[k] e^{i w (EP_STRIDE - 1 - k)}, at each bin
 * (EP_HR_LOW_BPM - EP_STEP_SHIFT ..), per axis, of the chunk's raw samples (its window's mean comes off later). */
static void chunk_spectrum(const float *const acc[3], int32_t at, float (*y)[EP_STEP_BINS][2]) {
  for (int32_t a = 0; a < 3; ++a) {
    const float *x = acc[a] + at;
    float c = 1.0f, s = 0.0f;
    rotate(&c, &s, EP_HR_LOW_BPM - EP_STEP_SHIFT);
    for (int32_t b = 0; b < EP_STEP_BINS; ++b, rotate(&c, &s, 1)) {
      float s1, s2;
      goertzel(x, EP_STRIDE, 2.0f * c, &s1, &s2);
      y[a][b][0] = s1 - c * s2;
      y[a][b][1] = s * s2;
    }
  }
}

#if EP_WINDOW != 200 || EP_STRIDE != 50 || EP_HR_LOW_BPM < EP_STEP_SHIFT
#error "the streaming scan's constants below are for 8 s windows of 2 s chunks at 25 Hz"
#endif
/* A chunk moves a class's phase by a whole number of turns of 2 pi / 30 (50 samples at b BPM: b / 30 turns). */
#define EP_TURN30_COS 0.9781476007f
#define EP_TURN30_SIN 0.2079116908f
/* The taper, a0 + a1 cos(3 t (n - 99.5)) + a2 cos(6 t (n - 99.5)) with t one BPM's turn per sample: of such
 * tapers the nearest (least squares) to the Welch window over 200 samples (tests/test_front_end.py refits
 * it), so the two scans agree; its cosines shift the spectrum by 3 and 6 classes, at half a sample's turn. */
#define EP_TAPER_A0 (-0.65522587f)
#define EP_TAPER_A1 1.79410967f
#define EP_TAPER_A2 (-0.13951604f)
#define EP_HALF3_COS 0.9999802609f
#define EP_HALF3_SIN 0.0062831440f
#define EP_HALF6_COS 0.9999210442f
#define EP_HALF6_SIN 0.0125660399f

/* acc += p y (complex); p conjugated when `conj`. */
static void mac(float *acc, const float *p, int32_t conj, const float *y) {
  const float im = conj ? -p[1] : p[1];
  acc[0] += p[0] * y[0] - im * y[1];
  acc[1] += p[0] * y[1] + im * y[0];
}

/* The window's centred spectrum x (origin sample 99) at every bin of axis a, from its chunks' spectra (prepare;
 * chunk j's phase: e^{-i w (50 j - 50)}) less the window's mean times the spectrum of ones. */
static void window_spectrum(const ep_cancel_chunks *ch, int32_t a, float mean,
                            const float (*turn)[2], float (*x)[2]) {
  float c = 1.0f, s = 0.0f;
  rotate(&c, &s, EP_HR_LOW_BPM - EP_STEP_SHIFT);
  for (int32_t b = 0; b < EP_STEP_BINS; ++b, rotate(&c, &s, 1)) {
    const int32_t bpm = EP_HR_LOW_BPM - EP_STEP_SHIFT + b;
    const float *p1 = turn[bpm % 30], *p2 = turn[(2 * bpm) % 30], *p4 = turn[(4 * bpm) % 30];
    const int32_t *slot = ch->slot;
    float sum[2] = {ch->y[slot[1]][a][b][0], ch->y[slot[1]][a][b][1]};
    mac(sum, p1, 1, ch->y[slot[0]][a][b]);
    mac(sum, p1, 0, ch->y[slot[2]][a][b]);
    mac(sum, p2, 0, ch->y[slot[3]][a][b]);
    /* the spectrum of ones: e^{i 99 w} (1 - e^{-200 i w}) / (1 - e^{-i w}) */
    const float back[2] = {c, -s}, rest[2] = {1.0f - p4[0], -p4[1]};
    float num[2] = {0.0f, 0.0f}, head[2] = {0.0f, 0.0f};
    mac(head, p2, 1, back);
    mac(num, head, 0, rest);
    const float den_re = 1.0f - c, den_im = s, den = den_re * den_re + den_im * den_im;
    x[b][0] = sum[0] - mean * ((num[0] * den_re + num[1] * den_im) / den);
    x[b][1] = sum[1] - mean * ((num[1] * den_re - num[0] * den_im) / den);
  }
}

/* The streaming form of step_rate, from the window's chunks' spectra (prepare): put together, tapered and summed
 * over the axes. */
EP_OWN_FRAME static int32_t step_rate_chunks(const ep_cancel_chunks *ch, const float *mean) {
  float turn[30][2], power[EP_CLASSES], x[EP_STEP_BINS][2];
  const float step[2] = {EP_TURN30_COS, -EP_TURN30_SIN};
  turn[0][0] = 1.0f;
  turn[0][1] = 0.0f;
  for (int32_t m = 1; m < 30; ++m) {
    turn[m][0] = 0.0f;
    turn[m][1] = 0.0f;
    mac(turn[m], turn[m - 1], 0, step);
  }
  const float half3[2] = {EP_HALF3_COS, EP_HALF3_SIN}, half6[2] = {EP_HALF6_COS, EP_HALF6_SIN};
  for (int32_t k = 0; k < EP_CLASSES; ++k) power[k] = 0.0f;
  for (int32_t a = 0; a < 3; ++a) {
    window_spectrum(ch, a, mean[a], (const float (*)[2])turn, x);
    for (int32_t k = 0; k < EP_CLASSES; ++k) {
      const int32_t b = k + EP_STEP_SHIFT;
      float near[2] = {0.0f, 0.0f}, far[2] = {0.0f, 0.0f};
      mac(near, half3, 1, x[b - 3]);
      mac(near, half3, 0, x[b + 3]);
      mac(far, half6, 1, x[b - 6]);
      mac(far, half6, 0, x[b + 6]);
      const float re = EP_TAPER_A0 * x[b][0] + 0.5f * EP_TAPER_A1 * near[0] + 0.5f * EP_TAPER_A2 * far[0];
      const float im = EP_TAPER_A0 * x[b][1] + 0.5f * EP_TAPER_A1 * near[1] + 0.5f * EP_TAPER_A2 * far[1];
      power[k] += re * re + im * im;
    }
  }
  int32_t best = 0;
  for (int32_t k = 1; k < EP_CLASSES; ++k)
    if (power[k] > power[best]) best = k;
  return EP_HR_LOW_BPM + best;
}

/* The fit's raw sums over window samples [from, to): each pair of lagged axes' products (s >= t, in order), then
 * each lagged axis' sum. Lags reach before `from` where it lets them, and clamp at the window's first sample. */
static void lagged_sums(const float *const acc[3], int32_t from, int32_t to, float *sums) {
  ep_regressor r[EP_CANCEL_TERMS];
  regressors(acc, 0, r);
  int32_t k = 0;
  for (int32_t s = 0; s < EP_CANCEL_TERMS; ++s)
    for (int32_t t = 0; t <= s; ++t, ++k) {
      float sum = 0.0f;
      if (from >= EP_CANCEL_LAGS - 1) {
        const float *x = r[s].x - r[s].lag, *y = r[t].x - r[t].lag;
        for (int32_t i = from; i < to; ++i) sum += x[i] * y[i];
      } else {
        for (int32_t i = from; i < to; ++i) sum += at(&r[s], i) * at(&r[t], i);
      }
      sums[k] = sum;
    }
  for (int32_t s = 0; s < EP_CANCEL_TERMS; ++s) {
    float sum = 0.0f;
    for (int32_t i = from; i < to; ++i) sum += at(&r[s], i);
    sums[EP_CANCEL_PAIRS + s] = sum;
  }
}

enum { EP_PREPARE_SPECTRA = 1, EP_PREPARE_SUMS = 2 };

/* The slots of window `index`'s four chunks into ch->slot (chunk index + j in slot (index + j) mod 4; index < 0:
 * slot j, kept for no other window), with what `what` asks computed where the state does not hold it: a chunk's
 * spectrum, its inner sums, and (past the window's first chunk, whose lags reach before the window) its edge. */
static void prepare(const float *const acc[3], ep_cancel_chunks *ch, int32_t index, int32_t what) {
  int32_t *slot = ch->slot;
  for (int32_t j = 0; j < EP_CANCEL_CHUNKS; ++j) {
    const int32_t chunk = index >= 0 ? index + j : -1, at = j * EP_STRIDE;
    slot[j] = chunk >= 0 ? chunk % EP_CANCEL_CHUNKS : j;
    if ((what & EP_PREPARE_SPECTRA) && (chunk < 0 || ch->chunk[slot[j]] != chunk)) {
      chunk_spectrum(acc, at, ch->y[slot[j]]);
      ch->chunk[slot[j]] = chunk;
    }
    if ((what & EP_PREPARE_SUMS) && (chunk < 0 || ch->summed[slot[j]] != chunk)) {
      lagged_sums(acc, at + EP_CANCEL_LAGS - 1, at + EP_STRIDE, ch->inner[slot[j]]);
      ch->summed[slot[j]] = chunk;
    }
    if ((what & EP_PREPARE_SUMS) && j > 0 && (chunk < 0 || ch->edged[slot[j]] != chunk)) {
      lagged_sums(acc, at, at + EP_CANCEL_LAGS - 1, ch->edge[slot[j]]);
      ch->edged[slot[j]] = chunk;
    }
  }
}

void ep_cancel_chunks_reset(ep_cancel_chunks *chunks) {
  for (int32_t j = 0; j < EP_CANCEL_CHUNKS; ++j) chunks->chunk[j] = chunks->summed[j] = chunks->edged[j] = -1;
}

static int32_t dominant_rate(const float *const acc[3], const float *mean, const ep_cancel_chunks *chunks) {
  return chunks ? step_rate_chunks(chunks, mean) : step_rate(acc, mean);
}

static void axes_mean(const float *const acc[3], float *mean) {
  for (int32_t a = 0; a < 3; ++a) {
    mean[a] = 0.0f;
    for (int32_t i = 0; i < EP_WINDOW; ++i) mean[a] += acc[a][i];
    mean[a] /= (float)EP_WINDOW;
  }
}

int32_t ep_cancel_step_rate(const float *const acc[3], ep_cancel_chunks *chunks, int32_t index) {
  if (!EP_STREAMING_FORM) chunks = 0;
  float mean[3];
  axes_mean(acc, mean);
  if (chunks) prepare(acc, chunks, index, EP_PREPARE_SPECTRA);
  return dominant_rate(acc, mean, chunks);
}

#define EP_STEP_TERMS 4 /* cosine and sine at the step rate and at twice it */

/* The step terms sample by sample: (cos, sin) of each harmonic, advanced by its phasor (rc, rs) per sample. */
typedef struct {
  int32_t n; /* terms: 2 per harmonic */
  float rc[EP_STEP_TERMS / 2], rs[EP_STEP_TERMS / 2], c[EP_STEP_TERMS / 2], s[EP_STEP_TERMS / 2];
} ep_steps;

static void steps_start(ep_steps *t) {
  for (int32_t h = 0; h < t->n / 2; ++h) {
    t->c[h] = 1.0f;
    t->s[h] = 0.0f;
  }
}

/* This sample's terms into v, then on to the next sample. */
static void steps_next(ep_steps *t, float *v) {
  for (int32_t h = 0; h < t->n / 2; ++h) {
    v[2 * h] = t->c[h];
    v[2 * h + 1] = t->s[h];
    const float c2 = t->c[h] * t->rc[h] - t->s[h] * t->rs[h];
    t->s[h] = t->s[h] * t->rc[h] + t->c[h] * t->rs[h];
    t->c[h] = c2;
  }
}

/* Removes from x (in place) its least-squares fit on cosines and sines at the accelerometer's dominant rate
 * and its second harmonic (up to `harmonics`, those below the last class): motion whose rhythm the
 * accelerometer shows but whose shape in the PPG no fixed mix of the axes explains. */
EP_OWN_FRAME static int32_t remove_steps(float *x, const float *const acc[3], const float *mean, int32_t harmonics,
                                         const ep_cancel_chunks *chunks) {
  const int32_t bpm = dominant_rate(acc, mean, chunks);
  ep_steps t;
  t.n = 0;
  for (int32_t m = 1; m <= harmonics && m <= EP_STEP_TERMS / 2 && m * bpm < EP_HR_LOW_BPM + EP_CLASSES; ++m) {
    t.rc[m - 1] = 1.0f;
    t.rs[m - 1] = 0.0f;
    rotate(&t.rc[m - 1], &t.rs[m - 1], m * bpm); /* one sample's turn at m * bpm */
    t.n += 2;
  }
  if (t.n == 0) return bpm;
  float v[EP_STEP_TERMS], b[EP_STEP_TERMS], g[EP_STEP_TERMS][EP_CANCEL_TERMS], trace = 0.0f;
  for (int32_t p = 0; p < t.n; ++p) {
    b[p] = 0.0f;
    for (int32_t q = 0; q < t.n; ++q) g[p][q] = 0.0f;
  }
  steps_start(&t);
  for (int32_t i = 0; i < EP_WINDOW; ++i) {
    steps_next(&t, v);
    for (int32_t p = 0; p < t.n; ++p) {
      b[p] += v[p] * x[i];
      for (int32_t q = 0; q < t.n; ++q) g[p][q] += v[p] * v[q];
    }
  }
  for (int32_t p = 0; p < t.n; ++p) trace += g[p][p];
  for (int32_t p = 0; p < t.n; ++p) g[p][p] += 1e-6f * trace / (float)t.n;
  if (!solve(g, b, t.n)) return bpm;
  steps_start(&t);
  for (int32_t i = 0; i < EP_WINDOW; ++i) {
    steps_next(&t, v);
    float fit = 0.0f;
    for (int32_t p = 0; p < t.n; ++p) fit += b[p] * v[p];
    x[i] -= fit;
  }
  return bpm;
}

/* The fit's normal equations (R^T R, centred on the axes' means) from the window's chunks' shares (prepare) in a
 * fixed order, the window's first samples (whose lags clamp) anew: sum (x - m)(y - n) = sum xy - n sum x -
 * m sum y + 200 m n for lagged axes x, y of means m, n. */
EP_OWN_FRAME static void chunked_normal(const float *const acc[3], const float *mean, const ep_cancel_chunks *ch,
                                        float (*g)[EP_CANCEL_TERMS]) {
  const int32_t *slot = ch->slot;
  float sums[EP_CANCEL_SUMS];
  lagged_sums(acc, 0, EP_CANCEL_LAGS - 1, sums);
  for (int32_t k = 0; k < EP_CANCEL_SUMS; ++k) {
    for (int32_t j = 1; j < EP_CANCEL_CHUNKS; ++j) sums[k] += ch->edge[slot[j]][k];
    for (int32_t j = 0; j < EP_CANCEL_CHUNKS; ++j) sums[k] += ch->inner[slot[j]][k];
  }
  const float *own = sums + EP_CANCEL_PAIRS;
  int32_t k = 0;
  for (int32_t s = 0; s < EP_CANCEL_TERMS; ++s)
    for (int32_t t = 0; t <= s; ++t, ++k) {
      const float ms = mean[s / EP_CANCEL_LAGS], mt = mean[t / EP_CANCEL_LAGS];
      g[s][t] = g[t][s] = sums[k] - mt * own[s] - ms * own[t] + (float)EP_WINDOW * ms * mt;
    }
}

/* What the axes explain, subtracted from ppg into out: a ridge fit (R^T R + lambda I) w = R^T ppg, lambda
 * relative to R^T R's diagonal, R^T R per window or (ch given) from the chunks' shares; 0 when the normal
 * equations are singular. */
EP_OWN_FRAME static int32_t subtract_axes(const float *ppg, const float *const acc[3], const float *mean,
                                          const ep_cancel_chunks *ch, float *out) {
  float g[EP_CANCEL_TERMS][EP_CANCEL_TERMS], b[EP_CANCEL_TERMS], trace = 0.0f;
  ep_regressor r[EP_CANCEL_TERMS];
  regressors(acc, mean, r);
  if (ch) chunked_normal(acc, mean, ch, g);
  for (int32_t s = 0; s < EP_CANCEL_TERMS; ++s) {
    b[s] = 0.0f;
    for (int32_t i = 0; i < EP_WINDOW; ++i) b[s] += at(&r[s], i) * ppg[i];
    for (int32_t t = 0; t <= s && !ch; ++t) {
      const float sum = dot(&r[s], &r[t]);
      g[s][t] = sum;
      g[t][s] = sum;
    }
    trace += g[s][s];
  }
  const float lambda = EP_CANCEL_RIDGE * trace / (float)EP_CANCEL_TERMS + 1e-12f;
  for (int32_t s = 0; s < EP_CANCEL_TERMS; ++s) g[s][s] += lambda;
  if (!solve(g, b, EP_CANCEL_TERMS)) return 0;
  for (int32_t i = 0; i < EP_WINDOW; ++i) {
    float fit = 0.0f;
    for (int32_t t = 0; t < EP_CANCEL_TERMS; ++t) fit += b[t] * at(&r[t], i);
    out[i] = ppg[i] - fit;
  }
  return 1;
}

static void copy(const float *ppg, float *out) {
  if (out != ppg)
    for (int32_t i = 0; i < EP_WINDOW; ++i) out[i] = ppg[i];
}

int32_t ep_cancel(const float *ppg, const float *const acc[3], int32_t harmonics, ep_cancel_chunks *chunks,
                  int32_t index, float *out, int32_t *step_bpm) {
  if (!EP_STREAMING_FORM) chunks = 0;
  if (step_bpm) *step_bpm = -1;
  /* the gate: the spread of |acc| over the window */
  float mag_mean = 0.0f, mag_var = 0.0f, mean[3] = {0.0f, 0.0f, 0.0f};
  for (int32_t i = 0; i < EP_WINDOW; ++i) {
    const float x = acc[0][i], y = acc[1][i], z = acc[2][i];
    mag_mean += sqrtf(x * x + y * y + z * z);
    mean[0] += x;
    mean[1] += y;
    mean[2] += z;
  }
  mag_mean /= (float)EP_WINDOW;
  for (int32_t a = 0; a < 3; ++a) mean[a] /= (float)EP_WINDOW;
  for (int32_t i = 0; i < EP_WINDOW; ++i) {
    const float x = acc[0][i], y = acc[1][i], z = acc[2][i];
    const float d = sqrtf(x * x + y * y + z * z) - mag_mean;
    mag_var += d * d;
  }
  if (!(sqrtf(mag_var / (float)EP_WINDOW) > EP_CANCEL_GATE_G)) {
    copy(ppg, out);
    return 0;
  }
  if (chunks) prepare(acc, chunks, index, EP_PREPARE_SUMS | (harmonics > 0 ? EP_PREPARE_SPECTRA : 0));
  if (!subtract_axes(ppg, acc, mean, chunks, out)) {
    copy(ppg, out);
    return 0;
  }
  if (harmonics > 0) {
    const int32_t bpm = remove_steps(out, acc, mean, harmonics, chunks);
    if (step_bpm) *step_bpm = bpm;
  }
  /* renormalise: the model sees a zero-mean, unit-spread window as always */
  float m = 0.0f, v = 0.0f;
  for (int32_t i = 0; i < EP_WINDOW; ++i) m += out[i];
  m /= (float)EP_WINDOW;
  for (int32_t i = 0; i < EP_WINDOW; ++i) v += (out[i] - m) * (out[i] - m);
  const float sd = sqrtf(v / (float)EP_WINDOW);
  if (!(sd >= EP_MIN_STD)) { /* the accelerometer explained everything: keep the window as it was */
    copy(ppg, out);
    if (step_bpm) *step_bpm = -1;
    return 0;
  }
  for (int32_t i = 0; i < EP_WINDOW; ++i) out[i] = (out[i] - m) / sd;
  return 1;
}
