/* The streaming build: a heart-rate monitor fed from the board's input stream.
 *
 * Input: "EPS1", the sensor's rate (float32), the sample count (uint32), then the raw samples (float32,
 * little-endian). They are pushed into ep_hrm in chunks of varying size, as a sensor driver's FIFO
 * would deliver them. A monitor that takes the accelerometer (EP_HRM_ACC) reads "EPS2", the PPG's rate
 * and count, the accelerometer's rate and count, then blocks as the two FIFOs deliver them: a PPG count
 * (int32) and that many samples, an accelerometer count and that many x, y, z triples (g).
 * Output, one line per window (2 s of signal):
 *   hr i=I status=S argmax=A tracked=T conf_ppm=C avail=V pre=P model=M tracker=K q=HEX
 * (ticks of preprocessing, model and tracker; q is the quantised window the model saw, when
 * EP_STREAM_DUMP_INPUT is defined), then a summary:
 *   EDGEPPG_STREAM windows=N samples=S tick_instructions=I[/D] stack=B state=B counter=NAME
 * An unsupported rate prints EDGEPPG_STREAM_ERROR and exits with status 3. */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "ep_fmt.h"
#include "ep_hrm.h"
#include "ep_model.h"

#define MAX_CHUNK 64
#define ACC_PIECE 16 /* an accelerometer block is read and pushed this many samples at a time */
/* Windows one block can hand on: the two a block of MAX_CHUNK samples at most completes, and the two the
 * monitor may hold back for their acceleration. */
#define QUEUE 4

/* Windows completed inside one block's pushes, printed after them (printing is not part of what is timed). */
typedef struct {
  ep_hr hr;
#ifdef EP_STREAM_DUMP_INPUT
  int8_t input[EP_WINDOW];
#endif
} done_window;
static done_window queue[QUEUE];
static int queued;
#ifdef EP_STREAM_DUMP_INPUT
static char line[192 + 2 * EP_WINDOW]; /* a window's fields, then its input as hex */
#else
static char line[192];
#endif

static void on_hr(void *user, const ep_hr *hr) {
  (void)user;
  if (queued == QUEUE) return; /* cannot happen (QUEUE) */
  queue[queued].hr = *hr;
#ifdef EP_STREAM_DUMP_INPUT
  if (hr->input) memcpy(queue[queued].input, hr->input, EP_WINDOW);
#endif
  queued++;
}

static void print_window(const done_window *w, uint64_t pre) {
  static const char hex[] = "0123456789abcdef";
  char *p = ep_fmt_str(line, "hr i=");
  p = ep_fmt_i64(p, w->hr.index);
  p = ep_fmt_str(p, " status=");
  p = ep_fmt_i64(p, w->hr.status);
  p = ep_fmt_str(p, " argmax=");
  p = ep_fmt_i64(p, w->hr.hr_argmax_bpm);
  p = ep_fmt_str(p, " tracked=");
  p = ep_fmt_i64(p, w->hr.hr_tracked_bpm);
  p = ep_fmt_str(p, " conf_ppm=");
  p = ep_fmt_i64(p, (int64_t)(w->hr.confidence * 1e6f + 0.5f));
  p = ep_fmt_str(p, " avail=");
  p = ep_fmt_i64(p, w->hr.available);
  p = ep_fmt_str(p, " pre=");
  p = ep_fmt_u64(p, pre);
  p = ep_fmt_str(p, " model=");
  p = ep_fmt_u64(p, w->hr.ticks_model);
  p = ep_fmt_str(p, " tracker=");
  p = ep_fmt_u64(p, w->hr.ticks_tracker);
#ifdef EP_STREAM_DUMP_INPUT
  p = ep_fmt_str(p, " q=");
  for (int i = 0; i < EP_WINDOW; ++i) {
    const uint8_t b = (uint8_t)w->input[i];
    *p++ = hex[b >> 4];
    *p++ = hex[b & 15];
  }
#else
  (void)hex;
#endif
  p = ep_fmt_str(p, "\n");
  *p = 0;
  ep_board_puts(line);
}

/* Bytes read into buf: n, or fewer where the stream ended. */
static int32_t read_upto(void *buf, int32_t n) {
  uint8_t *b = (uint8_t *)buf;
  int32_t total = 0;
  while (total < n) {
    const int32_t got = ep_board_read(b + total, n - total);
    if (got <= 0) break;
    total += got;
  }
  return total;
}

int main(void) {
  static const int32_t chunks[] = {1, 7, 64, 13, 32, 3, 50}; /* any chunk size works: exercise several */
  char *p;
  ep_board_init();
  struct {
    char magic[4];
    float rate;
    uint32_t count;
  } header;
#if EP_HRM_ACC
  struct {
    float rate;
    uint32_t count;
  } acc_header;
  if (read_upto(&header, sizeof header) != (int32_t)sizeof header || memcmp(header.magic, "EPS2", 4) != 0 ||
      read_upto(&acc_header, sizeof acc_header) != (int32_t)sizeof acc_header) {
    ep_board_puts("EDGEPPG_STREAM_ERROR no stream header (EPS2, rate, count, accelerometer rate, count)\n");
    return 2;
  }
  if (ep_hrm_init(header.rate) != 0 || ep_hrm_init_acc(acc_header.rate) != 0) {
    ep_board_puts("EDGEPPG_STREAM_ERROR unsupported sample rate\n");
    return 3;
  }
#else
  if (read_upto(&header, sizeof header) != (int32_t)sizeof header || memcmp(header.magic, "EPS1", 4) != 0) {
    ep_board_puts("EDGEPPG_STREAM_ERROR no stream header (EPS1, rate, count)\n");
    return 2;
  }
  if (ep_hrm_init(header.rate) != 0) {
    ep_board_puts("EDGEPPG_STREAM_ERROR unsupported sample rate\n");
    return 3;
  }
#endif
  ep_hrm_set_clock(ep_board_ticks);
  float samples[MAX_CHUNK];
  uint32_t pushed = 0, windows = 0;
  uint64_t pre = 0; /* preprocessing ticks since the last window */
#if EP_HRM_ACC
  static float xyz[3 * ACC_PIECE];
  (void)chunks;
  for (;;) {
    int32_t n = 0, m = 0;
    if (read_upto(&n, 4) != 4 || n < 0 || n > MAX_CHUNK) break;
    const int32_t got = read_upto(samples, n * (int32_t)sizeof(float)) / (int32_t)sizeof(float);
    int ended = got < n || read_upto(&m, 4) != 4 || m < 0 || m > MAX_CHUNK;
    n = got;
    queued = 0;
    uint64_t t0 = ep_board_ticks();
    ep_hrm_push(samples, n, on_hr, 0);
    uint64_t spent = ep_board_ticks() - t0;
    for (int32_t done = 0; !ended && done < m; done += ACC_PIECE) {
      const int32_t k = m - done < ACC_PIECE ? m - done : ACC_PIECE;
      if (read_upto(xyz, 3 * k * (int32_t)sizeof(float)) != 3 * k * (int32_t)sizeof(float)) {
        ended = 1; /* the stream stopped inside the block: what came before is pushed */
        break;
      }
      t0 = ep_board_ticks();
      ep_hrm_push_acc(xyz, k, on_hr, 0);
      spent += ep_board_ticks() - t0;
    }
#else
  for (int c = 0; pushed < header.count; c = (c + 1) % (int)(sizeof chunks / sizeof chunks[0])) {
    int32_t n = chunks[c];
    if ((uint32_t)n > header.count - pushed) n = (int32_t)(header.count - pushed);
    const int32_t got = read_upto(samples, n * (int32_t)sizeof(float)) / (int32_t)sizeof(float);
    const int ended = got < n; /* the stream stopped early: push what came, then report */
    n = got;
    queued = 0;
    const uint64_t t0 = ep_board_ticks();
    ep_hrm_push(samples, n, on_hr, 0);
    uint64_t spent = ep_board_ticks() - t0;
#endif
    pushed += (uint32_t)n;
    for (int i = 0; i < queued; ++i) spent -= queue[i].hr.ticks_model + queue[i].hr.ticks_tracker;
    pre += spent;
    for (int i = 0; i < queued; ++i) {
      print_window(&queue[i], pre);
      pre = 0;
      windows++;
    }
    if (ended) break;
  }
  p = ep_fmt_str(line, "EDGEPPG_STREAM windows=");
  p = ep_fmt_u64(p, windows);
  p = ep_fmt_str(p, " samples=");
  p = ep_fmt_u64(p, pushed);
  p = ep_fmt_tick_instructions(p, ep_board_tick_instructions(), ep_board_tick_divisor());
  p = ep_fmt_str(p, " stack=");
  p = ep_fmt_u64(p, ep_board_stack_peak());
  p = ep_fmt_str(p, " state=");
  p = ep_fmt_u64(p, ep_hrm_state_bytes());
  p = ep_fmt_str(p, " counter=");
  p = ep_fmt_str(p, ep_board_counter_name());
  p = ep_fmt_str(p, "\n");
  *p = 0;
  ep_board_puts(line);
  return 0;
}
