// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Truncated and corrupt ELF and DWARF fixtures, made from a good binary, through probe_resolve():
 * every call must return either locations or an error with a message, and never crash (this
 * runs under ASan and UBSan). Prints KTAP-style diagnostics and one summary line.
 *
 *   elf_fixtures BINARY [SPEC...]     default specs: main, a FILE:LINE of it, a missing symbol
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe.h"

static unsigned char *orig;
static size_t orig_size;
static const char *const *specs;
static int nspecs;
static unsigned long fixtures, calls, found, refused, silent;

/* writes buf to a fixture file and resolves every spec in it */
static void try(const char *what, const unsigned char *buf, size_t size)
{
	char path[] = "/tmp/elf-fixture-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, buf, size) != (ssize_t)size) {
		perror("fixture");
		exit(2);
	}
	close(fd);
	fixtures++;
	for (int i = 0; i < nspecs; i++) {
		struct probe_loc *locs = NULL;
		char err[512] = "";
		size_t n = 0;
		int rc = probe_resolve(path, specs[i], i & 1, &locs, &n, err, sizeof(err));

		calls++;
		if (rc == 0 && locs && n) {
			found++;
		} else if (rc < 0 && err[0]) {
			refused++;
			if (fixtures % 16 == 1 && i == 0)
				printf("# %s, %s: %s\n", what, specs[i], err);
		} else {
			silent++;
			printf("# %s, %s: returned %d with %zu locations and no message\n", what,
			       specs[i], rc, n);
		}
		free(locs);
	}
	unlink(path);
}

static unsigned char *copy(void)
{
	unsigned char *b = malloc(orig_size);

	memcpy(b, orig, orig_size);
	return b;
}

static const Elf64_Shdr *shdr(const unsigned char *b, int i)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)b;

	return (const Elf64_Shdr *)(b + eh->e_shoff + (size_t)i * eh->e_shentsize);
}

static const char *shname(const unsigned char *b, int i)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)b;

	return (const char *)b + shdr(b, eh->e_shstrndx)->sh_offset + shdr(b, i)->sh_name;
}

int main(int argc, char **argv)
{
	static const char *def_specs[4];
	const Elf64_Ehdr *eh;
	struct stat st;
	char what[160];
	unsigned char *b;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: %s BINARY [SPEC...]\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		perror(argv[1]);
		return 2;
	}
	orig_size = st.st_size;
	orig = malloc(orig_size);
	if (read(fd, orig, orig_size) != (ssize_t)orig_size)
		return 2;
	close(fd);
	eh = (const Elf64_Ehdr *)orig;
	if (orig_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64) {
		fprintf(stderr, "%s: not a 64-bit ELF file\n", argv[1]);
		return 2;
	}
	if (argc > 2) {
		specs = (const char *const *)argv + 2;
		nspecs = argc - 2;
	} else {
		def_specs[0] = "main";
		def_specs[1] = "main";
		def_specs[2] = "nosuchsymbol";
		def_specs[3] = "0x1000";
		specs = def_specs;
		nspecs = 4;
	}

	try("the original", orig, orig_size);
	if (found == 0) {
		printf("# the original file resolves nothing: no baseline\n");
		return 1;
	}

	/* truncations: the headers, each section's start and middle, the end */
	{
		size_t cuts[] = { 0, 1, 4, 16, 63, 64, 65, eh->e_phoff + 1,
				  eh->e_phoff + eh->e_phentsize * eh->e_phnum - 1, eh->e_shoff,
				  eh->e_shoff + 1, orig_size / 2, orig_size - 1 };

		for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
			if (cuts[i] >= orig_size)
				continue;
			snprintf(what, sizeof(what), "truncated to %zu bytes", cuts[i]);
			try(what, orig, cuts[i]);
		}
		for (int i = 1; i < eh->e_shnum; i++) {
			const Elf64_Shdr *s = shdr(orig, i);

			if (s->sh_type == SHT_NOBITS || s->sh_offset >= orig_size || !s->sh_size)
				continue;
			snprintf(what, sizeof(what), "truncated inside %s", shname(orig, i));
			try(what, orig, s->sh_offset + s->sh_size / 2);
		}
	}

	/* header fields */
	{
		struct { const char *name; size_t off, len; uint64_t val; } f[] = {
			{ "e_ident class", EI_CLASS, 1, ELFCLASS32 },
			{ "e_ident data", EI_DATA, 1, ELFDATA2MSB },
			{ "e_type", offsetof(Elf64_Ehdr, e_type), 2, 0xffff },
			{ "e_phoff", offsetof(Elf64_Ehdr, e_phoff), 8, ~0ULL - 7 },
			{ "e_phnum", offsetof(Elf64_Ehdr, e_phnum), 2, 0xffff },
			{ "e_phentsize", offsetof(Elf64_Ehdr, e_phentsize), 2, 1 },
			{ "e_shoff", offsetof(Elf64_Ehdr, e_shoff), 8, orig_size - 8 },
			{ "e_shoff huge", offsetof(Elf64_Ehdr, e_shoff), 8, ~0ULL - 63 },
			{ "e_shnum", offsetof(Elf64_Ehdr, e_shnum), 2, 0xfffe },
			{ "e_shnum 0", offsetof(Elf64_Ehdr, e_shnum), 2, 0 },
			{ "e_shentsize", offsetof(Elf64_Ehdr, e_shentsize), 2, 7 },
			{ "e_shstrndx", offsetof(Elf64_Ehdr, e_shstrndx), 2, 0xfff0 },
		};

		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			b = copy();
			memcpy(b + f[i].off, &f[i].val, f[i].len);
			snprintf(what, sizeof(what), "bad %s", f[i].name);
			try(what, b, orig_size);
			free(b);
		}
	}

	/* program headers: offsets and sizes past the end, zero alignment */
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph;

		b = copy();
		ph = (Elf64_Phdr *)(b + eh->e_phoff + (size_t)i * eh->e_phentsize);
		ph->p_offset = orig_size + 4096;
		ph->p_filesz = ~0ULL >> 4;
		snprintf(what, sizeof(what), "program header %d past the end", i);
		try(what, b, orig_size);
		free(b);
	}

	/* every section: offset and size past the end, a bad link; debug sections scrambled */
	for (int i = 1; i < eh->e_shnum; i++) {
		const char *name = shname(orig, i);
		const Elf64_Shdr *s0 = shdr(orig, i);
		Elf64_Shdr *s;

		b = copy();
		s = (Elf64_Shdr *)shdr(b, i);
		s->sh_offset = orig_size - 1;
		s->sh_size = 0x7fffffff;
		snprintf(what, sizeof(what), "%s past the end", name);
		try(what, b, orig_size);
		free(b);

		b = copy();
		s = (Elf64_Shdr *)shdr(b, i);
		s->sh_link = 0xffff;
		s->sh_entsize = 3;
		snprintf(what, sizeof(what), "%s with a bad link and entsize", name);
		try(what, b, orig_size);
		free(b);

		if (s0->sh_type == SHT_NOBITS || s0->sh_offset + s0->sh_size > orig_size)
			continue;
		if (!strncmp(name, ".debug", 6) || !strcmp(name, ".symtab") ||
		    !strcmp(name, ".strtab") || !strcmp(name, ".dynsym") || !strcmp(name, ".dynstr")) {
			unsigned int seed = i;

			/* zeroed, all ones, and random bytes at random places */
			b = copy();
			memset(b + s0->sh_offset, 0, s0->sh_size);
			snprintf(what, sizeof(what), "%s zeroed", name);
			try(what, b, orig_size);
			memset(b + s0->sh_offset, 0xff, s0->sh_size);
			snprintf(what, sizeof(what), "%s all 0xff", name);
			try(what, b, orig_size);
			free(b);
			for (int round = 0; round < 8; round++) {
				b = copy();
				for (int k = 0; k < 1 + round * 4 && s0->sh_size; k++)
					b[s0->sh_offset + rand_r(&seed) % s0->sh_size] = rand_r(&seed);
				snprintf(what, sizeof(what), "%s with %d random bytes", name,
					 1 + round * 4);
				try(what, b, orig_size);
				free(b);
			}
			/* a string table without its last NUL */
			if (s0->sh_type == SHT_STRTAB && s0->sh_size) {
				b = copy();
				b[s0->sh_offset + s0->sh_size - 1] = 'x';
				snprintf(what, sizeof(what), "%s unterminated", name);
				try(what, b, orig_size);
				free(b);
			}
		}
	}

	printf("# elf_fixtures: %lu fixtures, %lu calls: %lu resolved, %lu refused with a message, "
	       "%lu without one\n", fixtures, calls, found, refused, silent);
	return silent ? 1 : 0;
}
