# TFLM's library as the firmware links it: read after TFLM's own Makefile
#   make -C TFLM_DIR -f tensorflow/lite/micro/tools/make/Makefile -f .../tflm/lib.mk ... edgeppg-lib
# so the sources, flags and object rules are TFLM's own (its specialisation to the CMSIS-NN kernels
# included); only the selection is edgeppg's: TFLM's core, the kernels the generated op resolver names
# (EP_KERNELS: file stems under kernels/, from edgeppg.codegen.tflm.OPS) and the CMSIS-NN source folders
# those call (EP_CMSIS_NN). Empty EP_KERNELS: every kernel, as TFLM's `microlite` builds.
EP_KERNELS ?=
EP_CMSIS_NN ?=
EP_LIB ?= $(LIBDIR)libtensorflow-microlite.a

$(foreach s,$(EP_KERNELS),$(if $(filter %/$(s).o,$(MICROLITE_KERNEL_OBJS)),,$(error TFLM has no kernel source $(s).cc)))
EP_KERNEL_OBJS := $(if $(EP_KERNELS),$(foreach s,$(EP_KERNELS),$(filter %/$(s).o,$(MICROLITE_KERNEL_OBJS))),$(MICROLITE_KERNEL_OBJS))
EP_TP_KERNEL_OBJS := $(if $(EP_KERNELS),$(foreach o,$(MICROLITE_THIRD_PARTY_KERNEL_OBJS),$(if $(filter $(EP_CMSIS_NN),$(notdir $(patsubst %/,%,$(dir $(o))))),$(o))),$(MICROLITE_THIRD_PARTY_KERNEL_OBJS))
EP_OBJS := $(MICROLITE_LIB_OBJS) $(EP_KERNEL_OBJS) $(MICROLITE_THIRD_PARTY_OBJS) $(EP_TP_KERNEL_OBJS)

.PHONY: edgeppg-lib
edgeppg-lib: $(EP_OBJS)
	$(Q)$(MKDIR_P) $(dir $(EP_LIB))
	$(Q)rm -f $(EP_LIB).tmp
	$(Q)$(AR) $(ARFLAGS) $(EP_LIB).tmp $(EP_OBJS)
	$(Q)mv $(EP_LIB).tmp $(EP_LIB)
