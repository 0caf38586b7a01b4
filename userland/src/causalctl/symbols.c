/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Symbolisation of a running process: objects from /proc/PID/maps via libdwfl, lines via linemap. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <elfutils/libdwfl.h>

#include "array.h"
#include "gopclntab.h"
#include "linemap.h"
#include "symbols.h"
#include "symutil.h"

/* perf puts context markers (PERF_CONTEXT_USER etc.) in the top page of the address space */
#define CALLCHAIN_MARKER	(~0ULL - 4095)

struct object {
	Dwfl_Module *mod;
	char *name;		/* as mapped (the module name) */
	char *path;		/* canonical */
	uint64_t low, high;
	bool in_scope;
	bool has_dwarf;
	bool has_pcln;		/* no DWARF, but Go's own line table (a stripped Go binary) */
	bool built;		/* map is valid (or the build failed: then it stays empty) */
	struct linemap map;
};

struct file_info {
	char *path;
};

struct line_key {
	uint32_t file;		/* index + 1 into files */
	uint32_t line;
};

struct line_info {
	struct line_key key;
	bool has_code;		/* some segment of a built map names it */
	char *name;		/* "path:line", made on first use: most lines are never named */
};

/*
 * A block of lines of one file (--fixed-line FILE:FIRST-LAST[,FIRST-LAST..]), sped up as one: a
 * function, a loop, two functions that one change speeds up. Its id is BLOCK_BIT | its index in
 * blocks; samples are never attributed to it, only to its lines.
 */
#define BLOCK_BIT	0x80000000u
#define BLOCK_SPANS	8

struct span {
	uint32_t first, last;
};

struct block {
	uint32_t file;		/* index + 1 into files */
	uint32_t nspans;
	struct span spans[BLOCK_SPANS];	/* as given */
	char *name;		/* "path:first-last,..." */
};

static bool in_spans(const struct span *sp, uint32_t n, uint32_t line)
{
	for (uint32_t i = 0; i < n; i++)
		if (line >= sp[i].first && line <= sp[i].last)
			return true;
	return false;
}

struct symbols {
	pid_t pid;
	const struct scope *scope;
	char main_exe[PATH_MAX];
	Dwfl *dwfl;
	char *maps;		/* the /proc/PID/maps text last reported */
	struct object *obj;	/* sorted by low */
	size_t nobj;
	size_t last;		/* object of the previous lookup: samples come in runs */
	uint64_t unknown_ips;

	struct strmap raw_files;	/* comp_dir "\n" name → file index + 1, or 0: out of scope */
	struct strmap canon_files;	/* canonical path → file index + 1 */
	struct file_info *files;
	size_t nfiles;

	struct u64_index line_of_key;	/* file << 32 | line → index into lines */
	struct line_info *lines;	/* lines[id - 1] */
	size_t nlines, lines_cap;

	struct block *blocks;	/* blocks[id & ~BLOCK_BIT] */
	size_t nblocks;
};

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

static uint32_t namer_file(void *ctx, const char *name, const char *comp_dir)
{
	struct symbols *s = ctx;
	struct file_info *f;
	uint32_t ref;
	char *key, *canon;

	if (asprintf(&key, "%s\n%s", name[0] == '/' || !comp_dir ? "" : comp_dir, name) < 0)
		return 0;
	if (strmap_get(&s->raw_files, key, &ref))
		goto out;
	ref = 0;
	canon = path_canonical(name, comp_dir);
	if (canon && scope_match_source(s->scope, canon) &&
	    !strmap_get(&s->canon_files, canon, &ref)) {
		f = realloc(s->files, (s->nfiles + 1) * sizeof(*f));
		if (f) {
			s->files = f;
			f[s->nfiles].path = canon;
			canon = NULL;
			if (strmap_put(&s->canon_files, f[s->nfiles].path, s->nfiles + 1))
				free(f[s->nfiles].path);
			else
				ref = ++s->nfiles;
		}
	}
	free(canon);
	/* out of memory here just leaves the file out of scope */
	strmap_put(&s->raw_files, key, ref);
out:
	free(key);
	return ref;
}

static line_id namer_line(void *ctx, uint32_t file, unsigned line)
{
	struct symbols *s = ctx;
	struct line_info *lines = array_grow(s->lines, s->nlines, &s->lines_cap, sizeof(*lines), 1024);
	bool added;
	long i;

	/* room first: a new index must have its line (an id is the index + 1; 0, none, on failure) */
	if (!lines)
		return 0;
	s->lines = lines;
	i = u64_index_intern(&s->line_of_key, (uint64_t)file << 32 | line, &added);
	if (added)
		s->lines[s->nlines++] = (struct line_info){ .key = { .file = file, .line = line } };
	return (line_id)(i + 1);
}

/* Builds o's line map on first use. */
static void object_build(struct symbols *s, struct object *o)
{
	const struct linemap_namer namer = { namer_file, namer_line, s };
	size_t i;

	if (o->built)
		return;
	o->built = true;
	if (!o->in_scope || (o->has_dwarf ? linemap_build(o->mod, &namer, &o->map) :
			     !o->has_pcln || linemap_build_gopcln(o->mod, &namer, &o->map)))
		return;
	for (i = 0; i < o->map.n; i++)
		s->lines[o->map.seg[i].line - 1].has_code = true;
}

static void build_all(struct symbols *s)
{
	size_t i;

	for (i = 0; i < s->nobj; i++)
		object_build(s, &s->obj[i]);
}

static struct object *object_at(struct symbols *s, uint64_t addr)
{
	size_t lo;

	if (s->last < s->nobj && addr >= s->obj[s->last].low && addr < s->obj[s->last].high)
		return &s->obj[s->last];
	lo = array_count_at_or_below(s->obj, s->nobj, sizeof(*s->obj), offsetof(struct object, low), addr);
	if (lo && addr < s->obj[lo - 1].high) {
		s->last = lo - 1;
		return &s->obj[lo - 1];
	}
	return NULL;
}

static line_id lookup(struct symbols *s, uint64_t addr, bool is_ip)
{
	struct object *o = object_at(s, addr);

	if (!o) {
		if (is_ip)
			s->unknown_ips++;
		return 0;
	}
	if (!o->in_scope || (!o->has_dwarf && !o->has_pcln))
		return 0;
	if (!o->built)
		object_build(s, o);
	return linemap_lookup(&o->map, addr);
}

line_id symbols_attribute(struct symbols *s, uint64_t ip, const uint64_t *callchain, unsigned n)
{
	line_id id = lookup(s, ip, true);
	unsigned i;

	for (i = 0; !id && i < n; i++)
		if (callchain[i] && callchain[i] < CALLCHAIN_MARKER)
			id = lookup(s, callchain[i] - 1, false);
	return id;
}

Dwfl_Module *symbols_module_at(struct symbols *s, uint64_t addr, const char **path)
{
	struct object *o = object_at(s, addr);

	if (!o)
		return NULL;
	*path = o->path;
	return o->mod;
}

int symbols_objects(struct symbols *s, int (*fn)(const struct symbols_object *o, void *arg), void *arg)
{
	size_t i;
	int r;

	for (i = 0; i < s->nobj; i++) {
		const struct object *o = &s->obj[i];
		const struct symbols_object so = {
			.mod = o->mod, .path = o->path, .low = o->low, .high = o->high,
			.is_main = s->main_exe[0] && !strcmp(o->path, s->main_exe),
		};

		r = fn(&so, arg);
		if (r)
			return r;
	}
	return 0;
}

bool symbols_is_marker(uint64_t addr)
{
	return !addr || addr >= CALLCHAIN_MARKER;
}

uint64_t symbols_unknown_ips(const struct symbols *s)
{
	return s->unknown_ips;
}

static bool id_known(const struct symbols *s, line_id id)
{
	return id & BLOCK_BIT ? (id & ~BLOCK_BIT) < s->nblocks : id && id <= s->nlines;
}

/* Whether line (a line's id, never a block's) is id, or one of the lines of block id. */
static bool line_in(const struct symbols *s, line_id line, line_id id)
{
	const struct block *b;
	const struct line_key *k;

	if (!(id & BLOCK_BIT))
		return line && line == id;
	if (!line || line > s->nlines || !id_known(s, id))
		return false;
	b = &s->blocks[id & ~BLOCK_BIT];
	k = &s->lines[line - 1].key;
	return k->file == b->file && in_spans(b->spans, b->nspans, k->line);
}

bool symbols_frame_hits(struct symbols *s, line_id line, uint64_t ip, const uint64_t *callchain,
			unsigned n)
{
	unsigned i;

	if (!line)
		return false;
	if (line_in(s, lookup(s, ip, false), line))
		return true;
	for (i = 0; i < n; i++)
		if (callchain[i] && callchain[i] < CALLCHAIN_MARKER &&
		    line_in(s, lookup(s, callchain[i] - 1, false), line))
			return true;
	return false;
}

const char *symbols_line_name(struct symbols *s, line_id id)
{
	struct line_info *li;

	if (!id_known(s, id))
		return NULL;
	if (id & BLOCK_BIT)
		return s->blocks[id & ~BLOCK_BIT].name;
	li = &s->lines[id - 1];
	if (!li->name && asprintf(&li->name, "%s:%u", s->files[li->key.file - 1].path, li->key.line) < 0)
		li->name = NULL;	/* out of memory: unnamed, as an unknown id */
	return li->name;
}

const char *symbols_main_exe(const struct symbols *s)
{
	return s->main_exe;
}

static int cmp_range(const void *a, const void *b)
{
	const struct causal_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

#define SCOPE_JOIN_GAP	64

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Joins ranges r[0..*n) (sorted, disjoint) whose gap is at most gap. */
static void join_gaps(struct causal_range *r, size_t *n, uint64_t gap)
{
	size_t i, j;

	for (i = 1, j = 0; i < *n; i++) {
		if (r[i].start - r[j].end <= gap)
			r[j].end = r[i].end;
		else
			r[++j] = r[i];
	}
	if (*n)
		*n = j + 1;
}

int symbols_scope_ranges(struct symbols *s, size_t max, struct causal_range **ranges, size_t *n)
{
	struct causal_range *r;
	uint64_t *gaps;
	size_t total = 0, k = 0, i, j;

	*ranges = NULL;
	*n = 0;
	build_all(s);
	for (i = 0; i < s->nobj; i++)
		total += s->obj[i].map.n;
	if (!total || !max)
		return 0;
	r = malloc(total * sizeof(*r));
	if (!r)
		return -ENOMEM;
	/* objects are sorted and disjoint, and so are each map's segments */
	for (i = 0; i < s->nobj; i++)
		for (j = 0; j < s->obj[i].map.n; j++)
			r[k++] = (struct causal_range){ s->obj[i].map.seg[j].start,
							s->obj[i].map.seg[j].end };
	join_gaps(r, &k, SCOPE_JOIN_GAP);
	if (k > max) {
		/* join the k - max smallest gaps (and any as small as the largest of them) */
		gaps = malloc((k - 1) * sizeof(*gaps));
		if (!gaps) {
			free(r);
			return -ENOMEM;
		}
		for (i = 1; i < k; i++)
			gaps[i - 1] = r[i].start - r[i - 1].end;
		qsort(gaps, k - 1, sizeof(*gaps), cmp_u64);
		join_gaps(r, &k, gaps[k - max - 1]);
		free(gaps);
	}
	*ranges = r;
	*n = k;
	return 0;
}

int symbols_line_ranges(struct symbols *s, line_id id, struct causal_range **ranges, size_t *n)
{
	struct causal_range *r = NULL, *bigger;
	size_t k = 0, cap = 0, i, j;

	*ranges = NULL;
	*n = 0;
	if (!id_known(s, id))
		return -ENOENT;
	build_all(s);
	for (i = 0; i < s->nobj; i++) {
		const struct linemap *m = &s->obj[i].map;

		for (j = 0; j < m->n; j++) {
			if (!line_in(s, m->seg[j].line, id))
				continue;
			bigger = array_grow(r, k, &cap, sizeof(*r), 16);
			if (!bigger) {
				free(r);
				return -ENOMEM;
			}
			r = bigger;
			r[k].start = m->seg[j].start;
			r[k].end = m->seg[j].end;
			k++;
		}
	}
	if (!k) {
		free(r);
		return 0;
	}
	qsort(r, k, sizeof(*r), cmp_range);
	for (i = 1, j = 0; i < k; i++) {
		if (r[i].start <= r[j].end) {
			if (r[i].end > r[j].end)
				r[j].end = r[i].end;
		} else {
			r[++j] = r[i];
		}
	}
	*ranges = r;
	*n = j + 1;
	return 0;
}

/* Splits "FILE:LINE" at the last colon. */
/* A line number at *p, 1..UINT_MAX, digits only; moves *p past it. */
static int parse_line_number(const char **p, unsigned *out)
{
	char *end;
	unsigned long v;

	if (**p < '0' || **p > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(*p, &end, 10);
	if (errno || !v || v > UINT_MAX)
		return -EINVAL;
	*p = end;
	*out = (unsigned)v;
	return 0;
}

/*
 * "FILE:LINE" (one span, first = last) or "FILE:SPAN[,SPAN..]", a SPAN being LINE or FIRST-LAST
 * (FIRST <= LAST), at most BLOCK_SPANS: the spans in sp[0..*n).
 */
static int split_spec(const char *spec, char *file, size_t filelen, struct span *sp, uint32_t *n)
{
	const char *colon = strrchr(spec, ':'), *p;

	if (!colon || colon == spec || (size_t)(colon - spec) >= filelen)
		return -EINVAL;
	p = colon + 1;
	for (*n = 0; *n < BLOCK_SPANS; p++) {
		if (parse_line_number(&p, &sp[*n].first))
			return -EINVAL;
		sp[*n].last = sp[*n].first;
		if (*p == '-') {
			p++;
			if (parse_line_number(&p, &sp[*n].last) || sp[*n].last < sp[*n].first)
				return -EINVAL;
		}
		++*n;
		if (*p != ',')
			break;
	}
	if (*p)
		return -EINVAL;
	memcpy(file, spec, (size_t)(colon - spec));
	file[colon - spec] = '\0';
	return 0;
}

/*
 * The block of the lines in spans sp[0..n) of the one matching file that has code among them
 * (lines is the spans' text, for the name and messages), made if new: 0 and *out; 1 if no
 * matching file has code there; -ENOENT (two files do, err says so), -ENOMEM.
 */
static int find_block(struct symbols *s, const bool *match, const struct span *sp, uint32_t n,
		      const char *lines, line_id *out, char *err, size_t errlen)
{
	struct block *b;
	uint32_t file = 0;
	size_t i;

	for (i = 0; i < s->nlines; i++) {
		const struct line_info *li = &s->lines[i];

		if (!li->has_code || !match[li->key.file] || !in_spans(sp, n, li->key.line))
			continue;
		if (file && li->key.file != file) {
			snprintf(err, errlen, "lines %s have code in %s and %s: give more of the path",
				 lines, s->files[file - 1].path, s->files[li->key.file - 1].path);
			return -ENOENT;
		}
		file = li->key.file;
	}
	if (!file)
		return 1;
	for (i = 0; i < s->nblocks; i++) {
		b = &s->blocks[i];
		if (b->file == file && b->nspans == n && !memcmp(b->spans, sp, n * sizeof(*sp)))
			goto found;
	}
	if (s->nblocks >= BLOCK_BIT)
		return -ENOMEM;
	b = realloc(s->blocks, (s->nblocks + 1) * sizeof(*b));
	if (!b)
		return -ENOMEM;
	s->blocks = b;
	b = &s->blocks[s->nblocks];
	*b = (struct block){ .file = file, .nspans = n };
	memcpy(b->spans, sp, n * sizeof(*sp));
	if (asprintf(&b->name, "%s:%s", s->files[file - 1].path, lines) < 0)
		return -ENOMEM;
	i = s->nblocks++;
found:
	*out = BLOCK_BIT | (line_id)i;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

int symbols_find_line(struct symbols *s, const char *spec, line_id *out, char *err, size_t errlen)
{
	char file[PATH_MAX];
	struct span sp[BLOCK_SPANS];
	uint32_t nsp;
	unsigned line;
	const char *lines;
	struct near_list near = { 0 }, same = { 0 };
	bool *match;
	size_t i, nmatch = 0, nfound = 0;
	line_id found = 0;
	int ret;

	*out = 0;
	if (split_spec(spec, file, sizeof(file), sp, &nsp)) {
		snprintf(err, errlen, "\"%s\" is not FILE:LINE or FILE:FIRST-LAST[,FIRST-LAST..] (e.g. "
			 "main.c:42, main.c:40-52,60-64; at most %d spans)", spec, BLOCK_SPANS);
		return -EINVAL;
	}
	line = sp[0].first;
	lines = strrchr(spec, ':') + 1;
	build_all(s);
	match = calloc(s->nfiles + 1, sizeof(*match));
	if (!match) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < s->nfiles; i++) {
		match[i + 1] = path_suffix_match(s->files[i].path, file);
		nmatch += match[i + 1];
	}
	if (nsp > 1 || sp[0].last != sp[0].first) {
		ret = find_block(s, match, sp, nsp, lines, out, err, errlen);
		if (ret <= 0) {
			free(match);
			return ret;
		}
	}
	for (i = 0; i < s->nlines; i++) {
		const struct line_info *li = &s->lines[i];

		if (!li->has_code || !match[li->key.file])
			continue;
		if (li->key.line == line) {
			found = (line_id)(i + 1);
			if (symbols_line_name(s, found))
				near_add(&same, symbols_line_name(s, found), nfound);
			nfound++;
		} else {
			unsigned d = li->key.line > line ? li->key.line - line : line - li->key.line;

			/* only lines that would make the list get named */
			if (d < near_cutoff(&near) && symbols_line_name(s, (line_id)(i + 1)))
				near_add(&near, symbols_line_name(s, (line_id)(i + 1)), d);
		}
	}
	if (nfound == 1) {
		free(match);
		*out = found;
		return 0;
	}
	if (nfound > 1) {
		snprintf(err, errlen, "\"%s\" is ambiguous, give more of the path", spec);
		near_format(&same, ": ", err, errlen);
	} else if (nmatch && (nsp > 1 || sp[0].last != sp[0].first)) {
		snprintf(err, errlen, "no code in lines %s of %s (among in-scope lines)", lines, file);
		near_format(&near, "; closest lines: ", err, errlen);
	} else if (nmatch) {
		snprintf(err, errlen, "no code for line %u in %s (among in-scope lines)", line, file);
		near_format(&near, "; closest lines: ", err, errlen);
	} else {
		bool *seen = calloc(s->nfiles + 1, sizeof(*seen));

		/* rank files that have code by their base name against the one asked for */
		for (i = 0; seen && i < s->nlines; i++) {
			const struct line_info *li = &s->lines[i];

			if (li->has_code && !seen[li->key.file]) {
				const char *path = s->files[li->key.file - 1].path;

				seen[li->key.file] = true;
				near_add(&near, path, near_score(base_name(file), base_name(path)));
			}
		}
		free(seen);
		snprintf(err, errlen, "no in-scope source file matches \"%s\"", file);
		near_format(&near, "; closest files: ", err, errlen);
	}
	free(match);
	return -ENOENT;
}

size_t symbols_lines_in_scope(struct symbols *s, void (*fn)(line_id id, void *arg), void *arg)
{
	size_t i, k = 0;

	build_all(s);
	for (i = 0; i < s->nlines; i++) {
		if (!s->lines[i].has_code)
			continue;
		k++;
		if (fn)
			fn((line_id)(i + 1), arg);
	}
	return k;
}

/* Reads a whole /proc file (their size is unknown up front). */
static char *read_proc(const char *path, int *err)
{
	size_t len = 0, cap = 16384;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0 || !buf) {
		*err = fd < 0 ? -errno : -ENOMEM;
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	for (;;) {
		if (len + 1 >= cap) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				*err = -ENOMEM;
				goto fail;
			}
			buf = bigger;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*err = -errno;
			goto fail;
		}
		if (!r)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	/* a process that has exited has an empty maps file */
	if (!len) {
		*err = -ESRCH;
		free(buf);
		return NULL;
	}
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

static void object_free(struct object *o)
{
	free(o->name);
	free(o->path);
	linemap_free(&o->map);
}

/* After a failed report: libdwfl may have dropped modules our objects point to. The maps
 * text goes too, so that the next refresh starts over. */
static void forget_objects(struct symbols *s)
{
	size_t i;

	for (i = 0; i < s->nobj; i++)
		object_free(&s->obj[i]);
	free(s->obj);
	s->obj = NULL;
	s->nobj = 0;
	s->last = 0;
	free(s->maps);
	s->maps = NULL;
}

struct collect {
	struct symbols *s;
	struct object *old;
	size_t nold;
	struct object *obj;
	size_t n, cap;
	int fresh_in_scope;
	int err;
};

static int collect_module(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr low,
			  void *arg)
{
	struct collect *c = arg;
	struct object *o, *objs;
	Dwarf_Addr high, bias;
	char resolved[PATH_MAX];
	size_t i;

	(void)userdata;
	objs = array_grow(c->obj, c->n, &c->cap, sizeof(*objs), 32);
	if (!objs) {
		c->err = -ENOMEM;
		return DWARF_CB_ABORT;
	}
	c->obj = objs;
	dwfl_module_info(mod, NULL, NULL, &high, NULL, NULL, NULL, NULL);
	/* libdwfl keeps a re-reported module (same name and range) with its data: so do we */
	for (i = 0; i < c->nold; i++) {
		o = &c->old[i];
		if (o->mod == mod && o->low == low && o->high == high && !strcmp(o->name, name)) {
			c->obj[c->n++] = *o;
			o->mod = NULL;
			return DWARF_CB_OK;
		}
	}
	o = &c->obj[c->n];
	memset(o, 0, sizeof(*o));
	o->mod = mod;
	o->low = low;
	o->high = high;
	o->name = strdup(name);
	o->path = strdup(name[0] == '/' && realpath(name, resolved) ? resolved : name);
	if (!o->name || !o->path) {
		object_free(o);
		c->err = -ENOMEM;
		return DWARF_CB_ABORT;
	}
	/* "[vdso]" and friends have no file to read lines from */
	o->in_scope = name[0] == '/' && scope_match_binary(c->s->scope, o->path, c->s->main_exe);
	if (o->in_scope) {
		o->has_dwarf = dwfl_module_getdwarf(mod, &bias) != NULL;
		if (!o->has_dwarf) {
			struct gopcln t;
			Elf *elf = dwfl_module_getelf(mod, &bias);

			o->has_pcln = elf && !gopcln_from_elf(elf, &t);
		}
		c->fresh_in_scope++;
	}
	c->n++;
	return DWARF_CB_OK;
}

static int cmp_object(const void *a, const void *b)
{
	const struct object *x = a, *y = b;

	if (x->low != y->low)
		return x->low < y->low ? -1 : 1;
	return 0;
}

/* Reports the maps text to libdwfl and rebuilds the object list, keeping built maps. */
static int report_maps(struct symbols *s, char *maps)
{
	struct collect c = { .s = s, .old = s->obj, .nold = s->nobj };
	FILE *f = fmemopen(maps, strlen(maps), "r");
	size_t i;
	int ret;

	if (!f)
		return -errno;
	dwfl_report_begin(s->dwfl);
	ret = dwfl_linux_proc_maps_report(s->dwfl, f);
	fclose(f);
	if (dwfl_report_end(s->dwfl, NULL, NULL))
		ret = ret ? ret : -EIO;
	if (ret) {
		forget_objects(s);
		return ret > 0 ? -ret : -EIO;
	}
	if (dwfl_getmodules(s->dwfl, collect_module, &c, 0) < 0 || c.err) {
		for (i = 0; i < c.n; i++)
			object_free(&c.obj[i]);
		free(c.obj);
		for (i = 0; i < c.nold; i++)
			if (!c.old[i].mod)
				memset(&c.old[i], 0, sizeof(c.old[i]));	/* moved, freed above */
		forget_objects(s);
		return c.err ? c.err : -EIO;
	}
	for (i = 0; i < c.nold; i++)
		if (c.old[i].mod)
			object_free(&c.old[i]);
	free(c.old);
	qsort(c.obj, c.n, sizeof(*c.obj), cmp_object);
	s->obj = c.obj;
	s->nobj = c.n;
	s->last = 0;
	free(s->maps);
	s->maps = maps;
	return c.fresh_in_scope;
}

int symbols_refresh(struct symbols *s)
{
	char path[64];
	char *maps;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)s->pid);
	maps = read_proc(path, &ret);
	if (!maps)
		return ret;
	if (s->maps && !strcmp(maps, s->maps)) {
		free(maps);
		return 0;
	}
	ret = report_maps(s, maps);
	if (ret < 0)
		free(maps);
	return ret;
}

struct symbols *symbols_open(pid_t pid, const struct scope *scope, char *err, size_t errlen)
{
	struct symbols *s = calloc(1, sizeof(*s));
	const struct object *first = NULL;
	char path[64];
	size_t i;
	int ret;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->pid = pid;
	s->scope = scope;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (!realpath(path, s->main_exe))
		s->main_exe[0] = '\0';
	s->dwfl = dwfl_begin(&proc_callbacks);
	if (!s->dwfl) {
		snprintf(err, errlen, "libdwfl: %s", dwfl_errmsg(-1));
		goto fail;
	}
	ret = symbols_refresh(s);
	if (ret < 0) {
		snprintf(err, errlen, "cannot read the mappings of process %d: %s", (int)pid,
			 strerror(-ret));
		goto fail;
	}
	for (i = 0; i < s->nobj; i++) {
		if (!s->obj[i].in_scope)
			continue;
		if (s->obj[i].has_dwarf || s->obj[i].has_pcln)
			return s;
		/* name the main executable if it is in scope, else the first in-scope binary */
		if (!first || !strcmp(s->obj[i].path, s->main_exe))
			first = &s->obj[i];
	}
	if (first)
		snprintf(err, errlen, "no in-scope binary has debug info; rebuild %s with -g, or "
			 "install its debug symbols (e.g. the -dbgsym package)", first->path);
	else
		snprintf(err, errlen, "no binary mapped by process %d matches the binary scope "
			 "(the main executable is %s)", (int)pid,
			 s->main_exe[0] ? s->main_exe : "unknown");
fail:
	symbols_close(s);
	return NULL;
}

void symbols_close(struct symbols *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nobj; i++)
		object_free(&s->obj[i]);
	free(s->obj);
	if (s->dwfl)
		dwfl_end(s->dwfl);
	free(s->maps);
	strmap_free(&s->raw_files);
	strmap_free(&s->canon_files);
	u64_index_free(&s->line_of_key);
	for (i = 0; i < s->nlines; i++)
		free(s->lines[i].name);
	free(s->lines);
	for (i = 0; i < s->nblocks; i++)
		free(s->blocks[i].name);
	free(s->blocks);
	for (i = 0; i < s->nfiles; i++)
		free(s->files[i].path);
	free(s->files);
	free(s);
}
