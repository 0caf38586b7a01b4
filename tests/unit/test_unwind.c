/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the call frame rows (unwind.h) and CAUSAL_IOC_UNWIND_SET's wrapper: rows of this
 * very process, checked against the contract of linux/causal.h, and applied by a small unwinder
 * written here as that contract says, from inside functions that keep no frame pointer.
 */
#include <dlfcn.h>
#include <errno.h>
#include <unistd.h>

#include "scope.h"
#include "session.h"
#include "symbols.h"
#include "unit.h"
#include "unwind.h"
#include "fixtures/unwind_probe.h"

/* ---- unwind_rows_tidy, on made-up rows ---- */

#define ROW(s, l)		{ .start = (s), .len = (l), .cfa_off = 8 }
#define ROW_RBP(s, l, off)	{ .start = (s), .len = (l), .flags = CAUSAL_UNWIND_RBP_SAVED, \
				  .cfa_off = 16, .rbp_off = (off) }

struct tidy_case {
	const char *what;
	struct causal_unwind_row in[6];
	size_t nin;
	struct causal_unwind_row out[6];
	size_t nout;
	size_t overlapping;
};

static const struct tidy_case tidy_cases[] = {
	{ "sorted by start", { ROW(0x300, 4), ROW(0x100, 4), ROW_RBP(0x200, 4, -16) }, 3,
	  { ROW(0x100, 4), ROW_RBP(0x200, 4, -16), ROW(0x300, 4) }, 3, 0 },
	{ "alike neighbours joined", { ROW(0x104, 4), ROW(0x100, 4), ROW(0x108, 8) }, 3,
	  { ROW(0x100, 16) }, 1, 0 },
	{ "neighbours that differ kept apart", { ROW(0x100, 4), ROW_RBP(0x104, 4, -16),
	  ROW_RBP(0x108, 4, -24) }, 3,
	  { ROW(0x100, 4), ROW_RBP(0x104, 4, -16), ROW_RBP(0x108, 4, -24) }, 3, 0 },
	{ "a gap is not joined", { ROW(0x100, 4), ROW(0x105, 4) }, 2,
	  { ROW(0x100, 4), ROW(0x105, 4) }, 2, 0 },
	{ "overlaps dropped and counted", { ROW(0x100, 8), ROW(0x104, 8), ROW_RBP(0x107, 2, -16),
	  ROW(0x108, 4) }, 4, { ROW(0x100, 12) }, 1, 2 },
	{ "empty rows dropped", { ROW(0x100, 0), ROW(0x100, 4), ROW(0x200, 0) }, 3,
	  { ROW(0x100, 4) }, 1, 0 },
	{ "a join stops short of 4 GiB", { ROW(0x0, 0xfffffff0), ROW(0xfffffff0, 0x20) }, 2,
	  { ROW(0x0, 0xfffffff0), ROW(0xfffffff0, 0x20) }, 2, 0 },
};

static void tidy_cuts_sorts_and_joins(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(tidy_cases); i++) {
		const struct tidy_case *t = &tidy_cases[i];
		struct causal_unwind_row r[6];
		size_t overlapping = 0, n;

		memcpy(r, t->in, sizeof(r));
		n = unwind_rows_tidy(r, t->nin, &overlapping);
		if (n != t->nout || overlapping != t->overlapping)
			fail_msg("%s: %zu rows, %zu overlapping; expected %zu, %zu", t->what, n,
				 overlapping, t->nout, t->overlapping);
		for (size_t j = 0; j < n; j++)
			if (memcmp(&r[j], &t->out[j], sizeof(r[j])))
				fail_msg("%s: row %zu is %#llx+%u flags %u cfa %d rbp %d", t->what, j,
					 (unsigned long long)r[j].start, r[j].len, r[j].flags,
					 r[j].cfa_off, r[j].rbp_off);
	}
}

/* ---- this process's rows ---- */

struct self {
	struct scope *scope;
	struct symbols *sym;
	struct unwind *u;
	const struct causal_unwind_row *rows;
	size_t n;
	struct unwind_counts c;
};

static void self_open(struct self *s, size_t max_rows)
{
	char err[512];

	s->scope = scope_new();
	assert_non_null(s->scope);
	assert_int_equal(scope_add_binary(s->scope, SCOPE_MAIN), 0);
	s->sym = symbols_open(getpid(), s->scope, err, sizeof(err));
	if (!s->sym)
		fail_msg("symbols_open: %s", err);
	s->u = unwind_new(max_rows);
	assert_non_null(s->u);
	assert_int_equal(unwind_update(s->u, s->sym), 1);
	s->rows = unwind_rows(s->u, &s->n);
	unwind_counts(s->u, &s->c);
}

static void self_close(struct self *s)
{
	unwind_free(s->u);
	symbols_close(s->sym);
	scope_free(s->scope);
}

/* The row holding addr, or NULL. */
static const struct causal_unwind_row *row_at(const struct causal_unwind_row *r, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < r[mid].start)
			hi = mid;
		else if (addr - r[mid].start >= r[mid].len)
			lo = mid + 1;
		else
			return &r[mid];
	}
	return NULL;
}

/* What linux/causal.h asks of a table. */
static void assert_table_valid(const struct causal_unwind_row *r, size_t n)
{
	assert_true(n <= CAUSAL_MAX_UNWIND_ROWS);
	for (size_t i = 0; i < n; i++) {
		if (!r[i].len || (r[i].flags & ~(uint32_t)CAUSAL_UNWIND_ROW_FLAGS) || r[i].cfa_off < 8 ||
		    r[i].cfa_off > CAUSAL_UNWIND_OFF_MAX ||
		    (r[i].flags & CAUSAL_UNWIND_RBP_SAVED ? r[i].rbp_off < -CAUSAL_UNWIND_OFF_MAX ||
		     r[i].rbp_off > -16 : r[i].rbp_off != 0))
			fail_msg("row %zu: %#llx+%u flags %u cfa %d rbp %d", i,
				 (unsigned long long)r[i].start, r[i].len, r[i].flags, r[i].cfa_off,
				 r[i].rbp_off);
		if (i && r[i].start < r[i - 1].start + r[i - 1].len)
			fail_msg("row %zu at %#llx overlaps or precedes row %zu (%#llx+%u)", i,
				 (unsigned long long)r[i].start, i - 1,
				 (unsigned long long)r[i - 1].start, r[i - 1].len);
	}
}

static void own_rows_keep_the_contract(void **state)
{
	struct self s;

	(void)state;
	self_open(&s, 0);
	assert_table_valid(s.rows, s.n);
	/* this executable and its libraries (libc, libdw, cmocka, the sanitizers' runtime) */
	assert_true(s.c.main_rows > 100);
	assert_true(s.c.objects_cfi >= 3);
	assert_int_equal(s.c.rows, s.n);
	assert_true(s.n > s.c.main_rows);
	assert_int_equal(s.c.over_limit, 0);
	/* this very function has a row */
	assert_non_null(row_at(s.rows, s.n, (uintptr_t)own_rows_keep_the_contract));
	/* the same objects: nothing to do */
	assert_int_equal(unwind_update(s.u, s.sym), 0);
	self_close(&s);
}

/* libc's own copy of a function (the sanitizers intercept the name in this process). */
static uint64_t libc_function(const char *name)
{
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	void *f;
	Dl_info info;

	assert_non_null(libc);
	f = dlsym(libc, name);
	dlclose(libc);
	if (!f)
		fail_msg("no %s in libc.so.6: %s", name, dlerror());
	assert_true(dladdr(f, &info));
	assert_contains(info.dli_fname, "libc.so");
	return (uintptr_t)f;
}

static void libc_functions_have_rows(void **state)
{
	static const char *const names[] = { "pthread_mutex_lock", "memcpy", "qsort" };
	struct self s;

	(void)state;
	self_open(&s, 0);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		uint64_t f = libc_function(names[i]);
		const struct causal_unwind_row *r = row_at(s.rows, s.n, f);

		if (!r)
			fail_msg("no row for %s at %#llx", names[i], (unsigned long long)f);
		/* at the entry: the return address on top of the stack, nothing else pushed yet */
		if (r->flags || r->cfa_off != 8)
			fail_msg("%s's entry: flags %u, CFA rsp + %d; expected rsp + 8", names[i], r->flags,
				 r->cfa_off);
	}
	self_close(&s);
}

/* A table of at most max rows of s's objects: its rows and counts. */
static struct unwind *table_of(struct self *s, size_t max, const struct causal_unwind_row **rows,
			       size_t *n, struct unwind_counts *c)
{
	struct unwind *u = unwind_new(max);

	assert_non_null(u);
	assert_int_equal(unwind_update(u, s->sym), 1);
	*rows = unwind_rows(u, n);
	unwind_counts(u, c);
	return u;
}

/*
 * Past the limit the main executable keeps its rows; what goes is counted. (The same symbols for
 * all: libelf's own mappings of the files it reads are objects of this process for the next.)
 */
static void limit_keeps_the_main_executable_first(void **state)
{
	const struct causal_unwind_row *rows;
	struct unwind_counts c;
	struct unwind *u;
	struct self all;
	size_t n;

	(void)state;
	self_open(&all, 0);
	assert_true(all.c.main_rows > 10);

	u = table_of(&all, all.c.main_rows / 2, &rows, &n, &c);
	assert_int_equal(n, all.c.main_rows / 2);
	assert_int_equal(c.rows, n);
	assert_int_equal(c.main_rows, all.c.main_rows / 2);
	assert_int_equal(c.over_limit, all.n - n);
	assert_table_valid(rows, n);
	unwind_free(u);

	u = table_of(&all, all.c.main_rows + 10, &rows, &n, &c);
	assert_int_equal(c.main_rows, all.c.main_rows);
	assert_int_equal(c.rows + c.over_limit, all.n);
	assert_true(n <= all.c.main_rows + 10 && n > all.c.main_rows);
	assert_table_valid(rows, n);
	/* every row of this executable is there */
	assert_non_null(row_at(rows, n, (uintptr_t)limit_keeps_the_main_executable_first));
	unwind_free(u);
	self_close(&all);
}

/* A library loaded later gets its rows at the next update. */
static void refresh_adds_a_loaded_library(void **state)
{
	struct self s;
	void *lib, *f;

	(void)state;
	self_open(&s, 0);
	lib = dlopen(CAUSAL_TEST_LIBCAUSAL, RTLD_NOW);
	if (!lib)
		fail_msg("dlopen %s: %s", CAUSAL_TEST_LIBCAUSAL, dlerror());
	f = dlsym(lib, "causal_get_counter");
	assert_non_null(f);
	assert_null(row_at(s.rows, s.n, (uintptr_t)f));
	assert_true(symbols_refresh(s.sym) >= 0);
	assert_int_equal(unwind_update(s.u, s.sym), 1);
	s.rows = unwind_rows(s.u, &s.n);
	assert_non_null(row_at(s.rows, s.n, (uintptr_t)f));
	assert_table_valid(s.rows, s.n);
	self_close(&s);
	dlclose(lib);
}

/* ---- the rows applied, as the module applies them ---- */

/* What the unwinder is given and what each step found. */
struct walk {
	const struct causal_unwind_row *rows;
	size_t n;
	uint64_t ret[3], bp[3];		/* the return address and rbp after each step */
	uint32_t flags[3];		/* the row each step applied */
	int steps;
};

/* Reads a word of this process's stack, redzones or not (the module reads them too). */
static __attribute__((no_sanitize_address)) uint64_t peek(uint64_t addr)
{
	return *(const volatile uint64_t *)(uintptr_t)addr;
}

/*
 * One step by the row holding lookup (an ip, or a return address - 1), as linux/causal.h says:
 * CFA = rsp (or rbp) + cfa_off, the return address at CFA - 8, the caller's rbp at CFA + rbp_off
 * if saved (else unchanged), the caller's rsp the CFA. false without a row.
 */
static bool step(const struct causal_unwind_row *rows, size_t n, uint64_t lookup, uint64_t *sp,
		 uint64_t *bp, uint64_t *ret, uint32_t *flags)
{
	const struct causal_unwind_row *r = row_at(rows, n, lookup);
	uint64_t cfa;

	if (!r)
		return false;
	cfa = (r->flags & CAUSAL_UNWIND_CFA_RBP ? *bp : *sp) + (uint64_t)(int64_t)r->cfa_off;
	*ret = peek(cfa - 8);
	if (r->flags & CAUSAL_UNWIND_RBP_SAVED)
		*bp = peek(cfa + (uint64_t)(int64_t)r->rbp_off);
	*sp = cfa;
	*flags = r->flags;
	return true;
}

/* From the probe's capture in its leaf, up to three steps. */
static void walk_from(struct unwind_probe *p, void *arg)
{
	struct walk *w = arg;
	uint64_t sp = p->sp, bp = p->bp, lookup = p->ip;

	for (w->steps = 0; w->steps < 3; w->steps++) {
		if (!step(w->rows, w->n, lookup, &sp, &bp, &w->ret[w->steps], &w->flags[w->steps]))
			break;
		w->bp[w->steps] = bp;
		lookup = w->ret[w->steps] - 1;
	}
}

static void rows_unwind_frames_without_frame_pointers(void **state)
{
	struct walk w = { 0 };
	struct unwind_probe p = { .unwind = walk_from, .arg = &w };
	uint64_t bp_here;
	struct self s;

	(void)state;
	self_open(&s, 0);
	w.rows = s.rows;
	w.n = s.n;
	__asm__ volatile("mov %%rbp, %0" : "=r"(bp_here));
	unwind_probe_mid(&p);
	assert_int_equal(p.done, 2);
	if (w.steps < 3)
		fail_msg("only %d steps from %#llx", w.steps, (unsigned long long)p.ip);
	/* out of the leaf: its CFA is rsp-based, and it saved the mid's rbp */
	assert_int_equal(w.flags[0], CAUSAL_UNWIND_RBP_SAVED);
	assert_true(w.ret[0] == p.ret_leaf);
	assert_true(w.bp[0] == p.bp_mid);
	/* out of the mid, rsp-based too: the caller's caller, this function */
	assert_false(w.flags[1] & CAUSAL_UNWIND_CFA_RBP);
	assert_true(w.ret[1] == p.ret_mid);
	/* out of this function, which keeps a frame pointer: rbp-based, to whoever called it */
	assert_true(w.flags[2] & CAUSAL_UNWIND_CFA_RBP);
	assert_true(w.bp[1] == bp_here);
	assert_true(w.ret[2] == (uintptr_t)__builtin_return_address(0));
	self_close(&s);
}

/* ---- the ioctl's wrapper ---- */

static void unwind_set_needs_the_feature(void **state)
{
	struct causal_unwind_row row = ROW(0x1000, 16);
	struct causal_session s = { .fd = -1 };

	(void)state;
	/* a module without it is not asked */
	assert_int_equal(session_unwind_set(&s, &row, 1), -EOPNOTSUPP);
	assert_int_equal(session_unwind_set(&s, NULL, 0), -EOPNOTSUPP);
	s.features = CAUSAL_FEATURE_UNWIND;
	assert_int_equal(session_unwind_set(&s, &row, CAUSAL_MAX_UNWIND_ROWS + 1ULL), -E2BIG);
	/* with it, the ioctl is made (here on no device) */
	assert_int_equal(session_unwind_set(&s, &row, 1), -EBADF);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(tidy_cuts_sorts_and_joins),
	cmocka_unit_test(own_rows_keep_the_contract),
	cmocka_unit_test(libc_functions_have_rows),
	cmocka_unit_test(limit_keeps_the_main_executable_first),
	cmocka_unit_test(refresh_adds_a_loaded_library),
	cmocka_unit_test(rows_unwind_frames_without_frame_pointers),
	cmocka_unit_test(unwind_set_needs_the_feature),
};

UNIT_MAIN(tests, NULL, NULL)
