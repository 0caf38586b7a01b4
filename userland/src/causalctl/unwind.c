// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Call frame rows for CAUSAL_IOC_UNWIND_SET from each mapped object's .eh_frame: the FDEs are
 * listed with dwarf_next_cfi (their addresses decoded as their CIE says), and each FDE's rows
 * stepped through with dwarf_cfi_addrframe, which computes the row at an address; the rows the
 * module can apply are kept, tidied per object, and the objects' tables joined.
 */
#include <dwarf.h>
#include <errno.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "array.h"
#include "symbols.h"
#include "unwind.h"

/* DWARF register numbers of x86-64 */
#define REG_RBP		6
#define REG_RSP		7
#define REG_RA		16

/* One object's rows, kept across updates while the object stays mapped. */
struct unwind_obj {
	Dwfl_Module *mod;
	char *path;
	uint64_t low, high;
	bool is_main;
	struct causal_unwind_row *rows;
	size_t n;
	size_t unusable, bad_fdes, overlapping;
};

struct unwind {
	size_t max_rows;
	struct unwind_obj *obj;
	size_t nobj;
	struct causal_unwind_row *rows;	/* the joined table */
	size_t n;
	struct unwind_counts counts;
};

/* ---- rows ---- */

static int cmp_row(const void *a, const void *b)
{
	const struct causal_unwind_row *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

static bool same_rule(const struct causal_unwind_row *a, const struct causal_unwind_row *b)
{
	return a->flags == b->flags && a->cfa_off == b->cfa_off && a->rbp_off == b->rbp_off;
}

size_t unwind_rows_tidy(struct causal_unwind_row *r, size_t n, size_t *overlapping)
{
	size_t i, k = 0;

	qsort(r, n, sizeof(*r), cmp_row);
	for (i = 0; i < n; i++) {
		struct causal_unwind_row *last = k ? &r[k - 1] : NULL;

		if (!r[i].len)
			continue;
		if (last && r[i].start < last->start + last->len) {
			(*overlapping)++;
			continue;
		}
		if (last && r[i].start == last->start + last->len && same_rule(last, &r[i]) &&
		    (uint64_t)last->len + r[i].len <= UINT32_MAX) {
			last->len += r[i].len;
			continue;
		}
		r[k++] = r[i];
	}
	return k;
}

/* The CFA as register + offset, if it is that. */
static bool cfa_rule(Dwarf_Frame *f, int *reg, int64_t *off)
{
	Dwarf_Op *ops;
	size_t nops;

	if (dwarf_frame_cfa(f, &ops, &nops) || nops != 1)
		return false;
	if (ops[0].atom == DW_OP_bregx) {
		*reg = ops[0].number > INT32_MAX ? -1 : (int)ops[0].number;
		*off = (int64_t)ops[0].number2;
	} else if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
		*reg = ops[0].atom - DW_OP_breg0;
		*off = (int64_t)ops[0].number;
	} else {
		return false;
	}
	return true;
}

/*
 * Where register regno of the caller is: *kept (same value, or undefined: the module leaves it
 * as it is), or saved at CFA + *off. false for any other rule.
 */
static bool reg_rule(Dwarf_Frame *f, int regno, bool *kept, int64_t *off)
{
	Dwarf_Op mem[3], *ops;
	size_t nops;

	if (dwarf_frame_register(f, regno, mem, &ops, &nops))
		return false;
	*kept = !nops;
	*off = 0;
	if (!nops)
		return true;
	/* offset(N): "DW_OP_call_frame_cfa, DW_OP_plus_uconst N" (N 0: without the second) */
	if (ops[0].atom != DW_OP_call_frame_cfa || nops > 2)
		return false;
	if (nops == 2) {
		if (ops[1].atom != DW_OP_plus_uconst)
			return false;
		*off = (int64_t)ops[1].number;
	}
	return true;
}

/* The row of frame f (its address range aside), if the module can apply it. */
static bool frame_row(Dwarf_Frame *f, struct causal_unwind_row *row)
{
	int64_t cfa_off, ra_off, rbp_off;
	bool kept;
	int reg;

	memset(row, 0, sizeof(*row));
	if (!cfa_rule(f, &reg, &cfa_off) || (reg != REG_RSP && reg != REG_RBP) ||
	    cfa_off < 8 || cfa_off > CAUSAL_UNWIND_OFF_MAX)
		return false;
	if (!reg_rule(f, REG_RA, &kept, &ra_off) || kept || ra_off != -8)
		return false;
	if (!reg_rule(f, REG_RBP, &kept, &rbp_off))
		return false;
	if (!kept && (rbp_off < -CAUSAL_UNWIND_OFF_MAX || rbp_off > -16))
		return false;
	row->flags = (reg == REG_RBP ? CAUSAL_UNWIND_CFA_RBP : 0) | (kept ? 0 : CAUSAL_UNWIND_RBP_SAVED);
	row->cfa_off = (int32_t)cfa_off;
	row->rbp_off = (int32_t)rbp_off;
	return true;
}

/* ---- one object's .eh_frame ---- */

struct eh_frame {
	const unsigned char *ident;
	Elf_Data *data;
	uint64_t addr;		/* the section's address (the object's, before the bias) */
	struct cie_enc {
		Dwarf_Off off;
		int enc;	/* the FDEs' address encoding, -1: not understood */
	} *cies;
	size_t ncies, cies_cap;
};

/* Reads a value of encoding enc's format at *p (not past end), moving *p past it. */
static bool read_encoded(const uint8_t **p, const uint8_t *end, unsigned int enc, uint64_t *v)
{
	const uint8_t *q = *p;
	unsigned int shift = 0;
	size_t size;
	uint64_t x = 0;

	switch (enc & 0x0f) {
	case DW_EH_PE_uleb128:
	case DW_EH_PE_sleb128:
		do {
			if (q >= end || shift > 63)
				return false;
			x |= (uint64_t)(*q & 0x7f) << shift;
			shift += 7;
		} while (*q++ & 0x80);
		if ((enc & 0x0f) == DW_EH_PE_sleb128 && shift < 64 && (q[-1] & 0x40))
			x |= ~0ULL << shift;
		*v = x;
		*p = q;
		return true;
	case DW_EH_PE_absptr:
	case DW_EH_PE_udata8:
	case DW_EH_PE_sdata8:
		size = 8;
		break;
	case DW_EH_PE_udata4:
	case DW_EH_PE_sdata4:
		size = 4;
		break;
	case DW_EH_PE_udata2:
	case DW_EH_PE_sdata2:
		size = 2;
		break;
	default:
		return false;
	}
	if ((size_t)(end - q) < size)
		return false;
	/* x86-64: little endian */
	for (size_t i = 0; i < size; i++)
		x |= (uint64_t)q[i] << (8 * i);
	if (size < 8 && (enc & 0x08) && (x >> (8 * size - 1)) & 1)
		x |= ~0ULL << (8 * size);
	*v = x;
	*p = q + size;
	return true;
}

/* The FDE address encoding a CIE's augmentation gives ('R'; absptr without), or -1. */
static int cie_fde_encoding(const Dwarf_CIE *cie)
{
	const uint8_t *p = cie->augmentation_data, *end = p + cie->augmentation_data_size;
	const char *a = cie->augmentation;
	int enc = DW_EH_PE_absptr;
	uint64_t skip;

	if (a[0] != 'z')
		return a[0] ? -1 : enc;
	for (a++; *a; a++) {
		switch (*a) {
		case 'R':
			if (p >= end)
				return -1;
			enc = *p++;
			break;
		case 'P': {
			const uint8_t *q = p + 1;

			if (p >= end || !read_encoded(&q, end, p[0], &skip))
				return -1;
			p = q;
			break;
		}
		case 'L':
			if (p++ >= end)
				return -1;
			break;
		case 'S':	/* signal frames: dwarf_frame_info says so per row */
		case 'B':
			break;
		default:
			return -1;
		}
	}
	return enc;
}

static int cmp_cie(const void *key, const void *elem)
{
	Dwarf_Off off = *(const Dwarf_Off *)key;
	const struct cie_enc *c = elem;

	return off < c->off ? -1 : off > c->off;
}

/* An FDE's [lo, hi), in the object's addresses. */
static bool fde_range(const struct eh_frame *eh, const Dwarf_FDE *fde, uint64_t *lo, uint64_t *hi)
{
	const struct cie_enc *c = bsearch(&fde->CIE_pointer, eh->cies, eh->ncies, sizeof(*eh->cies),
					  cmp_cie);
	const uint8_t *p = fde->start;
	uint64_t loc, len;

	if (!c || c->enc < 0 || (c->enc & DW_EH_PE_indirect))
		return false;
	if (!read_encoded(&p, fde->end, (unsigned int)c->enc, &loc) ||
	    !read_encoded(&p, fde->end, (unsigned int)c->enc & 0x0f, &len))
		return false;
	switch (c->enc & 0x70) {
	case DW_EH_PE_absptr:
		break;
	case DW_EH_PE_pcrel:
		loc += eh->addr + (uint64_t)(fde->start - (const uint8_t *)eh->data->d_buf);
		break;
	default:
		return false;
	}
	*lo = loc;
	*hi = loc + len;
	return *hi > *lo;
}

/* Lists the CIEs (offset and FDE encoding, by offset). 0 or -ENOMEM. */
static int read_cies(struct eh_frame *eh)
{
	struct cie_enc *cies;
	Dwarf_Off off = 0, next;
	Dwarf_CFI_Entry e;
	int r;

	for (; (r = dwarf_next_cfi(eh->ident, eh->data, true, off, &next, &e)) != 1; off = next) {
		if (r < 0) {
			if (next == (Dwarf_Off)-1 || next <= off)
				break;
			continue;
		}
		if (e.CIE_id != LIBDW_CIE_ID)
			continue;
		cies = array_grow(eh->cies, eh->ncies, &eh->cies_cap, sizeof(*cies), 16);
		if (!cies)
			return -ENOMEM;
		eh->cies = cies;
		eh->cies[eh->ncies++] = (struct cie_enc){ off, cie_fde_encoding(&e.cie) };
	}
	return 0;
}

/* What one object's rows are built with. */
struct build {
	struct unwind_obj *o;
	Dwarf_CFI *cfi;
	Dwarf_Addr cfi_bias, elf_bias;
	size_t cap;
};

static int add_row(struct build *b, const struct causal_unwind_row *row)
{
	struct causal_unwind_row *rows = array_grow(b->o->rows, b->o->n, &b->cap, sizeof(*rows), 256);

	if (!rows)
		return -ENOMEM;
	b->o->rows = rows;
	rows[b->o->n++] = *row;
	return 0;
}

/* The rows of the FDE covering [lo, hi) (object addresses), row by row. 0 or -ENOMEM. */
static int fde_rows(struct build *b, uint64_t lo, uint64_t hi)
{
	uint64_t pc = lo;

	while (pc < hi) {
		struct causal_unwind_row row;
		Dwarf_Frame *f = NULL;
		Dwarf_Addr start, end;
		bool signal = false;
		int ra;

		if (dwarf_cfi_addrframe(b->cfi, pc + b->elf_bias - b->cfi_bias, &f)) {
			b->o->bad_fdes++;
			return 0;
		}
		ra = dwarf_frame_info(f, &start, &end, &signal);
		end += b->cfi_bias - b->elf_bias;
		if (end <= pc) {
			free(f);
			b->o->bad_fdes++;
			return 0;
		}
		if (end > hi)
			end = hi;
		if (ra == REG_RA && !signal && end - pc <= UINT32_MAX && frame_row(f, &row)) {
			row.start = pc + b->elf_bias;
			row.len = (uint32_t)(end - pc);
			if (add_row(b, &row)) {
				free(f);
				return -ENOMEM;
			}
		} else {
			b->o->unusable++;
		}
		free(f);
		pc = end;
	}
	return 0;
}

/* The object's .eh_frame section, if it has one. */
static Elf_Data *eh_frame_section(Elf *elf, uint64_t *addr)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".eh_frame")) {
			*addr = sh.sh_addr;
			return elf_getdata(scn, NULL);
		}
	}
	return NULL;
}

/* o's rows from its .eh_frame (none without one, or on another machine). 0 or -ENOMEM. */
static int build_object(struct unwind_obj *o)
{
	struct build b = { .o = o };
	struct eh_frame eh = { 0 };
	Dwarf_Off off = 0, next;
	Dwarf_CFI_Entry e;
	GElf_Ehdr ehdr;
	Elf *elf;
	int r, ret = 0;

	elf = dwfl_module_getelf(o->mod, &b.elf_bias);
	if (!elf || !gelf_getehdr(elf, &ehdr) || ehdr.e_machine != EM_X86_64 ||
	    ehdr.e_ident[EI_CLASS] != ELFCLASS64 || ehdr.e_ident[EI_DATA] != ELFDATA2LSB)
		return 0;
	b.cfi = dwfl_module_eh_cfi(o->mod, &b.cfi_bias);
	eh.ident = ehdr.e_ident;
	eh.data = b.cfi ? eh_frame_section(elf, &eh.addr) : NULL;
	if (!eh.data || !eh.data->d_buf)
		return 0;
	ret = read_cies(&eh);
	for (; !ret && (r = dwarf_next_cfi(eh.ident, eh.data, true, off, &next, &e)) != 1; off = next) {
		uint64_t lo, hi;

		if (r < 0) {
			if (next == (Dwarf_Off)-1 || next <= off)
				break;
			continue;
		}
		if (e.CIE_id == LIBDW_CIE_ID)
			continue;
		if (!fde_range(&eh, &e.fde, &lo, &hi)) {
			o->bad_fdes++;
			continue;
		}
		ret = fde_rows(&b, lo, hi);
	}
	free(eh.cies);
	if (!ret)
		o->n = unwind_rows_tidy(o->rows, o->n, &o->overlapping);
	return ret;
}

/* ---- the table ---- */

struct unwind *unwind_new(size_t max_rows)
{
	struct unwind *u = calloc(1, sizeof(*u));

	if (u)
		u->max_rows = max_rows && max_rows < CAUSAL_MAX_UNWIND_ROWS ? max_rows : CAUSAL_MAX_UNWIND_ROWS;
	return u;
}

static void obj_free(struct unwind_obj *o)
{
	free(o->path);
	free(o->rows);
}

struct collect {
	struct unwind *u;
	struct unwind_obj *obj;
	size_t n, cap;
	bool changed;
};

/* An object of the target: its rows from before, or read now. */
static int collect_object(const struct symbols_object *so, void *arg)
{
	struct collect *c = arg;
	struct unwind_obj *objs = array_grow(c->obj, c->n, &c->cap, sizeof(*objs), 16), *o;

	if (!objs)
		return -ENOMEM;
	c->obj = objs;
	o = &objs[c->n];
	for (size_t i = 0; i < c->u->nobj; i++) {
		struct unwind_obj *old = &c->u->obj[i];

		if (old->path && old->mod == so->mod && old->low == so->low && old->high == so->high &&
		    !strcmp(old->path, so->path)) {
			*o = *old;
			memset(old, 0, sizeof(*old));	/* moved */
			o->is_main = so->is_main;
			c->n++;
			return 0;
		}
	}
	memset(o, 0, sizeof(*o));
	o->mod = so->mod;
	o->low = so->low;
	o->high = so->high;
	o->is_main = so->is_main;
	o->path = strdup(so->path);
	if (!o->path)
		return -ENOMEM;
	c->n++;
	c->changed = true;
	return build_object(o);
}

/* The objects' rows joined, the main executable's first past the limit. 0 or -ENOMEM. */
static int join(struct unwind *u)
{
	struct unwind_counts *c = &u->counts;
	size_t total = 0, k = 0, pass, i;

	free(u->rows);
	u->rows = NULL;
	u->n = 0;
	memset(c, 0, sizeof(*c));
	for (i = 0; i < u->nobj; i++) {
		const struct unwind_obj *o = &u->obj[i];

		total += o->n;
		c->objects++;
		c->objects_cfi += o->n > 0;
		c->unusable += o->unusable;
		c->bad_fdes += o->bad_fdes;
		c->overlapping += o->overlapping;
	}
	if (!total)
		return 0;
	u->rows = malloc((total < u->max_rows ? total : u->max_rows) * sizeof(*u->rows));
	if (!u->rows)
		return -ENOMEM;
	/* the main executable's rows, then the others' by address, while there is room */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < u->nobj; i++) {
			const struct unwind_obj *o = &u->obj[i];
			size_t take = o->n;

			if (o->is_main != !pass)
				continue;
			if (take > u->max_rows - k)
				take = u->max_rows - k;
			if (take)
				memcpy(u->rows + k, o->rows, take * sizeof(*o->rows));
			k += take;
			if (o->is_main)
				c->main_rows += take;
			c->over_limit += o->n - take;
		}
	}
	/* objects do not overlap, but the mappings might have said otherwise: checked anyway */
	u->n = unwind_rows_tidy(u->rows, k, &c->overlapping);
	c->rows = u->n;
	return 0;
}

int unwind_update(struct unwind *u, struct symbols *sym)
{
	struct collect c = { .u = u };
	size_t i;
	int r;

	r = symbols_objects(sym, collect_object, &c);
	for (i = 0; i < u->nobj; i++) {
		if (u->obj[i].path)
			c.changed = true;	/* gone since */
		obj_free(&u->obj[i]);
	}
	free(u->obj);
	u->obj = c.obj;
	u->nobj = c.n;
	if (!r && !c.changed)
		return 0;
	if (!r)
		r = join(u);
	if (r) {
		for (i = 0; i < u->nobj; i++)
			obj_free(&u->obj[i]);
		free(u->obj);
		u->obj = NULL;
		u->nobj = 0;
		free(u->rows);
		u->rows = NULL;
		u->n = 0;
		memset(&u->counts, 0, sizeof(u->counts));
		return r;
	}
	return 1;
}

const struct causal_unwind_row *unwind_rows(const struct unwind *u, size_t *n)
{
	*n = u->n;
	return u->rows;
}

void unwind_counts(const struct unwind *u, struct unwind_counts *c)
{
	*c = u->counts;
}

void unwind_free(struct unwind *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->nobj; i++)
		obj_free(&u->obj[i]);
	free(u->obj);
	free(u->rows);
	free(u);
}
