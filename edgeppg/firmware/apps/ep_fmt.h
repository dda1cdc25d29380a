/* Console lines without printf (which would pull newlib's stdio into the firmware): decimal numbers and
 * strings appended at p; each returns the new end. */
#ifndef EP_FMT_H
#define EP_FMT_H
#include <stdint.h>

static inline char *ep_fmt_u64(char *p, uint64_t v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v);
  while (n) *p++ = tmp[--n];
  return p;
}

static inline char *ep_fmt_i64(char *p, int64_t v) {
  if (v < 0) {
    *p++ = '-';
    return ep_fmt_u64(p, (uint64_t)(-v));
  }
  return ep_fmt_u64(p, (uint64_t)v);
}

static inline char *ep_fmt_str(char *p, const char *s) {
  while (*s) *p++ = *s++;
  return p;
}

/* " tick_instructions=I[/D]": what one tick of the board's counter is worth (ep_board_tick_instructions and
 * ep_board_tick_divisor), in every app's result line; edgeppg.mcu.qemu reads it back. */
static inline char *ep_fmt_tick_instructions(char *p, uint32_t instructions, uint32_t divisor) {
  p = ep_fmt_str(p, " tick_instructions=");
  p = ep_fmt_u64(p, instructions);
  if (divisor != 1) {
    p = ep_fmt_str(p, "/");
    p = ep_fmt_u64(p, divisor);
  }
  return p;
}

/* The test builds' line for the first logit of a window (or update) that differs from what it must be:
 *   MISMATCH <what>=<index> logit=<i> got=<g> expected=<e>
 * written at line, terminated; edgeppg.mcu.qemu reads it back. */
static inline void ep_fmt_mismatch(char *line, const char *what, int64_t index, int64_t logit, int64_t got,
                                   int64_t expected) {
  char *p = ep_fmt_str(line, "MISMATCH ");
  p = ep_fmt_str(p, what);
  p = ep_fmt_str(p, "=");
  p = ep_fmt_i64(p, index);
  p = ep_fmt_str(p, " logit=");
  p = ep_fmt_i64(p, logit);
  p = ep_fmt_str(p, " got=");
  p = ep_fmt_i64(p, got);
  p = ep_fmt_str(p, " expected=");
  p = ep_fmt_i64(p, expected);
  p = ep_fmt_str(p, "\n");
  *p = 0;
}

#endif
