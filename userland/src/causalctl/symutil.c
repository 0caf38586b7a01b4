/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers for symbolisation and probe resolution: paths, suggestions, a hash map, ELF segments. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static size_t strmap_slot(const struct strmap *m, const char *key)
{
	size_t i = hash_bytes(key, strlen(key), HASH_SEED) & (m->cap - 1);

	while (m->keys[i] && strcmp(m->keys[i], key))
		i = (i + 1) & (m->cap - 1);
	return i;
}

bool strmap_get(const struct strmap *m, const char *key, uint32_t *val)
{
	size_t i;

	if (!m->cap)
		return false;
	i = strmap_slot(m, key);
	if (!m->keys[i])
		return false;
	*val = m->vals[i];
	return true;
}

static int strmap_grow(struct strmap *m)
{
	struct strmap bigger = { .cap = m->cap ? m->cap * 2 : 64 };
	size_t i;

	bigger.keys = calloc(bigger.cap, sizeof(*bigger.keys));
	bigger.vals = calloc(bigger.cap, sizeof(*bigger.vals));
	if (!bigger.keys || !bigger.vals) {
		free(bigger.keys);
		free(bigger.vals);
		return -ENOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		if (m->keys[i]) {
			size_t j = strmap_slot(&bigger, m->keys[i]);

			bigger.keys[j] = m->keys[i];
			bigger.vals[j] = m->vals[i];
		}
	}
	bigger.n = m->n;
	free(m->keys);
	free(m->vals);
	*m = bigger;
	return 0;
}

int strmap_put(struct strmap *m, const char *key, uint32_t val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap && strmap_grow(m))
		return -ENOMEM;
	i = strmap_slot(m, key);
	if (!m->keys[i]) {
		m->keys[i] = strdup(key);
		if (!m->keys[i])
			return -ENOMEM;
		m->n++;
	}
	m->vals[i] = val;
	return 0;
}

void strmap_free(struct strmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
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
