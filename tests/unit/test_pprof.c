/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the callchain records (profile.h) in both syntaxes and `causalctl report
 * --pprof` (report_pprof.c): a synthetic profile written with the profile writer, read back, turned
 * into a pprof profile, and that decoded again with protobuf-c: its sample types, functions,
 * lines with an inlined frame, mappings with build IDs, sample totals and causal labels, and runs
 * appended with other ids merging into the same functions and locations.
 */
#include <errno.h>
#include <unistd.h>
#include <zlib.h>

#include "profile_unit.h"
#include "profile.pb-c.h"

UNIT_SCRATCH_DIR("/tmp/causal-unit-pprof-XXXXXX")

#define BUILD_ID "0123456789abcdef0123456789abcdef01234567"

/*
 * One run's callchains: helper() (h.h, from line 3) inlined at main.c:20 into main() (main.c,
 * from line 10), main.c:30 calling it, and a frame in no known object. swap gives the functions
 * and frames other ids, as another run would.
 */
static void write_run(struct profile_writer *w, bool swap)
{
	const uint32_t fmain = swap ? 2 : 1, fhelp = swap ? 1 : 2;
	const uint32_t leaf = swap ? 3 : 1, caller = 2, unknown = swap ? 1 : 3;
	const uint64_t inl[2][2] = { { fhelp, 5 }, { fmain, 20 } }, call[1][2] = { { fmain, 30 } };
	const struct profile_meta meta = { .tool_version = "test", .period_ns = 1000000 };
	const uint32_t s1[] = { leaf, caller }, s2[] = { unknown };

	profile_write_startup(w, 1, &meta);
	profile_write_object(w, 4, "/bin/prog", BUILD_ID, 0x1000, 0x2000);
	profile_write_function(w, fmain, "main", NULL, "/src/main.c", 10);
	profile_write_function(w, fhelp, "helper", "_Z6helperv", "/src/h.h", 3);
	profile_write_frame(w, leaf, 4, 0x1010, inl, 2);
	profile_write_frame(w, caller, 4, 0x1100, call, 1);
	profile_write_frame(w, unknown, 0, 0xdead, NULL, 0);
	profile_write_runtime(w, 5000000000ULL);
	profile_write_stack(w, 7, "/src/main.c:20", s1, 2);
	profile_write_stack(w, 3, NULL, s2, 1);
}

static void profile_of(enum profile_format fmt, int runs, struct profile *p)
{
	struct capture c;
	struct profile_writer *w;
	int i;

	capture_open(&c);
	w = profile_writer_stream(c.f, fmt);
	assert_non_null(w);
	for (i = 0; i < runs; i++)
		write_run(w, i % 2 == 1);
	assert_int_equal(profile_writer_close(w), 0);
	profile_read_text(p, capture_text(&c));
	capture_close(&c);
}

/* The records read back as written, in both syntaxes. */
static void records_round_trip(void **state)
{
	const enum profile_format fmts[] = { PROFILE_JSONL, PROFILE_LEGACY };
	struct profile p;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		profile_of(fmts[i], 1, &p);
		assert_int_equal(p.bad_lines, 0);
		assert_int_equal(p.nobjects, 1);
		assert_string_equal(p.objects[0].path, "/bin/prog");
		assert_string_equal(p.objects[0].build_id, BUILD_ID);
		assert_int_equal(p.objects[0].start, 0x1000);
		assert_int_equal(p.objects[0].end, 0x2000);
		assert_int_equal(p.nfunctions, 2);
		assert_string_equal(p.functions[1].name, "helper");
		assert_string_equal(p.functions[1].system_name, "_Z6helperv");
		assert_null(p.functions[0].system_name);
		assert_int_equal(p.functions[1].start_line, 3);
		assert_int_equal(p.nframes, 3);
		assert_int_equal(p.frames[0].object, 1);
		assert_int_equal(p.frames[0].address, 0x1010);
		assert_int_equal(p.frames[0].nlines, 2);
		assert_int_equal(p.frames[0].lines[0].function, 1);
		assert_int_equal(p.frames[0].lines[0].line, 5);
		assert_int_equal(p.frames[0].lines[1].function, 0);
		assert_int_equal(p.frames[0].lines[1].line, 20);
		assert_int_equal(p.frames[2].object, 0);
		assert_int_equal(p.frames[2].nlines, 0);
		assert_int_equal(p.nstacks, 2);
		assert_int_equal(p.stacks[0].count, 7);
		assert_string_equal(p.stacks[0].line, "/src/main.c:20");
		assert_int_equal(p.stacks[0].nframes, 2);
		assert_int_equal(p.stacks[0].frames[0], 0);
		assert_int_equal(p.stacks[0].frames[1], 1);
		assert_null(p.stacks[1].line);
		assert_int_equal(p.stack_samples, 10);
		profile_free(&p);
	}
}

/* Ids that are not defined before use, or out of range, are refused with a reason. */
static void bad_records_refused(void **state)
{
	static const char *const bad[] = {
		"{\"type\":\"frame\",\"id\":1,\"object\":0,\"address\":1,\"lines\":[[9,1]]}",
		"{\"type\":\"frame\",\"id\":1,\"object\":5,\"address\":1,\"lines\":[]}",
		"{\"type\":\"frame\",\"id\":0,\"object\":0,\"address\":1,\"lines\":[]}",
		"{\"type\":\"frame\",\"id\":99999999999,\"object\":0,\"address\":1,\"lines\":[]}",
		"{\"type\":\"stack\",\"count\":1,\"frames\":[1]}",
		"{\"type\":\"stack\",\"count\":1,\"frames\":[]}",
		"stack\tcount=1",
		"function\tid=1\tfile=a.c",
		"object\tid=1\tbuild-id=ab",
		"frame\tid=1\tlines=1",
	};
	struct profile p;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&p, 0, sizeof(p));
		assert_false(profile_parse_line(&p, bad[i], 1));
		assert_int_equal(p.bad_lines, 1);
		assert_int_equal(p.nframes + p.nstacks + p.nfunctions + p.nobjects, 0);
		profile_free(&p);
	}
}

static Perftools__Profiles__Profile *decode(const char *path)
{
	static uint8_t buf[1 << 20];
	gzFile gz = gzopen(path, "rb");
	int n;

	assert_non_null(gz);
	n = gzread(gz, buf, sizeof(buf));
	assert_true(n > 0 && n < (int)sizeof(buf));
	assert_int_equal(gzclose(gz), Z_OK);
	return perftools__profiles__profile__unpack(NULL, (size_t)n, buf);
}

static const char *s(const Perftools__Profiles__Profile *pr, int64_t i)
{
	assert_true(i >= 0 && (size_t)i < pr->n_string_table);
	return pr->string_table[i];
}

static const Perftools__Profiles__Function *function_named(const Perftools__Profiles__Profile *pr,
							    const char *name)
{
	size_t i;

	for (i = 0; i < pr->n_function; i++)
		if (!strcmp(s(pr, pr->function[i]->name), name))
			return pr->function[i];
	fail_msg("no function %s", name);
	return NULL;
}

static const Perftools__Profiles__Location *location_at(const Perftools__Profiles__Profile *pr, uint64_t addr)
{
	size_t i;

	for (i = 0; i < pr->n_location; i++)
		if (pr->location[i]->address == addr)
			return pr->location[i];
	fail_msg("no location at %#lx", (unsigned long)addr);
	return NULL;
}

/* The sample label key's string value, or NULL. */
static const char *label(const Perftools__Profiles__Profile *pr, const Perftools__Profiles__Sample *sm,
			 const char *key)
{
	size_t i;

	for (i = 0; i < sm->n_label; i++)
		if (!strcmp(s(pr, sm->label[i]->key), key))
			return s(pr, sm->label[i]->str);
	return NULL;
}

/* The profile as pprof: what go tool pprof and go build -pgo read. */
static void check_pprof(const char *path, int runs)
{
	Perftools__Profiles__Profile *pr = decode(path);
	const Perftools__Profiles__Function *fmain, *fhelp;
	const Perftools__Profiles__Location *loc;
	int64_t total[2] = { 0, 0 };
	size_t i;

	assert_non_null(pr);
	assert_string_equal(s(pr, 0), "");
	assert_int_equal(pr->n_sample_type, 2);
	assert_string_equal(s(pr, pr->sample_type[0]->type), "samples");
	assert_string_equal(s(pr, pr->sample_type[0]->unit), "count");
	assert_string_equal(s(pr, pr->sample_type[1]->type), "cpu");
	assert_string_equal(s(pr, pr->sample_type[1]->unit), "nanoseconds");
	assert_int_equal(pr->period, 1000000);
	/* runs with other ids merge into the same functions, mapping and locations */
	assert_int_equal(pr->n_function, 2);
	assert_int_equal(pr->n_mapping, 1);
	assert_int_equal(pr->n_location, 3);
	assert_string_equal(s(pr, pr->mapping[0]->filename), "/bin/prog");
	assert_string_equal(s(pr, pr->mapping[0]->build_id), BUILD_ID);
	assert_int_equal(pr->mapping[0]->memory_start, 0x1000);
	assert_int_equal(pr->mapping[0]->memory_limit, 0x2000);
	assert_true(pr->mapping[0]->has_functions && pr->mapping[0]->has_inline_frames);
	fmain = function_named(pr, "main");
	fhelp = function_named(pr, "helper");
	assert_string_equal(s(pr, fmain->filename), "/src/main.c");
	assert_int_equal(fmain->start_line, 10);
	assert_string_equal(s(pr, fhelp->filename), "/src/h.h");
	assert_string_equal(s(pr, fhelp->system_name), "_Z6helperv");
	assert_int_equal(fhelp->start_line, 3);
	/* the inlined frame: helper first, then main, into which it was inlined */
	loc = location_at(pr, 0x1010);
	assert_int_equal(loc->mapping_id, pr->mapping[0]->id);
	assert_int_equal(loc->n_line, 2);
	assert_int_equal(loc->line[0]->function_id, fhelp->id);
	assert_int_equal(loc->line[0]->line, 5);
	assert_int_equal(loc->line[1]->function_id, fmain->id);
	assert_int_equal(loc->line[1]->line, 20);
	loc = location_at(pr, 0xdead);
	assert_int_equal(loc->mapping_id, 0);
	assert_int_equal(loc->n_line, 0);
	assert_int_equal(pr->n_sample, 2 * (size_t)runs);
	for (i = 0; i < pr->n_sample; i++) {
		const Perftools__Profiles__Sample *sm = pr->sample[i];

		assert_int_equal(sm->n_value, 2);
		assert_int_equal(sm->value[1], sm->value[0] * 1000000);
		total[0] += sm->value[0];
		total[1] += sm->value[1];
		if (sm->value[0] == 7) {
			/* leaf first */
			assert_int_equal(sm->n_location_id, 2);
			assert_int_equal(sm->location_id[0], location_at(pr, 0x1010)->id);
			assert_int_equal(sm->location_id[1], location_at(pr, 0x1100)->id);
			assert_string_equal(label(pr, sm, "causal_line"), "/src/main.c:20");
		} else {
			assert_null(label(pr, sm, "causal_line"));
		}
	}
	assert_int_equal(total[0], 10 * runs);
	assert_int_equal(total[1], 10 * runs * 1000000);
	perftools__profiles__profile__free_unpacked(pr, NULL);
}

static void pprof_of_synthetic_profile(void **state)
{
	const enum profile_format fmts[] = { PROFILE_JSONL, PROFILE_LEGACY };
	char path[128], err[256];
	struct profile p;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/out.pb.gz", dir);
	for (i = 0; i < 2; i++) {
		profile_of(fmts[i], 1, &p);
		assert_int_equal(report_write_pprof(path, &p, NULL, err, sizeof(err)), 0);
		check_pprof(path, 1);
		profile_free(&p);
		/* two runs, the second with other ids */
		profile_of(fmts[i], 2, &p);
		assert_int_equal(p.bad_lines, 0);
		assert_int_equal(report_write_pprof(path, &p, NULL, err, sizeof(err)), 0);
		check_pprof(path, 2);
		profile_free(&p);
	}
}

/* A ranked line's impact labels its samples and is in the comments. */
static void causal_results_carried(void **state)
{
	struct capture c;
	struct profile_writer *w;
	struct report_result r;
	Perftools__Profiles__Profile *pr;
	char path[128], err[256];
	struct profile p;
	bool commented = false;
	size_t i;
	int k;

	(void)state;
	capture_open(&c);
	w = profile_writer_stream(c.f, PROFILE_JSONL);
	write_run(w, false);
	/* /src/main.c:20 sped up by k % makes main.c:73 k/2 % faster */
	for (k = 0; k <= 50; k += 10) {
		struct profile_experiment e = { .selected = "/src/main.c:20", .speedup = k / 100.0,
						.duration = 1000000000 };

		profile_write_experiment(w, &e);
		profile_write_throughput(w, "main.c:73", (uint64_t)(1000 / (1 - k / 200.0)));
	}
	assert_int_equal(profile_writer_close(w), 0);
	profile_read_text(&p, capture_text(&c));
	capture_close(&c);
	assert_int_equal(report_analyse(&p, REPORT_SORT_IMPACT, 5, &r), 0);
	assert_int_equal(r.nlines, 1);
	snprintf(path, sizeof(path), "%s/causal.pb.gz", dir);
	assert_int_equal(report_write_pprof(path, &p, &r, err, sizeof(err)), 0);
	pr = decode(path);
	assert_non_null(pr);
	for (i = 0; i < pr->n_sample; i++)
		if (pr->sample[i]->value[0] == 7)
			assert_non_null(strstr(label(pr, pr->sample[i], "causal_impact"), "% on main.c:73"));
	for (i = 0; i < pr->n_comment; i++)
		commented |= strstr(s(pr, pr->comment[i]), "#1 /src/main.c:20: impact +") != NULL;
	assert_true(commented);
	perftools__profiles__profile__free_unpacked(pr, NULL);
	report_free(&r);
	profile_free(&p);
}

/*
 * Without symbols: a frame keeps its runtime address (any 64-bit value reads back), and a walk
 * that went above user space ends there; the same stack twice is one record with count 2.
 */
static void unsymbolised_stacks(void **state)
{
	const uint64_t chain[] = { 0x401000, 0xffff888000001000ULL, 0x402000 };
	struct callchains *c = callchains_new();
	struct profile p;

	(void)state;
	assert_non_null(c);
	assert_int_equal(callchains_add(c, 0xfedcba9876543210ULL, chain, 3, 0), 0);
	assert_int_equal(callchains_add(c, 0xfedcba9876543210ULL, chain, 3, 0), 0);
	stacks_read_back(c, NULL, PROFILE_LEGACY, &p);
	assert_int_equal(p.nstacks, 1);
	assert_int_equal(p.stacks[0].count, 2);
	assert_int_equal(p.stacks[0].nframes, 2);
	assert_int_equal(p.frames[p.stacks[0].frames[0]].address, 0xfedcba9876543210ULL);
	/* a return address, as the call before it */
	assert_int_equal(p.frames[p.stacks[0].frames[1]].address, 0x401000 - 1);
	assert_int_equal(p.frames[p.stacks[0].frames[1]].object, 0);
	profile_free(&p);
	callchains_free(c);
}

/*
 * Many frames and stacks, well past the tables' first sizes: each distinct stack is one record,
 * in the order first seen, with its count; stacks that differ only in their line, or only in
 * their depth, stay apart; every frame is written once.
 */
#define MANY_STACKS	30000u
#define MANY_FRAMES	5000u

static uint64_t many_addr(unsigned int i)
{
	return 0x400000 + 16 * (uint64_t)(i % MANY_FRAMES);
}

/* Stack i of round 2 is stack i of round 1 again (i % 3 == 0), one frame deeper or shallower
 * (1), or with another line (2). Its depth below the leaf. */
static unsigned int many_depth(unsigned int i, unsigned int round)
{
	unsigned int n = 1 + i % 3;

	return round && i % 3 == 1 ? (n == 3 ? 2 : n + 1) : n;
}

static void many_stacks(void **state)
{
	struct callchains *c = callchains_new();
	struct profile p;
	uint64_t chain[3];
	unsigned int i, k, round;

	(void)state;
	assert_non_null(c);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < MANY_STACKS; i++) {
			line_id line = 1 + i + (round && i % 3 == 2 ? MANY_STACKS : 0);

			/* return addresses: the records have them less 1, as the calls */
			chain[0] = many_addr(i * 7 + 1) + 1;
			chain[1] = many_addr(i * 13 + 2) + 1;
			chain[2] = many_addr(i / 3) + 1;
			assert_int_equal(callchains_add(c, many_addr(i), chain, many_depth(i, round), line), 0);
		}
	}
	assert_int_equal(callchains_samples(c), 2 * MANY_STACKS);
	assert_int_equal(callchains_lost(c), 0);
	assert_int_equal(callchains_stacks(c), MANY_STACKS / 3 * 5);
	assert_int_equal(callchains_frames(c), MANY_FRAMES);
	stacks_read_back(c, NULL, PROFILE_LEGACY, &p);
	assert_int_equal(p.nframes, MANY_FRAMES);
	assert_int_equal(p.nstacks, MANY_STACKS / 3 * 5);
	for (i = 0; i < MANY_STACKS; i++) {
		const struct profile_stack *st = &p.stacks[i];

		assert_int_equal(st->count, i % 3 ? 1 : 2);
		assert_int_equal(st->nframes, 1 + many_depth(i, 0));
		assert_int_equal(p.frames[st->frames[0]].address, many_addr(i));
		assert_int_equal(p.frames[st->frames[1]].address, many_addr(i * 7 + 1));
	}
	/* then round 2's new stacks, in its order */
	for (i = 0, k = MANY_STACKS; i < MANY_STACKS; i++) {
		if (!(i % 3))
			continue;
		assert_int_equal(p.stacks[k].count, 1);
		assert_int_equal(p.stacks[k].nframes, 1 + many_depth(i, 1));
		assert_int_equal(p.frames[p.stacks[k++].frames[0]].address, many_addr(i));
	}
	profile_free(&p);
	callchains_free(c);
}

/* No callchains (Coz's profile, or no FILE.stacks): said, nothing written. */
static void no_stacks_refused(void **state)
{
	char path[128], err[256];
	struct profile p;

	(void)state;
	profile_read_text(&p, "startup\ttime=1\nruntime\ttime=5\n");
	snprintf(path, sizeof(path), "%s/none.pb.gz", dir);
	assert_int_equal(report_write_pprof(path, &p, NULL, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no callchains"));
	assert_int_equal(access(path, F_OK), -1);
	profile_free(&p);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(records_round_trip),
	cmocka_unit_test(bad_records_refused),
	cmocka_unit_test(pprof_of_synthetic_profile),
	cmocka_unit_test(causal_results_carried),
	cmocka_unit_test(unsymbolised_stacks),
	cmocka_unit_test(many_stacks),
	cmocka_unit_test(no_stacks_refused),
};

UNIT_MAIN(tests, setup, teardown)
