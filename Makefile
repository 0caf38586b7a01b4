# SPDX-License-Identifier: GPL-2.0
# causal: top-level targets a user runs (build, install, DKMS, .deb, demo, check). The module's own
# kbuild rules are in Kbuild; the test and benchmark targets in tests/tests.mk.

ifneq ($(KERNELRELEASE),)
include $(src)/Kbuild
else

VERSION := $(shell cat VERSION)
# The running kernel's build tree (its headers package), or KDIR=; never a substitute: when it is
# missing, `make` says which package provides it (scripts/deps.sh --check build) and stops.
KDIR ?= /lib/modules/$(shell uname -r)/build
CHECKPATCH = tests/kernels/checkpatch.sh

CC ?= gcc
.PHONY: all module userland deps check demo clean help install uninstall dkms-source dkms-install \
	dkms-remove deb

# the test and benchmark targets (check's programs, workloads, fuzz, bench, style); not in the
# .deb's source tree, which has no tests/
-include tests/tests.mk

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
DKMS_SOURCES := Kbuild VERSION $(wildcard module/*.c module/*.h module/compat/*.c module/compat/*.h) \
	module/compat/probes.mk $(wildcard module/compat/probes/*.c) \
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
	@echo "                uthash-dev, protobuf-c, zlib, this kernel's headers (root; check, demo and"
	@echo "                bench install the test tools themselves)"
	@echo "make bench      benchmarks in the VM: delay precision, sampling overhead, overhead of a full"
	@echo "                profile, time to answer and thread scale (ours and Coz's), as ratios;"
	@echo "                on the host, how report scales with the profile's size, and Go's PGO from report --pprof"
	@echo "make bench-accuracy   predicted vs actual speedups of the known-answer workloads and of"
	@echo "                the Go HTTP/2 server (VM; BENCH_ACCURACY_KERNEL=7.x for another kernel)"
	@echo "make bench-generated  predicted vs measured effect of every line of generated programs"
	@echo "                (VM; SEEDS=\"1000 1001\" for fewer than the default 30, about 6 min each)"
	@echo "make bench-flat time to a settled answer on generated flat profiles, adaptive policy"
	@echo "                against Coz's, same runs (VM; FLAT_SEEDS=, about 5 min each)"
	@echo "make bench-go   the cgo case: one program built with Go 1.21 and 1.22, side by side in the"
	@echo "                VM with 2 and 4 vCPUs, and where a free-running profile puts the difference"
	@echo "make style      checkpatch --strict on the kernel sources"
	@echo "make install    causalctl, libcausal, headers, causal.pc, man pages, bash completion"
	@echo "                (PREFIX=$(PREFIX), DESTDIR=); 'make uninstall' removes them"
	@echo "make dkms-install  the module's sources to /usr/src/causal-$(VERSION), then dkms add,"
	@echo "                build and install for KERNELVER (default: the running kernel; KSRC=headers)"
	@echo "make dkms-remove   dkms remove --all and delete /usr/src/causal-$(VERSION)"
	@echo "make deb        build/deb/: causal-dkms, causalctl, libcausal0, libcausal-dev .debs"
	@echo "make modules-matrix   build causal.ko for every test kernel into build/kmod/"
	@echo "tests/vm/run --help   the VM harness"

# the build set only (compiler, pkg-config, libdw/libelf, jansson, uthash, protobuf-c, zlib, this kernel's
# headers); check, demo and bench install the rest themselves
deps:
	scripts/deps.sh build

# `make`, `make module` and `make userland` install nothing: they name what is missing and stop
module:
	@scripts/deps.sh --check build --kdir $(KDIR)
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userland:
	@scripts/deps.sh --check build --no-kernel
	$(MAKE) -C userland

check:
	@scripts/deps.sh --quiet
	tests/check.sh

demo:
	@scripts/deps.sh --quiet
	scripts/demo.sh

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
