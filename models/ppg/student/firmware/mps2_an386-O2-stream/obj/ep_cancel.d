/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/obj/ep_cancel.o: \
 monitor/ep_cancel.c monitor/ep_cancel.h \
 /work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_contract.h
monitor/ep_cancel.h:
/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/gen/ep_contract.h:
