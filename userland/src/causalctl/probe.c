/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resolving uprobe progress points (SYMBOL, FILE:LINE, 0xOFFSET) to file offsets of a binary. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "array.h"
#include "gopclntab.h"
#include "probe.h"
#include "symutil.h"

struct resolver {
	const char *binary;
	Dwfl_Module *mod;
	Dwarf_Addr elf_bias;	/* Dwfl address = ELF vaddr + elf_bias */
	struct exec_seg *seg;
	size_t nseg;
	struct probe_loc *loc;
	size_t n, cap;
	char *err;
	size_t errlen;
};

/* The executable segment holding ELF address vaddr in the file, or NULL. */
static const struct exec_seg *seg_of_vaddr(const struct resolver *r, uint64_t vaddr)
{
	size_t i;

	for (i = 0; i < r->nseg; i++)
		if (vaddr >= r->seg[i].vaddr && vaddr - r->seg[i].vaddr < r->seg[i].filesz)
			return &r->seg[i];
	return NULL;
}

/* Adds a location for ELF address vaddr unless it is already there or not in code. */
static int add_loc(struct resolver *r, uint64_t vaddr, const char *desc)
{
	const struct exec_seg *seg = seg_of_vaddr(r, vaddr);
	struct probe_loc *loc;
	size_t i;

	if (!seg)
		return 0;
	for (i = 0; i < r->n; i++)
		if (r->loc[i].vaddr == vaddr)
			return 0;
	loc = array_grow(r->loc, r->n, &r->cap, sizeof(*loc), 8);
	if (!loc)
		return -ENOMEM;
	r->loc = loc;
	r->loc[r->n].vaddr = vaddr;
	r->loc[r->n].offset = seg->offset + (vaddr - seg->vaddr);
	snprintf(r->loc[r->n].desc, sizeof(r->loc[r->n].desc), "%s", desc);
	r->n++;
	return 0;
}

/*
 * A Go binary stripped of its symbol table (-ldflags=-s) still names its functions in Go's own
 * line table: their entries, when the ELF symbols did not have name. 0 (maybe no location) or
 * -ENOMEM.
 */
static int resolve_go_function(struct resolver *r, const char *name, struct near_list *near)
{
	Dwarf_Addr bias;
	Elf *elf = dwfl_module_getelf(r->mod, &bias);
	struct gopcln t;
	uint32_t i;

	if (!elf || gopcln_from_elf(elf, &t))
		return 0;
	for (i = 0; i < t.nfunc; i++) {
		struct gopcln_func f;

		if (gopcln_func(&t, i, &f))
			continue;
		if (!strcmp(f.name, name)) {
			if (add_loc(r, f.entry, f.name))
				return -ENOMEM;
		} else {
			near_add(near, f.name, near_score(name, f.name));
		}
	}
	return 0;
}

static int resolve_symbol(struct resolver *r, const char *name, bool want_function_entry)
{
	struct near_list near = { 0 };
	int nsym = dwfl_module_getsymtab(r->mod), i;

	if (nsym < 0) {
		if (resolve_go_function(r, name, &near))
			return -ENOMEM;
		if (r->n)
			return 0;
		snprintf(r->err, r->errlen, "%s has no symbol table", r->binary);
		near_format(&near, "; Go functions closest: ", r->err, r->errlen);
		return -ENOENT;
	}
	for (i = 1; i < nsym; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		Elf *elf;
		Dwarf_Addr bias;
		const char *s = dwfl_module_getsym_info(r->mod, i, &sym, &addr, &shndx, &elf, &bias);
		int type;

		if (!s || !*s || shndx == SHN_UNDEF)
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		/* an IFUNC's address is its resolver's, never the implementation's */
		if (type != STT_FUNC && (want_function_entry || type != STT_NOTYPE))
			continue;
		if (!strcmp(s, name)) {
			if (add_loc(r, addr - bias, s))
				return -ENOMEM;
		} else if (type == STT_FUNC) {
			near_add(&near, s, near_score(name, s));
		}
	}
	if (!r->n && resolve_go_function(r, name, &near))
		return -ENOMEM;
	if (r->n)
		return 0;
	snprintf(r->err, r->errlen, "%s has no function symbol \"%s\"", r->binary, name);
	near_format(&near, "; closest: ", r->err, r->errlen);
	return -ENOENT;
}

/* What is known about one (comp_dir, file name) pair, across CUs. */
enum { FILE_OTHER = 0 };	/* else the index + 1 of a matching canonical file */

struct line_search {
	struct resolver *r;
	const char *file;	/* as the user gave it */
	const char *base;	/* its last component */
	unsigned line;
	struct strmap seen;	/* comp_dir "\n" name → FILE_OTHER or index + 1 into matched */
	char **matched;		/* canonical paths of matching files */
	size_t nmatched;
	bool *has_line;		/* per matched file: a location came from it */
	struct near_list near_lines, near_files;
	bool any_lines;
};

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* The matched-file index + 1 of a line-table file, or FILE_OTHER; -ENOMEM. */
static long classify_file(struct line_search *ls, const char *name, const char *comp_dir)
{
	char *key = NULL, *canon = NULL, *joined = NULL;
	uint32_t state;
	long ret = -ENOMEM;

	if (asprintf(&key, "%s\n%s", name[0] == '/' || !comp_dir ? "" : comp_dir, name) < 0)
		return -ENOMEM;
	if (strmap_get(&ls->seen, key, &state)) {
		ret = state;
		goto out;
	}
	state = FILE_OTHER;
	if (name[0] != '/' && comp_dir) {
		if (asprintf(&joined, "%s/%s", comp_dir, name) < 0)
			goto out;
	} else if (!(joined = strdup(name))) {
		goto out;
	}
	/* canonicalising every header of every CU is slow: only files that could match */
	if (path_suffix_match(joined, ls->file) || !strcmp(base_name(joined), ls->base)) {
		canon = path_canonical(name, comp_dir);
		if (!canon)
			goto out;
		if (path_suffix_match(canon, ls->file) || path_suffix_match(joined, ls->file)) {
			size_t i;

			for (i = 0; i < ls->nmatched && strcmp(ls->matched[i], canon); i++)
				;
			if (i == ls->nmatched) {
				char **m = realloc(ls->matched, (i + 1) * sizeof(*m));
				bool *h = realloc(ls->has_line, (i + 1) * sizeof(*h));

				if (m)
					ls->matched = m;
				if (h)
					ls->has_line = h;
				if (!m || !h)
					goto out;
				ls->matched[i] = canon;
				ls->has_line[i] = false;
				canon = NULL;
				ls->nmatched++;
			}
			state = (uint32_t)(i + 1);
		}
	}
	if (state == FILE_OTHER)
		near_add(&ls->near_files, joined, near_score(ls->base, base_name(joined)));
	if (strmap_put(&ls->seen, key, state))
		goto out;
	ret = state;
out:
	free(key);
	free(canon);
	free(joined);
	return ret;
}

static int search_cu(struct line_search *ls, Dwarf_Die *cu, Dwarf_Addr bias)
{
	struct resolver *r = ls->r;
	Dwarf_Attribute attr;
	Dwarf_Lines *lines;
	Dwarf_Files *files, *cu_files = NULL;
	const char *comp_dir;
	size_t nlines, i, prev_idx = SIZE_MAX, ncu_files = 0;
	long *cls = NULL;	/* per file of the CU's table: its class, or -1 before asked */
	int prev_line = 0, ret = 0;
	bool run_has_stmt = false;

	if (dwarf_getsrclines(cu, &lines, &nlines))
		return 0;
	ls->any_lines = true;
	comp_dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr));
	/* classifying a file costs string work: once per file of the CU, not once per row */
	if (!dwarf_getsrcfiles(cu, &cu_files, &ncu_files) && ncu_files) {
		cls = malloc(ncu_files * sizeof(*cls));
		if (!cls)
			return -ENOMEM;
		for (i = 0; i < ncu_files; i++)
			cls[i] = -1;
	}
	for (i = 0; i < nlines; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		Dwarf_Addr addr;
		const char *name;
		size_t idx;
		bool endseq, stmt;
		int lineno;
		long file;

		if (!l || dwarf_lineendsequence(l, &endseq) || dwarf_lineaddr(l, &addr) ||
		    dwarf_lineno(l, &lineno) || dwarf_linebeginstatement(l, &stmt) ||
		    dwarf_line_file(l, &files, &idx) || endseq || lineno <= 0) {
			prev_idx = SIZE_MAX;
			continue;
		}
		if (idx != prev_idx || lineno != prev_line)
			run_has_stmt = false;
		prev_idx = idx;
		prev_line = lineno;
		if (cls && files == cu_files && idx < ncu_files && cls[idx] >= 0) {
			file = cls[idx];
		} else {
			name = dwarf_filesrc(files, idx, NULL, NULL);
			if (!name)
				continue;
			file = classify_file(ls, name, comp_dir);
			if (file < 0) {
				ret = (int)file;
				break;
			}
			if (cls && files == cu_files && idx < ncu_files)
				cls[idx] = file;
		}
		if (file == FILE_OTHER)
			continue;
		if ((unsigned)lineno == ls->line) {
			uint64_t vaddr = addr + bias - r->elf_bias;
			char desc[128];
			size_t before = r->n;

			if (!stmt || run_has_stmt)
				continue;
			run_has_stmt = true;
			snprintf(desc, sizeof(desc), "%s:%u (0x%llx)", base_name(ls->matched[file - 1]),
				 ls->line, (unsigned long long)vaddr);
			if (add_loc(r, vaddr, desc)) {
				ret = -ENOMEM;
				break;
			}
			if (r->n != before || seg_of_vaddr(r, vaddr))
				ls->has_line[file - 1] = true;
		} else if (seg_of_vaddr(r, addr + bias - r->elf_bias)) {
			unsigned d = (unsigned)lineno > ls->line ? (unsigned)lineno - ls->line
								 : ls->line - (unsigned)lineno;
			char what[PATH_MAX + 16];

			snprintf(what, sizeof(what), "%s:%d", ls->matched[file - 1], lineno);
			near_add(&ls->near_lines, what, d);
		}
	}
	free(cls);
	return ret;
}

static int resolve_line(struct resolver *r, const char *spec, const char *colon)
{
	struct line_search ls = { .r = r };
	char file[PATH_MAX];
	Dwarf_Die *cu = NULL;
	Dwarf_Addr bias;
	size_t i, with_line = 0;
	int ret = 0;

	if ((size_t)(colon - spec) >= sizeof(file)) {
		snprintf(r->err, r->errlen, "file name too long in \"%s\"", spec);
		return -EINVAL;
	}
	memcpy(file, spec, (size_t)(colon - spec));
	file[colon - spec] = '\0';
	ls.file = file;
	ls.base = base_name(file);
	ls.line = (unsigned)strtoul(colon + 1, NULL, 10);
	if (dwfl_module_getdwarf(r->mod, &bias))
		while (!ret && (cu = dwfl_module_nextcu(r->mod, cu, &bias)))
			ret = search_cu(&ls, cu, bias);
	if (ret) {
		snprintf(r->err, r->errlen, "out of memory");
	} else if (!ls.any_lines) {
		snprintf(r->err, r->errlen, "%s has no debug info (DWARF); rebuild it with -g, or "
			 "install its debug symbols (e.g. the -dbgsym package), or use a SYMBOL or "
			 "0xOFFSET progress point", r->binary);
		ret = -ENOENT;
	} else {
		for (i = 0; i < ls.nmatched; i++)
			with_line += ls.has_line[i];
		if (with_line > 1) {
			snprintf(r->err, r->errlen, "\"%s\" matches several source files of %s, give "
				 "more of the path:", spec, r->binary);
			for (i = 0; i < ls.nmatched; i++)
				if (ls.has_line[i])
					snprintf(r->err + strlen(r->err), r->errlen - strlen(r->err),
						 " %s", ls.matched[i]);
			ret = -EINVAL;
		} else if (!r->n && ls.nmatched) {
			snprintf(r->err, r->errlen, "no code for line %u of %s in %s", ls.line, file,
				 r->binary);
			near_format(&ls.near_lines, "; closest lines: ", r->err, r->errlen);
			ret = -ENOENT;
		} else if (!r->n) {
			snprintf(r->err, r->errlen, "no source file matching \"%s\" in the debug info "
				 "of %s", file, r->binary);
			near_format(&ls.near_files, "; closest files: ", r->err, r->errlen);
			ret = -ENOENT;
		}
	}
	strmap_free(&ls.seen);
	for (i = 0; i < ls.nmatched; i++)
		free(ls.matched[i]);
	free(ls.matched);
	free(ls.has_line);
	return ret;
}

static int resolve_offset(struct resolver *r, const char *spec)
{
	char *end;
	unsigned long long off;
	size_t i;

	errno = 0;
	off = strtoull(spec + 2, &end, 16);
	if (errno || *end || end == spec + 2) {
		snprintf(r->err, r->errlen, "\"%s\" is not a hexadecimal file offset", spec);
		return -EINVAL;
	}
	for (i = 0; i < r->nseg; i++) {
		const struct exec_seg *g = &r->seg[i];

		if (off >= g->offset && off - g->offset < g->filesz) {
			char desc[32];

			snprintf(desc, sizeof(desc), "0x%llx", off);
			return add_loc(r, g->vaddr + (off - g->offset), desc);
		}
	}
	snprintf(r->err, r->errlen, "offset %s is not inside an executable segment of %s", spec,
		 r->binary);
	return -ERANGE;
}

static bool is_hex_offset(const char *spec)
{
	return spec[0] == '0' && (spec[1] == 'x' || spec[1] == 'X');
}

/* "FILE:LINE": the colon before a decimal line number, or NULL. */
static const char *line_colon(const char *spec)
{
	const char *colon = strrchr(spec, ':'), *p;

	if (!colon || colon == spec || !colon[1])
		return NULL;
	for (p = colon + 1; *p; p++)
		if (!isdigit((unsigned char)*p))
			return NULL;
	return strtoul(colon + 1, NULL, 10) ? colon : NULL;
}

static int cmp_loc(const void *a, const void *b)
{
	const struct probe_loc *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return 0;
}

int probe_resolve(const char *binary, const char *spec, bool want_function_entry,
		  struct probe_loc **locs, size_t *n, char *err, size_t errlen)
{
	struct resolver r = { .binary = binary, .err = err, .errlen = errlen };
	const char *colon;
	Dwfl *dwfl;
	Elf *elf;
	GElf_Ehdr ehdr;
	int ret;

	*locs = NULL;
	*n = 0;
	err[0] = '\0';
	if (!spec || !*spec) {
		snprintf(err, errlen, "empty progress point for %s", binary);
		return -EINVAL;
	}
	r.mod = dwfl_open_file(binary, &dwfl, err, errlen);
	if (!dwfl)
		return access(binary, R_OK) ? -errno : -ENOMEM;
	elf = r.mod ? dwfl_module_getelf(r.mod, &r.elf_bias) : NULL;
	if (!elf || !gelf_getehdr(elf, &ehdr) ||
	    (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN)) {
		snprintf(err, errlen, "%s is not an ELF executable or shared object%s%s", binary,
			 elf ? "" : ": ", elf ? "" : dwfl_errmsg(-1));
		ret = -ENOEXEC;
		goto out;
	}
	ret = elf_exec_segments(elf, &r.seg, &r.nseg);
	if (ret) {
		snprintf(err, errlen, "%s: cannot read its program headers", binary);
		goto out;
	}
	if (is_hex_offset(spec))
		ret = resolve_offset(&r, spec);
	else if ((colon = line_colon(spec)))
		ret = resolve_line(&r, spec, colon);
	else
		ret = resolve_symbol(&r, spec, want_function_entry);
	if (!ret && !r.n) {
		snprintf(err, errlen, "\"%s\" resolves to no code in %s", spec, binary);
		ret = -ENOENT;
	}
	if (ret == -ENOMEM && !err[0])
		snprintf(err, errlen, "out of memory");
out:
	if (ret) {
		free(r.loc);
	} else {
		qsort(r.loc, r.n, sizeof(*r.loc), cmp_loc);
		*locs = r.loc;
		*n = r.n;
	}
	free(r.seg);
	dwfl_end(dwfl);
	return ret;
}
