/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Binary and source scopes: '%' wildcard patterns, "MAIN" for the main executable. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scope.h"

struct patterns {
	char **v;
	size_t n;
	bool is_default;	/* the next add replaces the contents */
};

struct scope {
	struct patterns binary;
	struct patterns source;
};

static int patterns_add(struct patterns *p, const char *pattern)
{
	char **v;
	char *copy;

	if (!pattern || !*pattern)
		return -EINVAL;
	copy = strdup(pattern);
	if (!copy)
		return -ENOMEM;
	if (p->is_default) {
		while (p->n)
			free(p->v[--p->n]);
		p->is_default = false;
	}
	v = realloc(p->v, (p->n + 1) * sizeof(*v));
	if (!v) {
		free(copy);
		return -ENOMEM;
	}
	v[p->n++] = copy;
	p->v = v;
	return 0;
}

static void patterns_free(struct patterns *p)
{
	while (p->n)
		free(p->v[--p->n]);
	free(p->v);
}

struct scope *scope_new(void)
{
	struct scope *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (patterns_add(&s->binary, SCOPE_MAIN) || patterns_add(&s->source, "%")) {
		scope_free(s);
		return NULL;
	}
	s->binary.is_default = true;
	s->source.is_default = true;
	return s;
}

int scope_add_binary(struct scope *s, const char *pattern)
{
	return patterns_add(&s->binary, pattern);
}

int scope_add_source(struct scope *s, const char *pattern)
{
	return patterns_add(&s->source, pattern);
}

/*
 * Greedy matching with one backtrack point: on a mismatch, let the last '%' swallow one more
 * character. Linear in practice and never exponential, unlike the naive recursion.
 */
bool wildcard_match(const char *pattern, const char *text)
{
	const char *star = NULL, *resume = NULL;

	while (*text) {
		if (*pattern == '%') {
			star = ++pattern;
			resume = text;
		} else if (*pattern == *text) {
			pattern++;
			text++;
		} else if (star) {
			pattern = star;
			text = ++resume;
		} else {
			return false;
		}
	}
	while (*pattern == '%')
		pattern++;
	return !*pattern;
}

bool scope_match_binary(const struct scope *s, const char *path, const char *main_exe)
{
	size_t i;

	if (!path)
		return false;
	for (i = 0; i < s->binary.n; i++) {
		const char *p = s->binary.v[i];

		if (!strcmp(p, SCOPE_MAIN)) {
			if (main_exe && !strcmp(path, main_exe))
				return true;
		} else if (wildcard_match(p, path)) {
			return true;
		}
	}
	return false;
}

/* The headers that define progress points: samples there are the profiler's own cost. */
static bool is_progress_header(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strcmp(base, "coz.h") || !strcmp(base, "causal.h");
}

bool scope_match_source(const struct scope *s, const char *path)
{
	size_t i;

	if (!path || is_progress_header(path))
		return false;
	for (i = 0; i < s->source.n; i++)
		if (wildcard_match(s->source.v[i], path))
			return true;
	return false;
}

void scope_free(struct scope *s)
{
	if (!s)
		return;
	patterns_free(&s->binary);
	patterns_free(&s->source);
	free(s);
}
