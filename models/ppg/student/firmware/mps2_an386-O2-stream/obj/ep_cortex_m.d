/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/obj/ep_cortex_m.o: \
 platform/cortex_m/ep_cortex_m.c platform/board.h
platform/board.h:
