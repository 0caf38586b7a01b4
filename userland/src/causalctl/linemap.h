/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One loaded object's address → source line map, built once from its DWARF line table and
 * inline tree (or, for a Go binary without DWARF, from Go's own line table): sorted, disjoint
 * segments, so a lookup is one binary search.
 */
#ifndef CAUSAL_LINEMAP_H
#define CAUSAL_LINEMAP_H

#include <stddef.h>
#include <stdint.h>
#include <elfutils/libdwfl.h>

typedef uint32_t line_id;	/* also in symbols.h: interned "path:line", 0 = none */

/*
 * How the builder names lines. file() gets a file as libdw names it (usually absolute)
 * and the CU's comp_dir (may be NULL) and returns a nonzero file reference for an in-scope
 * file, 0 for an out-of-scope one. line() turns (reference, line number) into a line_id;
 * 0 means out of memory, which fails the build.
 */
struct linemap_namer {
	uint32_t (*file)(void *ctx, const char *name, const char *comp_dir);
	line_id (*line)(void *ctx, uint32_t file, unsigned line);
	void *ctx;
};

struct linemap_seg {
	uint64_t start, end;	/* [start, end) in the Dwfl's address space (runtime addresses) */
	line_id line;
};

struct linemap {
	struct linemap_seg *seg;
	size_t n;
};

/*
 * Builds the map of mod, whose DWARF must be loaded (dwfl_module_getdwarf succeeded).
 * Each line-table row [addr, next addr) with a nonzero line in an in-scope file maps to
 * that line. A row in an out-of-scope file that lies inside inlined code maps to the call
 * site (DW_AT_call_file/line) of the innermost inlined instance whose call site is in scope.
 * Rows outside the object's executable segments (garbage-collected code) are dropped.
 * 0 or -errno.
 */
int linemap_build(Dwfl_Module *mod, const struct linemap_namer *namer, struct linemap *out);

/*
 * The same from Go's own line table (.gopclntab, gopclntab.h), for a Go binary without DWARF:
 * each run of instructions with one file and line, in scope, maps to that line (no inline call
 * sites: an inlined function's instructions keep its own file and line). The namer's file()
 * gets Go's file names, which are absolute, with no comp_dir. 0, -ENOENT for an object that
 * is not a Go binary, or -errno.
 */
int linemap_build_gopcln(Dwfl_Module *mod, const struct linemap_namer *namer, struct linemap *out);

/* The line at addr, or 0. */
line_id linemap_lookup(const struct linemap *m, uint64_t addr);

void linemap_free(struct linemap *m);

#endif /* CAUSAL_LINEMAP_H */
