# SPDX-License-Identifier: GPL-2.0
# causal: top-level targets. The module's own kbuild rules are in Kbuild.

ifneq ($(KERNELRELEASE),)
include $(src)/Kbuild
else

VERSION := $(shell cat VERSION)
# Headers of the running kernel when installed, else the cached Debian 6.1 headers.
KDIR ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then echo /lib/modules/$$(uname -r)/build; \
	else tests/kernels/kernel.sh kdir 6.1; fi)
CHECKPATCH = tests/kernels/checkpatch.sh

CC ?= gcc
# programs that run in the VM: static, so the guest needs no libraries; frame pointers for callchains
TEST_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g -fno-omit-frame-pointer \
	-pthread -static -Iuapi
VM_PROGRAMS := $(patsubst tests/vm/%.c,build/tests/%,$(wildcard tests/vm/*.c)) build/tests/ioctl_fuzz
# known-answer workloads: dynamic (libcausal is preloaded into them), -g for the line tables, -O1
# so that each marked line stays one line; each also in its optimized variant (-DOPTIMIZED)
WORKLOAD_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -fno-omit-frame-pointer \
	-pthread -Iuserland/include
WORKLOADS := $(patsubst tests/workloads/%.c,build/workloads/%,$(wildcard tests/workloads/*.c))
WORKLOADS += $(addsuffix -optimized,$(WORKLOADS))

.PHONY: all module userland deps modules-matrix tests-programs workloads check fuzz demo bench style clean \
	help

all: module userland

help:
	@echo "make            build module/causal.ko (KDIR=$(KDIR)) and causalctl"
	@echo "make demo       profile the bundled example (in a VM when this host cannot load modules)"
	@echo "make check      all tests: module matrix, style, unit tests, KUnit and VM integration tests"
	@echo "make fuzz       the long reliability run: 1 000 000 fuzzed ioctls and every fault scenario"
	@echo "                on the debug kernel (KASAN, kmemleak, lockdep), libFuzzer on causalctl's readers"
	@echo "make deps       install the Debian packages the build and tests need (root)"
	@echo "make bench      benchmarks in the VM: delay precision and sampling overhead, as ratios"
	@echo "make style      checkpatch --strict on the kernel sources"
	@echo "make modules-matrix   build causal.ko for every test kernel into build/kmod/"
	@echo "tests/vm/run --help   the VM harness"

deps:
	tests/deps.sh

module:
	@tests/deps.sh --quiet || tests/deps.sh
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userland:
	$(MAKE) -C userland

modules-matrix:
	@for k in $$(tests/kernels/kernel.sh list); do tests/build-module.sh $$k || exit 1; done

build/tests/%: tests/vm/%.c $(wildcard tests/vm/*.h) uapi/linux/causal.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $<

build/tests/ioctl_fuzz: tests/fuzz/ioctl_fuzz.c uapi/linux/causal.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $<

tests-programs: $(VM_PROGRAMS)

build/workloads/%: tests/workloads/%.c userland/include/causal.h
	@mkdir -p $(@D)
	$(CC) $(WORKLOAD_CFLAGS) -o $@ $<

build/workloads/%-optimized: tests/workloads/%.c userland/include/causal.h
	@mkdir -p $(@D)
	$(CC) $(WORKLOAD_CFLAGS) -DOPTIMIZED -o $@ $<

workloads: $(WORKLOADS)

style:
	$(CHECKPATCH) --no-tree --strict --terse --show-types -f \
		module/*.c module/*.h uapi/linux/*.h tests/*_kunit.c

check:
	@tests/deps.sh --quiet || tests/deps.sh
	tests/check.sh

# FUZZ_CALLS ioctls in the VM on the debug kernel (~400/s there: about 45 minutes), or
# FUZZ_SECONDS; FUZZ_USERLAND_SECONDS per libFuzzer target; FUZZ_SEED to replay a run
FUZZ_CALLS ?= 1000000
FUZZ_SECONDS ?= 5400
FUZZ_USERLAND_SECONDS ?= 600
fuzz:
	@tests/deps.sh --quiet || tests/deps.sh
	tests/fuzz/run.sh --calls $(FUZZ_CALLS) --seconds $(FUZZ_SECONDS) \
		--userland-seconds $(FUZZ_USERLAND_SECONDS) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED))

demo:
	@tests/deps.sh --quiet || tests/deps.sh
	tests/demo.sh

# Ratios measured side by side in one VM run per kernel; emulation sets the floor (see docs/bench.md)
BENCH_KERNELS ?= test 6.12
bench:
	@tests/deps.sh --quiet || tests/deps.sh
	tests/bench/run.sh $(BENCH_KERNELS)

clean:
	$(MAKE) -C userland clean
	rm -rf build
	rm -f *.ko *.o *.mod *.mod.c .*.cmd modules.order Module.symvers module/*.o module/.*.cmd \
		tests/*.o tests/.*.cmd .module-common.o

endif
