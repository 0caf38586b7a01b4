/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The target's call frame information (.eh_frame, read with libdw) as the rows of
 * CAUSAL_IOC_UNWIND_SET (linux/causal.h): how the sampler finds the caller of code that keeps no
 * frame pointer. Only what the module can apply becomes a row: the CFA rsp or rbp plus a constant,
 * the return address at CFA - 8, rbp kept or saved at CFA + N; the rest (expressions: PLT
 * entries, signal frames) has none, and the module follows frame pointers from there.
 */
#ifndef CAUSALCTL_UNWIND_H
#define CAUSALCTL_UNWIND_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include <linux/causal.h>

struct symbols;

/* What the table holds and what was left out, for the caller to tell. */
struct unwind_counts {
	size_t objects;		/* mapped objects looked at */
	size_t objects_cfi;	/* of which gave rows */
	size_t rows;		/* in the table */
	size_t main_rows;	/* of which the main executable's */
	size_t unusable;	/* CFI rows the module cannot apply (expressions, signal frames, other
				   registers, offsets out of range): no row */
	size_t bad_fdes;	/* FDEs whose addresses could not be decoded */
	size_t overlapping;	/* rows dropped for overlapping another */
	size_t over_limit;	/* rows dropped past the table's limit (main executable's first) */
};

struct unwind;

/* An empty table of at most max_rows rows (0: CAUSAL_MAX_UNWIND_ROWS); NULL without memory. */
struct unwind *unwind_new(size_t max_rows);

/*
 * (Re)builds the table from the objects sym knows now (call it after symbols_open() and each
 * symbols_refresh()); an object seen before keeps its rows. 1 when the table changed, 0 when the
 * objects are the same, -ENOMEM (the table is then empty).
 */
int unwind_update(struct unwind *u, struct symbols *sym);

/* The rows (sorted by start, neither empty nor overlapping), valid until the next update. */
const struct causal_unwind_row *unwind_rows(const struct unwind *u, size_t *n);

void unwind_counts(const struct unwind *u, struct unwind_counts *c);

void unwind_free(struct unwind *u);

/*
 * Sorts rows r[0..n) by start, joins neighbours that unwind alike and drops empty rows and rows
 * that overlap an earlier one (counted in *overlapping). Returns how many rows are left.
 */
size_t unwind_rows_tidy(struct causal_unwind_row *r, size_t n, size_t *overlapping);

#endif /* CAUSALCTL_UNWIND_H */
