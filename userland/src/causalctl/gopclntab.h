/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Go's own line table, .gopclntab, for Go binaries without DWARF (built with -ldflags=-s -w,
 * as production binaries often are): function names and entry points, and each instruction's
 * source file and line. The format is the runtime's (runtime/symtab.go: pcHeader, functab,
 * _func; debug/gosym reads the same): Go 1.18 and 1.19 (magic 0xfffffff0) and Go 1.20 and later
 * (0xfffffff1, which added _func.startLine; the fields read here kept their offsets). Older
 * layouts are refused.
 *
 * The parser works on the section's bytes alone and checks every offset against them, so a
 * corrupt or hostile table fails cleanly (tests/fuzz/gopclntab_fuzz.c). What it does not
 * give: inlining. The line of an instruction inlined from another function is the inlined
 * function's own file and line, as in a DWARF line table; the call site behind it lives in
 * funcdata that only the runtime's module data locates.
 */
#ifndef CAUSAL_GOPCLNTAB_H
#define CAUSAL_GOPCLNTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gelf.h>

struct gopcln {
	const uint8_t *tab;	/* the section's bytes */
	size_t len;
	uint64_t text;		/* the address function entry offsets count from */
	unsigned version;	/* 118 (Go 1.18, 1.19) or 120 (Go 1.20 and later) */
	unsigned quantum;	/* pc granularity: 1 on amd64 */
	unsigned ptrsize;
	uint32_t nfunc;
	/* offsets into tab */
	uint64_t funcnames, cutab, filetab, pctab, functab;
};

struct gopcln_func {
	uint64_t entry, end;	/* [entry, end) as addresses (text + offsets) */
	const char *name;	/* in tab, NUL-terminated */
	uint32_t pcfile, pcln;	/* offsets of its file and line tables in pctab; 0: none */
	uint32_t cu;		/* its compilation unit's first index in cutab */
};

/*
 * Reads the header of a .gopclntab of len bytes at tab (which must outlive t); text is the
 * address of the runtime's first text symbol (gopcln_elf_text). 0, -EINVAL for a table that
 * is not one, or -EPROTONOSUPPORT for a layout older than Go 1.18.
 */
int gopcln_parse(struct gopcln *t, const void *tab, size_t len, uint64_t text);

/* Function i (0 ≤ i < t->nfunc), in address order. 0 or -EINVAL (out of bounds data). */
int gopcln_func(const struct gopcln *t, uint32_t i, struct gopcln_func *f);

/* The index of the function containing addr, or -1. */
long gopcln_find(const struct gopcln *t, uint64_t addr);

/*
 * Calls fn for each run [start, end) of f's instructions that has one file and one line,
 * in address order; fn's nonzero return stops the walk and is returned. Runs without a
 * known file or line are skipped. 0, fn's value, or -EINVAL for a corrupt table.
 */
typedef int (*gopcln_row_fn)(void *arg, uint64_t start, uint64_t end, const char *file,
			     uint32_t line);
int gopcln_rows(const struct gopcln *t, const struct gopcln_func *f, gopcln_row_fn fn, void *arg);

/* The file and line of addr (in function *f when f is not NULL). 0 or -ENOENT. */
int gopcln_addr_line(const struct gopcln *t, uint64_t addr, struct gopcln_func *f,
		     const char **file, uint32_t *line);

/*
 * Finds the .gopclntab of a Go executable (or .data.rel.ro.gopclntab in a PIE) and the
 * address its entry offsets count from, and parses it; t points into elf's data. 0,
 * -ENOENT when elf has no Go line table, or gopcln_parse's error.
 */
int gopcln_from_elf(Elf *elf, struct gopcln *t);

#endif /* CAUSAL_GOPCLNTAB_H */
