/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for symbolisation and probe resolution, on fixture programs this test writes and
 * builds with gcc (DWARF 4 and 5, PIE, static, a shared library, dlopen, -O2 inlining, no -g,
 * separate debug info), then runs: each prints the addresses the checks need and waits on stdin.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "profile_unit.h"
#include "probe.h"
#include "scope.h"
#include "symbols.h"

static const char inl_h[] =
	"static inline __attribute__((always_inline)) unsigned fx_mix(unsigned x)\n"
	"{\n"
	"\tx ^= x << 13; /* MARK_MIX */\n"
	"\tx ^= x >> 7;\n"
	"\treturn x * 2654435761u;\n"
	"}\n";

static const char main_c[] =
	"#include <stdio.h>\n"
	"#include <unistd.h>\n"
	"#include \"fx_inl.h\"\n"
	"\n"
	"__attribute__((noinline)) int fx_func(int x) { return x * 7 + 1; } /* MARK_FUNC */\n"
	"__attribute__((noinline)) void *fx_ret(void) { return __builtin_return_address(0); }\n"
	"volatile unsigned fx_sink;\n"
	"\n"
	"int main(void)\n"
	"{\n"
	"\tchar c = 0;\n"
	"\tvoid *ret = fx_ret(); /* MARK_CALL */\n"
	"\tunsigned v = fx_sink, i;\n"
	"\n"
	"\tfor (i = 0; i < 1000; i++)\n"
	"\t\tv = fx_mix(v + i); /* MARK_INL */\n"
	"\tfx_sink = v;\n"
	"\tprintf(\"func %p\\nret %p\\nread %p\\nend\\n\", (void *)fx_func, ret, (void *)read);\n"
	"\tfflush(stdout);\n"
	"\tif (read(0, &c, 1) < 0)\n"
	"\t\treturn 1;\n"
	"\treturn fx_func(c) == 3;\n"
	"}\n";

static const char lib_c[] =
	"int fx_lib_func(int x);\n"
	"int fx_lib_func(int x) { return x * 5 + 3; } /* MARK_LIB */\n";

/* links against libfx.so */
static const char uselib_c[] =
	"#include <stdio.h>\n"
	"#include <unistd.h>\n"
	"int fx_lib_func(int x);\n"
	"int main(void)\n"
	"{\n"
	"\tchar c = 0;\n"
	"\tprintf(\"lib %p\\nend\\n\", (void *)fx_lib_func);\n"
	"\tfflush(stdout);\n"
	"\tif (read(0, &c, 1) < 0)\n"
	"\t\treturn 1;\n"
	"\treturn fx_lib_func(c) == 3;\n"
	"}\n";

/* loads libfx.so once told to */
static const char dl_c[] =
	"#include <dlfcn.h>\n"
	"#include <stdio.h>\n"
	"#include <unistd.h>\n"
	"int main(int argc, char **argv)\n"
	"{\n"
	"\tchar c = 0;\n"
	"\tvoid *h;\n"
	"\n"
	"\tprintf(\"main %p\\nend\\n\", (void *)main);\n"
	"\tfflush(stdout);\n"
	"\tif (argc < 2 || read(0, &c, 1) != 1 || !(h = dlopen(argv[1], RTLD_NOW)))\n"
	"\t\treturn 1;\n"
	"\tprintf(\"lib %p\\nend\\n\", dlsym(h, \"fx_lib_func\"));\n"
	"\tfflush(stdout);\n"
	"\treturn read(0, &c, 1) < 0;\n"
	"}\n";

struct fixtures {
	char dir[64];
	char main_c[PATH_MAX];	/* canonical paths of the sources */
	char inl_h[PATH_MAX];
	char lib_c[PATH_MAX];
	unsigned mark_func, mark_call, mark_inl, mark_mix, mark_lib;
};

static struct fixtures fx;

/* A fixture binary's path. */
static const char *bin(const char *name)
{
	return unit_path(fx.dir, name);
}

static int write_text(const char *name, const char *text)
{
	return unit_write_text(fx.dir, name, text);
}

static int setup(void **state)
{
	const char *d;

	(void)state;
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/causal-unit-symbols-XXXXXX");
	if (!mkdtemp(fx.dir))
		return -1;
	d = fx.dir;
	if (write_text("fx_main.c", main_c) || write_text("fx_inl.h", inl_h) ||
	    write_text("libfx.c", lib_c) || write_text("fx_uselib.c", uselib_c) ||
	    write_text("fx_dl.c", dl_c))
		return -1;
	if (!realpath(bin("fx_main.c"), fx.main_c) || !realpath(bin("fx_inl.h"), fx.inl_h) ||
	    !realpath(bin("libfx.c"), fx.lib_c))
		return -1;
	fx.mark_func = marker_line(main_c, "MARK_FUNC");
	fx.mark_call = marker_line(main_c, "MARK_CALL");
	fx.mark_inl = marker_line(main_c, "MARK_INL");
	fx.mark_mix = marker_line(inl_h, "MARK_MIX");
	fx.mark_lib = marker_line(lib_c, "MARK_LIB");
	/* frame pointers as the profiled programs would have; -O0 keeps one row per line */
	return sh("cd %s && "
		  "gcc -O0 -fno-omit-frame-pointer -gdwarf-4 -fPIE -pie -o fx_dw4 fx_main.c && "
		  "gcc -O0 -fno-omit-frame-pointer -gdwarf-5 -fPIE -pie -o fx_dw5 fx_main.c && "
		  "gcc -O0 -fno-omit-frame-pointer -g -static -o fx_static fx_main.c && "
		  "gcc -O2 -fno-omit-frame-pointer -g -fPIE -pie -o fx_o2 fx_main.c && "
		  "objcopy --remove-section .debug_aranges fx_o2 fx_o2_noaranges && "
		  "gcc -O0 -fno-omit-frame-pointer -o fx_nodebug fx_main.c && "
		  "gcc -O0 -g -fPIE -pie -Wl,--build-id -o fx_split fx_main.c && "
		  "objcopy --only-keep-debug fx_split fx_split.debug && "
		  "strip --strip-debug fx_split && "
		  "objcopy --add-gnu-debuglink=fx_split.debug fx_split && "
		  "gcc -O0 -g -shared -fPIC -o libfx.so libfx.c && "
		  "gcc -O0 -g -o fx_uselib fx_uselib.c -L. -lfx -Wl,-rpath,%s && "
		  "gcc -O0 -g -o fx_dl fx_dl.c -ldl", d, d) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	return unit_rm_tree(fx.dir);
}

/* A running fixture, waiting on its stdin, and the "name 0xaddr" pairs it printed. */
struct proc {
	pid_t pid;
	int in, out;
	FILE *outf;
	char key[8][16];
	uint64_t val[8];
	unsigned n;
};

/* Reads "key value" lines up to "end". */
static void proc_read(struct proc *p)
{
	char line[256];

	while (fgets(line, sizeof(line), p->outf)) {
		unsigned long long v;
		char key[16];

		if (!strcmp(line, "end\n"))
			return;
		assert_int_equal(sscanf(line, "%15s %llx", key, &v), 2);
		assert_true(p->n < 8);
		snprintf(p->key[p->n], sizeof(p->key[p->n]), "%s", key);
		p->val[p->n++] = v;
	}
	fail_msg("fixture ended early");
}

static uint64_t proc_val(const struct proc *p, const char *key)
{
	unsigned i;

	for (i = p->n; i-- > 0;)
		if (!strcmp(p->key[i], key))
			return p->val[i];
	fail_msg("fixture printed no \"%s\"", key);
	return 0;
}

static void proc_start(struct proc *p, const char *path, const char *arg)
{
	int in[2], out[2];

	memset(p, 0, sizeof(*p));
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (!p->pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl(path, path, arg, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	p->in = in[1];
	p->out = out[0];
	p->outf = fdopen(p->out, "r");
	assert_non_null(p->outf);
	proc_read(p);
}

static void proc_poke(struct proc *p)
{
	assert_int_equal(write(p->in, "x", 1), 1);
}

static void proc_stop(struct proc *p)
{
	int status;

	close(p->in);
	fclose(p->outf);
	assert_int_equal(waitpid(p->pid, &status, 0), p->pid);
}

/* "path:line" as the symbols name it. */
static const char *line_name(const char *path, unsigned line)
{
	static char buf[2][PATH_MAX + 16];
	static unsigned k;

	k ^= 1;
	snprintf(buf[k], sizeof(buf[k]), "%s:%u", path, line);
	return buf[k];
}

/* nm's address for a defined symbol. */
static uint64_t nm_addr(const char *path, const char *sym)
{
	char cmd[PATH_MAX + 32], line[512];
	unsigned long long addr = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "nm --defined-only %s", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a;
		char type, name[256];

		if (sscanf(line, "%llx %c %255s", &a, &type, name) == 3 && !strcmp(name, sym))
			addr = a;
	}
	pclose(f);
	if (!addr)
		fail_msg("nm found no %s in %s", sym, path);
	return addr;
}

/* The runtime address the process maps file offset off of path at, from /proc/PID/maps. */
static uint64_t runtime_addr(pid_t pid, const char *path, uint64_t off)
{
	char maps[64], line[PATH_MAX + 128], file[PATH_MAX];
	uint64_t addr = 0;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	f = fopen(maps, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, moff;
		char perms[8];

		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %4095s", &start, &end, perms, &moff,
			   file) == 5 && !strcmp(file, path) && perms[2] == 'x' && off >= moff &&
		    off < moff + (end - start))
			addr = start + (off - moff);
	}
	fclose(f);
	if (!addr)
		fail_msg("offset 0x%llx of %s is not mapped executable", (unsigned long long)off,
			 path);
	return addr;
}

static struct symbols *open_ok(pid_t pid, const struct scope *scope)
{
	char err[512] = "";
	struct symbols *s = symbols_open(pid, scope, err, sizeof(err));

	if (!s)
		fail_msg("symbols_open: %s", err);
	return s;
}

static bool in_ranges(const struct causal_range *r, size_t n, uint64_t addr)
{
	for (size_t i = 0; i < n; i++)
		if (addr >= r[i].start && addr < r[i].end)
			return true;
	return false;
}

/*
 * The scope's ranges (CAUSAL_EXPERIMENT_SCOPE) hold the addresses attribution stops at (fx_func,
 * the call instruction before ret) and not libc's read, which has no line in scope; at most max.
 */
/* The end of a test on a running fixture: its symbols, the scope they were read with, the process. */
static void session_end(struct symbols *s, struct scope *scope, struct proc *p)
{
	symbols_close(s);
	scope_free(scope);
	proc_stop(p);
}

static void check_scope_ranges(struct symbols *s, uint64_t func, uint64_t ret, uint64_t rd)
{
	struct causal_range *r;
	size_t n, i;

	assert_int_equal(symbols_scope_ranges(s, CAUSAL_MAX_RANGES, &r, &n), 0);
	assert_true(n >= 1 && n <= CAUSAL_MAX_RANGES);
	for (i = 0; i < n; i++) {
		assert_true(r[i].start < r[i].end);
		if (i)
			assert_true(r[i - 1].end + 64 < r[i].start);
	}
	assert_true(in_ranges(r, n, func));
	assert_true(in_ranges(r, n, ret - 1));
	assert_false(in_ranges(r, n, rd));
	free(r);
	/* joined down to one range, which still holds every line */
	assert_int_equal(symbols_scope_ranges(s, 1, &r, &n), 0);
	assert_int_equal(n, 1);
	assert_true(in_ranges(r, n, func) && in_ranges(r, n, ret - 1));
	free(r);
}

/* The entry of fx_func, the call site of fx_ret, and callee code out of scope (libc's read). */
static void check_attribution(void **state)
{
	const char *binary = *state;
	struct scope *scope = scope_new();
	struct causal_range *r;
	struct symbols *s;
	struct proc p;
	uint64_t func, ret, rd, chain[3];
	line_id id, call;
	size_t n, i;
	bool covered = false;

	proc_start(&p, bin(binary), NULL);
	func = proc_val(&p, "func");
	ret = proc_val(&p, "ret");
	rd = proc_val(&p, "read");
	s = open_ok(p.pid, scope);
	assert_string_equal(symbols_main_exe(s), bin(binary));

	id = symbols_attribute(s, func, NULL, 0);
	assert_string_equal(symbols_line_name(s, id), line_name(fx.main_c, fx.mark_func));
	assert_int_equal(symbols_line_ranges(s, id, &r, &n), 0);
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		assert_true(r[i].start < r[i].end);
		if (i)
			assert_true(r[i - 1].end < r[i].start);
		covered |= func >= r[i].start && func < r[i].end;
	}
	assert_true(covered);
	free(r);

	/* libc is out of the binary scope: its frame gives way to the call site */
	assert_int_equal(symbols_attribute(s, rd, NULL, 0), 0);
	chain[0] = 0;
	chain[1] = ~0ULL - 511;	/* PERF_CONTEXT_USER */
	chain[2] = ret;
	call = symbols_attribute(s, rd, chain, 3);
	assert_string_equal(symbols_line_name(s, call), line_name(fx.main_c, fx.mark_call));
	assert_true(symbols_frame_hits(s, call, rd, chain, 3));
	assert_false(symbols_frame_hits(s, id, rd, chain, 3));
	assert_true(symbols_frame_hits(s, id, func, chain, 3));
	check_scope_ranges(s, func, ret, rd);
	assert_int_equal(symbols_unknown_ips(s), 0);
	assert_int_equal(symbols_attribute(s, 0x1000, NULL, 0), 0);
	assert_int_equal(symbols_unknown_ips(s), 1);
	assert_null(symbols_line_name(s, 0));

	session_end(s, scope, &p);
}

/* Code inlined from an out-of-scope header counts for its in-scope call site. */
static void inlined_code_goes_to_the_call_site(void **state)
{
	struct scope *all = scope_new(), *main_only = scope_new();
	struct symbols *s, *m;
	struct causal_range *r, *r2;
	char err[512];
	struct proc p;
	line_id mix, inl = 0;
	size_t n, n2, i, j;

	(void)state;
	assert_int_equal(scope_add_source(main_only, "%/fx_main.c"), 0);
	proc_start(&p, bin("fx_o2"), NULL);
	s = open_ok(p.pid, all);
	m = open_ok(p.pid, main_only);

	snprintf(err, sizeof(err), "fx_inl.h:%u", fx.mark_mix);
	assert_int_equal(symbols_find_line(s, err, &mix, err, sizeof(err)), 0);
	assert_string_equal(symbols_line_name(s, mix), line_name(fx.inl_h, fx.mark_mix));
	assert_int_equal(symbols_line_ranges(s, mix, &r, &n), 0);
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		/* in full scope the header line is its own; with the header out, the caller's */
		assert_int_equal(symbols_attribute(s, r[i].start, NULL, 0), mix);
		inl = symbols_attribute(m, r[i].start, NULL, 0);
		assert_string_equal(symbols_line_name(m, inl), line_name(fx.main_c, fx.mark_inl));
		assert_true(symbols_frame_hits(m, inl, r[i].end - 1, NULL, 0));
	}
	/* and the call-site line's ranges include the inlined body */
	assert_int_equal(symbols_line_ranges(m, inl, &r2, &n2), 0);
	for (i = 0; i < n; i++) {
		for (j = 0; j < n2; j++)
			if (r[i].start >= r2[j].start && r[i].end <= r2[j].end)
				break;
		assert_true(j < n2);
	}
	free(r);
	free(r2);
	snprintf(err, sizeof(err), "fx_inl.h:%u", fx.mark_mix);
	assert_int_equal(symbols_find_line(m, err, &mix, err, sizeof(err)), -ENOENT);

	symbols_close(s);
	symbols_close(m);
	scope_free(all);
	scope_free(main_only);
	proc_stop(&p);
}

/* The function index named name among p's, or fails. */
static size_t function_named(const struct profile *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nfunctions; i++)
		if (!strcmp(p->functions[i].name, name))
			return i;
	fail_msg("no function %s", name);
	return 0;
}

/*
 * The callchains written whole (callchain.c): an ip in fx_mix inlined into main, the return
 * address of fx_ret's call in main, and libc's read (no DWARF: its ELF symbol); counted per
 * distinct stack, the object with its build ID, ELF addresses, functions with their start lines.
 */
static void check_callchain(void **state)
{
	const char *binary = *state;
	struct scope *all = scope_new();
	struct callchains *c = callchains_new();
	struct causal_range *r;
	struct profile p;
	struct symbols *s;
	struct proc pr;
	const struct profile_frame *leaf, *call, *rd;
	size_t n, fmix, fmain;
	char err[512];
	line_id mix;
	uint64_t chain[3];

	proc_start(&pr, bin(binary), NULL);
	s = open_ok(pr.pid, all);
	snprintf(err, sizeof(err), "fx_inl.h:%u", fx.mark_mix);
	assert_int_equal(symbols_find_line(s, err, &mix, err, sizeof(err)), 0);
	assert_int_equal(symbols_line_ranges(s, mix, &r, &n), 0);
	assert_true(n >= 1);
	chain[0] = 0;
	chain[1] = ~0ULL - 511;	/* PERF_CONTEXT_USER: skipped */
	chain[2] = proc_val(&pr, "ret");
	assert_int_equal(callchains_add(c, r[0].start, chain, 3, mix), 0);
	assert_int_equal(callchains_add(c, r[0].start, chain, 3, mix), 0);
	assert_int_equal(callchains_add(c, proc_val(&pr, "read"), chain, 3, 0), 0);
	assert_int_equal(callchains_samples(c), 3);
	stacks_read_back(c, s, PROFILE_JSONL, &p);
	assert_int_equal(p.nstacks, 2);
	assert_int_equal(p.stacks[0].count, 2);
	assert_string_equal(p.stacks[0].line, line_name(fx.inl_h, fx.mark_mix));
	assert_int_equal(p.stacks[0].nframes, 2);
	assert_null(p.stacks[1].line);
	assert_int_equal(p.stack_samples, 3);
	leaf = &p.frames[p.stacks[0].frames[0]];
	call = &p.frames[p.stacks[0].frames[1]];
	rd = &p.frames[p.stacks[1].frames[0]];
	/* the leaf: fx_mix's line, inlined into main at MARK_INL */
	fmix = function_named(&p, "fx_mix");
	fmain = function_named(&p, "main");
	assert_int_equal(leaf->nlines, 2);
	assert_int_equal(leaf->lines[0].function, fmix);
	assert_int_equal(leaf->lines[0].line, fx.mark_mix);
	assert_int_equal(leaf->lines[1].function, fmain);
	assert_int_equal(leaf->lines[1].line, fx.mark_inl);
	assert_string_equal(p.functions[fmix].file, fx.inl_h);
	assert_int_equal(p.functions[fmix].start_line, 1);
	assert_string_equal(p.functions[fmain].file, fx.main_c);
	assert_int_equal(p.functions[fmain].start_line, 9);
	/* the caller: the call in main (a PIE: the ELF address, not the runtime one) */
	assert_int_equal(call->nlines, 1);
	assert_int_equal(call->lines[0].function, fmain);
	assert_int_equal(call->lines[0].line, fx.mark_call);
	assert_true(call->address < chain[2]);
	assert_true(leaf->object && leaf->object == call->object);
	assert_string_equal(p.objects[leaf->object - 1].path, bin(binary));
	assert_non_null(p.objects[leaf->object - 1].build_id);
	assert_true(strlen(p.objects[leaf->object - 1].build_id) >= 16);
	assert_true(p.objects[leaf->object - 1].start <= leaf->address &&
		    leaf->address < p.objects[leaf->object - 1].end);
	/* libc's read, by its symbol at least */
	assert_true(rd->object && rd->object != leaf->object);
	assert_non_null(strstr(p.objects[rd->object - 1].path, "libc"));
	assert_true(rd->nlines >= 1);
	assert_non_null(strstr(p.functions[rd->lines[0].function].name, "read"));

	profile_free(&p);
	free(r);
	callchains_free(c);
	session_end(s, all, &pr);
}

/* The libc the fixture maps, and the build-id path of its separate debug info. */
static bool libc_debug_file(pid_t pid, char *libc, size_t len, char *debug, size_t dlen)
{
	char cmd[PATH_MAX + 64], line[PATH_MAX + 128], id[128] = "";
	FILE *f;

	snprintf(cmd, sizeof(cmd), "/proc/%d/maps", (int)pid);
	f = fopen(cmd, "r");
	assert_non_null(f);
	libc[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		char *path = strchr(line, '/');

		if (path && strstr(path, "/libc.so")) {
			path[strcspn(path, "\n")] = '\0';
			snprintf(libc, len, "%s", path);
		}
	}
	fclose(f);
	assert_true(libc[0]);
	snprintf(cmd, sizeof(cmd), "readelf -n %s", libc);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " Build ID: %127s", id) == 1)
			break;
	pclose(f);
	assert_true(strlen(id) > 2);
	snprintf(debug, dlen, "/usr/lib/debug/.build-id/%.2s/%s.debug", id, id + 2);
	return access(debug, R_OK) == 0;
}

/* libc's line table comes from /usr/lib/debug/.build-id when its -dbg package is there. */
static void debuginfo_by_build_id(void **state)
{
	struct scope *scope = scope_new();
	char libc[PATH_MAX], debug[PATH_MAX];
	struct symbols *s;
	struct proc p;
	const char *name;

	(void)state;
	proc_start(&p, bin("fx_dw5"), NULL);
	if (!libc_debug_file(p.pid, libc, sizeof(libc), debug, sizeof(debug))) {
		proc_stop(&p);
		scope_free(scope);
		print_message("no %s (libc6-dbg): skipped\n", debug);
		skip();
	}
	assert_int_equal(scope_add_binary(scope, "%/libc.so%"), 0);
	s = open_ok(p.pid, scope);
	name = symbols_line_name(s, symbols_attribute(s, proc_val(&p, "read"), NULL, 0));
	assert_non_null(name);
	assert_contains(name, "read.c:");
	session_end(s, scope, &p);
}

static void find_line_by_suffix_with_suggestions(void **state)
{
	struct scope *scope = scope_new();
	struct symbols *s;
	struct proc p;
	char spec[PATH_MAX + 16], err[1024];
	line_id id, by_path;

	(void)state;
	proc_start(&p, bin("fx_dw5"), NULL);
	s = open_ok(p.pid, scope);
	snprintf(spec, sizeof(spec), "fx_main.c:%u", fx.mark_func);
	assert_int_equal(symbols_find_line(s, spec, &id, err, sizeof(err)), 0);
	assert_int_equal(id, symbols_attribute(s, proc_val(&p, "func"), NULL, 0));
	snprintf(spec, sizeof(spec), "%s:%u", fx.main_c, fx.mark_func);
	assert_int_equal(symbols_find_line(s, spec, &by_path, err, sizeof(err)), 0);
	assert_int_equal(by_path, id);

	/* no line 9999: the closest lines with code are named */
	assert_int_equal(symbols_find_line(s, "fx_main.c:9999", &id, err, sizeof(err)), -ENOENT);
	assert_int_equal(id, 0);
	assert_contains(err, "closest lines");
	assert_contains(err, line_name(fx.main_c, marker_line(main_c, "return fx_func(c)")));
	/* a suffix matches whole path components only: "main.c" is not "fx_main.c" */
	snprintf(spec, sizeof(spec), "main.c:%u", fx.mark_func);
	assert_int_equal(symbols_find_line(s, spec, &id, err, sizeof(err)), -ENOENT);
	assert_contains(err, "closest files");
	assert_contains(err, fx.main_c);
	assert_int_equal(symbols_find_line(s, "fx_main.c", &id, err, sizeof(err)), -EINVAL);
	assert_int_equal(symbols_find_line(s, "fx_main.c:x", &id, err, sizeof(err)), -EINVAL);

	session_end(s, scope, &p);
}

/* The total length of ranges r[0..n), which symbols_line_ranges() returns disjoint. */
static uint64_t ranges_len(const struct causal_range *r, size_t n)
{
	uint64_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += r[i].end - r[i].start;
	return len;
}

/* --fixed-line FILE:FIRST-LAST: the lines of a block are sped up as one */
static void find_block_of_lines(void **state)
{
	struct scope *scope = scope_new();
	struct symbols *s;
	struct proc p;
	struct causal_range *rb, *r1, *r2;
	size_t nb, n1, n2, i;
	char spec[PATH_MAX + 32], err[1024], name[PATH_MAX + 32];
	line_id block, again, call, next, func;
	uint64_t ip;

	(void)state;
	proc_start(&p, bin("fx_dw5"), NULL);
	s = open_ok(p.pid, scope);
	/* the block of MARK_CALL's line and the next one, both with code at -O0 */
	snprintf(spec, sizeof(spec), "fx_main.c:%u", fx.mark_call);
	assert_int_equal(symbols_find_line(s, spec, &call, err, sizeof(err)), 0);
	snprintf(spec, sizeof(spec), "fx_main.c:%u", fx.mark_call + 1);
	assert_int_equal(symbols_find_line(s, spec, &next, err, sizeof(err)), 0);
	snprintf(spec, sizeof(spec), "fx_main.c:%u-%u", fx.mark_call, fx.mark_call + 1);
	if (symbols_find_line(s, spec, &block, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(block != call && block != next);
	snprintf(name, sizeof(name), "%s:%u-%u", fx.main_c, fx.mark_call, fx.mark_call + 1);
	assert_string_equal(symbols_line_name(s, block), name);
	/* asked again, the same block */
	assert_int_equal(symbols_find_line(s, spec, &again, err, sizeof(err)), 0);
	assert_int_equal(again, block);

	/* its ranges are its two lines' ranges, no more */
	assert_int_equal(symbols_line_ranges(s, block, &rb, &nb), 0);
	assert_int_equal(symbols_line_ranges(s, call, &r1, &n1), 0);
	assert_int_equal(symbols_line_ranges(s, next, &r2, &n2), 0);
	assert_true(n1 >= 1 && n2 >= 1);
	assert_int_equal(ranges_len(rb, nb), ranges_len(r1, n1) + ranges_len(r2, n2));
	for (i = 0; i < n1; i++)
		assert_true(in_ranges(rb, nb, r1[i].start) && in_ranges(rb, nb, r1[i].end - 1));
	for (i = 0; i < n2; i++)
		assert_true(in_ranges(rb, nb, r2[i].start));
	/* a sample in either line hits it, one in fx_func (line MARK_FUNC) does not */
	assert_true(symbols_frame_hits(s, block, r1[0].start, NULL, 0));
	assert_true(symbols_frame_hits(s, block, r2[0].start, NULL, 0));
	func = symbols_attribute(s, proc_val(&p, "func"), NULL, 0);
	assert_true(func != 0);
	assert_false(symbols_frame_hits(s, block, proc_val(&p, "func"), NULL, 0));
	/* ... unless called from it: the return address into the block */
	ip = proc_val(&p, "func");
	assert_true(symbols_frame_hits(s, block, ip, (uint64_t[]){ r1[0].start + 1 }, 1));
	/* samples are attributed to the lines, never to the block */
	assert_int_equal(symbols_attribute(s, r1[0].start, NULL, 0), call);
	free(rb);
	free(r1);
	free(r2);

	/* a block of one line is that line; malformed blocks; blocks without code */
	snprintf(spec, sizeof(spec), "fx_main.c:%u-%u", fx.mark_call, fx.mark_call);
	assert_int_equal(symbols_find_line(s, spec, &again, err, sizeof(err)), 0);
	assert_int_equal(again, call);
	snprintf(spec, sizeof(spec), "fx_main.c:%u-%u", fx.mark_call + 1, fx.mark_call);
	assert_int_equal(symbols_find_line(s, spec, &again, err, sizeof(err)), -EINVAL);
	assert_int_equal(again, 0);
	snprintf(spec, sizeof(spec), "fx_main.c:%u-", fx.mark_call);
	assert_int_equal(symbols_find_line(s, spec, &again, err, sizeof(err)), -EINVAL);
	snprintf(spec, sizeof(spec), "fx_main.c:%u--%u", fx.mark_call, fx.mark_call + 1);
	assert_int_equal(symbols_find_line(s, spec, &again, err, sizeof(err)), -EINVAL);
	assert_int_equal(symbols_find_line(s, "fx_main.c:9000-9999", &again, err, sizeof(err)),
			 -ENOENT);
	assert_contains(err, "no code in lines 9000-9999");
	assert_contains(err, "closest lines");
	/* spans: fx_func's line and the same two lines, one block */
	snprintf(spec, sizeof(spec), "fx_main.c:%u,%u-%u", fx.mark_func, fx.mark_call,
		 fx.mark_call + 1);
	if (symbols_find_line(s, spec, &again, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(again != block);
	snprintf(name, sizeof(name), "%s:%u,%u-%u", fx.main_c, fx.mark_func, fx.mark_call,
		 fx.mark_call + 1);
	assert_string_equal(symbols_line_name(s, again), name);
	assert_true(symbols_frame_hits(s, again, proc_val(&p, "func"), NULL, 0));
	assert_int_equal(symbols_line_ranges(s, again, &r2, &n2), 0);
	assert_int_equal(symbols_line_ranges(s, func, &r1, &n1), 0);
	assert_int_equal(symbols_line_ranges(s, block, &rb, &nb), 0);
	assert_int_equal(ranges_len(r2, n2), ranges_len(r1, n1) + ranges_len(rb, nb));
	free(r1);
	free(r2);
	free(rb);
	snprintf(spec, sizeof(spec), "fx_main.c:%u,", fx.mark_func);
	assert_int_equal(symbols_find_line(s, spec, &again, err, sizeof(err)), -EINVAL);
	assert_int_equal(symbols_find_line(s, "fx_main.c:1,2,3,4,5,6,7,8,9", &again, err,
					   sizeof(err)), -EINVAL);
	assert_contains(err, "at most 8 spans");

	/* an id with the block bit that names no block */
	assert_false(symbols_frame_hits(s, block + 1000, proc_val(&p, "func"), NULL, 0));
	assert_null(symbols_line_name(s, block + 1000));
	assert_int_equal(symbols_line_ranges(s, block + 1000, &rb, &nb), -ENOENT);
	session_end(s, scope, &p);
}

struct listing {
	struct symbols *s;
	size_t n, marks;
};

static void count_line(line_id id, void *arg)
{
	struct listing *l = arg;
	const char *name = symbols_line_name(l->s, id);

	l->n++;
	assert_non_null(name);
	/* only the fixture's own source is in the main executable's scope */
	assert_true(!strncmp(name, fx.main_c, strlen(fx.main_c)) ||
		    !strncmp(name, fx.inl_h, strlen(fx.inl_h)));
	l->marks += !strcmp(name, line_name(fx.main_c, fx.mark_func)) ||
		    !strcmp(name, line_name(fx.main_c, fx.mark_call));
}

static void lines_in_scope_lists_the_fixture(void **state)
{
	struct scope *scope = scope_new();
	struct listing l = { 0 };
	struct proc p;
	size_t n;

	(void)state;
	proc_start(&p, bin("fx_dw4"), NULL);
	l.s = open_ok(p.pid, scope);
	n = symbols_lines_in_scope(l.s, count_line, &l);
	assert_int_equal(n, l.n);
	assert_true(l.n >= 10);
	assert_int_equal(l.marks, 2);
	symbols_close(l.s);
	scope_free(scope);
	proc_stop(&p);
}

static void open_explains_missing_debug_info(void **state)
{
	struct scope *scope = scope_new(), *elsewhere = scope_new();
	char err[512] = "";
	struct proc p;

	(void)state;
	assert_int_equal(scope_add_binary(elsewhere, "/nonexistent/%"), 0);
	proc_start(&p, bin("fx_nodebug"), NULL);
	assert_null(symbols_open(p.pid, scope, err, sizeof(err)));
	assert_contains(err, "no in-scope binary has debug info");
	assert_contains(err, bin("fx_nodebug"));
	assert_contains(err, "-g");
	assert_null(symbols_open(p.pid, elsewhere, err, sizeof(err)));
	assert_contains(err, "binary scope");
	assert_contains(err, bin("fx_nodebug"));
	proc_stop(&p);
	/* a process that is gone */
	assert_null(symbols_open(p.pid, scope, err, sizeof(err)));
	assert_contains(err, "cannot read");
	scope_free(scope);
	scope_free(elsewhere);
}

/* A scope of the main binary and libfx.so; libfx.so's real path in libpath (PATH_MAX). */
static struct scope *main_and_libfx(char *libpath)
{
	struct scope *scope = scope_new();

	assert_non_null(scope);
	assert_int_equal(scope_add_binary(scope, SCOPE_MAIN), 0);
	assert_int_equal(scope_add_binary(scope, "%/libfx.so"), 0);
	assert_non_null(realpath(bin("libfx.so"), libpath));
	return scope;
}

static void shared_library_needs_binary_scope(void **state)
{
	char libpath[PATH_MAX];
	struct scope *main_only = scope_new(), *with_lib = main_and_libfx(libpath);
	struct symbols *s;
	struct proc p;
	uint64_t lib;

	(void)state;
	proc_start(&p, bin("fx_uselib"), NULL);
	lib = proc_val(&p, "lib");
	s = open_ok(p.pid, main_only);
	assert_int_equal(symbols_attribute(s, lib, NULL, 0), 0);
	assert_int_equal(symbols_unknown_ips(s), 0);
	symbols_close(s);
	s = open_ok(p.pid, with_lib);
	assert_string_equal(symbols_line_name(s, symbols_attribute(s, lib, NULL, 0)),
			    line_name(fx.lib_c, fx.mark_lib));
	symbols_close(s);
	scope_free(main_only);
	scope_free(with_lib);
	proc_stop(&p);
}

static void refresh_finds_dlopened_library(void **state)
{
	char libpath[PATH_MAX];
	struct scope *scope = main_and_libfx(libpath);
	struct symbols *s;
	struct proc p;
	uint64_t lib;

	(void)state;
	proc_start(&p, bin("fx_dl"), libpath);
	s = open_ok(p.pid, scope);
	assert_int_equal(symbols_refresh(s), 0);
	proc_poke(&p);
	proc_read(&p);
	lib = proc_val(&p, "lib");
	assert_int_equal(symbols_attribute(s, lib, NULL, 0), 0);
	assert_int_equal(symbols_unknown_ips(s), 1);
	assert_int_equal(symbols_refresh(s), 1);
	assert_string_equal(symbols_line_name(s, symbols_attribute(s, lib, NULL, 0)),
			    line_name(fx.lib_c, fx.mark_lib));
	assert_int_equal(symbols_refresh(s), 0);
	assert_int_equal(symbols_unknown_ips(s), 1);
	session_end(s, scope, &p);
}

/* Resolves spec in binary, expecting success. */
static size_t resolve_ok(const char *binary, const char *spec, struct probe_loc **locs)
{
	char err[512] = "";
	size_t n = 0;
	int ret = probe_resolve(bin(binary), spec, true, locs, &n, err, sizeof(err));

	if (ret)
		fail_msg("probe_resolve(%s, %s): %d %s", binary, spec, ret, err);
	assert_true(n >= 1);
	return n;
}

/*
 * A SYMBOL probe: sym in binary, run by runner, which prints the address it maps it at under
 * the name printed.
 */
struct symbol_probe {
	const char *binary, *runner, *sym, *printed;
};

/* A SYMBOL probe's offset is where the running process maps that function. */
static void check_symbol_probe(void **state)
{
	const struct symbol_probe *sp = *state;
	const char *binary = sp->binary, *sym = sp->sym;
	struct probe_loc *locs;
	struct proc p;
	char path[PATH_MAX];

	assert_int_equal(resolve_ok(binary, sym, &locs), 1);
	assert_int_equal(locs[0].vaddr, nm_addr(bin(binary), sym));
	assert_string_equal(locs[0].desc, sym);
	assert_non_null(realpath(bin(binary), path));
	proc_start(&p, bin(sp->runner), NULL);
	assert_int_equal(runtime_addr(p.pid, path, locs[0].offset), proc_val(&p, sp->printed));
	proc_stop(&p);
	free(locs);
}

static void probe_file_line(void **state)
{
	const char *binaries[] = { "fx_dw4", "fx_dw5", "fx_static", "fx_split", "fx_o2" };
	struct probe_loc *locs, *by_off;
	char spec[64];
	size_t i, n, k;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(binaries); i++) {
		uint64_t func = nm_addr(bin(binaries[i]), "fx_func");
		bool entry = false;

		snprintf(spec, sizeof(spec), "fx_main.c:%u", fx.mark_func);
		n = resolve_ok(binaries[i], spec, &locs);
		for (k = 0; k < n; k++) {
			entry |= locs[k].vaddr == func;
			if (k)
				assert_true(locs[k - 1].offset < locs[k].offset);
		}
		if (!entry)
			fail_msg("%s: no location of %s at fx_func (0x%llx)", binaries[i], spec,
				 (unsigned long long)func);
		/* the offset form gives back the same address */
		snprintf(spec, sizeof(spec), "0x%llx", (unsigned long long)locs[0].offset);
		assert_int_equal(resolve_ok(binaries[i], spec, &by_off), 1);
		assert_int_equal(by_off[0].vaddr, locs[0].vaddr);
		free(by_off);
		free(locs);
	}
	/* an inlined line has a location per inlined instance (the loop may be unrolled) */
	snprintf(spec, sizeof(spec), "fx_inl.h:%u", fx.mark_mix);
	assert_true(resolve_ok("fx_o2", spec, &locs) >= 1);
	free(locs);
}

static void probe_errors(void **state)
{
	struct probe_loc *locs = NULL;
	char err[1024], spec[64];
	size_t n = 1;

	(void)state;
	assert_int_equal(probe_resolve(bin("fx_dw5"), "fx_fucn", true, &locs, &n, err, sizeof(err)),
			 -ENOENT);
	assert_null(locs);
	assert_int_equal(n, 0);
	assert_contains(err, bin("fx_dw5"));
	assert_contains(err, "fx_fucn");
	assert_contains(err, "closest: fx_func");
	/* a variable is no function */
	assert_int_equal(probe_resolve(bin("fx_dw5"), "fx_sink", true, &locs, &n, err, sizeof(err)),
			 -ENOENT);

	snprintf(spec, sizeof(spec), "fx_main.c:%u", fx.mark_func);
	assert_int_equal(probe_resolve(bin("fx_nodebug"), spec, true, &locs, &n, err, sizeof(err)),
			 -ENOENT);
	assert_contains(err, bin("fx_nodebug"));
	assert_contains(err, "has no debug info (DWARF); rebuild it with -g");
	assert_contains(err, "SYMBOL or 0xOFFSET");

	assert_int_equal(probe_resolve(bin("fx_dw4"), "fx_main.c:9999", true, &locs, &n, err,
				       sizeof(err)), -ENOENT);
	assert_contains(err, "closest lines");
	assert_contains(err, line_name(fx.main_c, marker_line(main_c, "return fx_func(c)")));
	assert_int_equal(probe_resolve(bin("fx_dw4"), "fx_mian.c:3", true, &locs, &n, err,
				       sizeof(err)), -ENOENT);
	assert_contains(err, "closest files");
	assert_contains(err, "fx_main.c");

	assert_int_equal(probe_resolve(bin("fx_dw5"), "0x7fffffff", true, &locs, &n, err,
				       sizeof(err)), -ERANGE);
	assert_contains(err, "executable segment");
	assert_int_equal(probe_resolve(bin("fx_dw5"), "0xzz", true, &locs, &n, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(probe_resolve(bin("fx_main.c"), "fx_func", true, &locs, &n, err,
				       sizeof(err)), -ENOEXEC);
	assert_int_equal(probe_resolve(bin("missing"), "fx_func", true, &locs, &n, err, sizeof(err)),
			 -ENOENT);
	assert_contains(err, "cannot open");
}

/* The controller attributes every sample: it must stay cheap. */
static void attribution_speed(void **state)
{
	struct scope *scope = scope_new();
	struct symbols *s;
	struct proc p;
	struct timespec t0, t1;
	uint64_t func, ret, rd, chain[4], x = 88172645463325252ULL;
	const unsigned samples = 2000000;
	unsigned i, hits = 0;
	double secs;

	(void)state;
	proc_start(&p, bin("fx_dw5"), NULL);
	func = proc_val(&p, "func");
	ret = proc_val(&p, "ret");
	rd = proc_val(&p, "read");
	s = open_ok(p.pid, scope);
	symbols_attribute(s, func, NULL, 0);	/* the lazy build is not what is timed */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < samples; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		chain[0] = ret;
		chain[1] = rd + (x & 0xff);
		chain[2] = func + 8;
		chain[3] = ret;
		/* half in the fixture's code, half in libc with the fixture's frames above */
		if (x & 1)
			hits += symbols_attribute(s, func + (x >> 8) % 0x200, chain, 4) != 0;
		else
			hits += symbols_attribute(s, rd + (x >> 8) % 0x40, chain, 4) != 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("attribution: %.0f samples/s (%u of %u in scope; ASan/UBSan build)\n",
		      samples / secs, hits, samples);
	assert_true(hits > samples / 2);
	/* far more than a 1 ms sampler on many CPUs produces, even under sanitizers */
	assert_true(samples / secs > 200000);
	session_end(s, scope, &p);
}

static const struct symbol_probe probe_pie = { "fx_dw5", "fx_dw5", "fx_func", "func" },
	probe_static = { "fx_static", "fx_static", "fx_func", "func" },
	probe_shared_library = { "libfx.so", "fx_uselib", "fx_lib_func", "lib" },
	probe_without_debug_info = { "fx_nodebug", "fx_nodebug", "fx_func", "func" };

static const struct CMUnitTest tests[] = {
	/* the same attribution from each kind of debug information */
	unit_test_with(attribution_dwarf4_pie, check_attribution, "fx_dw4"),
	unit_test_with(attribution_dwarf5_pie, check_attribution, "fx_dw5"),
	unit_test_with(attribution_static, check_attribution, "fx_static"),
	unit_test_with(attribution_separate_debuginfo, check_attribution, "fx_split"),
	cmocka_unit_test(inlined_code_goes_to_the_call_site),
	unit_test_with(callchain_frames_symbolised, check_callchain, "fx_o2"),
	/* without .debug_aranges, as Go's linker writes binaries: the CU is found by its own ranges */
	unit_test_with(callchain_frames_without_aranges, check_callchain, "fx_o2_noaranges"),
	cmocka_unit_test(debuginfo_by_build_id),
	cmocka_unit_test(find_line_by_suffix_with_suggestions),
	cmocka_unit_test(find_block_of_lines),
	cmocka_unit_test(lines_in_scope_lists_the_fixture),
	cmocka_unit_test(open_explains_missing_debug_info),
	cmocka_unit_test(shared_library_needs_binary_scope),
	cmocka_unit_test(refresh_finds_dlopened_library),
	unit_test_with(probe_symbol_pie, check_symbol_probe, &probe_pie),
	unit_test_with(probe_symbol_static, check_symbol_probe, &probe_static),
	unit_test_with(probe_symbol_shared_library, check_symbol_probe, &probe_shared_library),
	unit_test_with(probe_symbol_without_debug_info, check_symbol_probe, &probe_without_debug_info),
	cmocka_unit_test(probe_file_line),
	cmocka_unit_test(probe_errors),
	cmocka_unit_test(attribution_speed),
};

UNIT_MAIN(tests, setup, teardown)
