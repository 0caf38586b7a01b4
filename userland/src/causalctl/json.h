/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON through jansson (json.c): what causalctl's JSON outputs are built from. Only the files that
 * read or write JSON include it.
 */
#ifndef CAUSALCTL_JSON_H
#define CAUSALCTL_JSON_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

/* the version of the --json outputs' layout ("schema"); bumped when a field changes meaning or goes */
#define CAUSALCTL_JSON_SCHEMA	1
/* s as a JSON string, bytes that are not UTF-8 as U+FFFD; null for NULL; NULL out of memory */
json_t *json_text(const char *s);
/* v as a JSON number, or null when it is not finite (JSON has no NaN) */
json_t *json_finite(double v);
json_t *json_u64(uint64_t v);
/* Prints v compact (flags: more JSON_* flags, e.g. JSON_REAL_PRECISION) and a newline, and drops
 * it; v NULL (out of memory somewhere in making it) prints an error object. -1 if it did. */
int json_print(FILE *f, json_t *v, size_t flags);

#endif /* CAUSALCTL_JSON_H */
