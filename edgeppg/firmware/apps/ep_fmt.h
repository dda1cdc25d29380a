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

#endif
