/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for finding causal.h and coz.h progress-point sites in a binary (sites.c), on fixture
 * programs this test writes and builds with gcc at -O1 and -O2: every site found once with its
 * name and kind, each at the test after a load of its variable (checked byte by byte), two
 * sites on one line told apart by their column, FILE:LINE names when the source is gone, and
 * nothing in a binary without DWARF. That each load runs once per visit is what the VM test
 * (tests/vm/profile.sh, attach to coz_counts) checks, by counting against libcausal.
 */
#include <limits.h>
#include <unistd.h>

#include "sites.h"
#include "unit.h"

#ifndef CAUSAL_TEST_INCLUDE
#error "CAUSAL_TEST_INCLUDE: the folder of causal.h"
#endif

UNIT_SCRATCH_DIR("/tmp/causal-unit-sites-XXXXXX")

static const char causal_c[] =
	"#include <causal.h>\n"
	"volatile int sink;\n"
	"int main(int argc, char **argv)\n"
	"{\n"
	"\t(void)argv;\n"
	"\tfor (int i = 0; i < argc * 1000; i++) {\n"
	"\t\tCAUSAL_BEGIN(\"req\");\n"				/* line 7 */
	"\t\tsink += i;\n"
	"\t\tCAUSAL_PROGRESS;\n"					/* line 9 */
	"\t\tCAUSAL_PROGRESS_NAMED(\"a\"); CAUSAL_PROGRESS_NAMED(\"b\");\n"	/* line 10 */
	"\t\tCAUSAL_END(\"req\");\n"				/* line 11 */
	"\t}\n"
	"\treturn 0;\n"
	"}\n";

static const char coz_c[] =
	"#include <coz.h>\n"
	"volatile int sink;\n"
	"int main(int argc, char **argv)\n"
	"{\n"
	"\t(void)argv;\n"
	"\tfor (int i = 0; i < argc * 1000; i++) {\n"
	"\t\tsink += i;\n"
	"\t\tCOZ_PROGRESS_NAMED(\"items\");\n"			/* line 8 */
	"\t\tCOZ_PROGRESS;\n"						/* line 9 */
	"\t}\n"
	"\treturn 0;\n"
	"}\n";

static void build(const char *src_name, const char *text, const char *out, const char *flags)
{
	char path[PATH_MAX], cmd[2 * PATH_MAX + 256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, src_name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	/* compiled from the folder, as a build names it: __FILE__ is then the bare file name */
	snprintf(cmd, sizeof(cmd), "cd '%s' && gcc -std=gnu11 -g %s -I'%s' -o '%s' '%s' -ldl", dir, flags,
		 CAUSAL_TEST_INCLUDE, out, src_name);
	assert_int_equal(system(cmd), 0);
}

static const struct site *find(const struct site *s, size_t n, const char *name, enum site_kind kind)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s[i].name, name) && s[i].kind == kind)
			return &s[i];
	fail_msg("no site '%s' of kind %d", name, kind);
	return NULL;
}

/*
 * Each offset holds `test r64, r64` (REX.W 85 /r, mod 11, one register), right after a REX.W
 * `mov disp32(%rip), r64` of that register: the probe is never on the RIP-relative load itself.
 */
static void assert_loads(const char *binary, const struct site *s)
{
	unsigned char b[10];
	FILE *f = fopen(binary, "rb");
	size_t i;

	assert_non_null(f);
	assert_true(s->noffsets >= 1);
	for (i = 0; i < s->noffsets; i++) {
		assert_int_equal(fseek(f, (long)s->offsets[i] - 7, SEEK_SET), 0);
		assert_int_equal(fread(b, 1, sizeof(b), f), sizeof(b));
		assert_int_equal(b[0] & 0xf8, 0x48);
		assert_true(b[1] == 0x8b && (b[2] & 0xc7) == 0x05);
		assert_int_equal(b[7] & 0xf8, 0x48);
		assert_int_equal(b[8], 0x85);
		assert_int_equal(b[9] & 0xc0, 0xc0);
		assert_int_equal((b[9] >> 3) & 7, b[9] & 7);
		assert_int_equal((b[9] >> 3) & 7, (b[2] >> 3) & 7);
	}
	fclose(f);
}

static void causal_h_sites(void **state)
{
	static const char *const flags[] = { "-O1", "-O2" };
	char out[PATH_MAX], err[256], src[PATH_MAX];
	struct site *s;
	size_t n, k;

	(void)state;
	for (k = 0; k < 2; k++) {
		snprintf(out, sizeof(out), "%s/causal%zu", dir, k);
		build("fx_causal.c", causal_c, out, flags[k]);
		assert_int_equal(sites_find(out, &s, &n, err, sizeof(err)), 0);
		assert_int_equal(n, 5);
		assert_string_equal(find(s, n, "req", SITE_BEGIN)->where, "fx_causal.c:7");
		assert_string_equal(find(s, n, "req", SITE_END)->where, "fx_causal.c:11");
		assert_string_equal(find(s, n, "fx_causal.c:9", SITE_PROGRESS)->where, "fx_causal.c:9");
		/* two on one line: told apart by the column of each macro */
		assert_string_equal(find(s, n, "a", SITE_PROGRESS)->where, "fx_causal.c:10");
		assert_string_equal(find(s, n, "b", SITE_PROGRESS)->where, "fx_causal.c:10");
		snprintf(src, sizeof(src), "%s/fx_causal.c", dir);
		for (size_t i = 0; i < n; i++) {
			assert_false(s[i].name_guessed);
			assert_string_equal(s[i].source, src);
			assert_loads(out, &s[i]);
		}
		sites_free(s, n);
	}

	/* the source gone: every site is still found, named FILE:LINE, and says so */
	assert_int_equal(unlink(src), 0);
	assert_int_equal(sites_find(out, &s, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		assert_true(s[i].name_guessed);
		assert_string_equal(s[i].name, s[i].where);
		assert_int_equal(s[i].kind, SITE_PROGRESS);
	}
	sites_free(s, n);

	/* without DWARF: none, and no error */
	{
		char cmd[2 * PATH_MAX + 32];

		snprintf(cmd, sizeof(cmd), "strip -o '%s/stripped' '%s'", dir, out);
		assert_int_equal(system(cmd), 0);
	}
	snprintf(out, sizeof(out), "%s/stripped", dir);
	assert_int_equal(sites_find(out, &s, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	sites_free(s, n);
	assert_true(sites_find("/nonexistent/x", &s, &n, err, sizeof(err)) < 0);
	assert_contains(err, "cannot open /nonexistent/x");
}

static void coz_h_sites(void **state)
{
	/* Debian 13 has no coz-profiler: tests/userland-compilers.sh gives the host's coz.h there */
	const char *coz_dir = getenv("COZ_INCLUDE_DIR") ? getenv("COZ_INCLUDE_DIR") : "/usr/include";
	char out[PATH_MAX], err[256], coz_h[PATH_MAX], flags[PATH_MAX + 16];
	struct site *s;
	size_t n;

	(void)state;
	snprintf(coz_h, sizeof(coz_h), "%s/coz.h", coz_dir);
	if (access(coz_h, R_OK)) {
		print_message("no %s (Debian's coz-profiler): skipped\n", coz_h);
		skip();
	}
	snprintf(out, sizeof(out), "%s/coz", dir);
	snprintf(flags, sizeof(flags), "-O2 -I'%s'", coz_dir);
	build("fx_coz.c", coz_c, out, flags);
	assert_int_equal(sites_find(out, &s, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(find(s, n, "items", SITE_PROGRESS)->where, "fx_coz.c:8");
	assert_string_equal(find(s, n, "fx_coz.c:9", SITE_PROGRESS)->where, "fx_coz.c:9");
	for (size_t i = 0; i < n; i++)
		assert_loads(out, &s[i]);
	sites_free(s, n);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(causal_h_sites),
	cmocka_unit_test(coz_h_sites),
};

UNIT_MAIN(tests, setup, teardown)
