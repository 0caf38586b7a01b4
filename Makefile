# SPDX-License-Identifier: GPL-2.0
# causal: top-level targets. The module's own kbuild rules are in Kbuild.

ifneq ($(KERNELRELEASE),)
include $(src)/Kbuild
else

VERSION := $(shell cat VERSION)
# The running kernel's build tree (its headers package), or KDIR=; never a substitute: when it is
# missing, `make` says which package provides it (tests/deps.sh --check build) and stops.
KDIR ?= /lib/modules/$(shell uname -r)/build
CHECKPATCH = tests/kernels/checkpatch.sh

CC ?= gcc
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

.PHONY: FORCE all module userland deps modules-matrix tests-programs workloads go-workloads go-cgoinit check fuzz demo bench \
	bench-accuracy bench-generated style clean help install uninstall dkms-source dkms-install dkms-remove deb

# make install: PREFIX (default /usr/local) and DESTDIR, as usual; each directory can be overridden
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
BASH_COMPLETION_DIR ?= $(DATADIR)/bash-completion/completions
LIBCAUSAL_MAJOR := $(firstword $(subst ., ,$(VERSION)))
INSTALL ?= install
MAN_PAGES := docs/man/causalctl.1 docs/man/libcausal.3 docs/man/causal.4

# DKMS: the module's sources, without the KUnit suites, go to /usr/src/causal-$(VERSION)
DKMS_SOURCES := Kbuild VERSION $(wildcard module/*.c module/*.h module/compat/probes/*.c) \
	uapi/linux/causal.h
DKMS_SRCDIR ?= $(DESTDIR)/usr/src/causal-$(VERSION)
# dkms-install builds for this kernel; set KERNELVER (and KSRC, its build tree, when the headers
# are not at /lib/modules/KERNELVER/build) for another one
KERNELVER ?= $(shell uname -r)
KSRC ?=
DKMS_KERNEL_ARGS = -k $(KERNELVER) $(if $(KSRC),--kernelsourcedir $(KSRC))

all: module userland

help:
	@echo "make            build causal.ko for KDIR=$(KDIR), causalctl and libcausal;"
	@echo "                installs nothing, names what is missing ('make userland': no module)"
	@echo "make demo       profile the bundled example (in a VM when this host cannot load modules)"
	@echo "make check      all tests: module matrix, style, unit tests, KUnit and VM integration tests"
	@echo "make fuzz       the long reliability run: 1 000 000 fuzzed ioctls and every fault scenario"
	@echo "                on the debug kernel (KASAN, kmemleak, lockdep), libFuzzer on causalctl's readers"
	@echo "make deps       install what 'make' needs: compiler, pkg-config, libdw-dev, libjansson-dev,"
	@echo "                protobuf-c, zlib, this kernel's headers (root; check, demo and bench install"
	@echo "                the test tools themselves)"
	@echo "make bench      benchmarks in the VM: delay precision, sampling overhead, overhead of a full"
	@echo "                profile, time to answer and thread scale (ours and Coz's), as ratios;"
	@echo "                on the host, how report scales with the profile's size, and Go's PGO from report --pprof"
	@echo "make bench-accuracy   predicted vs actual speedups of the known-answer workloads and of"
	@echo "                the Go HTTP/2 server (VM; BENCH_ACCURACY_KERNEL=7.x for another kernel)"
	@echo "make bench-generated  predicted vs measured effect of every line of generated programs"
	@echo "                (VM; SEEDS=\"1000 1001\" for fewer than the default 30, about 6 min each)"
	@echo "make style      checkpatch --strict on the kernel sources"
	@echo "make install    causalctl, libcausal, headers, causal.pc, man pages, bash completion"
	@echo "                (PREFIX=$(PREFIX), DESTDIR=); 'make uninstall' removes them"
	@echo "make dkms-install  the module's sources to /usr/src/causal-$(VERSION), then dkms add,"
	@echo "                build and install for KERNELVER (default: the running kernel; KSRC=headers)"
	@echo "make dkms-remove   dkms remove --all and delete /usr/src/causal-$(VERSION)"
	@echo "make deb        build/deb/: causal-dkms, causalctl, libcausal0, libcausal-dev .debs"
	@echo "make modules-matrix   build causal.ko for every test kernel into build/kmod/"
	@echo "tests/vm/run --help   the VM harness"

# the build set only (compiler, pkg-config, libdw/libelf, jansson, this kernel's headers); check, demo and
# bench install the rest themselves
deps:
	tests/deps.sh build

# `make`, `make module` and `make userland` install nothing: they name what is missing and stop
module:
	@tests/deps.sh --check build --kdir $(KDIR)
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userland:
	@tests/deps.sh --check build --no-kernel
	$(MAKE) -C userland

modules-matrix:
	@for k in $$(tests/kernels/kernel.sh list); do tests/build-module.sh $$k || exit 1; done

build/tests/%: tests/vm/%.c $(wildcard tests/vm/*.h) uapi/linux/causal.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $<

# perm_test finds its samples by address in the file's segments: not PIE, and linked away from
# the other programs (static, at 0x400000), whose samples before the exec must not look like its
build/tests/setuid_helper: tests/vm/setuid_helper.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -no-pie -Wl,-Ttext-segment=0x10000000 -o $@ $<

build/tests/ioctl_fuzz: tests/fuzz/ioctl_fuzz.c tests/vm/clock.h uapi/linux/causal.h
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
		module/*.c module/*.h module/compat/probes/*.c uapi/linux/*.h tests/*_kunit.c

check:
	@tests/deps.sh --quiet
	tests/check.sh

# FUZZ_CALLS ioctls in the VM on the debug kernel (~235/s there: about 71 minutes), or
# FUZZ_SECONDS; FUZZ_USERLAND_SECONDS per libFuzzer target; FUZZ_SEED to replay a run
FUZZ_CALLS ?= 1000000
FUZZ_SECONDS ?= 7200
FUZZ_USERLAND_SECONDS ?= 600
fuzz:
	@tests/deps.sh --quiet
	tests/fuzz/run.sh --calls $(FUZZ_CALLS) --seconds $(FUZZ_SECONDS) \
		--userland-seconds $(FUZZ_USERLAND_SECONDS) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED))

demo:
	@tests/deps.sh --quiet
	tests/demo.sh

# Ratios measured side by side in one VM run per kernel; emulation sets the floor (see docs/bench.md)
BENCH_KERNELS ?= test 6.12
bench:
	@tests/deps.sh --quiet
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
	@tests/deps.sh --quiet
	tests/bench/generated.sh -k $(BENCH_ACCURACY_KERNEL) $(SEEDS)

bench-accuracy:
	@tests/deps.sh --quiet
	tests/bench/workloads-run.sh -k $(BENCH_ACCURACY_KERNEL) accuracy $(BENCH_ACCURACY_ARGS)
	tests/bench/go-run.sh -k $(BENCH_ACCURACY_KERNEL) $(BENCH_GO_ARGS)

install: userland
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/linux \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man4 \
		$(DESTDIR)$(BASH_COMPLETION_DIR)
	$(INSTALL) -m 755 userland/causalctl $(DESTDIR)$(BINDIR)/causalctl
	$(INSTALL) -m 755 userland/build/lib/libcausal.so.$(VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libcausal.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libcausal.so.$(LIBCAUSAL_MAJOR)
	ln -sf libcausal.so.$(LIBCAUSAL_MAJOR) $(DESTDIR)$(LIBDIR)/libcausal.so
	$(INSTALL) -m 644 userland/include/causal.h $(DESTDIR)$(INCLUDEDIR)/causal.h
	$(INSTALL) -m 644 uapi/linux/causal.h $(DESTDIR)$(INCLUDEDIR)/linux/causal.h
	sed -e 's|@prefix@|$(PREFIX)|g' -e 's|@libdir@|$(LIBDIR)|g' -e 's|@includedir@|$(INCLUDEDIR)|g' \
		-e 's|@VERSION@|$(VERSION)|g' userland/libcausal/causal.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/causal.pc
	ln -sf causal.pc $(DESTDIR)$(LIBDIR)/pkgconfig/libcausal.pc
	$(INSTALL) -m 644 docs/man/causalctl.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 644 docs/man/libcausal.3 $(DESTDIR)$(MANDIR)/man3/
	$(INSTALL) -m 644 docs/man/causal.4 $(DESTDIR)$(MANDIR)/man4/
	$(INSTALL) -m 644 userland/completion/causalctl $(DESTDIR)$(BASH_COMPLETION_DIR)/causalctl
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" -eq 0 ]; then ldconfig; fi

# removes what install put there, then the directories it leaves empty (never $(PREFIX) itself)
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/causalctl $(DESTDIR)$(LIBDIR)/libcausal.so.$(VERSION) \
		$(DESTDIR)$(LIBDIR)/libcausal.so.$(LIBCAUSAL_MAJOR) $(DESTDIR)$(LIBDIR)/libcausal.so \
		$(DESTDIR)$(LIBDIR)/pkgconfig/causal.pc $(DESTDIR)$(LIBDIR)/pkgconfig/libcausal.pc \
		$(DESTDIR)$(INCLUDEDIR)/causal.h \
		$(DESTDIR)$(INCLUDEDIR)/linux/causal.h $(DESTDIR)$(MANDIR)/man1/causalctl.1 \
		$(DESTDIR)$(MANDIR)/man3/libcausal.3 $(DESTDIR)$(MANDIR)/man4/causal.4 \
		$(DESTDIR)$(BASH_COMPLETION_DIR)/causalctl
	@for d in $(BINDIR) $(LIBDIR)/pkgconfig $(INCLUDEDIR)/linux $(MANDIR)/man1 $(MANDIR)/man3 \
		$(MANDIR)/man4 $(BASH_COMPLETION_DIR); do \
		while [ "$$d" != "$(PREFIX)" ] && [ "$$d" != / ] && [ "$${d#$(PREFIX)/}" != "$$d" ]; do \
			rmdir "$(DESTDIR)$$d" 2>/dev/null || break; \
			d=$$(dirname "$$d"); \
		done; \
	done
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" -eq 0 ]; then ldconfig; fi

# The DKMS source tree: what Kbuild needs for causal.ko, and dkms.conf with the version written in
dkms-source:
	rm -rf $(DKMS_SRCDIR)
	$(INSTALL) -d $(DKMS_SRCDIR)
	tar -cf - $(DKMS_SOURCES) | tar -xf - -C $(DKMS_SRCDIR)
	sed 's|^PACKAGE_VERSION=.*|PACKAGE_VERSION="$(VERSION)"|' dkms.conf >$(DKMS_SRCDIR)/dkms.conf

dkms-install:
	@command -v dkms >/dev/null || { echo "dkms-install: dkms is not installed (apt-get install dkms)" >&2; exit 1; }
	@if dkms status -m causal -v $(VERSION) | grep -q .; then \
		echo "dkms-install: causal $(VERSION) is in DKMS already; 'make dkms-remove' first" >&2; exit 1; fi
	$(MAKE) dkms-source DESTDIR=
	dkms add -m causal -v $(VERSION)
	dkms build -m causal -v $(VERSION) $(DKMS_KERNEL_ARGS)
	dkms install -m causal -v $(VERSION) $(DKMS_KERNEL_ARGS)

dkms-remove:
	@command -v dkms >/dev/null || { echo "dkms-remove: dkms is not installed" >&2; exit 1; }
	if dkms status -m causal -v $(VERSION) | grep -q .; then dkms remove -m causal -v $(VERSION) --all; fi
	rm -rf /usr/src/causal-$(VERSION)

deb:
	packaging/build-deb.sh build/deb

clean:
	$(MAKE) -C userland clean
	rm -rf build
	rm -f *.ko *.o *.mod *.mod.c .*.cmd modules.order Module.symvers module/*.o module/.*.cmd \
		tests/*.o tests/.*.cmd .module-common.o

endif
