/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scopes: which binaries and which source files a profile looks at, as in Coz's
 * --binary-scope and --source-scope. Patterns use '%' as the only wildcard, matching
 * any run of characters (including '/' and the empty run); everything else is literal.
 */
#ifndef CAUSAL_SCOPE_H
#define CAUSAL_SCOPE_H

#include <stdbool.h>

/* The binary pattern standing for the main executable's canonical path. */
#define SCOPE_MAIN	"MAIN"

struct scope;

/*
 * A scope with the defaults: binary patterns { "MAIN" }, source patterns { "%" }.
 * The first scope_add_binary()/scope_add_source() call replaces the respective default.
 * Returns NULL when out of memory.
 */
struct scope *scope_new(void);

/* Adds a binary pattern, matched against canonical absolute paths; "MAIN" is the main
 * executable. 0, or -ENOMEM / -EINVAL (empty pattern). */
int scope_add_binary(struct scope *s, const char *pattern);

/* Adds a source pattern, matched against canonical absolute source paths. 0 or -errno. */
int scope_add_source(struct scope *s, const char *pattern);

/*
 * Is the binary at canonical path `path` in scope? main_exe is the canonical path of the
 * profiled process's executable (for "MAIN"); NULL when unknown.
 */
bool scope_match_binary(const struct scope *s, const char *path, const char *main_exe);

/*
 * Is the source file at canonical path `path` in scope? Progress-point headers
 * (coz.h, causal.h) are never in scope: their lines are the instrumentation itself.
 */
bool scope_match_source(const struct scope *s, const char *path);

/* Does the whole of text match pattern, where '%' matches any run of characters? */
bool wildcard_match(const char *pattern, const char *text);

/* Frees s; NULL is fine. */
void scope_free(struct scope *s);

#endif /* CAUSAL_SCOPE_H */
