/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where to put a uprobe progress point in a binary file: no process needed, so it works
 * before `run` starts the target, for static and PIE executables and shared objects alike.
 */
#ifndef CAUSAL_PROBE_H
#define CAUSAL_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct probe_loc {
	uint64_t offset;	/* file offset, what uprobe_register() takes */
	uint64_t vaddr;		/* the ELF virtual address it corresponds to */
	char desc[128];		/* e.g. "parse_request", "server.c:120 (0x1139)" */
};

/*
 * Resolves spec in binary (a path; a "BINARY:SPEC" progress point is split by the caller)
 * to one or more probe locations, sorted by offset, in a malloc'd array (*locs, *n ≥ 1)
 * the caller frees. Spec forms:
 *
 *   SYMBOL     a function symbol of .symtab (also from separate debug info) or .dynsym,
 *              exact name; every distinct address that carries the name (static functions
 *              of different files may share one). Its entry address. Without
 *              want_function_entry, untyped symbols (assembly labels) in code also count;
 *              with it (an entry/return probe pair), only functions do. A Go binary
 *              stripped of its symbols (-ldflags=-s) has its functions looked up by their Go
 *              names (main.handle) in Go's line table, .gopclntab.
 *   FILE:LINE  every address where a run of is_stmt rows of that line starts in the DWARF
 *              line tables, one location per distinct address (a line inlined or unrolled
 *              in several places has several). FILE matches by suffix at a path component
 *              boundary; a FILE matching several source files is an error.
 *   0xOFFSET   a file offset, taken as is once checked to lie in an executable PT_LOAD.
 *
 * Virtual addresses become file offsets through their executable PT_LOAD segment
 * (p_offset + vaddr - p_vaddr). Returns 0, or -errno with a message in err: an unknown
 * symbol or line names up to 5 close ones; FILE:LINE in a binary without DWARF says how
 * to get some.
 */
int probe_resolve(const char *binary, const char *spec, bool want_function_entry,
		  struct probe_loc **locs, size_t *n, char *err, size_t errlen);

#endif /* CAUSAL_PROBE_H */
