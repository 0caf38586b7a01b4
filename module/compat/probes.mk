# SPDX-License-Identifier: GPL-2.0
# Included by Kbuild: what the target kernel has, as -DHAVE_* flags for module/compat.h and the
# compat/*.c files, the only places that test them.

# Exports are read from Module.symvers, as SystemTap does: distributions differ, versions lie.
# HAVE_NAME_EXPORT where the kernel exports NAME; compat/task_work.c finds the others at load.
causal-export = $(shell grep -qw $(1) $(objtree)/Module.symvers 2>/dev/null && echo -DHAVE_$(2)_EXPORT)
ccflags-y += $(call causal-export,task_work_add,TASK_WORK_ADD)
ccflags-y += $(call causal-export,task_work_cancel,TASK_WORK_CANCEL)
ccflags-y += $(call causal-export,task_work_cancel_match,TASK_WORK_CANCEL_MATCH)

# Feature probes, as Falco's configure/ and LTTng do: module/compat/probes/NAME.c compiles against
# the target kernel's headers, with the flags of a module object, only where NAME is there, and then
# gives -DHAVE_NAME. Mismatched types and undeclared functions are errors in a probe, as with
# gcc 14. CONTROL.c compiles everywhere: if it does not, the probe command is broken and every
# answer would be "no", so the build stops instead.
causal-probe-cc = $(CC) $(NOSTDINC_FLAGS) $(LINUXINCLUDE) \
	-include $(srctree)/include/linux/compiler_types.h $(KBUILD_CPPFLAGS) $(KBUILD_CFLAGS) \
	$(KBUILD_CFLAGS_MODULE) -DMODULE -DKBUILD_BASENAME='"probe"' -DKBUILD_MODNAME='"probe"' \
	-Werror=incompatible-pointer-types -Werror=implicit-function-declaration -fsyntax-only
causal-probe = $(shell $(causal-probe-cc) $(1) >/dev/null 2>&1 && echo y)
ifneq ($(call causal-probe,$(src)/module/compat/probes/CONTROL.c),y)
$(error causal: feature probes do not compile against $(srctree); see: $(causal-probe-cc) $(src)/module/compat/probes/CONTROL.c)
endif
causal-probes := $(filter-out CONTROL,$(basename $(notdir $(wildcard $(src)/module/compat/probes/*.c))))
ccflags-y += $(foreach p,$(causal-probes),\
	$(if $(call causal-probe,$(src)/module/compat/probes/$(p).c),-DHAVE_$(p)))
