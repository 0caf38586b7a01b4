/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Distinct callchains with counts, and their frames symbolised whole with libdw. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "callchain.h"
#include "causalctl.h"
#include "symutil.h"

/* the leaf and the module's return addresses */
#define STACK_MAX	(CAUSAL_MAX_CALLCHAIN + 1)
/* inlined functions kept per frame, innermost first (deeper nests keep their outer calls) */
#define INLINE_MAX	32

struct frame {
	uint64_t addr;		/* the lookup address: the ip, or a return address - 1 (the call) */
	uint32_t id;		/* its frame record's id; 0: not written yet */
};

struct stack {
	uint64_t count;
	line_id line;
	uint32_t n;
	uint32_t frame[STACK_MAX];	/* indexes into frames, leaf first */
};

struct callchains {
	struct frame *frames;
	size_t nframes, frames_cap, written;	/* frames[0..written) have records */
	uint32_t *fslot;	/* open addressing over addr: frame index + 1 */
	size_t fcap;

	struct stack *stacks;
	size_t nstacks, stacks_cap;
	uint32_t *sslot;	/* open addressing over (line, frames): stack index + 1 */
	size_t scap;

	struct strmap objects;	/* "path\nbuild id" → object id */
	struct strmap functions;	/* "name\nsystem name\nfile\nstart line" → function id */
	uint32_t next_object, next_function, next_frame;
	uint64_t samples, lost;
};

struct callchains *callchains_new(void)
{
	return calloc(1, sizeof(struct callchains));
}

static uint64_t stack_hash(line_id line, const uint32_t *frame, uint32_t n)
{
	uint64_t h = hash_bytes(&line, sizeof(line), HASH_SEED);

	return hash_bytes(frame, n * sizeof(*frame), h);
}

/* Doubles an open-addressing table of index + 1 values, rehashing with key(i). */
static int rehash(uint32_t **slot, size_t *cap, size_t n, uint64_t (*key)(struct callchains *, size_t),
		  struct callchains *c)
{
	size_t ncap = *cap ? *cap * 2 : 256, i, j;
	uint32_t *s = calloc(ncap, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		j = key(c, i) & (ncap - 1);
		while (s[j])
			j = (j + 1) & (ncap - 1);
		s[j] = (uint32_t)(i + 1);
	}
	free(*slot);
	*slot = s;
	*cap = ncap;
	return 0;
}

static uint64_t frame_key(struct callchains *c, size_t i)
{
	return hash_bytes(&c->frames[i].addr, sizeof(c->frames[i].addr), HASH_SEED);
}

static uint64_t stack_key(struct callchains *c, size_t i)
{
	return stack_hash(c->stacks[i].line, c->stacks[i].frame, c->stacks[i].n);
}

/* The index of the frame at addr, added if new; -1 without memory. */
static long frame_index(struct callchains *c, uint64_t addr)
{
	size_t j;

	if ((c->nframes + 1) * 2 > c->fcap && rehash(&c->fslot, &c->fcap, c->nframes, frame_key, c))
		return -1;
	j = hash_bytes(&addr, sizeof(addr), HASH_SEED) & (c->fcap - 1);
	for (; c->fslot[j]; j = (j + 1) & (c->fcap - 1))
		if (c->frames[c->fslot[j] - 1].addr == addr)
			return c->fslot[j] - 1;
	if (c->nframes == c->frames_cap) {
		size_t cap = c->frames_cap ? c->frames_cap * 2 : 256;
		struct frame *f = realloc(c->frames, cap * sizeof(*f));

		if (!f)
			return -1;
		c->frames = f;
		c->frames_cap = cap;
	}
	c->frames[c->nframes] = (struct frame){ .addr = addr };
	c->fslot[j] = (uint32_t)++c->nframes;
	return (long)(c->nframes - 1);
}

int callchains_add(struct callchains *c, uint64_t ip, const uint64_t *callchain, unsigned int n,
		   line_id line)
{
	struct stack st = { .count = 1, .line = line };
	unsigned int i;
	long f;
	size_t j;

	c->samples++;
	f = frame_index(c, ip);
	if (f < 0)
		goto lost;
	st.frame[st.n++] = (uint32_t)f;
	for (i = 0; i < n && st.n < STACK_MAX; i++) {
		if (symbols_is_marker(callchain[i]))
			continue;
		/* the call instruction, not the one after it: that may be another line, or function */
		f = frame_index(c, callchain[i] - 1);
		if (f < 0)
			goto lost;
		st.frame[st.n++] = (uint32_t)f;
	}
	if ((c->nstacks + 1) * 2 > c->scap && rehash(&c->sslot, &c->scap, c->nstacks, stack_key, c))
		goto lost;
	j = stack_hash(line, st.frame, st.n) & (c->scap - 1);
	for (; c->sslot[j]; j = (j + 1) & (c->scap - 1)) {
		struct stack *s = &c->stacks[c->sslot[j] - 1];

		if (s->line == line && s->n == st.n && !memcmp(s->frame, st.frame, st.n * sizeof(*st.frame))) {
			s->count++;
			return 0;
		}
	}
	if (c->nstacks == c->stacks_cap) {
		size_t cap = c->stacks_cap ? c->stacks_cap * 2 : 256;
		struct stack *s = realloc(c->stacks, cap * sizeof(*s));

		if (!s)
			goto lost;
		c->stacks = s;
		c->stacks_cap = cap;
	}
	c->stacks[c->nstacks] = st;
	c->sslot[j] = (uint32_t)++c->nstacks;
	return 0;
lost:
	c->lost++;
	return -ENOMEM;
}

/* ---- symbolisation ---- */

static uint32_t object_id(struct callchains *c, struct profile_writer *w, Dwfl_Module *mod, const char *path,
			  Dwarf_Addr bias)
{
	const unsigned char *bits;
	GElf_Addr vaddr, low = 0, high = 0;
	char build_id[2 * 64 + 1] = "", *key;
	uint32_t id;
	int len, i;

	len = dwfl_module_build_id(mod, &bits, &vaddr);
	for (i = 0; i < len && i < 64; i++)
		snprintf(build_id + 2 * i, 3, "%02x", bits[i]);
	if (asprintf(&key, "%s\n%s", path, build_id) < 0)
		return 0;
	if (!strmap_get(&c->objects, key, &id)) {
		id = ++c->next_object;
		if (strmap_put(&c->objects, key, id)) {
			c->next_object--;
			free(key);
			return 0;
		}
		dwfl_module_info(mod, NULL, &low, &high, NULL, NULL, NULL, NULL);
		profile_write_object(w, id, path, build_id[0] ? build_id : NULL, low - bias, high - bias);
	}
	free(key);
	return id;
}

static uint32_t function_id(struct callchains *c, struct profile_writer *w, const char *name, const char *sys,
			    const char *file, uint64_t start_line)
{
	uint32_t id;
	char *key;

	if (asprintf(&key, "%s\n%s\n%s\n%" PRIu64, name, sys ? sys : "", file ? file : "", start_line) < 0)
		return 0;
	if (!strmap_get(&c->functions, key, &id)) {
		id = ++c->next_function;
		if (strmap_put(&c->functions, key, id)) {
			c->next_function--;
			free(key);
			return 0;
		}
		profile_write_function(w, id, name, sys, file, start_line);
	}
	free(key);
	return id;
}

static const char *die_string(Dwarf_Die *die, unsigned int at)
{
	Dwarf_Attribute a;

	return dwarf_formstring(dwarf_attr_integrate(die, at, &a));
}

/* The function a subprogram or inlined-subroutine DIE stands for; its file where it is declared. */
static uint32_t die_function(struct callchains *c, struct profile_writer *w, Dwarf_Die *die, const char *here,
			     const char *comp_dir)
{
	const char *name = dwarf_diename(die), *sys = die_string(die, DW_AT_linkage_name);
	const char *decl = dwarf_decl_file(die);
	char *file = decl ? path_canonical(decl, comp_dir) : NULL;
	int start = 0;
	uint32_t id;

	if (!sys)
		sys = die_string(die, DW_AT_MIPS_linkage_name);
	if (dwarf_decl_line(die, &start) || start < 0)
		start = 0;
	id = function_id(c, w, name ? name : "??", sys, file ? file : here, (uint64_t)start);
	free(file);
	return id;
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
	Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias), *scopes = NULL;
	Dwarf_Attribute a;
	Dwarf_Files *files = NULL;
	Dwfl_Line *row;
	const char *comp_dir, *src = NULL;
	char *file = NULL;
	int lineno = 0, ns, i;
	size_t n = 0, nfiles = 0;

	if (!cu)
		return 0;
	comp_dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &a));
	row = dwfl_module_getsrc(mod, addr);
	if (row)
		src = dwfl_lineinfo(row, NULL, &lineno, NULL, NULL, NULL);
	if (src)
		file = path_canonical(src, comp_dir);
	if (dwarf_getsrcfiles(cu, &files, &nfiles))
		files = NULL;
	/*
	 * dwarf_getscopes continues past an inlined instance into its abstract origin's scopes;
	 * the DIE tree's parents of the innermost scope are the concrete nest (as eu-addr2line -i).
	 */
	ns = dwarf_getscopes(cu, addr - bias, &scopes);
	if (ns > 0) {
		Dwarf_Die inner = scopes[0];

		free(scopes);
		scopes = NULL;
		ns = dwarf_getscopes_die(&inner, &scopes);
	}
	for (i = 0; i < ns && n < INLINE_MAX; i++) {
		int tag = dwarf_tag(&scopes[i]);
		Dwarf_Word cf = 0, cl = 0;
		const char *caller;

		if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine)
			continue;
		lines[n][0] = die_function(c, w, &scopes[i], file ? file : "", comp_dir);
		lines[n][1] = lineno > 0 ? (uint64_t)lineno : 0;
		if (lines[n][0])
			n++;
		if (tag == DW_TAG_subprogram)
			break;
		/* the next function out is where this one was inlined: its call site */
		dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &a), &cf);
		dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &a), &cl);
		caller = files && cf < nfiles ? dwarf_filesrc(files, cf, NULL, NULL) : NULL;
		free(file);
		file = caller ? path_canonical(caller, comp_dir) : NULL;
		lineno = cl <= INT32_MAX ? (int)cl : 0;
	}
	free(scopes);
	/* code outside any function DIE (assembly): the row's line under the ELF symbol */
	if (!n && src) {
		const char *sym = dwfl_module_addrname(mod, addr);

		lines[0][0] = function_id(c, w, sym ? sym : "??", NULL, file, 0);
		lines[0][1] = lineno > 0 ? (uint64_t)lineno : 0;
		n = lines[0][0] != 0;
	}
	free(file);
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
	size_t i, k;

	callchains_write_frames(c, s, w);
	for (i = 0; i < c->nstacks; i++) {
		const struct stack *st = &c->stacks[i];

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

uint64_t callchains_lost(const struct callchains *c)
{
	return c->lost;
}

void callchains_free(struct callchains *c)
{
	if (!c)
		return;
	free(c->frames);
	free(c->fslot);
	free(c->stacks);
	free(c->sslot);
	strmap_free(&c->objects);
	strmap_free(&c->functions);
	free(c);
}
