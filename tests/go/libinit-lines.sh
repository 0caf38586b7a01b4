#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Where, in a Go toolchain's runtime/cgo/gcc_libinit.c, the two functions every cgo callback calls
# lie: _cgo_wait_runtime_init_done and _cgo_get_context_function, each from the line of its name
# to its closing brace; and the lines in them that lock runtime_init_mu (Go 1.21 on every call;
# Go 1.22 reads atomically first). For the cgo case's test and benchmark (docs/go.md).
#   libinit-lines.sh VERSION     prints "block=A-B,C-D locks=L1,L2" (locks may be empty)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
libinit=$("$top/tests/go/toolchain.sh" "${1:?usage: libinit-lines.sh VERSION}")/src/runtime/cgo/gcc_libinit.c
awk '
	function flush() { if (first) { spans = spans (spans ? "," : "") first "-" NR; first = 0 } }
	(index($0, "_cgo_wait_runtime_init_done(") || index($0, "_cgo_get_context_function(")) &&
		/\{$/ && !/;/ { first = NR; next }
	first && /pthread_mutex_lock\(&runtime_init_mu\)/ { locks = locks (locks ? "," : "") NR }
	first && /^}/ { flush() }
	END {
		if (split(spans, s, ",") != 2) { print "libinit-lines: not both functions in " FILENAME > "/dev/stderr"; exit 1 }
		print "block=" spans " locks=" locks
	}' "$libinit"
