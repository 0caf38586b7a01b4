/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Distinct callchains with counts, and their frames symbolised whole with libdw. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "callchain.h"
#include "array.h"
#include "causalctl.h"
#include "hashtable.h"
#include "symutil.h"

/* the leaf and the module's return addresses */
#define STACK_MAX	(CAUSAL_MAX_CALLCHAIN + 1)
/* the top of user space with 5-level paging */
#define USER_ADDR_MAX	0x00ffffffffffffffULL
/* inlined functions kept per frame, innermost first (deeper nests keep their outer calls) */
#define INLINE_MAX	32

struct frame {
	uint64_t addr;		/* the ip, or a return address - 1 (the call) */
	uint32_t id;		/* its frame record's id; 0: not written yet */
};

/* the handle first, the key right after it (a lookup reads both, one cache line) */
struct stack {
	UT_hash_handle hh;	/* in stacks */
	/* the key: line, n and frame[0..n) */
	line_id line;
	uint32_t n;
	uint32_t frame[STACK_MAX];	/* indexes into frames, leaf first */
	uint64_t count;
};

#define STACK_KEY_LEN(n)	(offsetof(struct stack, frame) - offsetof(struct stack, line) + \
				 (n) * sizeof(uint32_t))
_Static_assert(offsetof(struct stack, frame) == offsetof(struct stack, line) + 2 * sizeof(uint32_t),
	       "a stack's key has no padding");

struct cu_index;

struct callchains {
	struct frame *frames;	/* in the order first seen */
	size_t nframes, frames_cap, written;	/* frames[0..written) have records */
	struct u64_index frame_of_addr;	/* addr → index into frames */

	struct stack *stacks;	/* a uthash table, which iterates in the order first seen */

	struct strmap objects;	/* "path\nbuild id" → object id */
	struct strmap functions;	/* "name\nsystem name\nfile\nstart line" → function id */
	struct strmap cu_keys;	/* "module:CU offset" → index into cus */
	struct cu_index *cus;
	size_t ncus, cus_cap;
	struct strmap canon_keys;	/* "comp_dir\nname" → index into canon */
	char **canon;
	size_t ncanon;
	uint32_t next_object, next_function, next_frame;
	uint64_t samples, lost;
};

struct callchains *callchains_new(void)
{
	return calloc(1, sizeof(struct callchains));
}

/* The index of the frame at addr, added if new; -1 without memory. */
static long frame_index(struct callchains *c, uint64_t addr)
{
	struct frame *frames = array_grow(c->frames, c->nframes, &c->frames_cap, sizeof(*frames), 256);
	bool added;
	long i;

	/* room first: a new index must have its frame */
	if (!frames)
		return -1;
	c->frames = frames;
	i = u64_index_intern(&c->frame_of_addr, addr, &added);
	if (added)
		c->frames[c->nframes++] = (struct frame){ .addr = addr };
	return i;
}

int callchains_add(struct callchains *c, uint64_t ip, const uint64_t *callchain, unsigned int n,
		   line_id line)
{
	struct stack st = { .count = 1, .line = line }, *s;
	unsigned int i, hashv;
	long f;

	c->samples++;
	f = frame_index(c, ip);
	if (f < 0)
		goto lost;
	st.frame[st.n++] = (uint32_t)f;
	for (i = 0; i < n && st.n < STACK_MAX; i++) {
		if (symbols_is_marker(callchain[i]))
			continue;
		/* above any user address (5-level paging's included): the frame-pointer walk went astray */
		if (callchain[i] > USER_ADDR_MAX)
			break;
		/* the call instruction, not the one after it: that may be another line, or function */
		f = frame_index(c, callchain[i] - 1);
		if (f < 0)
			goto lost;
		st.frame[st.n++] = (uint32_t)f;
	}
	HASH_VALUE(&st.line, STACK_KEY_LEN(st.n), hashv);
	HASH_FIND_BYHASHVALUE(hh, c->stacks, &st.line, STACK_KEY_LEN(st.n), hashv, s);
	if (s) {
		s->count++;
		return 0;
	}
	s = malloc(sizeof(*s));
	if (!s)
		goto lost;
	*s = st;
	HASH_ADD_BYHASHVALUE(hh, c->stacks, line, STACK_KEY_LEN(s->n), hashv, s);
	if (!hash_added(s)) {
		free(s);
		goto lost;
	}
	return 0;
lost:
	c->lost++;
	return -ENOMEM;
}

/* ---- symbolisation ---- */

/*
 * The id kept under key in map, or the next one (*last + 1), kept there from now on: *is_new
 * says which, for the caller writes a new one's record. 0 without memory.
 */
static uint32_t intern_id(struct strmap *map, uint32_t *last, const char *key, bool *is_new)
{
	uint32_t id;

	*is_new = false;
	if (strmap_get(map, key, &id))
		return id;
	if (strmap_put(map, key, *last + 1))
		return 0;
	*is_new = true;
	return ++*last;
}

static uint32_t object_id(struct callchains *c, struct profile_writer *w, Dwfl_Module *mod, const char *path,
			  Dwarf_Addr bias)
{
	const unsigned char *bits;
	GElf_Addr vaddr, low = 0, high = 0;
	char build_id[2 * 64 + 1] = "", *key;
	bool is_new;
	uint32_t id;
	int len, i;

	len = dwfl_module_build_id(mod, &bits, &vaddr);
	for (i = 0; i < len && i < 64; i++)
		snprintf(build_id + 2 * i, 3, "%02x", bits[i]);
	if (asprintf(&key, "%s\n%s", path, build_id) < 0)
		return 0;
	id = intern_id(&c->objects, &c->next_object, key, &is_new);
	free(key);
	if (is_new) {
		dwfl_module_info(mod, NULL, &low, &high, NULL, NULL, NULL, NULL);
		profile_write_object(w, id, path, build_id[0] ? build_id : NULL, low - bias, high - bias);
	}
	return id;
}

static uint32_t function_id(struct callchains *c, struct profile_writer *w, const char *name, const char *sys,
			    const char *file, uint64_t start_line)
{
	bool is_new;
	uint32_t id;
	char *key;

	if (asprintf(&key, "%s\n%s\n%s\n%" PRIu64, name, sys ? sys : "", file ? file : "", start_line) < 0)
		return 0;
	id = intern_id(&c->functions, &c->next_function, key, &is_new);
	free(key);
	if (is_new)
		profile_write_function(w, id, name, sys, file, start_line);
	return id;
}

static const char *die_string(Dwarf_Die *die, unsigned int at)
{
	Dwarf_Attribute a;

	return dwarf_formstring(dwarf_attr_integrate(die, at, &a));
}

/* A CU's functions by address, built once per CU: a frame's function is one binary search away. */
struct fn_range {
	uint64_t lo, hi;	/* DWARF addresses (runtime address - bias) */
	Dwarf_Off die;
};

struct cu_index {
	struct fn_range *r;
	size_t n, cap;
	bool oom;
};

static int collect_function(Dwarf_Die *die, void *arg)
{
	struct cu_index *ci = arg;
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;

	/* abstract instances (DW_AT_inline) have no ranges and add nothing */
	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		struct fn_range *r = array_grow(ci->r, ci->n, &ci->cap, sizeof(*r), 64);

		if (!r) {
			ci->oom = true;
			return DWARF_CB_ABORT;
		}
		ci->r = r;
		ci->r[ci->n++] = (struct fn_range){ lo, hi, dwarf_dieoffset(die) };
	}
	return DWARF_CB_OK;
}

static bool function_at(Dwarf *dbg, const struct cu_index *ci, Dwarf_Addr pc, Dwarf_Die *out);

static int cmp_fn_range(const void *a, const void *b)
{
	const struct fn_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* A zeroed entry at c->cus[c->ncus], not counted yet; NULL without memory. */
static struct cu_index *new_index(struct callchains *c)
{
	struct cu_index *a = array_grow(c->cus, c->ncus, &c->cus_cap, sizeof(*a), 64);

	if (!a)
		return NULL;
	c->cus = a;
	memset(&c->cus[c->ncus], 0, sizeof(c->cus[c->ncus]));
	return &c->cus[c->ncus];
}

/* The index of cu (of module mod), built on first use; NULL without memory. */
static struct cu_index *cu_index(struct callchains *c, Dwfl_Module *mod, Dwarf_Die *cu)
{
	struct cu_index *ci;
	uint32_t idx;
	char key[64];

	snprintf(key, sizeof(key), "%p:%" PRIx64, (void *)mod, (uint64_t)dwarf_dieoffset(cu));
	if (strmap_get(&c->cu_keys, key, &idx))
		return &c->cus[idx];
	ci = new_index(c);
	if (!ci)
		return NULL;
	dwarf_getfuncs(cu, collect_function, ci, 0);
	if (ci->oom || strmap_put(&c->cu_keys, key, (uint32_t)c->ncus)) {
		free(ci->r);
		return NULL;
	}
	qsort(ci->r, ci->n, sizeof(*ci->r), cmp_fn_range);
	return &c->cus[c->ncus++];
}

/*
 * The CU DIE holding pc (a DWARF address) in mod, found by the CUs' own ranges (indexed on first
 * use, in a cu_index whose entries are CUs): libdw finds it through .debug_aranges, which Go's
 * linker does not write.
 */
static bool cu_at(struct callchains *c, Dwfl_Module *mod, Dwarf *dbg, Dwarf_Addr pc, Dwarf_Die *out)
{
	struct cu_index *ci = NULL;
	Dwarf_Die *cu = NULL;
	Dwarf_Addr bias;
	uint32_t idx;
	char key[64];

	snprintf(key, sizeof(key), "%p:cus", (void *)mod);
	if (strmap_get(&c->cu_keys, key, &idx)) {
		ci = &c->cus[idx];
	} else {
		ci = new_index(c);
		if (!ci)
			return false;
		while ((cu = dwfl_module_nextcu(mod, cu, &bias)) && !ci->oom)
			collect_function(cu, ci);
		if (ci->oom || strmap_put(&c->cu_keys, key, (uint32_t)c->ncus)) {
			free(ci->r);
			return false;
		}
		qsort(ci->r, ci->n, sizeof(*ci->r), cmp_fn_range);
		ci = &c->cus[c->ncus++];
	}
	return function_at(dbg, ci, pc, out);
}

/* The function DIE whose code holds pc, from the CU's index. */
static bool function_at(Dwarf *dbg, const struct cu_index *ci, Dwarf_Addr pc, Dwarf_Die *out)
{
	size_t lo = array_count_at_or_below(ci->r, ci->n, sizeof(*ci->r), offsetof(struct fn_range, lo), pc);
	size_t k;

	/* the nearest ranges starting at or before pc; a nested function's lies inside another's */
	for (k = lo; k > 0 && lo - k < 8; k--)
		if (pc < ci->r[k - 1].hi)
			return dwarf_offdie(dbg, ci->r[k - 1].die, out) != NULL;
	return false;
}

/*
 * The inlined instances holding pc inside function fn, outermost first after fn itself in
 * chain[0]: down the DIE tree through the children whose ranges hold pc. How many in chain.
 */
static size_t inline_chain(Dwarf_Die *fn, Dwarf_Addr pc, Dwarf_Die *chain, size_t max)
{
	Dwarf_Die cur = *fn, child;
	size_t n = 1;

	chain[0] = *fn;
	while (n < max && dwarf_child(&cur, &child) == 0) {
		bool found = false;

		do {
			int tag = dwarf_tag(&child);

			if ((tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block) &&
			    dwarf_haspc(&child, pc) == 1) {
				if (tag == DW_TAG_inlined_subroutine)
					chain[n++] = child;
				cur = child;
				found = true;
				break;
			}
		} while (dwarf_siblingof(&child, &child) == 0);
		if (!found)
			break;
	}
	return n;
}

/* The canonical path of a DWARF file name, cached: realpath() for each frame would add up. */
static const char *canonical(struct callchains *c, const char *name, const char *comp_dir)
{
	uint32_t idx;
	char *key, *canon, **a;

	if (!name)
		return NULL;
	if (asprintf(&key, "%s\n%s", comp_dir && name[0] != '/' ? comp_dir : "", name) < 0)
		return NULL;
	if (strmap_get(&c->canon_keys, key, &idx)) {
		free(key);
		return c->canon[idx];
	}
	canon = path_canonical(name, comp_dir);
	a = canon ? realloc(c->canon, (c->ncanon + 1) * sizeof(*a)) : NULL;
	if (!a || strmap_put(&c->canon_keys, key, (uint32_t)c->ncanon)) {
		if (a)
			c->canon = a;
		free(canon);
		free(key);
		return NULL;
	}
	free(key);
	c->canon = a;
	a[c->ncanon] = canon;
	return a[c->ncanon++];
}

/* The function a subprogram or inlined-subroutine DIE stands for; its file where it is declared. */
static uint32_t die_function(struct callchains *c, struct profile_writer *w, Dwarf_Die *die, const char *here,
			     const char *comp_dir)
{
	const char *name = dwarf_diename(die), *sys = die_string(die, DW_AT_linkage_name);
	const char *file = canonical(c, dwarf_decl_file(die), comp_dir);
	int start = 0;

	if (!sys)
		sys = die_string(die, DW_AT_MIPS_linkage_name);
	if (dwarf_decl_line(die, &start) || start < 0)
		start = 0;
	return function_id(c, w, name ? name : "??", sys, file ? file : here, (uint64_t)start);
}

/*
 * The lines at addr of mod, innermost inlined function first, as pprof lists a location's
 * lines: each with the line in that function, the outermost (the real function) last.
 * How many, 0 when the object's DWARF does not cover addr.
 */
static size_t dwarf_lines(struct callchains *c, struct profile_writer *w, Dwfl_Module *mod, uint64_t addr,
			  uint64_t (*lines)[2])
{
	Dwarf_Addr bias;
	Dwarf *dbg = dwfl_module_getdwarf(mod, &bias);
	Dwarf_Die *cu = dbg ? dwfl_module_addrdie(mod, addr, &bias) : NULL, cu_mem, fn, chain[INLINE_MAX];
	struct cu_index *ci;
	Dwarf_Attribute a;
	Dwarf_Files *files = NULL;
	Dwarf_Line *row;
	const char *comp_dir, *src = NULL, *file = NULL;
	int lineno = 0;
	size_t n = 0, nfiles = 0, nc, k;

	if (!dbg)
		return 0;
	if (!cu) {
		/* no .debug_aranges (Go): the CU of the function found by the CUs' ranges */
		if (!cu_at(c, mod, dbg, addr - bias, &cu_mem))
			return 0;
		cu = &cu_mem;
	}
	comp_dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &a));
	row = dwarf_getsrc_die(cu, addr - bias);
	if (row && !dwarf_lineno(row, &lineno))
		src = dwarf_linesrc(row, NULL, NULL);
	file = canonical(c, src, comp_dir);
	if (dwarf_getsrcfiles(cu, &files, &nfiles))
		files = NULL;
	ci = cu_index(c, mod, cu);
	nc = ci && function_at(dbg, ci, addr - bias, &fn) ? inline_chain(&fn, addr - bias, chain, INLINE_MAX) : 0;
	/* innermost first: each inlined instance's call site is the line in the function around it */
	for (k = nc; k-- > 0;) {
		Dwarf_Word cf = 0, cl = 0;

		lines[n][0] = die_function(c, w, &chain[k], file ? file : "", comp_dir);
		lines[n][1] = lineno > 0 ? (uint64_t)lineno : 0;
		if (lines[n][0])
			n++;
		if (!k)
			break;
		dwarf_formudata(dwarf_attr(&chain[k], DW_AT_call_file, &a), &cf);
		dwarf_formudata(dwarf_attr(&chain[k], DW_AT_call_line, &a), &cl);
		file = canonical(c, files && cf < nfiles ? dwarf_filesrc(files, cf, NULL, NULL) : NULL, comp_dir);
		lineno = cl <= INT32_MAX ? (int)cl : 0;
	}
	/* code outside any function DIE (assembly): the row's line under the ELF symbol */
	if (!n && src) {
		const char *sym = dwfl_module_addrname(mod, addr);

		lines[0][0] = function_id(c, w, sym ? sym : "??", NULL, file, 0);
		lines[0][1] = lineno > 0 ? (uint64_t)lineno : 0;
		n = lines[0][0] != 0;
	}
	return n;
}

static void write_frame(struct callchains *c, struct symbols *s, struct profile_writer *w, struct frame *fr)
{
	uint64_t lines[INLINE_MAX][2], address = fr->addr;
	const char *path = NULL;
	Dwfl_Module *mod = s ? symbols_module_at(s, fr->addr, &path) : NULL;
	uint32_t object = 0;
	size_t n = 0;

	if (mod) {
		Dwarf_Addr bias = 0;

		/* the ELF address: the same in every run, whatever the load address */
		if (dwfl_module_getelf(mod, &bias))
			address = fr->addr - bias;
		object = object_id(c, w, mod, path, bias);
		n = dwarf_lines(c, w, mod, fr->addr, lines);
		if (!n) {
			/* no DWARF here (a library without debug info): its ELF symbol */
			const char *sym = dwfl_module_addrname(mod, fr->addr);

			if (sym && (lines[0][0] = function_id(c, w, sym, NULL, NULL, 0))) {
				lines[0][1] = 0;
				n = 1;
			}
		}
	}
	fr->id = ++c->next_frame;
	profile_write_frame(w, fr->id, object, address, (const uint64_t (*)[2])lines, n);
}

void callchains_write_frames(struct callchains *c, struct symbols *s, struct profile_writer *w)
{
	for (; c->written < c->nframes; c->written++)
		write_frame(c, s, w, &c->frames[c->written]);
}

void callchains_write_stacks(struct callchains *c, struct symbols *s, struct profile_writer *w)
{
	uint32_t ids[STACK_MAX];
	const struct stack *st;
	size_t k;

	callchains_write_frames(c, s, w);
	for (st = c->stacks; st; st = st->hh.next) {
		for (k = 0; k < st->n; k++)
			ids[k] = c->frames[st->frame[k]].id;
		profile_write_stack(w, st->count, s && st->line ? symbols_line_name(s, st->line) : NULL, ids,
				    st->n);
	}
}

uint64_t callchains_samples(const struct callchains *c)
{
	return c->samples;
}

size_t callchains_stacks(const struct callchains *c)
{
	return HASH_COUNT(c->stacks);
}

size_t callchains_frames(const struct callchains *c)
{
	return c->nframes;
}

uint64_t callchains_lost(const struct callchains *c)
{
	return c->lost;
}

void callchains_free(struct callchains *c)
{
	struct stack *st, *tmp;
	size_t i;

	if (!c)
		return;
	u64_index_free(&c->frame_of_addr);
	free(c->frames);
	HASH_ITER(hh, c->stacks, st, tmp) {
		HASH_DEL(c->stacks, st);
		free(st);
	}
	strmap_free(&c->objects);
	strmap_free(&c->functions);
	for (i = 0; i < c->ncus; i++)
		free(c->cus[i].r);
	free(c->cus);
	strmap_free(&c->cu_keys);
	for (i = 0; i < c->ncanon; i++)
		free(c->canon[i]);
	free(c->canon);
	strmap_free(&c->canon_keys);
	free(c);
}
