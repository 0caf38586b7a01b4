# SPDX-License-Identifier: GPL-2.0
# causal's test and benchmark targets, included by the top-level Makefile (run them from the top:
# make check's programs, the workloads, make fuzz, make bench*, make style, make modules-matrix).

.PHONY: FORCE modules-matrix tests-programs workloads go-workloads go-cgoinit fuzz bench bench-accuracy \
	bench-generated bench-flat bench-go style

# programs that run in the VM: static, so the guest needs no libraries; frame pointers for callchains
TEST_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g -fno-omit-frame-pointer \
	-pthread -static -Iuapi
VM_PROGRAMS := $(patsubst tests/vm/%.c,build/tests/%,$(wildcard tests/vm/*.c)) build/tests/ioctl_fuzz
# known-answer workloads (tests/workloads/README.md): dynamic (libcausal is preloaded into them),
# -g for the line tables, -O1 so that each marked line stays one line; each also in its optimized
# variant (-DOPTIMIZED). NAME_static.c is linked -static (profiled through --progress SYMBOL only).
WORKLOAD_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -fno-omit-frame-pointer \
	-pthread -Iuserland/include
WORKLOADS := $(patsubst tests/workloads/%.c,build/workloads/%,$(wildcard tests/workloads/*.c))
WORKLOADS += $(addsuffix -optimized,$(WORKLOADS))
# Go workloads (tests/workloads/go): the newest Go Debian builds (trixie-backports), fetched into
# the cache by tests/go/toolchain.sh when first needed (only by these targets); offline (standard
# library only), caches under build/go. GO=/path/to/go to use another.
GO_ROOT = $(eval GO_ROOT := $(shell tests/go/toolchain.sh newest))$(GO_ROOT)
GO ?= $(if $(GO_ROOT),$(GO_ROOT)/bin/go,$(error tests/go/toolchain.sh found no Go toolchain; set GO=))
GO_ENV = GOCACHE=$(CURDIR)/build/go/cache GOPATH=$(CURDIR)/build/go/path GOFLAGS=-mod=mod \
	GOTOOLCHAIN=local GO111MODULE=on GOPROXY=off
GO_WORKLOADS := build/go/h2server build/go/h2server-stripped build/go/h2client build/go/cgocb

modules-matrix:
	@for k in $$(tests/kernels/kernel.sh list); do scripts/build-module.sh $$k || exit 1; done


build/tests/%: tests/vm/%.c $(wildcard tests/vm/*.h) uapi/linux/causal.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $<

# perm_test finds its samples by address in the file's segments: not PIE, and linked away from
# the other programs (static, at 0x400000), whose samples before the exec must not look like its
build/tests/setuid_helper: tests/vm/setuid_helper.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -no-pie -Wl,-Ttext-segment=0x10000000 -o $@ $<

# nofp_call is built as most C code is: without frame pointers, linked to the shared libc
build/tests/nofp_call: tests/vm/nofp_call.c
	@mkdir -p $(@D)
	$(CC) $(filter-out -static -fno-omit-frame-pointer,$(TEST_CFLAGS)) -fomit-frame-pointer -o $@ $<

build/tests/ioctl_fuzz: tests/fuzz/ioctl_fuzz.c tests/vm/clock.h tests/vm/options.h \
		uapi/linux/causal.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $<

tests-programs: $(VM_PROGRAMS)

WORKLOAD_DEPS := userland/include/causal.h $(wildcard tests/workloads/*.h)

build/workloads/%: tests/workloads/%.c $(WORKLOAD_DEPS)
	@mkdir -p $(@D)
	$(CC) $(WORKLOAD_CFLAGS) -o $@ $<

build/workloads/%-optimized: tests/workloads/%.c $(WORKLOAD_DEPS)
	@mkdir -p $(@D)
	$(CC) $(WORKLOAD_CFLAGS) -DOPTIMIZED -o $@ $<

# the shortest stem wins: these take NAME_static over the two rules above
build/workloads/%_static: tests/workloads/%_static.c $(WORKLOAD_DEPS)
	@mkdir -p $(@D)
	$(CC) $(WORKLOAD_CFLAGS) -static -o $@ $<

build/workloads/%_static-optimized: tests/workloads/%_static.c $(WORKLOAD_DEPS)
	@mkdir -p $(@D)
	$(CC) $(WORKLOAD_CFLAGS) -static -DOPTIMIZED -o $@ $<

# generated known-answer programs (tests/workloads/gen/gen.py, issue 36): the seeds make check's
# smoke test runs (a mutex-bound program and a bounded queue); make bench-generated builds its own
GEN_SMOKE_SEEDS := 7 14
GEN_PROGRAMS := $(patsubst %,build/gen/gen-%,$(GEN_SMOKE_SEEDS))
.PRECIOUS: build/gen/gen-%.c
build/gen/gen-%.c: tests/workloads/gen/gen.py
	@mkdir -p $(@D)
	python3 $< $* $(@D)

build/gen/gen-%: build/gen/gen-%.c userland/include/causal.h
	$(CC) $(WORKLOAD_CFLAGS) -o $@ $<

workloads: $(WORKLOADS) $(GEN_PROGRAMS)

# pure Go and static (CGO_ENABLED=0), except the cgo callback program, which needs cgo; rebuilt
# when the toolchain changes (build/go/toolchain holds its version)
build/go/h2server build/go/h2client: build/go/%: $(wildcard tests/workloads/go/*/*.go) build/go/toolchain
	@mkdir -p $(@D)
	cd tests/workloads/go && $(GO_ENV) CGO_ENABLED=0 $(GO) build -o $(CURDIR)/$@ ./$*

# the server as production Go binaries often are: no DWARF, no symbol table (-ldflags=-s -w)
build/go/h2server-stripped: $(wildcard tests/workloads/go/*/*.go) build/go/toolchain
	@mkdir -p $(@D)
	cd tests/workloads/go && $(GO_ENV) CGO_ENABLED=0 $(GO) build -ldflags='-s -w' -o $(CURDIR)/$@ ./h2server

build/go/cgocb: $(wildcard tests/workloads/go/cgocb/*.go) build/go/toolchain
	@mkdir -p $(@D)
	cd tests/workloads/go && $(GO_ENV) CGO_ENABLED=1 $(GO) build -o $(CURDIR)/$@ ./cgocb

go-workloads: $(GO_WORKLOADS)

# the cgo before/after case (issue 38): one source built with Go 1.21 (runtime_init_mu locked on
# every C-to-Go call) and Go 1.22 (an atomic fast path), toolchains from tests/go/toolchain.sh
go-cgoinit: build/go/cgoinit-1.21 build/go/cgoinit-1.22

# Go 1.21 with Go 1.22's runtime_init_mu change alone (tests/go/libinit-fix.sh): the fix measured
# without the rest of what changed in Go 1.22 (make bench-go)
build/go/cgoinit-1.21-fix: tests/workloads/go/cgoinit/main.go tests/go/cgo-libinit-fix.patch
	@mkdir -p $(@D)
	cd tests/workloads/go && goroot=$$($(CURDIR)/tests/go/libinit-fix.sh) && \
		$(GO_ENV) CGO_ENABLED=1 $$goroot/bin/go build -o $(CURDIR)/$@ ./cgoinit

build/go/cgoinit-%: tests/workloads/go/cgoinit/main.go
	@mkdir -p $(@D)
	cd tests/workloads/go && goroot=$$($(CURDIR)/tests/go/toolchain.sh $*) && \
		$(GO_ENV) CGO_ENABLED=1 $$goroot/bin/go build \
		-o $(CURDIR)/$@ ./cgoinit

build/go/toolchain: FORCE
	@mkdir -p $(@D)
	@v="$$($(GO) version)" || exit 1; [ "$$v" = "$$(cat $@ 2>/dev/null)" ] || echo "$$v" >$@

FORCE:

style:
	$(CHECKPATCH) --no-tree --strict --terse --show-types -f \
		module/*.c module/*.h module/compat/*.c module/compat/*.h module/compat/probes/*.c \
		uapi/linux/*.h tests/kunit/*.c tests/kunit/*.h

# FUZZ_CALLS ioctls in the VM on the debug kernel (~235/s there: about 71 minutes), or
# FUZZ_SECONDS; FUZZ_USERLAND_SECONDS per libFuzzer target; FUZZ_SEED to replay a run
FUZZ_CALLS ?= 1000000
FUZZ_SECONDS ?= 7200
FUZZ_USERLAND_SECONDS ?= 600
fuzz:
	@scripts/deps.sh --quiet
	tests/fuzz/run.sh --calls $(FUZZ_CALLS) --seconds $(FUZZ_SECONDS) \
		--userland-seconds $(FUZZ_USERLAND_SECONDS) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED))

# Ratios measured side by side in one VM run per kernel; emulation sets the floor (see docs/bench.md)
BENCH_KERNELS ?= test 6.12
bench:
	@scripts/deps.sh --quiet
	tests/bench/run.sh $(BENCH_KERNELS)
	tests/bench/workloads-run.sh system
	tests/bench/report-scale.sh
	tests/bench/pgo.sh

# Known-answer workloads: causal's (and Coz's) predictions against the optimized variants' real
# speedups, one VM run (tests/workloads/README.md, docs/bench.md). BENCH_ACCURACY_ARGS defaults to
# the repetitions of runs 14 and 15 in docs/bench-history.md (about 18 minutes of VM with the
# overhead's three rounds: runs 70-71; "reps=3 ovh_reps=1" is quick).
# Then the Go HTTP/2 server's prediction against its real change (docs/go.md), BENCH_GO_ARGS
# BENCH_ACCURACY_KERNEL is the guest kernel, a name of tests/kernels/kernel.sh (default 6.1).
BENCH_ACCURACY_ARGS ?= reps=16 preps=6 free_scale=4
BENCH_ACCURACY_KERNEL ?= 6.1
# Generated known-answer programs (tests/workloads/gen/gen.py): predicted against measured effect of
# every marked line, one VM run (tests/bench/generated.sh). SEEDS: from 1000 up report, below 1000
# tune; the default 30 take about 3 hours of VM.
SEEDS ?= $(shell seq 1000 1029)
bench-generated:
	@scripts/deps.sh --quiet
	tests/bench/generated.sh -k $(BENCH_ACCURACY_KERNEL) $(SEEDS)

# flat profiles (samples over 15-30 lines): time to a settled answer, adaptive policy against
# Coz's, same VM run; FLAT_SEEDS as SEEDS
FLAT_SEEDS ?= 1000 1001 1002
bench-flat:
	@scripts/deps.sh --quiet
	tests/bench/generated.sh -k $(BENCH_ACCURACY_KERNEL) --flat $(FLAT_SEEDS)

# The cgo before/after case (docs/go.md): cgoinit built with Go 1.21, 1.22 and 1.21 with the fix
# alone, side by side in one VM per vCPU count (BENCH_GO_SMP, default 2,4; about 4.5 minutes of
# VM each), with the prediction; BENCH_GO_CGOINIT_ARGS to the guest (reps=, tasks=, self=, dur=,
# workers=, fdur=, zdur=, models=)
BENCH_GO_SMP ?= 2,4
bench-go:
	@scripts/deps.sh --quiet
	tests/bench/go-cgoinit.sh -k $(BENCH_ACCURACY_KERNEL) --smp $(BENCH_GO_SMP) $(BENCH_GO_CGOINIT_ARGS)

bench-accuracy:
	@scripts/deps.sh --quiet
	tests/bench/workloads-run.sh -k $(BENCH_ACCURACY_KERNEL) accuracy $(BENCH_ACCURACY_ARGS)
	tests/bench/go-run.sh -k $(BENCH_ACCURACY_KERNEL) $(BENCH_GO_ARGS)
