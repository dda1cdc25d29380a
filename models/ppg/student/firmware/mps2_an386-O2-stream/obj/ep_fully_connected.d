/work/main/models/ppg/student/firmware/mps2_an386-O2-stream/obj/ep_fully_connected.o: \
 kernels/ep_fully_connected.c kernels/ep_dot.h kernels/ep_fixedpoint.h \
 kernels/ep_kernels.h
kernels/ep_dot.h:
kernels/ep_fixedpoint.h:
kernels/ep_kernels.h:
