/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Address → line maps for one object: DWARF rows and inline call sites, flattened once. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <dwarf.h>
#include <elfutils/libdw.h>

#include "array.h"
#include "gopclntab.h"
#include "linemap.h"
#include "symutil.h"

/*
 * Candidate attributions before flattening. Rows in scope beat everything; a row out of
 * scope lets the deepest in-scope inline call site covering it speak for it; inline
 * records alone (no row) attribute nothing.
 */
enum {
	PRIO_ROW_OUT	= -1,
	PRIO_ROW_IN	= INT_MAX,
};

struct rec {
	uint64_t start, end;
	line_id line;
	int prio;		/* PRIO_ROW_*, or the inline nesting depth (1 = outermost) */
};

struct builder {
	const struct linemap_namer *namer;
	struct rec *rec;
	size_t n, cap;
	struct exec_seg *seg;	/* executable segments, in Dwfl addresses */
	size_t nseg;
	uint32_t *fileref;	/* per file index of the current CU; UINT32_MAX: not asked yet */
	size_t nfiles;
	Dwarf_Files *files;
	const char *comp_dir;
	int err;
};

static int push(struct builder *b, uint64_t start, uint64_t end, line_id line, int prio)
{
	struct rec *r;
	size_t i;

	if (start >= end)
		return 0;
	/* keep what lies in code: discarded functions keep address 0 in .debug_line */
	for (i = 0; i < b->nseg; i++) {
		uint64_t lo = b->seg[i].vaddr, hi = lo + b->seg[i].memsz;

		if (start >= lo && start < hi) {
			if (end > hi)
				end = hi;
			break;
		}
	}
	if (i == b->nseg)
		return 0;
	r = array_grow(b->rec, b->n, &b->cap, sizeof(*r), 1024);
	if (!r)
		return -ENOMEM;
	b->rec = r;
	b->rec[b->n++] = (struct rec){ start, end, line, prio };
	return 0;
}

/* The namer's reference for file index idx of the current CU (0: out of scope or unknown). */
static uint32_t file_ref(struct builder *b, size_t idx)
{
	const char *name;

	if (idx >= b->nfiles)
		return 0;
	if (b->fileref[idx] == UINT32_MAX) {
		name = dwarf_filesrc(b->files, idx, NULL, NULL);
		b->fileref[idx] = name ? b->namer->file(b->namer->ctx, name, b->comp_dir) : 0;
	}
	return b->fileref[idx];
}

/* Adds the line rows of one CU; *any_out tells whether some row was out of scope. */
static int add_rows(struct builder *b, Dwarf_Lines *lines, size_t nlines, Dwarf_Addr bias,
		    bool *any_out)
{
	size_t i;

	for (i = 0; i + 1 < nlines; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i), *next = dwarf_onesrcline(lines, i + 1);
		Dwarf_Addr addr, end;
		Dwarf_Files *files;
		size_t idx;
		bool endseq;
		int lineno;
		uint32_t ref;
		line_id id;

		if (!l || !next || dwarf_lineendsequence(l, &endseq) || endseq)
			continue;
		if (dwarf_lineaddr(l, &addr) || dwarf_lineaddr(next, &end) || end <= addr)
			continue;
		if (dwarf_lineno(l, &lineno) || lineno <= 0)
			continue;	/* line 0: compiler-made code with no source line */
		if (dwarf_line_file(l, &files, &idx))
			continue;
		if (files == b->files) {
			ref = file_ref(b, idx);
		} else {
			/* not the CU's own table (split units): ask by name, uncached */
			const char *name = dwarf_linesrc(l, NULL, NULL);

			ref = name ? b->namer->file(b->namer->ctx, name, b->comp_dir) : 0;
		}
		if (!ref) {
			*any_out = true;
			if (push(b, addr + bias, end + bias, 0, PRIO_ROW_OUT))
				return -ENOMEM;
			continue;
		}
		id = b->namer->line(b->namer->ctx, ref, (unsigned)lineno);
		if (!id || push(b, addr + bias, end + bias, id, PRIO_ROW_IN))
			return -ENOMEM;
	}
	return 0;
}

/* Records the inlined instances under die whose call site is in scope. */
static int add_inlines(struct builder *b, Dwarf_Die *die, int depth, Dwarf_Addr bias)
{
	Dwarf_Die child;

	if (dwarf_child(die, &child))
		return 0;
	do {
		int tag = dwarf_tag(&child);
		int child_depth = depth;

		switch (tag) {
		case DW_TAG_inlined_subroutine: {
			Dwarf_Attribute attr;
			Dwarf_Word file = 0, line = 0;
			Dwarf_Addr base, start, end;
			ptrdiff_t off = 0;
			line_id id = 0;
			uint32_t ref;

			child_depth = depth + 1;
			if (dwarf_formudata(dwarf_attr(&child, DW_AT_call_file, &attr), &file) ||
			    dwarf_formudata(dwarf_attr(&child, DW_AT_call_line, &attr), &line) ||
			    !line || line > UINT_MAX)
				break;
			ref = file_ref(b, file);
			if (ref)
				id = b->namer->line(b->namer->ctx, ref, (unsigned)line);
			if (ref && !id)
				return -ENOMEM;
			while (id && (off = dwarf_ranges(&child, off, &base, &start, &end)) > 0)
				if (push(b, start + bias, end + bias, id, child_depth))
					return -ENOMEM;
			break;
		}
		case DW_TAG_subprogram:
		case DW_TAG_lexical_block:
		case DW_TAG_namespace:
		case DW_TAG_module:
		case DW_TAG_try_block:
		case DW_TAG_catch_block:
		case DW_TAG_class_type:
		case DW_TAG_structure_type:
			break;
		default:
			continue;	/* no code below types, variables, parameters */
		}
		if (add_inlines(b, &child, child_depth, bias))
			return -ENOMEM;
	} while (dwarf_siblingof(&child, &child) == 0);
	return 0;
}

static int add_cu(struct builder *b, Dwarf_Die *cu, Dwarf_Addr bias)
{
	Dwarf_Attribute attr;
	Dwarf_Lines *lines;
	size_t nlines, i;
	bool any_out = false;
	int ret;

	if (dwarf_getsrclines(cu, &lines, &nlines) || dwarf_getsrcfiles(cu, &b->files, &b->nfiles))
		return 0;	/* a CU without a line table has nothing to attribute */
	b->comp_dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr));
	free(b->fileref);
	b->fileref = malloc((b->nfiles ? b->nfiles : 1) * sizeof(*b->fileref));
	if (!b->fileref)
		return -ENOMEM;
	for (i = 0; i < b->nfiles; i++)
		b->fileref[i] = UINT32_MAX;
	ret = add_rows(b, lines, nlines, bias, &any_out);
	/* the inline tree is only worth walking when some code is out of scope */
	if (!ret && any_out)
		ret = add_inlines(b, cu, 0, bias);
	return ret;
}

struct event {
	uint64_t addr;
	size_t rec;
	bool open;
};

static int cmp_event(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (int)x->open - (int)y->open;	/* close before open at the same address */
}

/* What the records active at a point say, by the rules above. */
static line_id decide(const struct builder *b, const size_t *active, size_t nactive)
{
	const struct rec *best_in = NULL, *best_inline = NULL;
	bool out = false;
	size_t i;

	for (i = 0; i < nactive; i++) {
		const struct rec *r = &b->rec[active[i]];

		if (r->prio == PRIO_ROW_IN)
			best_in = r;
		else if (r->prio == PRIO_ROW_OUT)
			out = true;
		else if (!best_inline || r->prio > best_inline->prio)
			best_inline = r;
	}
	if (best_in)
		return best_in->line;
	return out && best_inline ? best_inline->line : 0;
}

static int cmp_rec_start(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/*
 * The common case, every record an in-scope row and none overlapping another (all source
 * files in scope): the segments are the records in address order, neighbours of one line
 * merged. Returns 1 when that case does not hold, without touching out: the sweep then works
 * on the records in their original order, which decides ties between overlapping rows.
 */
static int flatten_disjoint(const struct builder *b, struct linemap *out)
{
	struct rec *rec = NULL;
	const struct rec *r = b->rec;
	struct linemap_seg *seg, *shrunk;
	size_t i, nseg = 0;
	bool sorted = true;

	for (i = 0; i < b->n; i++) {
		if (b->rec[i].prio != PRIO_ROW_IN)
			return 1;
		if (i && b->rec[i].start < b->rec[i - 1].start)
			sorted = false;
	}
	if (!sorted) {
		/* CUs need not come in address order */
		rec = malloc(b->n * sizeof(*rec));
		if (!rec)
			return -ENOMEM;
		memcpy(rec, b->rec, b->n * sizeof(*rec));
		qsort(rec, b->n, sizeof(*rec), cmp_rec_start);
		r = rec;
	}

	for (i = 0; i + 1 < b->n; i++) {
		if (r[i].end > r[i + 1].start) {
			free(rec);
			return 1;
		}
	}
	seg = malloc(b->n * sizeof(*seg));
	if (!seg) {
		free(rec);
		return -ENOMEM;
	}
	for (i = 0; i < b->n; i++) {
		if (nseg && seg[nseg - 1].end == r[i].start && seg[nseg - 1].line == r[i].line)
			seg[nseg - 1].end = r[i].end;
		else
			seg[nseg++] = (struct linemap_seg){ r[i].start, r[i].end, r[i].line };
	}
	free(rec);
	/* shrink to fit; where that fails, the larger block is as good (gcc 14 checks the order) */
	shrunk = realloc(seg, nseg * sizeof(*seg));
	out->seg = shrunk ? shrunk : seg;
	out->n = nseg;
	return 0;
}

/* Flattens the records into disjoint segments: a sweep over their boundaries. */
static int flatten(struct builder *b, struct linemap *out)
{
	struct event *ev;
	size_t *active = NULL, nactive = 0, capactive = 0, i, nev = 2 * b->n;
	struct linemap_seg *seg = NULL;
	size_t nseg = 0;
	uint64_t prev = 0;
	int ret = -ENOMEM;

	out->seg = NULL;
	out->n = 0;
	if (!b->n)
		return 0;
	ret = flatten_disjoint(b, out);
	if (ret <= 0)
		return ret;
	ret = -ENOMEM;
	ev = malloc(nev * sizeof(*ev));
	/* at most one segment per elementary interval between boundaries */
	seg = malloc(nev * sizeof(*seg));
	if (!ev || !seg)
		goto out;
	for (i = 0; i < b->n; i++) {
		ev[2 * i] = (struct event){ b->rec[i].start, i, true };
		ev[2 * i + 1] = (struct event){ b->rec[i].end, i, false };
	}
	qsort(ev, nev, sizeof(*ev), cmp_event);
	for (i = 0; i < nev; i++) {
		if (i && ev[i].addr != prev && nactive) {
			line_id id = decide(b, active, nactive);

			if (id && nseg && seg[nseg - 1].end == prev && seg[nseg - 1].line == id)
				seg[nseg - 1].end = ev[i].addr;
			else if (id)
				seg[nseg++] = (struct linemap_seg){ prev, ev[i].addr, id };
		}
		prev = ev[i].addr;
		if (ev[i].open) {
			size_t *a = array_grow(active, nactive, &capactive, sizeof(*a), 16);

			if (!a)
				goto out;
			active = a;
			active[nactive++] = ev[i].rec;
		} else {
			size_t j;

			for (j = nactive; j-- > 0;) {
				if (active[j] == ev[i].rec) {
					memmove(&active[j], &active[j + 1],
						(nactive - j - 1) * sizeof(*active));
					nactive--;
					break;
				}
			}
		}
	}
	out->seg = nseg ? realloc(seg, nseg * sizeof(*seg)) : NULL;
	if (nseg && !out->seg)
		out->seg = seg;
	else if (!nseg)
		free(seg);
	seg = NULL;
	out->n = nseg;
	ret = 0;
out:
	free(seg);
	free(ev);
	free(active);
	return ret;
}

int linemap_build(Dwfl_Module *mod, const struct linemap_namer *namer, struct linemap *out)
{
	struct builder b = { .namer = namer };
	Dwarf_Die *cu = NULL;
	Dwarf_Addr bias, elf_bias;
	Elf *elf;
	size_t i;
	int ret = 0;

	out->seg = NULL;
	out->n = 0;
	elf = dwfl_module_getelf(mod, &elf_bias);
	if (!elf)
		return -ENOENT;
	ret = elf_exec_segments(elf, &b.seg, &b.nseg);
	if (ret)
		return ret;
	for (i = 0; i < b.nseg; i++)
		b.seg[i].vaddr += elf_bias;
	while (!ret && (cu = dwfl_module_nextcu(mod, cu, &bias)))
		ret = add_cu(&b, cu, bias);
	if (!ret)
		ret = flatten(&b, out);
	free(b.fileref);
	free(b.rec);
	free(b.seg);
	return ret;
}

struct gopcln_build {
	struct builder *b;
	struct strmap files;	/* Go's file name → the namer's reference + 1 (1: out of scope) */
	uint64_t bias;
};

static int add_go_row(void *arg, uint64_t start, uint64_t end, const char *file, uint32_t line)
{
	struct gopcln_build *g = arg;
	struct builder *b = g->b;
	uint32_t ref;
	line_id id;

	if (!strmap_get(&g->files, file, &ref)) {
		ref = b->namer->file(b->namer->ctx, file, NULL) + 1;
		if (strmap_put(&g->files, file, ref))
			return -ENOMEM;
	}
	if (ref == 1)
		return 0;
	id = b->namer->line(b->namer->ctx, ref - 1, line);
	if (!id)
		return -ENOMEM;
	return push(b, start + g->bias, end + g->bias, id, PRIO_ROW_IN);
}

int linemap_build_gopcln(Dwfl_Module *mod, const struct linemap_namer *namer, struct linemap *out)
{
	struct builder b = { .namer = namer };
	struct gopcln_build g = { .b = &b };
	struct gopcln t;
	Dwarf_Addr elf_bias;
	Elf *elf;
	uint32_t i;
	size_t k;
	int ret;

	out->seg = NULL;
	out->n = 0;
	elf = dwfl_module_getelf(mod, &elf_bias);
	if (!elf)
		return -ENOENT;
	ret = gopcln_from_elf(elf, &t);
	if (ret)
		return ret;
	g.bias = elf_bias;
	ret = elf_exec_segments(elf, &b.seg, &b.nseg);
	if (ret)
		return ret;
	for (k = 0; k < b.nseg; k++)
		b.seg[k].vaddr += elf_bias;
	for (i = 0; !ret && i < t.nfunc; i++) {
		struct gopcln_func f;

		/* a function whose tables are corrupt is left out, not the whole binary */
		if (gopcln_func(&t, i, &f))
			continue;
		ret = gopcln_rows(&t, &f, add_go_row, &g);
		if (ret == -EINVAL)
			ret = 0;
	}
	if (!ret)
		ret = flatten(&b, out);
	strmap_free(&g.files);
	free(b.rec);
	free(b.seg);
	return ret;
}

line_id linemap_lookup(const struct linemap *m, uint64_t addr)
{
	/* the last segment starting at or before addr */
	size_t lo = array_count_at_or_below(m->seg, m->n, sizeof(*m->seg), offsetof(struct linemap_seg, start),
					    addr);

	if (lo && addr < m->seg[lo - 1].end)
		return m->seg[lo - 1].line;
	return 0;
}

void linemap_free(struct linemap *m)
{
	free(m->seg);
	m->seg = NULL;
	m->n = 0;
}
