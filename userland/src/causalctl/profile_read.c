/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading Coz-compatible profiles: JSON Lines (parsed by jansson) and legacy tab-separated records,
 * detected per line, Coz's historic records (progress-point, shutdown) and the short-lived
 * underscore type names. Garbage never stops the reader: a line that does not parse is counted and
 * the first few are kept with their line numbers for the report to show.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "causalctl.h"
#include "json.h"

#define MAX_FIELDS 32

struct field {
	const char *key;
	const char *val;
};

/*
 * One parsed line: a JSON object, or a legacy record whose fields point into buf. Everything below
 * reads fields through the accessors that follow, which give both formats one meaning.
 */
struct record {
	const char *type;
	json_t *json;
	struct field f[MAX_FIELDS];
	size_t n;
	char *buf;
};

PRINTF_LIKE(3, 4)
static bool fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return false;
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return s;
}

/* Keys compare with '-' and '_' alike: legacy uses selected-samples, JSON selected_samples. */
static bool key_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

/* The JSON value of key (spelt with '_' or with '-'), or NULL. */
static json_t *json_field(const struct record *r, const char *key)
{
	json_t *v = json_object_get(r->json, key);
	char other[64];
	size_t i;

	if (v || strlen(key) >= sizeof(other))
		return v;
	for (i = 0; key[i]; i++)
		other[i] = key[i] == '_' ? '-' : key[i] == '-' ? '_' : key[i];
	other[i] = '\0';
	return strpbrk(key, "_-") ? json_object_get(r->json, other) : NULL;
}

/* The legacy value of key, or NULL; the last one wins, as a JSON object's does. */
static const char *legacy_field(const struct record *r, const char *key)
{
	size_t i;

	for (i = r->n; i-- > 0;)
		if (key_eq(r->f[i].key, key))
			return r->f[i].val;
	return NULL;
}

static bool has(const struct record *r, const char *key)
{
	return r->json ? json_field(r, key) != NULL : legacy_field(r, key) != NULL;
}

/* The string value of key; NULL when there is none or it is not a string. */
static const char *str(const struct record *r, const char *key)
{
	return r->json ? json_string_value(json_field(r, key)) : legacy_field(r, key);
}

/* The value of key as the file has it, for messages: legacy text, or compact JSON. */
static const char *shown(const struct record *r, const char *key, char *buf, size_t len)
{
	json_t *v;
	size_t n;

	if (!r->json)
		return legacy_field(r, key) ? legacy_field(r, key) : "";
	v = json_field(r, key);
	n = v ? json_dumpb(v, buf, len - 1, JSON_COMPACT | JSON_ENCODE_ANY) : 0;
	buf[n < len ? n : len - 1] = '\0';
	return buf;
}

static bool text_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end;
}

static bool text_s64(const char *s, int64_t *v)
{
	char *end;

	if (!s || !(isdigit((unsigned char)*s) || (*s == '-' && isdigit((unsigned char)s[1]))))
		return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return !errno && !*end;
}

/* key holds a non-negative integer (JSON: an integer, not a real or a string of digits) */
static bool u64_of(const struct record *r, const char *key, uint64_t *v)
{
	json_t *j;

	if (!r->json)
		return text_u64(legacy_field(r, key), v);
	j = json_field(r, key);
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return false;
	*v = (uint64_t)json_integer_value(j);
	return true;
}

static bool s64_of(const struct record *r, const char *key, int64_t *v)
{
	json_t *j;

	if (!r->json)
		return text_s64(legacy_field(r, key), v);
	j = json_field(r, key);
	if (!json_is_integer(j))
		return false;
	*v = json_integer_value(j);
	return true;
}

/* key holds a number, integer or not */
static bool real_of(const struct record *r, const char *key, double *v)
{
	const char *s;
	char *end;

	if (r->json) {
		if (!json_is_number(json_field(r, key)))
			return false;
		*v = json_number_value(json_field(r, key));
		return true;
	}
	s = legacy_field(r, key);
	if (!s)
		return false;
	errno = 0;
	*v = strtod(s, &end);
	return !errno && !*end && end != s;
}

/* Legacy lists: "s:d,s:d" or "a,b", the numbers in order. */
static bool text_u64_list(const char *list, uint64_t **v, size_t *k, size_t *cap)
{
	uint64_t *a;
	const char *s;
	char *end;

	for (s = list; *s;) {
		if (!isdigit((unsigned char)*s)) {
			if (!strchr(",: ", *s))
				return false;
			s++;
			continue;
		}
		a = array_grow(*v, *k, cap, sizeof(*a), 16);
		if (!a)
			return false;
		*v = a;
		errno = 0;
		(*v)[(*k)++] = strtoull(s, &end, 10);
		if (errno)
			return false;
		s = end;
	}
	return true;
}

/* JSON lists: [a,b,...] (width 1) or [[a,b],...] (width 2), non-negative integers. */
static bool json_u64_list(json_t *list, size_t width, uint64_t **v, size_t *k, size_t *cap)
{
	size_t i, j, n = json_array_size(list);
	json_t *item;

	if (!json_is_array(list))
		return false;
	if (!n)
		return true;
	if (n > SIZE_MAX / sizeof(**v) / width)
		return false;
	*v = malloc(n * width * sizeof(**v));
	if (!*v)
		return false;
	*cap = n * width;
	json_array_foreach(list, i, item) {
		for (j = 0; j < width; j++) {
			json_t *x = width == 1 ? item : json_array_get(item, j);

			if ((width > 1 && json_array_size(item) != width) || !json_is_integer(x) ||
			    json_integer_value(x) < 0)
				return false;
			(*v)[(*k)++] = (uint64_t)json_integer_value(x);
		}
	}
	return true;
}

/*
 * The list at key, width numbers to an item: *n items in *out (malloc'd, NULL when empty). An
 * absent key is an empty list. False when it is not such a list.
 */
static bool u64_list_of(const struct record *r, const char *key, size_t width, uint64_t **out,
			size_t *n)
{
	uint64_t *v = NULL;
	size_t k = 0, cap = 0;
	bool ok;

	*out = NULL;
	*n = 0;
	if (!has(r, key))
		return true;
	if (r->json)
		ok = json_u64_list(json_field(r, key), width, &v, &k, &cap);
	else
		ok = text_u64_list(legacy_field(r, key), &v, &k, &cap);
	if (!ok || k % width) {
		free(v);
		return false;
	}
	*out = v;
	*n = k / width;
	return true;
}

/* The first key whose value holds a number of magnitude 2^63 or more, in a record read with reals. */
static const char *key_out_of_range(json_t *obj)
{
	const char *k;
	json_t *v, *x;
	size_t i, j;

	json_object_foreach(obj, k, v) {
		if (json_is_real(v) && fabs(json_real_value(v)) >= 0x1p63)
			return k;
		json_array_foreach(v, i, x) {
			if (json_is_real(x) && fabs(json_real_value(x)) >= 0x1p63)
				return k;
			for (j = 0; j < json_array_size(x); j++)
				if (json_is_real(json_array_get(x, j)) &&
				    fabs(json_real_value(json_array_get(x, j))) >= 0x1p63)
					return k;
		}
	}
	return NULL;
}

/*
 * jansson refuses an integer out of int64 range and with it the whole line: name the record, the
 * key and the number the way legacy records are named (Coz writes negative values unsigned).
 */
static bool fail_out_of_range(const char *line, const json_error_t *err, char *why, size_t wlen)
{
	const char *end = line + err->position, *num = end, *key = "a value", *type = "record";
	json_t *obj;

	while (num > line && (isdigit((unsigned char)num[-1]) || num[-1] == '-'))
		num--;
	obj = json_loads(line, JSON_DECODE_INT_AS_REAL, NULL);
	if (json_is_object(obj)) {
		if (json_string_value(json_object_get(obj, "type")))
			type = json_string_value(json_object_get(obj, "type"));
		if (key_out_of_range(obj))
			key = key_out_of_range(obj);
	}
	if (*num == '-')
		fail(why, wlen, "%.40s: %.40s=%.*s is below -2^63", type, key, (int)(end - num), num);
	else
		fail(why, wlen, "%.40s: %.40s=%.*s is 2^63 or more: a negative value written unsigned", type,
		     key, (int)(end - num), num);
	json_decref(obj);
	return false;
}

static bool parse_json(const char *line, struct record *r, char *why, size_t wlen)
{
	json_error_t err;

	r->json = json_loads(line, 0, &err);
	if (json_is_object(r->json))
		return true;
	if (r->json)
		return fail(why, wlen, "not a JSON object");
	switch (json_error_code(&err)) {
	case json_error_premature_end_of_input:
		return fail(why, wlen, "JSON object cut short");
	case json_error_numeric_overflow:
		return fail_out_of_range(line, &err, why, wlen);
	default:
		return fail(why, wlen, "not JSON: %s at column %d", err.text, err.column);
	}
}

/* Legacy: "type\tkey=value\t..."; fields without '=' are ignored, as Coz's viewer does. */
static void parse_legacy(struct record *r)
{
	char *tok, *eq, *save = NULL;

	r->type = strtok_r(r->buf, "\t", &save);
	while ((tok = strtok_r(NULL, "\t", &save)) && r->n < MAX_FIELDS) {
		eq = strchr(tok, '=');
		if (!eq)
			continue;
		*eq = '\0';
		r->f[r->n].key = tok;
		r->f[r->n].val = eq + 1;
		r->n++;
	}
}

static bool need_u64(const struct record *r, const char *key, uint64_t *v, char *why, size_t wlen)
{
	char buf[48];

	if (!has(r, key))
		return fail(why, wlen, "%s record without %s", r->type, key);
	if (!u64_of(r, key, v))
		return fail(why, wlen, "%s: %s=%.40s is not a non-negative integer", r->type, key,
			    shown(r, key, buf, sizeof(buf)));
	/* no count or time of a profile comes near 2^63: a negative one written unsigned (Coz does) */
	if (*v > INT64_MAX)
		return fail(why, wlen, "%s: %s=%.40s is 2^63 or more: a negative value written unsigned",
			    r->type, key, shown(r, key, buf, sizeof(buf)));
	return true;
}

static bool opt_u64(const struct record *r, const char *key, uint64_t *v, char *why, size_t wlen)
{
	*v = 0;
	return !has(r, key) || need_u64(r, key, v, why, wlen);
}

static bool need_str(const struct record *r, const char *key, const char **v, char *why, size_t wlen)
{
	*v = str(r, key);
	if (!has(r, key))
		return fail(why, wlen, "%s record without %s", r->type, key);
	if (!*v)
		return fail(why, wlen, "%s: %s is not a string", r->type, key);
	if (!**v)
		return fail(why, wlen, "%s: %s is empty", r->type, key);
	return true;
}


#define GROW(arr, n, cap) do {								\
	void *a_ = array_grow((arr), (n), &(cap), sizeof(*(arr)), 64);			\
	if (!a_)									\
		return fail(why, wlen, "out of memory");				\
	(arr) = a_;									\
} while (0)

static bool replace_str(char **dst, const char *src)
{
	char *s;

	if (!src)
		return true;
	s = strdup(src);
	if (!s)
		return false;
	free(*dst);
	*dst = s;
	return true;
}

/* *dst: a copy of src, or NULL where src is missing or empty (a field left out); false without memory. */
static bool copy_optional(char **dst, const char *src)
{
	*dst = src && *src ? strdup(src) : NULL;
	return *dst || !src || !*src;
}

static void object_free(struct profile_object *o)
{
	free(o->path);
	free(o->build_id);
}

static void function_free(struct profile_function *f)
{
	free(f->name);
	free(f->system_name);
	free(f->file);
}

static bool add_startup(struct profile *p, const struct record *r, char *why, size_t wlen)
{
	if (!replace_str(&p->tool_version, str(r, "version")) ||
	    !replace_str(&p->thread_model, str(r, "thread_model")) ||
	    !replace_str(&p->event, str(r, "event")) ||
	    !replace_str(&p->command, str(r, "command")) ||
	    !replace_str(&p->kernel_release, str(r, "kernel")))
		return fail(why, wlen, "out of memory");
	/* informative only: a bad one is left out, not the run */
	u64_of(r, "period_ns", &p->period_ns);
	p->runs++;
	p->in_run_exp = false;
	return true;
}

static bool add_experiment(struct profile *p, const struct record *r, unsigned long lineno, char *why,
			   size_t wlen)
{
	struct profile_exp e = { 0 };
	uint64_t start, end, ended;
	const char *sel;
	char buf[48];

	if (!need_str(r, "selected", &sel, why, wlen))
		return false;
	if (!has(r, "speedup"))
		return fail(why, wlen, "experiment record without speedup");
	if (!real_of(r, "speedup", &e.speedup) || !isfinite(e.speedup) || e.speedup < 0 ||
	    e.speedup > 1)
		return fail(why, wlen, "experiment: speedup=%.40s is not a number from 0 to 1",
			    shown(r, "speedup", buf, sizeof(buf)));
	if (!need_u64(r, "duration", &e.duration, why, wlen) ||
	    !opt_u64(r, "selected_samples", &e.selected_samples, why, wlen) ||
	    !opt_u64(r, "start_ns", &start, why, wlen) || !opt_u64(r, "end_ns", &end, why, wlen) ||
	    !opt_u64(r, "delay_inserted", &e.delay_inserted, why, wlen) ||
	    !opt_u64(r, "delay_paid", &e.delay_paid, why, wlen) ||
	    !opt_u64(r, "payments", &e.payments, why, wlen) ||
	    !opt_u64(r, "target_ended", &ended, why, wlen))
		return false;
	e.target_ended = ended != 0;
	if (has(r, "paid_error_ns") && !s64_of(r, "paid_error_ns", &e.paid_error_ns))
		return fail(why, wlen, "experiment: paid_error_ns is not an integer");
	if (has(r, "start_ns") && has(r, "end_ns") && end >= start && start) {
		e.has_times = true;
		e.start_ns = start;
		e.end_ns = end;
	}
	e.speedup_pct = (int)lround(e.speedup * 100);
	e.run = p->runs ? p->runs - 1 : 0;
	e.first_point = p->npoints;
	e.line = lineno;
	GROW(p->exps, p->nexps, p->exps_cap);
	e.selected = strdup(sel);
	if (!e.selected)
		return fail(why, wlen, "out of memory");
	p->exps[p->nexps++] = e;
	p->in_run_exp = true;
	return true;
}

static bool add_point(struct profile *p, const struct record *r, enum profile_point_kind kind, bool current,
		      char *why, size_t wlen)
{
	struct profile_point pt = { .kind = kind };
	const char *name;

	if (!need_str(r, "name", &name, why, wlen))
		return false;
	if (kind == PROFILE_THROUGHPUT) {
		if (!need_u64(r, "delta", &pt.delta, why, wlen))
			return false;
	} else {
		if (!need_u64(r, "arrivals", &pt.arrivals, why, wlen) ||
		    !need_u64(r, "departures", &pt.departures, why, wlen))
			return false;
		if (!has(r, "difference"))
			return fail(why, wlen, "latency-point record without difference");
		if (!s64_of(r, "difference", &pt.difference))
			return fail(why, wlen, "latency-point: difference is not an integer");
	}
	/* point records belong to the experiment right before them in the same run */
	if (!current) {
		p->orphan_points++;
		return fail(why, wlen, "%s record with no experiment before it", r->type);
	}
	GROW(p->points, p->npoints, p->points_cap);
	pt.name = strdup(name);
	if (!pt.name)
		return fail(why, wlen, "out of memory");
	p->points[p->npoints++] = pt;
	p->exps[p->nexps - 1].npoints++;
	return true;
}

/* "[[s,d],[s,d]]" (JSON) or "s:d,s:d" (legacy): the numbers in order, in pairs. */
static bool add_spans(struct profile *p, const struct record *r, char *why, size_t wlen)
{
	struct profile_spans sp = { 0 };
	const char *kind = str(r, "kind");
	int64_t pid, tid, cpu;
	uint64_t *v;
	size_t n;
	void *a;

	/* spans may be empty: a thread with no span */
	if (!kind || !has(r, "spans") || !has(r, "pid") || !has(r, "tid"))
		return fail(why, wlen, "thread-spans record without pid, tid, kind or spans");
	if (!s64_of(r, "pid", &pid) || !s64_of(r, "tid", &tid) || pid < 0 || tid < 0 ||
	    pid > INT32_MAX || tid > INT32_MAX)
		return fail(why, wlen, "thread-spans: bad pid or tid");
	if (!strcmp(kind, "oncpu"))
		sp.kind = PROFILE_SPAN_ONCPU;
	else if (!strcmp(kind, "runnable"))
		sp.kind = PROFILE_SPAN_RUNNABLE;
	else if (!strcmp(kind, "delay"))
		sp.kind = PROFILE_SPAN_DELAY;
	else
		return fail(why, wlen, "thread-spans: unknown kind '%.20s'", kind);
	sp.cpu = -1;
	if (has(r, "cpu") && (!s64_of(r, "cpu", &cpu) || cpu < 0 || cpu > UINT16_MAX))
		return fail(why, wlen, "thread-spans: bad cpu");
	if (has(r, "cpu"))
		sp.cpu = (int)cpu;
	sp.pid = (int)pid;
	sp.tid = (int)tid;
	if (!u64_list_of(r, "spans", 2, &v, &n))
		return fail(why, wlen, "thread-spans: spans is not a list of [start, duration] pairs");
	sp.spans = (uint64_t (*)[2])v;
	sp.n = n;
	a = array_grow(p->spans, p->nspans, &p->spans_cap, sizeof(*p->spans), 16);
	if (!a) {
		free(v);
		return fail(why, wlen, "out of memory");
	}
	p->spans = a;
	p->spans[p->nspans++] = sp;
	return true;
}

/* ---- callchain records (profile.h): file ids map to indexes, the last definition winning ---- */

static bool id_set(struct profile_ids *m, uint64_t id, size_t idx)
{
	if (id >= m->cap) {
		size_t cap = m->cap ? m->cap : 64;
		size_t *a;

		while (cap <= id)
			cap *= 2;
		a = realloc(m->idx, cap * sizeof(*a));
		if (!a)
			return false;
		memset(a + m->cap, 0, (cap - m->cap) * sizeof(*a));
		m->idx = a;
		m->cap = cap;
	}
	m->idx[id] = idx + 1;
	return true;
}

/*
 * Appends entry to the table arr (n entries, room for one more) and maps id to it; false without
 * memory, the table then as it was.
 */
#define KEEP(arr, n, ids, id, entry)	(id_set((ids), (id), (n)) && ((arr)[(n)++] = (entry), true))

/* The index + 1 an id stands for, or 0. */
static size_t id_get(const struct profile_ids *m, uint64_t id)
{
	return id < m->cap ? m->idx[id] : 0;
}

/* An address: any 64-bit value (a frame in no known object keeps its runtime address). */
static bool opt_addr(const struct record *r, const char *key, uint64_t *v, char *why, size_t wlen)
{
	*v = 0;
	char buf[48];

	return !has(r, key) || u64_of(r, key, v) ||
	       fail(why, wlen, "%s: %s=%.40s is not an address", r->type, key,
		    shown(r, key, buf, sizeof(buf)));
}

static bool need_id(const struct record *r, const char *key, uint64_t *v, char *why, size_t wlen)
{
	if (!need_u64(r, key, v, why, wlen))
		return false;
	if (*v == 0 || *v > PROFILE_MAX_ID)
		return fail(why, wlen, "%s: %s=%" PRIu64 " is not an id from 1 to %u", r->type, key, *v,
			    PROFILE_MAX_ID);
	return true;
}

static bool add_object(struct profile *p, const struct record *r, char *why, size_t wlen)
{
	struct profile_object o = { 0 };
	const char *path, *bid = str(r, "build_id");
	uint64_t id;

	if (!need_id(r, "id", &id, why, wlen) || !need_str(r, "path", &path, why, wlen) ||
	    !opt_addr(r, "start", &o.start, why, wlen) || !opt_addr(r, "end", &o.end, why, wlen))
		return false;
	GROW(p->objects, p->nobjects, p->objects_cap);
	o.path = strdup(path);
	if (!o.path || !copy_optional(&o.build_id, bid) || !KEEP(p->objects, p->nobjects, &p->object_ids, id, o)) {
		object_free(&o);
		return fail(why, wlen, "out of memory");
	}
	return true;
}

static bool add_function(struct profile *p, const struct record *r, char *why, size_t wlen)
{
	struct profile_function f = { 0 };
	const char *name, *sys = str(r, "system_name"), *file = str(r, "file");
	uint64_t id;

	if (!need_id(r, "id", &id, why, wlen) || !need_str(r, "name", &name, why, wlen) ||
	    !opt_u64(r, "start_line", &f.start_line, why, wlen))
		return false;
	GROW(p->functions, p->nfunctions, p->functions_cap);
	f.name = strdup(name);
	f.file = strdup(file ? file : "");
	if (!f.name || !f.file || !copy_optional(&f.system_name, sys) ||
	    !KEEP(p->functions, p->nfunctions, &p->function_ids, id, f)) {
		function_free(&f);
		return fail(why, wlen, "out of memory");
	}
	return true;
}

static bool add_frame(struct profile *p, const struct record *r, char *why, size_t wlen)
{
	struct profile_frame fr = { 0 };
	uint64_t id, object, *v;
	size_t n, i;
	void *a;

	if (!need_id(r, "id", &id, why, wlen) || !opt_u64(r, "object", &object, why, wlen) ||
	    !opt_addr(r, "address", &fr.address, why, wlen))
		return false;
	if (object && !(fr.object = id_get(&p->object_ids, object)))
		return fail(why, wlen, "frame: object %" PRIu64 " is not defined before it", object);
	if (!u64_list_of(r, "lines", 2, &v, &n))
		return fail(why, wlen, "frame: lines is not a list of [function, line] pairs");
	if (n) {
		fr.lines = calloc(n, sizeof(*fr.lines));
		if (!fr.lines) {
			free(v);
			return fail(why, wlen, "out of memory");
		}
	}
	for (i = 0; i < n; i++) {
		size_t f = v[2 * i] ? id_get(&p->function_ids, v[2 * i]) : 0;

		if (!f) {
			fail(why, wlen, "frame: function %" PRIu64 " is not defined before it", v[2 * i]);
			free(v);
			free(fr.lines);
			return false;
		}
		fr.lines[i].function = f - 1;
		fr.lines[i].line = v[2 * i + 1];
	}
	free(v);
	fr.nlines = n;
	a = array_grow(p->frames, p->nframes, &p->frames_cap, sizeof(*p->frames), 64);
	if (!a)
		goto oom;
	p->frames = a;
	if (!KEEP(p->frames, p->nframes, &p->frame_ids, id, fr))
		goto oom;
	return true;
oom:
	free(fr.lines);
	return fail(why, wlen, "out of memory");
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static bool add_stack(struct profile *p, const struct record *r, char *why, size_t wlen)
{
	struct profile_stack st = { 0 };
	const char *line = str(r, "line");
	struct profile_stack *a;
	uint64_t *v;
	size_t n, i;

	if (!need_u64(r, "count", &st.count, why, wlen))
		return false;
	if (!u64_list_of(r, "frames", 1, &v, &n) || !n)
		return fail(why, wlen, "stack: frames is not a non-empty list of frame ids");
	st.frames = calloc(n, sizeof(*st.frames));
	if (!st.frames) {
		free(v);
		return fail(why, wlen, "out of memory");
	}
	for (i = 0; i < n; i++) {
		size_t f = id_get(&p->frame_ids, v[i]);

		if (!f) {
			fail(why, wlen, "stack: frame %" PRIu64 " is not defined before it", v[i]);
			free(v);
			free(st.frames);
			return false;
		}
		st.frames[i] = f - 1;
	}
	free(v);
	st.nframes = n;
	a = array_grow(p->stacks, p->nstacks, &p->stacks_cap, sizeof(*a), 64);
	if (a)
		p->stacks = a;
	if (!a || !copy_optional(&st.line, line)) {
		free(st.line);
		free(st.frames);
		return fail(why, wlen, "out of memory");
	}
	p->stacks[p->nstacks++] = st;
	p->stack_samples = add_sat(p->stack_samples, st.count);
	return true;
}

static bool type_is(const char *type, const char *name)
{
	return key_eq(type, name);
}

/* The timeline's frame: the start record (cpus, start, source) or the end record (end, dropped). */
static bool add_timeline(struct profile *p, const struct record *r, char *why, size_t wlen)
{
	const char *source = str(r, "source");
	uint64_t cpus = 0;

	if (has(r, "cpus") && (!u64_of(r, "cpus", &cpus) || !cpus || cpus > UINT16_MAX + 1))
		return fail(why, wlen, "timeline: bad cpus");
	if ((has(r, "start") && !u64_of(r, "start", &p->timeline_start_ns)) ||
	    (has(r, "end") && !u64_of(r, "end", &p->timeline_end_ns)) ||
	    (has(r, "dropped") && !u64_of(r, "dropped", &p->timeline_dropped)))
		return fail(why, wlen, "timeline: start, end or dropped is not a non-negative integer");
	if (cpus)
		p->timeline_cpus = (unsigned int)cpus;
	if (source)
		p->timeline_switches = !strcmp(source, "switches");
	return true;
}

/* A record that adds to the profile just what it says, by its type; an unknown type is refused. */
static bool add_record(struct profile *p, const struct record *r, char *why, size_t wlen)
{
	static const struct {
		const char *type;
		bool (*add)(struct profile *p, const struct record *r, char *why, size_t wlen);
	} adders[] = {
		{ "startup", add_startup }, { "thread-spans", add_spans }, { "timeline", add_timeline },
		{ "object", add_object }, { "function", add_function }, { "frame", add_frame },
		{ "stack", add_stack },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(adders); i++)
		if (type_is(r->type, adders[i].type))
			return adders[i].add(p, r, why, wlen);
	return fail(why, wlen, "unknown record type '%.40s'", r->type);
}

static bool parse_line(struct profile *p, const char *line, unsigned long lineno, char *why, size_t wlen)
{
	struct record r = { 0 };
	bool ok;

	if (*skip_ws(line) == '{') {
		ok = parse_json(line, &r, why, wlen);
		if (ok) {
			r.type = str(&r, "type");
			if (!r.type)
				ok = fail(why, wlen, "JSON record without a type");
		}
	} else {
		r.buf = strdup(line);
		if (!r.buf)
			return fail(why, wlen, "out of memory");
		parse_legacy(&r);
		ok = r.type != NULL;
		if (!ok)
			fail(why, wlen, "empty record");
	}
	if (!ok)
		goto out;

	if (type_is(r.type, "experiment")) {
		ok = add_experiment(p, &r, lineno, why, wlen);
		/* the points after a rejected experiment are its own: never the previous one's */
		if (!ok)
			p->in_run_exp = false;
	}
	else if (type_is(r.type, "throughput-point") || type_is(r.type, "progress-point"))
		ok = add_point(p, &r, PROFILE_THROUGHPUT, p->in_run_exp, why, wlen);
	else if (type_is(r.type, "latency-point"))
		ok = add_point(p, &r, PROFILE_LATENCY, p->in_run_exp, why, wlen);
	else if (type_is(r.type, "runtime"))
		ok = !has(&r, "time") || u64_of(&r, "time", &p->runtime_ns) ||
		     fail(why, wlen, "runtime: time is not a non-negative integer");
	else if (type_is(r.type, "samples")) {
		/* Coz's phase-correction data, unused but for the total in scope */
		uint64_t count;

		ok = need_u64(&r, "count", &count, why, wlen);
		if (ok)
			p->line_samples = add_sat(p->line_samples, count);
	} else if (type_is(r.type, "shutdown"))
		ok = true;	/* historic end records: not used */
	else
		ok = add_record(p, &r, why, wlen);
out:
	json_decref(r.json);
	free(r.buf);
	return ok;
}

static void warn(struct profile *p, unsigned long lineno, const char *why)
{
	unsigned long i = p->bad_lines++;

	if (i < PROFILE_MAX_WARNINGS) {
		p->warning_line[i] = lineno;
		snprintf(p->warning[i], sizeof(p->warning[i]), "%s", why);
	}
}

bool profile_parse_line(struct profile *p, const char *line, unsigned long lineno)
{
	char why[160];

	if (parse_line(p, line, lineno, why, sizeof(why)))
		return true;
	warn(p, lineno, why);
	return false;
}

int profile_read_stream(FILE *f, struct profile *p)
{
	char *line = NULL, why[160];
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	bool newline;

	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		/* a NUL byte makes the line binary garbage, whatever else it holds */
		if (memchr(line, '\0', (size_t)n)) {
			p->lines++;
			warn(p, lineno, "NUL byte in the line");
			continue;
		}
		newline = line[n - 1] == '\n';
		line[strcspn(line, "\r\n")] = '\0';
		if (!*skip_ws(line))
			continue;
		p->lines++;
		/*
		 * The last line of a profile still being written (or of a killed run) can be cut short.
		 * Cut JSON never parses; a cut legacy record could (delta=2034 cut to delta=20), so an
		 * unterminated legacy line is not trusted.
		 */
		if (!newline && *skip_ws(line) != '{') {
			p->truncated_tail = true;
			continue;
		}
		if (parse_line(p, line, lineno, why, sizeof(why)))
			continue;
		if (!newline)
			p->truncated_tail = true;
		else
			warn(p, lineno, why);
	}
	/* e.g. EISDIR: say why rather than a generic I/O error */
	n = ferror(f) ? (errno ? -errno : -EIO) : 0;
	free(line);
	return (int)n;
}

int profile_read(const char *path, struct profile *p, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	int ret;

	memset(p, 0, sizeof(*p));
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return ret;
	}
	ret = profile_read_stream(f, p);
	if (ret)
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-ret));
	fclose(f);
	return ret;
}

void profile_free(struct profile *p)
{
	size_t i;

	free(p->tool_version);
	free(p->thread_model);
	free(p->event);
	free(p->command);
	free(p->kernel_release);
	for (i = 0; i < p->nexps; i++)
		free(p->exps[i].selected);
	for (i = 0; i < p->npoints; i++)
		free(p->points[i].name);
	for (i = 0; i < p->nspans; i++)
		free(p->spans[i].spans);
	for (i = 0; i < p->nobjects; i++)
		object_free(&p->objects[i]);
	for (i = 0; i < p->nfunctions; i++)
		function_free(&p->functions[i]);
	for (i = 0; i < p->nframes; i++)
		free(p->frames[i].lines);
	for (i = 0; i < p->nstacks; i++) {
		free(p->stacks[i].line);
		free(p->stacks[i].frames);
	}
	free(p->objects);
	free(p->functions);
	free(p->frames);
	free(p->stacks);
	free(p->object_ids.idx);
	free(p->function_ids.idx);
	free(p->frame_ids.idx);
	free(p->exps);
	free(p->points);
	free(p->spans);
	memset(p, 0, sizeof(*p));
}
