/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * causalctl status PROGRAM: does the program have what a profile of it needs? DWARF, to map
 * samples to lines; and frame pointers or call frame information (.eh_frame), which the module's
 * callchains follow to charge time in callees (libraries) to the program's call sites.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <libelf.h>

#include "causalctl.h"
#include "gopclntab.h"

#define FP_FIX "rebuild it with -fno-omit-frame-pointer (C, C++), " \
	"or with RUSTFLAGS='-C force-frame-pointers=yes' (Rust)"

/* What the sections and symbols of the program say. */
struct elf_facts {
	bool debug_info;	/* .debug_info in the file itself */
	bool eh_frame;		/* call frame information the module can unwind by */
	bool go;		/* built by Go's linker */
	char build_id[41 * 2];	/* hex */
	char debuglink[NAME_MAX + 1];
	/* compilation units by what their DW_AT_producer (gcc's recorded switches) says */
	unsigned int cu_total, cu_fp, cu_no_fp;
	char no_fp_example[96];	/* the switches that decided one unit without frame pointers */
	/* x86-64 function entries: how many set up a frame (push %rbp; mov %rsp,%rbp) */
	unsigned int fn_total, fn_fp;
};

/* PROGRAM as a path: names without a slash are looked up in PATH, as the shell would. */
static bool resolve(const char *program, char *buf, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;

	if (strchr(program, '/') || !path) {
		snprintf(buf, len, "%s", program);
		return true;
	}
	for (p = path; ; p = end + 1) {
		end = strchrnul(p, ':');
		if ((size_t)snprintf(buf, len, "%.*s/%s", (int)(end - p), end == p ? "." : p, program) < len &&
		    !access(buf, X_OK))
			return true;
		if (!*end)
			break;
	}
	snprintf(buf, len, "%s", program);
	return false;
}

/* The last occurrence of either switch in a gcc producer string wins, as on gcc's command line. */
static const char *last_of(const char *s, const char *a, const char *b)
{
	const char *last = NULL, *p;

	for (p = s; (p = strstr(p, " -")); p++)
		if (!strncmp(p + 1, a, strlen(a)) || !strncmp(p + 1, b, strlen(b)))
			last = p + 1;
	return last;
}

/*
 * gcc records its switches in DW_AT_producer (-grecord-gcc-switches, the default), e.g. "GNU C17
 * 12.2.0 -mtune=generic -march=x86-64 -g -O2". On x86-64 it omits the frame pointer from -O1 up
 * unless told -fno-omit-frame-pointer. Returns 1 (kept), 0 (omitted), -1 (cannot tell: clang and
 * rustc record no switches, the assembler is not a compiler).
 */
static int producer_keeps_fp(const char *producer)
{
	const char *flag, *opt;

	if (strncmp(producer, "GNU ", 4) || !strncmp(producer, "GNU AS", 6) || !strstr(producer, " -"))
		return -1;
	flag = last_of(producer, "-fomit-frame-pointer", "-fno-omit-frame-pointer");
	if (flag)
		return !strncmp(flag, "-fno-", 5);
	opt = last_of(producer, "-O", "-O");
	return !opt || !strncmp(opt, "-O0", 3);
}

static void scan_producers(Elf *elf, struct elf_facts *f)
{
	Dwarf *dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	Dwarf_Off off = 0, next;
	size_t hsize;

	if (!dw)
		return;
	while (!dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL)) {
		Dwarf_Die die;
		Dwarf_Attribute attr;
		const char *producer;
		int keeps;

		if (dwarf_offdie(dw, off + hsize, &die) &&
		    (producer = dwarf_formstring(dwarf_attr(&die, DW_AT_producer, &attr)))) {
			keeps = producer_keeps_fp(producer);
			f->cu_total += keeps >= 0;
			if (keeps > 0) {
				f->cu_fp++;
			} else if (!keeps) {
				f->cu_no_fp++;
				if (!*f->no_fp_example)
					snprintf(f->no_fp_example, sizeof(f->no_fp_example), "%s", producer);
			}
		}
		off = next;
	}
	dwarf_end(dw);
}

/* glibc's and gcc's start files, which never set up a frame whatever the program was built with */
static bool startup_symbol(const char *name)
{
	static const char * const names[] = {
		"_start", "_init", "_fini", "deregister_tm_clones", "register_tm_clones",
		"__do_global_dtors_aux", "frame_dummy", "_dl_relocate_static_pie",
		"__libc_csu_init", "__libc_csu_fini",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/*
 * x86-64: does the function at bytes p (n of them) set up a frame, push %rbp; mov %rsp,%rbp, near
 * its start? Not only at the entry: gcc shrink-wraps, setting up the frame after an early-exit
 * test. Code without frame pointers uses %rbp as any register, but not with this pair.
 */
static bool sets_up_frame(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 4 <= n && i < 64; i++)
		if (p[i] == 0x55 && p[i + 1] == 0x48 &&
		    ((p[i + 2] == 0x89 && p[i + 3] == 0xe5) || (p[i + 2] == 0x8b && p[i + 3] == 0xec)))
			return true;
	return false;
}

/* Function entries from .symtab: a measure of what the compiler did, whichever compiler it was. */
static void scan_prologues(Elf *elf, Elf_Scn *symtab, struct elf_facts *f)
{
	GElf_Shdr sh, tsh;
	Elf_Data *syms;
	size_t i, n;

	if (!gelf_getshdr(symtab, &sh) || !sh.sh_entsize || !(syms = elf_getdata(symtab, NULL)))
		return;
	n = sh.sh_size / sh.sh_entsize;
	for (i = 0; i < n && f->fn_total < 100000; i++) {
		GElf_Sym sym;
		Elf_Scn *text;
		Elf_Data *data;
		const char *name;
		GElf_Addr at;

		if (!gelf_getsym(syms, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    !sym.st_size || sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE)
			continue;
		name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name || startup_symbol(name))
			continue;
		text = elf_getscn(elf, sym.st_shndx);
		if (!text || !gelf_getshdr(text, &tsh) || tsh.sh_type != SHT_PROGBITS ||
		    !(tsh.sh_flags & SHF_EXECINSTR) || sym.st_value < tsh.sh_addr)
			continue;
		at = sym.st_value - tsh.sh_addr;
		data = elf_getdata(text, NULL);
		if (!data || !data->d_buf || at >= data->d_size)
			continue;
		f->fn_total++;
		f->fn_fp += sets_up_frame((const unsigned char *)data->d_buf + at,
					  data->d_size - at < sym.st_size ? data->d_size - at : sym.st_size);
	}
}

static void read_note_build_id(Elf_Scn *scn, struct elf_facts *f)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t off = 0, name_off, desc_off, i;
	GElf_Nhdr nh;

	while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
		    memcmp((const char *)data->d_buf + name_off, "GNU", 4) ||
		    nh.n_descsz * 2 >= sizeof(f->build_id) || nh.n_descsz < 2)
			continue;
		for (i = 0; i < nh.n_descsz; i++)
			sprintf(f->build_id + 2 * i, "%02x",
				((const unsigned char *)data->d_buf)[desc_off + i]);
		return;
	}
}

static void scan_sections(Elf *elf, struct elf_facts *f, Elf_Scn **symtab)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	*symtab = NULL;
	if (elf_getshdrstrndx(elf, &shstrndx))
		return;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if ((!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info")) &&
		    sh.sh_type != SHT_NOBITS)
			f->debug_info = true;
		else if (!strcmp(name, ".go.buildinfo") || !strcmp(name, ".note.go.buildid") ||
			 !strcmp(name, ".gopclntab"))
			f->go = true;
		else if (!strcmp(name, ".eh_frame") && sh.sh_type != SHT_NOBITS && sh.sh_size)
			f->eh_frame = true;
		else if (sh.sh_type == SHT_SYMTAB)
			*symtab = scn;
		else if (sh.sh_type == SHT_NOTE && !*f->build_id)
			read_note_build_id(scn, f);
		else if (!strcmp(name, ".gnu_debuglink") && (data = elf_getdata(scn, NULL)) &&
			 data->d_size)
			snprintf(f->debuglink, sizeof(f->debuglink), "%.*s", (int)data->d_size,
				 (const char *)data->d_buf);
	}
}

static int open_formatted(char *buf, size_t len, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* Opens the formatted path, kept in buf; -1 also when it does not fit. */
static int open_formatted(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return open(buf, O_RDONLY | O_CLOEXEC);
}

/* Separate debug info where gdb and elfutils look for it: by build-id, then by debuglink. */
static int open_debug_file(const struct check_host *h, const char *path, const struct elf_facts *f,
			   char *found, size_t len)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) : 1;
	const char *dir = slash ? path : ".";
	int fd = -1;

	if (*f->build_id)
		fd = open_formatted(found, len, "%s/usr/lib/debug/.build-id/%.2s/%s.debug", h->root,
				    f->build_id, f->build_id + 2);
	if (fd < 0 && *f->debuglink)
		fd = open_formatted(found, len, "%.*s/.debug/%s", dirlen, dir, f->debuglink);
	if (fd < 0 && *f->debuglink)
		fd = open_formatted(found, len, "%s/usr/lib/debug%.*s/%s", h->root, dirlen, dir,
				    f->debuglink);
	return fd;
}

/*
 * Code without frame pointers is unwound by its .eh_frame (CAUSAL_IOC_UNWIND_SET) when the
 * module can: a module that did not answer is taken to be this release's, which can.
 */
static bool unwinds_by_cfi(const struct status_report *r, const struct elf_facts *f)
{
	return f->eh_frame && (!r->answered || (r->features & CAUSAL_FEATURE_UNWIND));
}

static void check_frame_pointers(struct status_report *r, const struct check_host *h,
				 const char *path, const struct elf_facts *f)
{
	struct check *c;

	if (f->go) {
		c = check_add(r, "frame_pointers", CHECK_OK);
		check_what(c, "%s is a Go program: Go keeps frame pointers (amd64, arm64)", path);
	} else if ((f->cu_no_fp || (!f->cu_fp && f->fn_total >= 3 && f->fn_fp * 5 < f->fn_total * 4)) &&
		   unwinds_by_cfi(r, f)) {
		c = check_add(r, "frame_pointers", CHECK_OK);
		check_what(c, "%s was built without frame pointers; the module unwinds it by its call "
			   "frame information (.eh_frame)", path);
	} else if (f->cu_no_fp) {
		c = check_add(r, "frame_pointers", CHECK_WARNING);
		check_what(c, "%u of %u compilation units of %s were built without frame pointers "
			   "(\"%s\"): time in the libraries it calls is not charged to its call sites",
			   f->cu_no_fp, f->cu_total, path, f->no_fp_example);
		check_fix(c, h, FP_FIX);
	} else if (f->cu_fp) {
		c = check_add(r, "frame_pointers", CHECK_OK);
		check_what(c, "the %u compilation units of %s whose switches gcc recorded keep frame "
			   "pointers", f->cu_fp, path);
	} else if (f->fn_total >= 3 && f->fn_fp * 5 >= f->fn_total * 4) {
		c = check_add(r, "frame_pointers", CHECK_OK);
		check_what(c, "%u of %u functions in %s set up a frame pointer", f->fn_fp,
			   f->fn_total, path);
	} else if (f->fn_total >= 3) {
		c = check_add(r, "frame_pointers", CHECK_WARNING);
		check_what(c, "only %u of %u functions in %s set up a frame pointer: time in the "
			   "libraries it calls is not charged to its call sites", f->fn_fp,
			   f->fn_total, path);
		check_fix(c, h, FP_FIX);
	} else {
		c = check_add(r, "frame_pointers", CHECK_UNKNOWN);
		check_what(c, "cannot tell whether %s keeps frame pointers: no compiler switches in "
			   "its DWARF, and no x86-64 symbol table to look at", path);
	}
}

/* The checks of PROGRAM, after check_machine()'s. */
void check_program(struct status_report *r, const struct check_host *h, const char *program)
{
	char path[PATH_MAX], debug[PATH_MAX];
	struct elf_facts f;
	Elf *elf, *dbg = NULL;
	Elf_Scn *symtab;
	struct gopcln pcln;
	struct check *c;
	GElf_Ehdr eh;
	int fd, dfd = -1;

	memset(&f, 0, sizeof(f));
	resolve(program, path, sizeof(path));
	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		c = check_add(r, "program", CHECK_BLOCKING);
		check_what(c, "cannot open %s: %s", path, strerror(errno));
		return;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		c = check_add(r, "program", CHECK_BLOCKING);
		check_what(c, "%s is not an ELF program", path);
		goto out;
	}
	scan_sections(elf, &f, &symtab);

	if (f.debug_info) {
		c = check_add(r, "debug_info", CHECK_OK);
		check_what(c, "%s has DWARF: samples map to source lines", path);
		scan_producers(elf, &f);
	} else if ((dfd = open_debug_file(h, path, &f, debug, sizeof(debug))) >= 0 &&
		   (dbg = elf_begin(dfd, ELF_C_READ_MMAP, NULL))) {
		c = check_add(r, "debug_info", CHECK_OK);
		check_what(c, "the DWARF of %s is in %s: samples map to source lines", path, debug);
		scan_producers(dbg, &f);
	} else if (f.go && !gopcln_from_elf(elf, &pcln)) {
		c = check_add(r, "debug_info", CHECK_OK);
		check_what(c, "%s has no DWARF, but Go's own line table (.gopclntab): samples map to "
			   "source lines (code inlined from another function counts as that function's "
			   "lines)", path);
	} else {
		c = check_add(r, "debug_info", CHECK_BLOCKING);
		check_what(c, "%s has no DWARF, here or in a separate debug file: causal maps samples to "
			   "source lines through it", path);
		check_fix(c, h, "rebuild it with -g (e.g. cc -g -O2 -fno-omit-frame-pointer), or "
			  "install its debug symbols (Debian: its -dbgsym package)");
	}
	if (symtab && eh.e_machine == EM_X86_64)
		scan_prologues(elf, symtab, &f);
	check_frame_pointers(r, h, path, &f);
out:
	if (dbg)
		elf_end(dbg);
	if (dfd >= 0)
		close(dfd);
	if (elf)
		elf_end(elf);
	close(fd);
}
