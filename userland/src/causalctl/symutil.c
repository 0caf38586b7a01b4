/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers for symbolisation and probe resolution: paths, suggestions, a string map, ELF segments. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hashtable.h"
#include "symutil.h"

/*
 * Folds "//", "." and "dir/.." in place, for absolute and relative paths alike; a relative
 * path keeps the ".." it cannot fold ("./io/../x.c" → "x.c", "../x.c" stays).
 */
static void path_fold(char *p)
{
	bool abs = p[0] == '/';
	char *out = p, *in = p;
	size_t kept = 0;	/* components in out that a ".." may remove */

	while (*in) {
		char *comp, *slash;
		size_t len;

		while (*in == '/')
			in++;
		if (!*in)
			break;
		comp = in;
		slash = strchr(in, '/');
		len = slash ? (size_t)(slash - in) : strlen(in);
		in += len;
		if (len == 1 && comp[0] == '.')
			continue;
		if (len == 2 && comp[0] == '.' && comp[1] == '.') {
			if (kept) {
				while (out > p && *--out != '/')
					;
				kept--;
				continue;
			}
			if (abs)
				continue;	/* "/.." is "/" */
		} else {
			kept++;
		}
		if (out > p || abs)
			*out++ = '/';
		memmove(out, comp, len);
		out += len;
	}
	if (out == p && abs)
		*out++ = '/';
	else if (out == p)
		*out++ = '.';
	*out = '\0';
}

char *path_canonical(const char *raw, const char *comp_dir)
{
	char resolved[PATH_MAX];
	char *joined;

	if (raw[0] != '/' && comp_dir && comp_dir[0]) {
		if (asprintf(&joined, "%s/%s", comp_dir, raw) < 0)
			return NULL;
	} else {
		joined = strdup(raw);
		if (!joined)
			return NULL;
	}
	path_fold(joined);
	/* a relative one (comp_dir relative too, as in Debian's packages) would resolve
	 * against our own working directory */
	if (joined[0] == '/' && realpath(joined, resolved)) {
		free(joined);
		return strdup(resolved);
	}
	return joined;
}

bool path_suffix_match(const char *path, const char *suffix)
{
	size_t lp = strlen(path), ls = strlen(suffix);

	if (!ls || ls > lp || strcmp(path + lp - ls, suffix))
		return false;
	return ls == lp || suffix[0] == '/' || path[lp - ls - 1] == '/';
}

unsigned edit_distance(const char *a, const char *b)
{
	unsigned row[256];
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la > 255)
		la = 255;
	if (lb > 255)
		lb = 255;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb] > 255 ? 255 : row[lb];
}

unsigned near_score(const char *typed, const char *candidate)
{
	unsigned d = edit_distance(typed, candidate);

	/* "parse" for "parse_request" is closer than any 3-letter edit of it */
	if (*typed && (strstr(candidate, typed) || strstr(typed, candidate)))
		return d < 256 ? d / 4 : 64;
	return 64 + d;
}

void near_add(struct near_list *l, const char *name, unsigned score)
{
	unsigned i, pos;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->name[i], name))
			return;
	for (pos = 0; pos < l->n && l->score[pos] <= score; pos++)
		;
	if (pos == NEAR_MAX)
		return;
	if (l->n < NEAR_MAX)
		l->n++;
	for (i = l->n - 1; i > pos; i--) {
		l->score[i] = l->score[i - 1];
		memcpy(l->name[i], l->name[i - 1], sizeof(l->name[i]));
	}
	l->score[pos] = score;
	snprintf(l->name[pos], sizeof(l->name[pos]), "%s", name);
}

unsigned near_cutoff(const struct near_list *l)
{
	return l->n < NEAR_MAX ? UINT_MAX : l->score[NEAR_MAX - 1];
}

void near_format(const struct near_list *l, const char *prefix, char *buf, size_t len)
{
	size_t used = strlen(buf);
	unsigned i;

	for (i = 0; i < l->n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : prefix, l->name[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

struct strmap_entry {
	UT_hash_handle hh;
	uint32_t val;
	char key[];
};

static struct strmap_entry *strmap_find(const struct strmap *m, const char *key)
{
	struct strmap_entry *e;

	HASH_FIND(hh, m->head, key, strlen(key), e);
	return e;
}

bool strmap_get(const struct strmap *m, const char *key, uint32_t *val)
{
	struct strmap_entry *e = strmap_find(m, key);

	if (!e)
		return false;
	*val = e->val;
	return true;
}

int strmap_put(struct strmap *m, const char *key, uint32_t val)
{
	struct strmap_entry *e = strmap_find(m, key);
	size_t len = strlen(key);

	if (e) {
		e->val = val;
		return 0;
	}
	e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return -ENOMEM;
	memcpy(e->key, key, len + 1);
	e->val = val;
	HASH_ADD_KEYPTR(hh, m->head, e->key, len, e);
	if (!hash_added(e)) {
		free(e);
		return -ENOMEM;
	}
	return 0;
}

void strmap_free(struct strmap *m)
{
	struct strmap_entry *e, *tmp;

	HASH_ITER(hh, m->head, e, tmp) {
		HASH_DEL(m->head, e);
		free(e);
	}
}

/* the handle first and the key right after it: a lookup touches their end, one cache line */
struct u64_index_entry {
	UT_hash_handle hh;
	uint64_t key;
	size_t index;
};

long u64_index_intern(struct u64_index *x, uint64_t key, bool *added)
{
	struct u64_index_entry *e;
	unsigned hashv;

	*added = false;
	/* hashed once for the lookup and the insertion that may follow */
	HASH_VALUE(&key, sizeof(key), hashv);
	HASH_FIND_BYHASHVALUE(hh, x->head, &key, sizeof(key), hashv, e);
	if (e)
		return (long)e->index;
	e = malloc(sizeof(*e));
	if (!e)
		return -1;
	e->key = key;
	e->index = x->n;
	HASH_ADD_BYHASHVALUE(hh, x->head, key, sizeof(e->key), hashv, e);
	if (!hash_added(e)) {
		free(e);
		return -1;
	}
	*added = true;
	return (long)x->n++;
}

void u64_index_free(struct u64_index *x)
{
	struct u64_index_entry *e, *tmp;

	HASH_ITER(hh, x->head, e, tmp) {
		HASH_DEL(x->head, e);
		free(e);
	}
	x->n = 0;
}

int elf_exec_segments(Elf *elf, struct exec_seg **segs, size_t *n)
{
	struct exec_seg *v = NULL;
	size_t phnum, i, k = 0;

	*segs = NULL;
	*n = 0;
	if (elf_getphdrnum(elf, &phnum))
		return -EINVAL;
	for (i = 0; i < phnum; i++) {
		GElf_Phdr mem, *ph = gelf_getphdr(elf, i, &mem);

		if (!ph || ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		if (!v) {
			v = calloc(phnum, sizeof(*v));
			if (!v)
				return -ENOMEM;
		}
		v[k].vaddr = ph->p_vaddr;
		v[k].memsz = ph->p_memsz;
		v[k].offset = ph->p_offset;
		v[k].filesz = ph->p_filesz;
		k++;
	}
	*segs = v;
	*n = k;
	return 0;
}

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

Dwfl_Module *dwfl_open_file(const char *binary, Dwfl **dwfl, char *err, size_t errlen)
{
	Dwfl_Module *mod;
	int fd = open(binary, O_RDONLY | O_CLOEXEC);

	*dwfl = NULL;
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", binary, strerror(errno));
		return NULL;
	}
	close(fd);
	*dwfl = dwfl_begin(&offline_callbacks);
	if (!*dwfl) {
		snprintf(err, errlen, "libdwfl: %s", dwfl_errmsg(-1));
		return NULL;
	}
	mod = dwfl_report_offline(*dwfl, binary, binary, -1);
	dwfl_report_end(*dwfl, NULL, NULL);
	if (!mod)
		snprintf(err, errlen, "%s: %s", binary, dwfl_errmsg(-1));
	return mod;
}
