/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/obj/ep_tracker.o: \
 monitor/ep_tracker.c monitor/ep_tracker.h \
 /work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_contract.h
monitor/ep_tracker.h:
/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_contract.h:
