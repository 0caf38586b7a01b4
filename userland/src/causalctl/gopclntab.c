/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Go's .gopclntab: header, function table and the pc-value tables of files and lines. */
#include <errno.h>
#include <string.h>

#include "gopclntab.h"

#define MAGIC_GO118	0xfffffff0u
#define MAGIC_GO120	0xfffffff1u
#define MAGIC_GO116	0xfffffffau
#define MAGIC_GO12	0xfffffffbu

/* _func's fields (uint32 each, from entryOff at 0) that are read here */
#define FUNC_NAMEOFF	4
#define FUNC_PCFILE	20
#define FUNC_PCLN	24
#define FUNC_CUOFFSET	32
#define FUNC_SIZE	36	/* up to and including cuOffset */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Does [off, off + n) lie in the table? */
static bool in_tab(const struct gopcln *t, uint64_t off, uint64_t n)
{
	return off <= t->len && n <= t->len - off;
}

/* The NUL-terminated string at off, or NULL if it runs off the table. */
static const char *str_at(const struct gopcln *t, uint64_t off)
{
	if (off >= t->len || !memchr(t->tab + off, '\0', t->len - off))
		return NULL;
	return (const char *)t->tab + off;
}

/* Header word i (after magic, pads, quantum and pointer size). */
static uint64_t hdr_word(const struct gopcln *t, unsigned i)
{
	const uint8_t *p = t->tab + 8 + (size_t)i * t->ptrsize;

	return t->ptrsize == 8 ? le64(p) : le32(p);
}

int gopcln_parse(struct gopcln *t, const void *tab, size_t len, uint64_t text)
{
	uint32_t magic;
	uint64_t nfunc;

	memset(t, 0, sizeof(*t));
	t->tab = tab;
	t->len = len;
	t->text = text;
	/* little-endian only: the targets causal runs on */
	if (len < 8)
		return -EINVAL;
	magic = le32(t->tab);
	if (magic == MAGIC_GO12 || magic == MAGIC_GO116)
		return -EPROTONOSUPPORT;
	if (magic != MAGIC_GO118 && magic != MAGIC_GO120)
		return -EINVAL;
	t->version = magic == MAGIC_GO118 ? 118 : 120;
	t->quantum = t->tab[6];
	t->ptrsize = t->tab[7];
	if (t->tab[4] || t->tab[5] || (t->quantum != 1 && t->quantum != 2 && t->quantum != 4) ||
	    (t->ptrsize != 4 && t->ptrsize != 8) || len < 8 + 8 * (size_t)t->ptrsize)
		return -EINVAL;
	/* words: nfunc, nfiles, (textStart), funcname, cu, filetab, pctab and pcln offsets */
	nfunc = hdr_word(t, 0);
	t->funcnames = hdr_word(t, 3);
	t->cutab = hdr_word(t, 4);
	t->filetab = hdr_word(t, 5);
	t->pctab = hdr_word(t, 6);
	t->functab = hdr_word(t, 7);
	/* nfunc + 1 (entry offset, func offset) pairs: the last entry is the end of text */
	if (nfunc > UINT32_MAX - 1 || !in_tab(t, t->functab, (nfunc + 1) * 8) ||
	    t->funcnames >= len || t->cutab >= len || t->filetab >= len || t->pctab >= len)
		return -EINVAL;
	t->nfunc = (uint32_t)nfunc;
	return 0;
}

static uint64_t entry_at(const struct gopcln *t, uint32_t i)
{
	return t->text + le32(t->tab + t->functab + (uint64_t)i * 8);
}

int gopcln_func(const struct gopcln *t, uint32_t i, struct gopcln_func *f)
{
	uint64_t off;
	const uint8_t *p;

	if (i >= t->nfunc)
		return -EINVAL;
	off = t->functab + le32(t->tab + t->functab + (uint64_t)i * 8 + 4);
	if (!in_tab(t, off, FUNC_SIZE))
		return -EINVAL;
	p = t->tab + off;
	f->entry = entry_at(t, i);
	f->end = entry_at(t, i + 1);
	/* the function's own record must agree with the table that points at it */
	if (t->text + le32(p) != f->entry || f->end < f->entry)
		return -EINVAL;
	f->name = str_at(t, t->funcnames + le32(p + FUNC_NAMEOFF));
	f->pcfile = le32(p + FUNC_PCFILE);
	f->pcln = le32(p + FUNC_PCLN);
	f->cu = le32(p + FUNC_CUOFFSET);
	return f->name ? 0 : -EINVAL;
}

long gopcln_find(const struct gopcln *t, uint64_t addr)
{
	uint32_t lo = 0, hi = t->nfunc;

	if (!t->nfunc || addr < entry_at(t, 0) || addr >= entry_at(t, t->nfunc))
		return -1;
	/* the last function whose entry is at or before addr */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (entry_at(t, mid) <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? (long)lo - 1 : -1;
}

/*
 * One pc-value table being read: a run of (value delta, pc delta) varint pairs from the
 * function's entry, the value starting at -1; a zero value delta after the first pair ends it
 * (runtime/symtab.go: step).
 */
struct pcvalue {
	const struct gopcln *t;
	uint64_t off;		/* next byte in tab */
	uint64_t start, end;	/* the current run [start, end) has val */
	int32_t val;
	bool first, done;
};

static bool varint(struct pcvalue *v, uint32_t *out)
{
	uint32_t x = 0;
	unsigned shift;

	for (shift = 0; shift < 35; shift += 7) {
		uint8_t b;

		if (v->off >= v->t->len)
			return false;
		b = v->t->tab[v->off++];
		x |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = x;
			return true;
		}
	}
	return false;
}

/* Moves to the next run: true, or false at the table's end (v->done) or on corruption. */
static bool pcvalue_next(struct pcvalue *v)
{
	uint32_t uv, pcdelta;

	if (v->done)
		return false;
	if (!varint(v, &uv)) {
		v->done = true;
		return false;
	}
	if (!uv && !v->first) {
		v->done = true;
		return false;
	}
	if (!varint(v, &pcdelta)) {
		v->done = true;
		return false;
	}
	v->first = false;
	/* zig-zag; wrapping as Go's int32 does, which a corrupt table may make it do */
	v->val = (int32_t)((uint32_t)v->val + ((uv & 1) ? ~(uv >> 1) : uv >> 1));
	v->start = v->end;
	v->end += (uint64_t)pcdelta * v->t->quantum;
	return true;
}

static int pcvalue_init(struct pcvalue *v, const struct gopcln *t, uint32_t table, uint64_t entry)
{
	*v = (struct pcvalue){ .t = t, .off = t->pctab + table, .start = entry, .end = entry,
			       .val = -1, .first = true };
	if (!table || !in_tab(t, v->off, 1))
		return -EINVAL;
	return 0;
}

/* The file of value val in f's compilation unit, or NULL. */
static const char *file_name(const struct gopcln *t, const struct gopcln_func *f, int32_t val)
{
	uint64_t off;

	if (val < 0)
		return NULL;
	off = t->cutab + ((uint64_t)f->cu + (uint32_t)val) * 4;
	if (!in_tab(t, off, 4))
		return NULL;
	off = le32(t->tab + off);
	if (off == UINT32_MAX)
		return NULL;
	return str_at(t, t->filetab + off);
}

int gopcln_rows(const struct gopcln *t, const struct gopcln_func *f, gopcln_row_fn fn, void *arg)
{
	struct pcvalue file, line;
	int ret;

	if (pcvalue_init(&file, t, f->pcfile, f->entry) || pcvalue_init(&line, t, f->pcln, f->entry))
		return -EINVAL;
	if (!pcvalue_next(&file) || !pcvalue_next(&line))
		return -EINVAL;
	/* the two tables split the function differently: walk both, one run of each at a time */
	for (;;) {
		uint64_t start = file.start > line.start ? file.start : line.start;
		uint64_t end = file.end < line.end ? file.end : line.end;
		const char *name;

		if (end > f->end)
			end = f->end;
		if (start < end && line.val > 0 && (name = file_name(t, f, file.val))) {
			ret = fn(arg, start, end, name, (uint32_t)line.val);
			if (ret)
				return ret;
		}
		if (end >= f->end)
			break;
		if (file.end <= line.end) {
			if (!pcvalue_next(&file))
				break;
		} else if (!pcvalue_next(&line)) {
			break;
		}
	}
	return 0;
}

struct find_row {
	uint64_t addr;
	const char *file;
	uint32_t line;
};

static int find_row(void *arg, uint64_t start, uint64_t end, const char *file, uint32_t line)
{
	struct find_row *r = arg;

	if (r->addr < start || r->addr >= end)
		return 0;
	r->file = file;
	r->line = line;
	return 1;
}

int gopcln_addr_line(const struct gopcln *t, uint64_t addr, struct gopcln_func *f,
		     const char **file, uint32_t *line)
{
	struct gopcln_func own;
	struct find_row r = { .addr = addr };
	long i = gopcln_find(t, addr);

	if (!f)
		f = &own;
	if (i < 0 || gopcln_func(t, (uint32_t)i, f) || gopcln_rows(t, f, find_row, &r) != 1)
		return -ENOENT;
	*file = r.file;
	*line = r.line;
	return 0;
}

/* The section called name, with its header in *shdr, or NULL. */
static Elf_Scn *section(Elf *elf, const char *name, GElf_Shdr *shdr)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, shdr))
			continue;
		n = elf_strptr(elf, shstrndx, shdr->sh_name);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

/*
 * Where the function entry offsets count from: the runtime's module data (runtime.moduledata,
 * in its own section .go.module since Go 1.26, in .noptrdata before) knows, as its text field. It starts with a pointer to the pclntab header and
 * the funcnametab slice (pointer, length, capacity) over the same table; that pair identifies
 * it, and text is its 23rd word (after the six slices over the table, findfunctab, minpc and
 * maxpc), the same from Go 1.16 to today. Linked by an external linker (cgo), text is not
 * where .text starts, so that guess is only the fallback, as in cmd/internal/objfile.
 */
static uint64_t text_start(Elf *elf, uint64_t tab_addr, const struct gopcln *t)
{
	static const char *const data_sections[] = {
		".go.module", ".noptrdata", ".data.rel.ro", ".data"
	};
	GElf_Shdr shdr;
	size_t k;

	for (k = 0; t->ptrsize == 8 && k < sizeof(data_sections) / sizeof(data_sections[0]); k++) {
		Elf_Scn *scn = section(elf, data_sections[k], &shdr);
		Elf_Data *d = scn && shdr.sh_type != SHT_NOBITS ? elf_getdata(scn, NULL) : NULL;
		const uint8_t *p;
		size_t off;

		if (!d || !d->d_buf)
			continue;
		p = d->d_buf;
		for (off = 0; off + 23 * 8 <= d->d_size; off += 8)
			if (le64(p + off) == tab_addr && le64(p + off + 8) == tab_addr + t->funcnames)
				return le64(p + off + 22 * 8);
	}
	if (section(elf, ".text", &shdr))
		return shdr.sh_addr;
	return 0;
}

int gopcln_from_elf(Elf *elf, struct gopcln *t)
{
	GElf_Shdr shdr;
	Elf_Scn *scn = section(elf, ".gopclntab", &shdr);
	Elf_Data *d;
	int ret;

	if (!scn)
		scn = section(elf, ".data.rel.ro.gopclntab", &shdr);
	if (!scn || shdr.sh_type == SHT_NOBITS || !(d = elf_getdata(scn, NULL)) || !d->d_buf)
		return -ENOENT;
	ret = gopcln_parse(t, d->d_buf, d->d_size, 0);
	if (ret)
		return ret;
	t->text = text_start(elf, shdr.sh_addr, t);
	return 0;
}
