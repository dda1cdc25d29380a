/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/obj/ep_pad.o: \
 kernels/ep_pad.c kernels/ep_kernels.h
kernels/ep_kernels.h:
