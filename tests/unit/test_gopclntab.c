/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for Go's line table (gopclntab.h) on real Go binaries this test builds with
 * Debian's toolchains (tests/go/toolchain.sh: the newest, 1.21, and 1.19 for the older header),
 * each twice: with DWARF, and stripped (-ldflags=-s -w). What the stripped binary's .gopclntab
 * says about an address must be what the unstripped binary's DWARF says; probes on Go function
 * names and a running stripped process's symbolisation must work as with DWARF.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <elfutils/libdwfl.h>

#include "unit.h"
#include "gopclntab.h"
#include "linemap.h"
#include "probe.h"
#include "scope.h"
#include "symbols.h"
#include "symutil.h"

static const char go_mod[] = "module causal.invalid/fx\n\ngo 1.19\n";

/* a few functions, a goroutine and a map: enough of the runtime and library to compare on */
static const char main_go[] =
	"package main\n"
	"\n"
	"import (\n"
	"\t\"bufio\"\n"
	"\t\"fmt\"\n"
	"\t\"os\"\n"
	"\t\"reflect\"\n"
	"\t\"sort\"\n"
	")\n"
	"\n"
	"//go:noinline\n"
	"func work(n int) int {\n"
	"\ts := 0\n"
	"\tfor i := 0; i < n; i++ {\n"
	"\t\ts += i * i // MARK_WORK\n"
	"\t}\n"
	"\treturn s\n"
	"}\n"
	"\n"
	"func main() {\n"
	"\tm := map[string]int{}\n"
	"\tdone := make(chan int)\n"
	"\tgo func() { done <- work(1000) }()\n"
	"\tm[\"a\"] = <-done\n"
	"\tkeys := []string{\"b\", \"a\"}\n"
	"\tsort.Strings(keys)\n"
	"\tfmt.Printf(\"work %#x\\n%v %v\\nend\\n\", reflect.ValueOf(work).Pointer(), keys, m)\n"
	"\tbufio.NewReader(os.Stdin).ReadByte()\n"
	"}\n";

/* the cgo variant: an external linker puts C code ahead of Go's at the start of .text */
static const char cgo_go[] =
	"package main\n"
	"\n"
	"// int twice(int x) { return 2 * x; }\n"
	"import \"C\"\n"
	"import \"fmt\"\n"
	"\n"
	"//go:noinline\n"
	"func work(n int) int { return int(C.twice(C.int(n))) } // MARK_CGO\n"
	"\n"
	"func main() { fmt.Println(work(21)) }\n";

enum { GO_NEWEST, GO_121, GO_119, NGO };
static const char *const go_names[NGO] = { "newest", "1.21", "1.19" };

static struct {
	char dir[64];
	char main_go[PATH_MAX];	/* canonical */
	unsigned mark_work;
} fx;

static const char *fx_path(const char *name)
{
	return unit_path(fx.dir, name);
}

static int write_text(const char *name, const char *text)
{
	return unit_write_text(fx.dir, name, text);
}

/* Builds prog/ (a package folder under fx.dir) with toolchain which into NAME and NAME-s. */
static int go_build(const char *which, const char *pkg, const char *name, bool cgo)
{
	return sh("cd %s && goroot=$(%s/tests/go/toolchain.sh %s) && "
		  "export GOCACHE=%s GOPATH=%s/gopath GOFLAGS=-mod=mod GOTOOLCHAIN=local GOPROXY=off "
		  "CGO_ENABLED=%d && "
		  "$goroot/bin/go build -o %s ./%s && $goroot/bin/go build -ldflags='-s -w' -o %s-s ./%s",
		  fx.dir, CAUSAL_TEST_TOP, which, CAUSAL_TEST_GOCACHE, fx.dir, cgo, name, pkg, name, pkg);
}

static int setup(void **state)
{
	unsigned i;

	(void)state;
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/causal-unit-gopclntab-XXXXXX");
	if (!mkdtemp(fx.dir) || mkdir(fx_path("fx"), 0755) || mkdir(fx_path("cgo"), 0755) ||
	    write_text("go.mod", go_mod) || write_text("fx/main.go", main_go) ||
	    write_text("cgo/main.go", cgo_go) || !realpath(fx_path("fx/main.go"), fx.main_go))
		return -1;
	fx.mark_work = marker_line(main_go, "MARK_WORK");
	for (i = 0; i < NGO; i++) {
		char name[32];

		snprintf(name, sizeof(name), "fx-%s", go_names[i]);
		if (go_build(go_names[i], "fx", name, false))
			return -1;
	}
	return go_build("newest", "cgo", "cgo-newest", true) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	return unit_rm_tree(fx.dir);
}

/* A binary opened with libdwfl, and its Go line table. */
struct opened {
	Dwfl *dwfl;
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	struct gopcln t;
	int parse;
};

static void open_bin(struct opened *o, const char *name)
{
	char err[256];
	Elf *elf;

	o->mod = dwfl_open_file(fx_path(name), &o->dwfl, err, sizeof(err));
	if (!o->mod)
		fail_msg("%s: %s", name, err);
	elf = dwfl_module_getelf(o->mod, &o->bias);
	assert_non_null(elf);
	o->parse = gopcln_from_elf(elf, &o->t);
}

/* The DWARF side: a line map with every file in scope, lines named "path:line". */
struct dwarf_names {
	struct strmap files;
	char **file;
	uint32_t nfile;
	uint64_t *line;		/* file << 32 | line, by line_id - 1 */
	uint32_t nline;
};

static uint32_t dn_file(void *ctx, const char *name, const char *comp_dir)
{
	struct dwarf_names *d = ctx;
	char *canon = path_canonical(name, comp_dir);
	uint32_t v;

	assert_non_null(canon);
	if (strmap_get(&d->files, canon, &v)) {
		free(canon);
		return v;
	}
	d->file = realloc(d->file, (d->nfile + 1) * sizeof(*d->file));
	assert_non_null(d->file);
	d->file[d->nfile++] = canon;
	assert_int_equal(strmap_put(&d->files, canon, d->nfile), 0);
	return d->nfile;
}

static line_id dn_line(void *ctx, uint32_t file, unsigned line)
{
	struct dwarf_names *d = ctx;

	if (!(d->nline & 0xffff)) {
		d->line = realloc(d->line, (d->nline + 0x10000) * sizeof(*d->line));
		assert_non_null(d->line);
	}
	d->line[d->nline++] = (uint64_t)file << 32 | line;
	return d->nline;
}

static void dn_free(struct dwarf_names *d)
{
	uint32_t i;

	for (i = 0; i < d->nfile; i++)
		free(d->file[i]);
	free(d->file);
	free(d->line);
	strmap_free(&d->files);
}

/*
 * For every third address of every function in the stripped binary's table: the file and
 * line of .gopclntab against those of the unstripped binary's DWARF. Returns how many agree.
 */
static void compare_with_dwarf(const char *name, unsigned version)
{
	char stripped[64];
	struct opened full, strip;
	struct dwarf_names d = { 0 };
	const struct linemap_namer namer = { dn_file, dn_line, &d };
	struct linemap map;
	Dwarf_Addr bias;
	uint64_t both = 0, agree = 0, dwarf_only = 0;
	uint32_t i;
	bool saw_main = false;

	snprintf(stripped, sizeof(stripped), "%s-s", name);
	open_bin(&full, name);
	open_bin(&strip, stripped);
	/* -s -w leaves no DWARF, only Go's table */
	assert_null(dwfl_module_getdwarf(strip.mod, &bias));
	assert_int_equal(strip.parse, 0);
	assert_int_equal(strip.t.version, version);
	assert_true(strip.t.nfunc > 1000);
	/* the same code at the same addresses in both builds */
	assert_int_equal(full.parse, 0);
	assert_int_equal(full.t.text, strip.t.text);
	assert_non_null(dwfl_module_getdwarf(full.mod, &bias));
	assert_int_equal(linemap_build(full.mod, &namer, &map), 0);
	for (i = 0; i < strip.t.nfunc; i++) {
		struct gopcln_func f;
		uint64_t a;

		assert_int_equal(gopcln_func(&strip.t, i, &f), 0);
		for (a = f.entry; a < f.end; a += 3) {
			line_id id = linemap_lookup(&map, a + full.bias);
			const char *file;
			uint32_t line;
			char *canon;

			if (!id)
				continue;
			if (gopcln_addr_line(&strip.t, a, NULL, &file, &line)) {
				dwarf_only++;
				continue;
			}
			both++;
			canon = path_canonical(file, NULL);
			assert_non_null(canon);
			if ((uint32_t)d.line[id - 1] == line &&
			    !strcmp(d.file[(d.line[id - 1] >> 32) - 1], canon))
				agree++;
			saw_main |= !strcmp(canon, fx.main_go) && line == fx.mark_work;
			free(canon);
		}
	}
	fprintf(stderr, "%s: %u functions; %lu addresses with a line in both, %lu agree, "
		"%lu with a DWARF line only\n", name, strip.t.nfunc, (unsigned long)both,
		(unsigned long)agree, (unsigned long)dwarf_only);
	/* DWARF and .gopclntab come from the same tables in the linker; they differ on a few
	 * addresses (about 1 in 30 000 here) where DWARF's row ends a line one instruction early */
	assert_true(both > 100000);
	assert_true(agree * 1000 >= both * 999);
	assert_true(dwarf_only * 100 <= both);
	assert_true(saw_main);
	linemap_free(&map);
	dn_free(&d);
	dwfl_end(full.dwfl);
	dwfl_end(strip.dwfl);
}

static void test_newest_matches_dwarf(void **state)
{
	(void)state;
	compare_with_dwarf("fx-newest", 120);
}

static void test_go121_matches_dwarf(void **state)
{
	(void)state;
	compare_with_dwarf("fx-1.21", 120);
}

static void test_go119_header_matches_dwarf(void **state)
{
	(void)state;
	compare_with_dwarf("fx-1.19", 118);
}

/* cgo: the entries count from runtime.text, which the module data knows, not .text's start */
static void test_cgo_text_from_module_data(void **state)
{
	struct opened strip;
	GElf_Shdr shdr;
	Elf_Scn *scn = NULL;
	Elf *elf;
	size_t shstrndx;
	uint64_t text_sec = 0;
	const char *file;
	uint32_t line;
	struct gopcln_func f;
	struct probe_loc *locs;
	size_t n;
	char err[512];

	(void)state;
	open_bin(&strip, "cgo-newest-s");
	assert_int_equal(strip.parse, 0);
	elf = dwfl_module_getelf(strip.mod, &strip.bias);
	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &shdr) && !strcmp(elf_strptr(elf, shstrndx, shdr.sh_name), ".text"))
			text_sec = shdr.sh_addr;
	assert_true(strip.t.text > text_sec);
	assert_int_equal(probe_resolve(fx_path("cgo-newest-s"), "main.work", true, &locs, &n, err,
				       sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(gopcln_addr_line(&strip.t, locs[0].vaddr, &f, &file, &line), 0);
	assert_string_equal(f.name, "main.work");
	assert_int_equal(line, marker_line(cgo_go, "MARK_CGO"));
	assert_non_null(strstr(file, "/cgo/main.go"));
	free(locs);
	dwfl_end(strip.dwfl);
}

/* --progress FUNC on a stripped binary: the entry the symbol table gives the unstripped one */
static void test_probe_on_go_function_name(void **state)
{
	struct probe_loc *a, *b;
	size_t na, nb;
	char err[512];

	(void)state;
	assert_int_equal(probe_resolve(fx_path("fx-newest"), "main.work", true, &a, &na, err,
				       sizeof(err)), 0);
	if (probe_resolve(fx_path("fx-newest-s"), "main.work", true, &b, &nb, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(na, 1);
	assert_int_equal(nb, 1);
	assert_int_equal(a[0].vaddr, b[0].vaddr);
	assert_int_equal(a[0].offset, b[0].offset);
	free(a);
	free(b);
	/* an unknown name says which Go functions come close */
	assert_int_equal(probe_resolve(fx_path("fx-newest-s"), "main.wrok", true, &b, &nb, err,
				       sizeof(err)), -ENOENT);
	assert_contains(err, "main.work");
}

/* A running stripped process: samples and FILE:LINE resolve through .gopclntab. */
static void test_running_stripped_process(void **state)
{
	int in[2], out[2];
	pid_t pid;
	FILE *f;
	char line[256], err[512];
	unsigned long work = 0;
	struct scope *scope = scope_new();
	struct symbols *s;
	line_id id, at;
	struct causal_range *r;
	size_t n;
	char spec[PATH_MAX + 16];

	(void)state;
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(fx_path("fx-newest-s"), "fx-newest-s", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	f = fdopen(out[0], "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) && strcmp(line, "end\n"))
		sscanf(line, "work %lx", &work);
	assert_true(work != 0);
	assert_non_null(scope);
	s = symbols_open(pid, scope, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	snprintf(spec, sizeof(spec), "fx/main.go:%u", fx.mark_work);
	if (symbols_find_line(s, spec, &id, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(symbols_line_ranges(s, id, &r, &n), 0);
	assert_true(n >= 1);
	at = symbols_attribute(s, r[0].start, NULL, 0);
	assert_int_equal(at, id);
	snprintf(spec, sizeof(spec), "%s:%u", fx.main_go, fx.mark_work);
	assert_string_equal(symbols_line_name(s, id), spec);
	/* the function's entry is in main.go too */
	assert_non_null(symbols_line_name(s, symbols_attribute(s, work, NULL, 0)));
	assert_non_null(strstr(symbols_line_name(s, symbols_attribute(s, work, NULL, 0)),
			       "/fx/main.go:"));
	free(r);
	symbols_close(s);
	scope_free(scope);
	assert_int_equal(write(in[1], "x", 1), 1);
	close(in[1]);
	fclose(f);
	waitpid(pid, NULL, 0);
}

/* causalctl status PROGRAM: a stripped Go program still has lines to map samples to */
static void test_status_accepts_a_stripped_go_program(void **state)
{
	struct status_report *r = calloc(1, sizeof(*r));
	const struct check_host h = { .root = "/", .release = "unit" };
	unsigned i;
	bool seen = false;

	(void)state;
	assert_non_null(r);
	check_program(r, &h, fx_path("fx-newest-s"));
	for (i = 0; i < r->nr_checks; i++) {
		if (strcmp(r->checks[i].name, "debug_info"))
			continue;
		seen = true;
		assert_int_equal(r->checks[i].state, CHECK_OK);
		assert_contains(r->checks[i].what, ".gopclntab");
	}
	assert_true(seen);
	free(r);
}

/* Tables that are not ones, or too old, are refused without reading past them. */
static void test_refuses_bad_headers(void **state)
{
	uint8_t buf[8 + 8 * 8] = { 0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8 };
	struct gopcln t;

	(void)state;
	assert_int_equal(gopcln_parse(&t, buf, 7, 0), -EINVAL);
	assert_int_equal(gopcln_parse(&t, buf, sizeof(buf) - 1, 0), -EINVAL);
	/* nfunc 0, every offset 0: an empty table, finds nothing */
	assert_int_equal(gopcln_parse(&t, buf, sizeof(buf), 0), 0);
	assert_int_equal(gopcln_find(&t, 0), -1);
	buf[8] = 200;	/* 200 functions that the table has no room for */
	assert_int_equal(gopcln_parse(&t, buf, sizeof(buf), 0), -EINVAL);
	buf[8] = 0;
	buf[0] = 0xfa;	/* Go 1.16's */
	assert_int_equal(gopcln_parse(&t, buf, sizeof(buf), 0), -EPROTONOSUPPORT);
	buf[0] = 0xf0;
	buf[6] = 3;	/* no such pc quantum */
	assert_int_equal(gopcln_parse(&t, buf, sizeof(buf), 0), -EINVAL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_refuses_bad_headers),
	cmocka_unit_test(test_newest_matches_dwarf),
	cmocka_unit_test(test_go121_matches_dwarf),
	cmocka_unit_test(test_go119_header_matches_dwarf),
	cmocka_unit_test(test_cgo_text_from_module_data),
	cmocka_unit_test(test_probe_on_go_function_name),
	cmocka_unit_test(test_running_stripped_process),
	cmocka_unit_test(test_status_accepts_a_stripped_go_program),
};

UNIT_MAIN(tests, setup, teardown)
