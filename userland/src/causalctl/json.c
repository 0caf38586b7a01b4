/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON through jansson: the values causalctl's outputs are made of, and their printing. Strings
 * are made valid UTF-8 first.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "causalctl.h"
#include "json.h"

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * s with every byte that does not begin well-formed UTF-8 replaced by U+FFFD: paths and sysfs text
 * are bytes, not necessarily UTF-8, and jansson takes only UTF-8. malloc'd; NULL out of memory.
 */
static char *utf8_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(3 * strlen(s) + 1), *o = out;
	size_t n;

	if (!out)
		return NULL;
	while (*p) {
		if (*p < 0x80) {
			*o++ = (char)*p++;
		} else if ((n = utf8_len(p))) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
		}
	}
	*o = '\0';
	return out;
}

json_t *json_text(const char *s)
{
	char *clean;
	json_t *v;

	if (!s)
		return json_null();
	clean = utf8_clean(s);
	if (!clean)
		return NULL;
	v = json_string(clean);
	free(clean);
	return v;
}

json_t *json_finite(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *json_u64(uint64_t v)
{
	return v <= INT64_MAX ? json_integer((json_int_t)v) : json_null();
}

int json_print(FILE *f, json_t *v, size_t flags)
{
	int ret = -1;

	if (v && !json_dumpf(v, f, JSON_COMPACT | JSON_ENCODE_ANY | flags))
		ret = 0;
	if (ret)
		fputs("{\"error\":\"out of memory\"}", f);
	fputc('\n', f);
	json_decref(v);
	return ret;
}
