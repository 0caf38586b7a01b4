// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Finding causal.h and coz.h progress-point sites in a binary (sites.h). The DWARF gives each
 * site's static variable (its address, and the line and column of the macro that declared it);
 * the code gives the instruction that loads it: on x86-64, a RIP-relative `mov disp32(%rip), r64`
 * (REX.W 8B /r with ModRM mod 00, r/m 101). Each visit of a site does one such load: the macro
 * reads its cached counter once (an atomic load in causal.h), whether libcausal is there or not.
 * The probe goes on the instruction right after it, the `test r64, r64` of the same register
 * that every compiler we build with (gcc and clang, -O1 and -O2) puts there and never jumps to:
 * a uprobe on the RIP-relative load itself is executed out of line with its base register
 * rewritten, and on Debian's 6.12 kernel one run of the VM test ended with the target killed by a
 * general protection fault just after such a load. A load not followed by that test is not used.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "array.h"
#include "sites.h"
#include "symutil.h"

/* one site's variable, as the DWARF has it */
struct site_var {
	uint64_t vaddr;			/* ELF address of the static variable */
	char file[PATH_MAX];		/* the source file, as libdw names it (absolute) */
	char spelled[PATH_MAX];		/* as __FILE__ spells it, when it is the CU's own file */
	int line, column;
	uint64_t *loads;		/* file offsets of the tests right after its loads */
	size_t nloads;
};

struct finder {
	struct site_var *vars;
	size_t n, cap;
	Dwarf_Addr bias;		/* of the CU being walked: Dwfl address = DWARF address + bias */
	Dwarf_Addr elf_bias;		/* Dwfl address = ELF vaddr + elf_bias */
	const char *cu_name, *comp_dir;
	bool oom;
};

/* The name of the type a pointer-typed DIE points to, through typedefs' own names. */
static const char *pointee_name(Dwarf_Die *die)
{
	Dwarf_Attribute at;
	Dwarf_Die t;

	if (!dwarf_attr_integrate(die, DW_AT_type, &at) || !dwarf_formref_die(&at, &t))
		return NULL;
	while (dwarf_tag(&t) == DW_TAG_const_type || dwarf_tag(&t) == DW_TAG_volatile_type) {
		if (!dwarf_attr(&t, DW_AT_type, &at) || !dwarf_formref_die(&at, &t))
			return NULL;
	}
	if (dwarf_tag(&t) != DW_TAG_pointer_type || !dwarf_attr(&t, DW_AT_type, &at) ||
	    !dwarf_formref_die(&at, &t))
		return NULL;
	return dwarf_diename(&t);
}

/* A site's variable: causal.h's causal__site_ or coz.h's _counter, each a pointer to its counter type. */
static bool is_site_var(Dwarf_Die *die)
{
	const char *name = dwarf_diename(die), *type;

	if (!name || (strcmp(name, "causal__site_") && strcmp(name, "_counter")))
		return false;
	type = pointee_name(die);
	return type && (!strcmp(type, "causal_counter_t") || !strcmp(type, "coz_counter_t"));
}

static void add_var(struct finder *f, Dwarf_Die *die)
{
	Dwarf_Attribute at;
	Dwarf_Op *ops;
	size_t nops, i;
	const char *file;
	struct site_var *v, *a;
	uint64_t vaddr;
	int line = 0, col = 0;

	if (!dwarf_attr(die, DW_AT_location, &at) || dwarf_getlocation(&at, &ops, &nops) || nops != 1 ||
	    ops[0].atom != DW_OP_addr)
		return;
	vaddr = ops[0].number + f->bias - f->elf_bias;
	for (i = 0; i < f->n; i++)
		if (f->vars[i].vaddr == vaddr)
			return;
	a = array_grow(f->vars, f->n, &f->cap, sizeof(*a), 16);
	if (!a) {
		f->oom = true;
		return;
	}
	f->vars = a;
	v = &f->vars[f->n++];
	memset(v, 0, sizeof(*v));
	v->vaddr = vaddr;
	file = dwarf_decl_file(die);
	snprintf(v->file, sizeof(v->file), "%s", file ? file : "?");
	dwarf_decl_line(die, &line);
	dwarf_decl_column(die, &col);
	v->line = line;
	v->column = col;
	/* __FILE__ is the name the compiler was given: the CU's, when the site is in that file */
	if (f->cu_name && file) {
		char full[2 * PATH_MAX + 2];

		if (f->cu_name[0] == '/' || !f->comp_dir)
			snprintf(full, sizeof(full), "%s", f->cu_name);
		else
			snprintf(full, sizeof(full), "%s/%s", f->comp_dir, f->cu_name);
		if (!strcmp(full, file))
			snprintf(v->spelled, sizeof(v->spelled), "%s", f->cu_name);
	}
	if (!v->spelled[0])
		snprintf(v->spelled, sizeof(v->spelled), "%s", v->file);
}

static void walk(struct finder *f, Dwarf_Die *parent)
{
	Dwarf_Die child;

	if (dwarf_child(parent, &child))
		return;
	do {
		if (dwarf_tag(&child) == DW_TAG_variable && is_site_var(&child))
			add_var(f, &child);
		if (dwarf_haschildren(&child))
			walk(f, &child);
	} while (!f->oom && !dwarf_siblingof(&child, &child));
}

static int push(uint64_t **a, size_t *n, uint64_t v)
{
	uint64_t *g = realloc(*a, (*n + 1) * sizeof(**a));

	if (!g)
		return -ENOMEM;
	g[(*n)++] = v;
	*a = g;
	return 0;
}

static int cmp_var(const void *a, const void *b)
{
	const struct site_var *x = a, *y = b;

	return (x->vaddr > y->vaddr) - (x->vaddr < y->vaddr);
}

static struct site_var *var_at(struct finder *f, uint64_t vaddr)
{
	struct site_var key = { .vaddr = vaddr };

	return bsearch(&key, f->vars, f->n, sizeof(*f->vars), cmp_var);
}

/*
 * Whether the bytes at b are `test r64, r64` of register reg (0-15): REX.W with R and B alike,
 * 85 /r, ModRM mod 11 with reg and r/m alike.
 */
static bool is_test_of(const unsigned char *b, unsigned int reg)
{
	unsigned int r = ((b[0] >> 2) & 1) << 3 | ((b[2] >> 3) & 7), m = (b[0] & 1) << 3 | (b[2] & 7);

	return (b[0] & 0xf8) == 0x48 && b[1] == 0x85 && (b[2] & 0xc0) == 0xc0 && r == m && r == reg;
}

/* Every RIP-relative load of a site's variable that a test of the loaded register follows. */
static int scan_code(struct finder *f, Elf *elf)
{
	struct exec_seg *segs = NULL;
	size_t nseg = 0, s, j;
	int ret;

	/* no site variables (no DWARF, or no macros): nothing to look for, and qsort wants a pointer */
	if (!f->n)
		return 0;
	ret = elf_exec_segments(elf, &segs, &nseg);
	qsort(f->vars, f->n, sizeof(*f->vars), cmp_var);
	for (s = 0; !ret && s < nseg; s++) {
		Elf_Data *d = elf_getdata_rawchunk(elf, (int64_t)segs[s].offset, segs[s].filesz, ELF_T_BYTE);
		const unsigned char *b;

		if (!d || d->d_size < 8)
			continue;
		b = d->d_buf;
		for (j = 0; !ret && j + 10 <= d->d_size; j++) {
			struct site_var *v;
			unsigned int reg;
			int32_t disp;

			/* REX.W 8B /r, ModRM mod 00 r/m 101: mov disp32(%rip), r64 */
			if ((b[j] & 0xf8) != 0x48 || b[j + 1] != 0x8b || (b[j + 2] & 0xc7) != 0x05)
				continue;
			memcpy(&disp, b + j + 3, sizeof(disp));
			v = var_at(f, segs[s].vaddr + j + 7 + (int64_t)disp);
			reg = ((b[j] >> 2) & 1) << 3 | ((b[j + 2] >> 3) & 7);
			if (v && is_test_of(b + j + 7, reg))
				ret = push(&v->loads, &v->nloads, segs[s].offset + j + 7);
		}
	}
	free(segs);
	return ret;
}

/* The macro that declared the site, from its source line: kind and name, or false if unreadable. */
static bool from_source(const struct site_var *v, struct site *st)
{
	static const struct {
		const char *macro;
		enum site_kind kind;
		bool named;
	} macros[] = {
		{ "CAUSAL_PROGRESS_NAMED", SITE_PROGRESS, true }, { "COZ_PROGRESS_NAMED", SITE_PROGRESS, true },
		{ "CAUSAL_PROGRESS", SITE_PROGRESS, false }, { "COZ_PROGRESS", SITE_PROGRESS, false },
		{ "CAUSAL_BEGIN", SITE_BEGIN, true }, { "COZ_BEGIN", SITE_BEGIN, true },
		{ "CAUSAL_END", SITE_END, true }, { "COZ_END", SITE_END, true },
	};
	char buf[4096], *p, *q;
	FILE *src = fopen(v->file, "re");
	int line = 0;
	size_t i, len;

	if (!src)
		return false;
	while (fgets(buf, sizeof(buf), src) && ++line < v->line)
		;
	fclose(src);
	if (line != v->line)
		return false;
	/* the column is the macro's (1-based); without one, the first macro on the line */
	p = v->column > 0 && (size_t)v->column <= strlen(buf) ? buf + v->column - 1 : buf;
	for (;; p++) {
		while (*p && !isupper((unsigned char)*p))
			p++;
		if (!*p)
			return false;
		for (i = 0; i < sizeof(macros) / sizeof(macros[0]); i++) {
			len = strlen(macros[i].macro);
			if (!strncmp(p, macros[i].macro, len) && !isalnum((unsigned char)p[len]) &&
			    p[len] != '_')
				break;
		}
		if (i < sizeof(macros) / sizeof(macros[0]))
			break;
	}
	st->kind = macros[i].kind;
	if (!macros[i].named) {
		snprintf(st->name, sizeof(st->name), "%.240s:%d", v->spelled, v->line);
		return true;
	}
	/* NAME("literal"): anything else (a variable) cannot be read from here */
	p += len;
	while (isspace((unsigned char)*p))
		p++;
	if (*p++ != '(')
		return false;
	while (isspace((unsigned char)*p))
		p++;
	if (*p++ != '"' || !(q = strchr(p, '"')))
		return false;
	snprintf(st->name, sizeof(st->name), "%.*s", (int)(q - p), p);
	return true;
}

int sites_find(const char *binary, struct site **sites, size_t *n, char *err, size_t errlen)
{
	struct finder f = { 0 };
	struct site *out = NULL;
	Dwfl_Module *mod;
	Dwarf_Die *cu = NULL;
	Dwfl *dwfl;
	Elf *elf;
	size_t i, k = 0;
	int ret = 0;

	*sites = NULL;
	*n = 0;
	mod = dwfl_open_file(binary, &dwfl, err, errlen);
	if (!dwfl)
		return access(binary, R_OK) ? -errno : -ENOMEM;
	elf = mod ? dwfl_module_getelf(mod, &f.elf_bias) : NULL;
	if (!elf) {
		snprintf(err, errlen, "%s: not an ELF file", binary);
		ret = -ENOEXEC;
		goto out;
	}
	if (dwfl_module_getdwarf(mod, &f.bias)) {
		while (!f.oom && (cu = dwfl_module_nextcu(mod, cu, &f.bias))) {
			Dwarf_Attribute at;

			f.cu_name = dwarf_diename(cu);
			f.comp_dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &at));
			walk(&f, cu);
		}
	}
	if (f.oom || scan_code(&f, elf)) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	out = calloc(f.n ? f.n : 1, sizeof(*out));
	if (!out) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < f.n; i++) {
		struct site_var *v = &f.vars[i];
		struct site *st = &out[k];

		if (!v->nloads)
			continue;
		/* a name as long as a point's may be: longer paths are cut */
		snprintf(st->where, sizeof(st->where), "%.280s:%d", v->spelled, v->line);
		snprintf(st->source, sizeof(st->source), "%s", v->file);
		if (!from_source(v, st)) {
			st->kind = SITE_PROGRESS;
			snprintf(st->name, sizeof(st->name), "%.240s:%d", v->spelled, v->line);
			st->name_guessed = true;
		}
		st->offsets = v->loads;
		st->noffsets = v->nloads;
		v->loads = NULL;
		k++;
	}
	*sites = out;
	*n = k;
out:
	for (i = 0; i < f.n; i++)
		free(f.vars[i].loads);
	free(f.vars);
	dwfl_end(dwfl);
	return ret;
}

void sites_free(struct site *sites, size_t n)
{
	size_t i;

	for (i = 0; sites && i < n; i++)
		free(sites[i].offsets);
	free(sites);
}
