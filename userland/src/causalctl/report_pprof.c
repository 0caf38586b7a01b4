/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * causalctl report --pprof: the profile's callchains as pprof's profile.proto (built from
 * userland/proto/profile.proto by protoc-c), gzip'd, for `go tool pprof` and `go build -pgo`.
 *
 * Sample types samples/count and cpu/nanoseconds (count times the sampling period). Each distinct
 * function, mapping (object and build ID) and location (object, address, lines) is written once,
 * whatever run or file it came from; a location's lines are its inlined functions, innermost
 * first, as pprof lists them. The causal results go along: each sample is labelled with the line
 * it was charged to (causal_line) and, when that line was ranked, its impact (causal_impact, as
 * the table prints it); the ranking itself is in the profile's comments (go tool pprof -comments).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "array.h"
#include "causalctl.h"
#include "profile.pb-c.h"
#include "symutil.h"

/* ranked lines named in the comments */
#define PPROF_COMMENT_LINES	20

typedef Perftools__Profiles__Profile PProfile;
typedef Perftools__Profiles__Sample PSample;
typedef Perftools__Profiles__Label PLabel;
typedef Perftools__Profiles__Mapping PMapping;
typedef Perftools__Profiles__Location PLocation;
typedef Perftools__Profiles__Line PLine;
typedef Perftools__Profiles__Function PFunction;
typedef Perftools__Profiles__ValueType PValueType;

struct builder {
	/*
	 * Every part malloc'd and each list counting only the messages in it, as protobuf-c's unpack
	 * leaves a message: its free_unpacked() frees the whole profile, however far build() got.
	 */
	PProfile *prof;
	struct strmap strings;	/* string → index in string_table */
	size_t strings_cap;
	struct strmap keys;	/* "kind\nkey" → id, for functions, mappings and locations */
	uint64_t *function_of;	/* profile function index → pprof id */
	uint64_t *mapping_of;	/* profile object index → pprof id */
	uint64_t *location_of;	/* profile frame index → pprof id */
	bool oom;
};

/* The string's index in the string table, added if new (0, "", when out of memory). */
static int64_t str(struct builder *b, const char *s)
{
	uint32_t idx;
	char **t, *copy;

	if (!s || !*s)
		return 0;
	if (strmap_get(&b->strings, s, &idx))
		return idx;
	t = array_grow(b->prof->string_table, b->prof->n_string_table, &b->strings_cap, sizeof(*t), 64);
	if (!t) {
		b->oom = true;
		return 0;
	}
	/* stored at once: the old array may be gone */
	b->prof->string_table = t;
	copy = strdup(s);
	if (!copy || strmap_put(&b->strings, s, (uint32_t)b->prof->n_string_table)) {
		free(copy);
		b->oom = true;
		return 0;
	}
	t[b->prof->n_string_table] = copy;
	return (int64_t)b->prof->n_string_table++;
}

/* A new message of the type d describes, initialised; NULL, and b->oom, without memory. */
static void *new_message(struct builder *b, const ProtobufCMessageDescriptor *d)
{
	void *m = malloc(d->sizeof_message);

	if (!m) {
		b->oom = true;
		return NULL;
	}
	protobuf_c_message_init(d, m);
	return m;
}

/* A malloc'd key for intern(), or NULL without memory. */
static PRINTF_LIKE(1, 2) char *key_of(const char *fmt, ...)
{
	va_list ap;
	char *key;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&key, fmt, ap);
	va_end(ap);
	return len < 0 ? NULL : key;
}

/*
 * The id of the function, mapping or location kept under key, or the one create() gives it,
 * kept under key from then on: each is written once, whatever run or file names it. Frees key
 * (NULL: out of memory). 0 without memory.
 */
static uint64_t intern(struct builder *b, char *key, uint64_t (*create)(struct builder *, const void *),
		       const void *what)
{
	uint32_t known;
	uint64_t id = 0;

	if (!key) {
		b->oom = true;
		return 0;
	}
	if (strmap_get(&b->keys, key, &known)) {
		id = known;
	} else {
		id = create(b, what);
		if (id && strmap_put(&b->keys, key, (uint32_t)id))
			b->oom = true;
	}
	free(key);
	return id;
}

static uint64_t new_function(struct builder *b, const void *what)
{
	const struct profile_function *f = what;
	PFunction *fn = new_message(b, &perftools__profiles__function__descriptor);

	if (!fn)
		return 0;
	fn->name = str(b, f->name);
	/* pprof shows system_name where name is missing; Go's PGO matches name */
	fn->system_name = f->system_name ? str(b, f->system_name) : fn->name;
	fn->filename = str(b, f->file);
	fn->start_line = f->start_line <= INT64_MAX ? (int64_t)f->start_line : 0;
	/* an id is its message's place in the list, from 1 */
	fn->id = b->prof->n_function + 1;
	b->prof->function[b->prof->n_function++] = fn;
	return fn->id;
}

static uint64_t add_function(struct builder *b, const struct profile_function *f)
{
	return intern(b,
		      key_of("f\n%s\n%s\n%s\n%" PRIu64, f->name, f->system_name ? f->system_name : "", f->file,
			     f->start_line),
		      new_function, f);
}

static uint64_t new_mapping(struct builder *b, const void *what)
{
	const struct profile_object *o = what;
	PMapping *m = new_message(b, &perftools__profiles__mapping__descriptor);

	if (!m)
		return 0;
	/* addresses are ELF addresses in the object (callchain.c), so its range is too */
	m->memory_start = o->start;
	m->memory_limit = o->end;
	m->filename = str(b, o->path);
	m->build_id = str(b, o->build_id);
	/* symbolised already: pprof must not look for the binaries */
	m->has_functions = m->has_filenames = m->has_line_numbers = m->has_inline_frames = true;
	m->id = b->prof->n_mapping + 1;
	b->prof->mapping[b->prof->n_mapping++] = m;
	return m->id;
}

static uint64_t add_mapping(struct builder *b, const struct profile_object *o)
{
	return intern(b, key_of("m\n%s\n%s", o->path, o->build_id ? o->build_id : ""), new_mapping, o);
}

static uint64_t mapping_of_frame(const struct builder *b, const struct profile_frame *fr)
{
	return fr->object ? b->mapping_of[fr->object - 1] : 0;
}

static uint64_t new_location(struct builder *b, const void *what)
{
	const struct profile_frame *fr = what;
	PLocation *loc = new_message(b, &perftools__profiles__location__descriptor);
	size_t i;

	if (!loc)
		return 0;
	loc->mapping_id = mapping_of_frame(b, fr);
	loc->address = fr->address;
	/* in the list before its lines: builder_free() frees them with it */
	loc->id = b->prof->n_location + 1;
	b->prof->location[b->prof->n_location++] = loc;
	loc->line = fr->nlines ? calloc(fr->nlines, sizeof(*loc->line)) : NULL;
	if (fr->nlines && !loc->line) {
		b->oom = true;
		return 0;
	}
	for (i = 0; i < fr->nlines; i++) {
		PLine *ln = new_message(b, &perftools__profiles__line__descriptor);

		if (!ln)
			return 0;
		ln->function_id = b->function_of[fr->lines[i].function];
		ln->line = fr->lines[i].line <= INT64_MAX ? (int64_t)fr->lines[i].line : 0;
		loc->line[loc->n_line++] = ln;
	}
	return loc->id;
}

static uint64_t add_location(struct builder *b, const struct profile_frame *fr)
{
	char *key, *k;
	size_t i;

	/* a location is its mapping, address and lines: the same in any run */
	key = key_of("l\n%" PRIu64 "\n%" PRIu64, mapping_of_frame(b, fr), fr->address);
	for (i = 0; key && i < fr->nlines; i++) {
		k = key_of("%s\n%" PRIu64 ":%" PRIu64, key, b->function_of[fr->lines[i].function], fr->lines[i].line);
		free(key);
		key = k;
	}
	return intern(b, key, new_location, fr);
}

static PValueType *value_type(struct builder *b, const char *type, const char *unit)
{
	PValueType *v = new_message(b, &perftools__profiles__value_type__descriptor);

	if (v) {
		v->type = str(b, type);
		v->unit = str(b, unit);
	}
	return v;
}

/* Labels s key=value (its label list has room for the two labels a sample may have). */
static void add_label(struct builder *b, PSample *s, const char *key, const char *value)
{
	PLabel *l = new_message(b, &perftools__profiles__label__descriptor);

	if (!l)
		return;
	l->key = str(b, key);
	l->str = str(b, value);
	s->label[s->n_label++] = l;
}

/* The ranked line's impact as the table prints it, "+12.3% (±1.0) on POINT". */
static void impact_text(const struct report_result *r, const struct report_line *l, char *buf, size_t len)
{
	const struct report_series *s = &r->series[l->series[0]];

	if (isnan(s->impact_se))
		snprintf(buf, len, "%+.1f%% on %s", 100 * s->impact, s->point);
	else
		snprintf(buf, len, "%+.1f%% (\u00b1%.1f) on %s", 100 * s->impact, 100 * s->impact_se, s->point);
}

static void add_samples(struct builder *b, const struct profile *p, const struct report_result *r)
{
	struct strmap ranked = { 0 };	/* line → index + 1 into r->lines */
	uint64_t period = p->period_ns;
	char text[512];
	size_t i, k;
	uint32_t rank;

	for (i = 0; r && i < r->nlines; i++)
		if (strmap_put(&ranked, r->lines[i].selected, (uint32_t)(i + 1)))
			b->oom = true;
	b->prof->sample = calloc(p->nstacks ? p->nstacks : 1, sizeof(*b->prof->sample));
	if (!b->prof->sample)
		goto oom;
	for (i = 0; i < p->nstacks && !b->oom; i++) {
		const struct profile_stack *st = &p->stacks[i];
		PSample *s = new_message(b, &perftools__profiles__sample__descriptor);

		if (!s)
			goto oom;
		b->prof->sample[b->prof->n_sample++] = s;
		s->location_id = calloc(st->nframes, sizeof(*s->location_id));
		s->value = calloc(2, sizeof(*s->value));
		s->label = calloc(2, sizeof(*s->label));
		if (!s->location_id || !s->value || !s->label)
			goto oom;
		for (k = 0; k < st->nframes; k++)
			s->location_id[s->n_location_id++] = b->location_of[st->frames[k]];
		s->n_value = 2;
		s->value[0] = st->count <= INT64_MAX ? (int64_t)st->count : INT64_MAX;
		s->value[1] = period && st->count <= INT64_MAX / period ? (int64_t)(st->count * period) :
			      period ? INT64_MAX : 0;
		if (!st->line)
			continue;
		add_label(b, s, "causal_line", st->line);
		if (strmap_get(&ranked, st->line, &rank)) {
			impact_text(r, &r->lines[rank - 1], text, sizeof(text));
			add_label(b, s, "causal_impact", text);
		}
	}
	strmap_free(&ranked);
	return;
oom:
	strmap_free(&ranked);
	b->oom = true;
}

static void add_comments(struct builder *b, const struct profile *p, const struct report_result *r)
{
	size_t n = r ? (r->nlines < PPROF_COMMENT_LINES ? r->nlines : PPROF_COMMENT_LINES) : 0, i;
	char text[PATH_MAX + 600], imp[512];

	b->prof->comment = calloc(n + 1, sizeof(*b->prof->comment));
	if (!b->prof->comment) {
		b->oom = true;
		return;
	}
	snprintf(text, sizeof(text), "causal %s: %zu experiments, %zu ranked lines (program speedup when the "
		 "line is sped up, by %s)%s%s", CAUSAL_VERSION, p->nexps, r ? r->nlines : 0,
		 r ? report_sort_name(r->sort) : "-", p->command ? "; command: " : "", p->command ? p->command : "");
	b->prof->comment[b->prof->n_comment++] = str(b, text);
	for (i = 0; i < n; i++) {
		impact_text(r, &r->lines[i], imp, sizeof(imp));
		snprintf(text, sizeof(text), "causal #%zu %s: impact %s", i + 1, r->lines[i].selected, imp);
		b->prof->comment[b->prof->n_comment++] = str(b, text);
	}
}

static void builder_free(struct builder *b)
{
	perftools__profiles__profile__free_unpacked(b->prof, NULL);
	strmap_free(&b->strings);
	strmap_free(&b->keys);
	free(b->function_of);
	free(b->mapping_of);
	free(b->location_of);
}

/* Builds the message from p into b (b->oom on failure). */
static void build(struct builder *b, const struct profile *p, const struct report_result *r)
{
	size_t i;

	b->prof = new_message(b, &perftools__profiles__profile__descriptor);
	if (!b->prof)
		return;
	/* string_table[0] must be "" */
	b->prof->string_table = calloc(64, sizeof(*b->prof->string_table));
	b->strings_cap = 64;
	if (!b->prof->string_table || !(b->prof->string_table[0] = strdup(""))) {
		b->oom = true;
		return;
	}
	b->prof->n_string_table = 1;
	b->prof->sample_type = calloc(2, sizeof(*b->prof->sample_type));
	if (!b->prof->sample_type) {
		b->oom = true;
		return;
	}
	/* samples first, as pprof's convention for a count; Go's PGO takes either */
	if ((b->prof->sample_type[0] = value_type(b, "samples", "count")))
		b->prof->n_sample_type++;
	if ((b->prof->sample_type[1] = value_type(b, "cpu", "nanoseconds")))
		b->prof->n_sample_type++;
	b->prof->period_type = value_type(b, "cpu", "nanoseconds");
	b->prof->period = p->period_ns <= INT64_MAX ? (int64_t)p->period_ns : 0;
	b->prof->default_sample_type = str(b, "cpu");
	if (p->runs == 1)
		b->prof->duration_nanos = p->runtime_ns <= INT64_MAX ? (int64_t)p->runtime_ns : 0;

	b->function_of = calloc(p->nfunctions + 1, sizeof(*b->function_of));
	b->mapping_of = calloc(p->nobjects + 1, sizeof(*b->mapping_of));
	b->location_of = calloc(p->nframes + 1, sizeof(*b->location_of));
	/* at most one message per function, object or frame: the lists never grow */
	b->prof->function = calloc(p->nfunctions + 1, sizeof(*b->prof->function));
	b->prof->mapping = calloc(p->nobjects + 1, sizeof(*b->prof->mapping));
	b->prof->location = calloc(p->nframes + 1, sizeof(*b->prof->location));
	if (!b->function_of || !b->mapping_of || !b->location_of || !b->prof->function || !b->prof->mapping ||
	    !b->prof->location) {
		b->oom = true;
		return;
	}
	for (i = 0; i < p->nfunctions && !b->oom; i++)
		b->function_of[i] = add_function(b, &p->functions[i]);
	for (i = 0; i < p->nobjects && !b->oom; i++)
		b->mapping_of[i] = add_mapping(b, &p->objects[i]);
	/* only the frames some stack uses: a frame may be defined again by a later run */
	for (i = 0; i < p->nstacks && !b->oom; i++) {
		const struct profile_stack *st = &p->stacks[i];

		for (size_t k = 0; k < st->nframes && !b->oom; k++)
			if (!b->location_of[st->frames[k]])
				b->location_of[st->frames[k]] = add_location(b, &p->frames[st->frames[k]]);
	}
	add_samples(b, p, r);
	add_comments(b, p, r);
}

int report_write_pprof(const char *path, const struct profile *p, const struct report_result *r, char *err,
		       size_t errlen)
{
	struct builder b = { 0 };
	uint8_t *buf = NULL;
	size_t len;
	gzFile gz;
	int ret = 0, zerr;

	if (!p->nstacks) {
		snprintf(err, errlen, "--pprof: the profile has no callchains (no stack records in FILE%s: it "
			 "comes from Coz, or from causalctl before 0.1, or the file is missing)", PROFILE_STACKS_SUFFIX);
		return -ENOENT;
	}
	build(&b, p, r);
	if (b.oom) {
		ret = -ENOMEM;
		goto out;
	}
	len = perftools__profiles__profile__get_packed_size(b.prof);
	if (len > INT_MAX) {
		ret = -EFBIG;
		snprintf(err, errlen, "--pprof: the profile would be %zu bytes, more than zlib writes at once", len);
		goto out;
	}
	buf = malloc(len ? len : 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	perftools__profiles__profile__pack(b.prof, buf);
	gz = gzopen(path, "wb");
	if (!gz) {
		ret = errno ? -errno : -ENOMEM;
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(-ret));
		goto out;
	}
	if (len && gzwrite(gz, buf, (unsigned int)len) != (int)len) {
		gzerror(gz, &zerr);
		ret = zerr == Z_ERRNO && errno ? -errno : -EIO;
	}
	zerr = gzclose(gz);
	if (!ret && zerr != Z_OK)
		ret = zerr == Z_ERRNO && errno ? -errno : -EIO;
	if (ret)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-ret));
out:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "--pprof: out of memory");
	free(buf);
	builder_free(&b);
	return ret;
}
