/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/obj/ep_mean.o: \
 kernels/ep_mean.c kernels/ep_fixedpoint.h kernels/ep_kernels.h
kernels/ep_fixedpoint.h:
kernels/ep_kernels.h:
