/* What the TFLite Micro backend needs from edgeppg's start-up code and the C++ runtime, checked on every
 * board without a TFLM tree (make cxx-check, cxx-check-run):
 *   - constructors of globals run before main: the backend's op resolver is a global with a vtable;
 *   - calls through a pure-virtual base with a virtual destructor, as TFLM's MicroOpResolver is;
 *   - a function-local static with a destructor: g++ registers it with __aeabi_atexit(..., &__dso_handle);
 *   - alignas(16) static buffers, as the tensor arena is.
 * Prints EDGEPPG_CXX_OK and exits 0, or names the first check that failed and exits 1. */
#include <cstdint>

#include "board.h"

namespace {
class Resolver {
 public:
  virtual ~Resolver() = default;
  virtual int ops() const = 0;
};

class FixedResolver : public Resolver {
 public:
  FixedResolver() : ops_(5) {}
  int ops() const override { return ops_; }

 private:
  int ops_;
};

FixedResolver global_resolver;  // left zeroed (no vtable, ops_ = 0) unless the start-up runs .init_array

int live_counters = 0;
struct Counter {
  Counter() { ++live_counters; }
  ~Counter() { --live_counters; }
};

int local_static_count() {
  static Counter counter;  // constructed once, on first use
  return live_counters;
}

alignas(16) uint8_t arena[100];
}  // namespace

extern "C" int main(void) {
  ep_board_init();
  // The pointer goes through a volatile so the compiler cannot devirtualise the call.
  Resolver *volatile resolver = &global_resolver;
  if (resolver->ops() != 5) {
    ep_board_puts("EDGEPPG_CXX_FAIL global constructor did not run\n");
    return 1;
  }
  if (local_static_count() != 1 || local_static_count() != 1) {
    ep_board_puts("EDGEPPG_CXX_FAIL function-local static\n");
    return 1;
  }
  if (reinterpret_cast<uintptr_t>(arena) % 16 != 0) {
    ep_board_puts("EDGEPPG_CXX_FAIL alignas(16)\n");
    return 1;
  }
  ep_board_puts("EDGEPPG_CXX_OK\n");
  return 0;
}
