/* ep_model_input / ep_model_output / ep_model_invoke on the TFLite Micro interpreter, so the same
 * application and self-test run on either backend. The interpreter is built on first use in a static
 * arena of EP_MODEL_ARENA_BYTES; TFLM's log goes to the board console. */

#include "board.h"
#include "ep_tflm_backend.h"
#include "tensorflow/lite/micro/cortex_m_generic/debug_log_callback.h"
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/schema/schema_generated.h"

namespace {
#ifdef TFLITE_SCHEMA_VERSION
constexpr uint32_t kSchemaVersion = TFLITE_SCHEMA_VERSION;
#else
constexpr uint32_t kSchemaVersion = 3; /* TFLite's flatbuffer schema; not every TFLM tree defines the macro */
#endif

alignas(16) uint8_t arena[EP_MODEL_ARENA_BYTES];
EpOpResolver resolver;
tflite::MicroInterpreter *interpreter = nullptr;

void log_to_console(const char *s) { ep_board_puts(s); }

tflite::MicroInterpreter &get() {
  if (interpreter != nullptr) return *interpreter;
  RegisterDebugLogCallback(log_to_console);
  const tflite::Model *model = tflite::GetModel(ep_tflm_model_data);
  if (model->version() != kSchemaVersion || !ep_tflm_register_ops(resolver)) {
    ep_board_puts("EDGEPPG_FAULT TFLM: schema version or op registration\n");
    ep_board_exit(1);
  }
  static tflite::MicroInterpreter instance(model, resolver, arena, EP_MODEL_ARENA_BYTES);
  if (instance.AllocateTensors() != kTfLiteOk) {
    ep_board_puts("EDGEPPG_FAULT TFLM: AllocateTensors failed (arena too small?)\n");
    ep_board_exit(1);
  }
  interpreter = &instance;
  return instance;
}
}  // namespace

extern "C" int8_t *ep_model_input(void) { return get().input(0)->data.int8; }
extern "C" const int8_t *ep_model_output(void) { return get().output(0)->data.int8; }
extern "C" void ep_model_invoke(void) {
  if (get().Invoke() != kTfLiteOk) {
    ep_board_puts("EDGEPPG_FAULT TFLM: Invoke failed\n");
    ep_board_exit(1);
  }
}
extern "C" uint32_t ep_model_arena_used(void) { return (uint32_t)get().arena_used_bytes(); }
