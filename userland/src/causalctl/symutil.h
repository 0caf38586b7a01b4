/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers that symbols.c, probe.c and sites.c share: source path canonicalisation, file-name
 * suffix matching, "did you mean" suggestions, a string-keyed map (uthash), ELF segment maths, and
 * opening a binary file with libdwfl.
 */
#ifndef CAUSAL_SYMUTIL_H
#define CAUSAL_SYMUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gelf.h>
#include <elfutils/libdwfl.h>

/*
 * The canonical path of a source file as DWARF names it: raw joined to comp_dir when
 * relative, "." and ".." and repeated slashes folded, then realpath() when the result is
 * absolute and exists (so symlinked build trees give one name). It stays relative when
 * comp_dir is (builds with -fdebug-prefix-map=DIR=.). Returns a malloc'd string or NULL.
 */
char *path_canonical(const char *raw, const char *comp_dir);

/* Does path end with suffix at a path component boundary ("b/c.c" matches "/a/b/c.c",
 * "c.c" does not match "/a/bc.c")? */
bool path_suffix_match(const char *path, const char *suffix);

/* Levenshtein distance, capped at 255: only used to rank suggestions. */
unsigned edit_distance(const char *a, const char *b);

/* The best few suggestions for an unknown name, lowest score first. */
#define NEAR_MAX	5
struct near_list {
	unsigned n;
	unsigned score[NEAR_MAX];
	char name[NEAR_MAX][160];
};

/* Offers name with a score (lower is closer); duplicates of a listed name are ignored. */
void near_add(struct near_list *l, const char *name, unsigned score);

/* Scores from this one up cannot enter the list (UINT_MAX while it has room). */
unsigned near_cutoff(const struct near_list *l);

/* Score of candidate for what the user typed: substrings first, then by edit distance. */
unsigned near_score(const char *typed, const char *candidate);

/* Appends "a, b, c" to buf (of size len, NUL-terminated) if the list is not empty. */
void near_format(const struct near_list *l, const char *prefix, char *buf, size_t len);

/* A string → uint32 map (a uthash table); keys are copied. Zeroed is empty. */
struct strmap_entry;
struct strmap {
	struct strmap_entry *head;
};

/* Looks key up: true and *val when present. */
bool strmap_get(const struct strmap *m, const char *key, uint32_t *val);
/* Inserts or replaces; 0 or -ENOMEM. */
int strmap_put(struct strmap *m, const char *key, uint32_t val);
void strmap_free(struct strmap *m);

/*
 * Dense indexes for 64-bit keys: 0, 1, 2... in the order the keys are first interned, so that a
 * caller keeps what belongs to key i at [i] of an array of its own. Zeroed is empty.
 */
struct u64_index_entry;
struct u64_index {
	struct u64_index_entry *head;
	size_t n;		/* keys interned */
};

/* key's index, the next one if key is new (*added then true); -1 without memory, nothing added. */
long u64_index_intern(struct u64_index *x, uint64_t key, bool *added);
void u64_index_free(struct u64_index *x);

/* An executable PT_LOAD segment. */
struct exec_seg {
	uint64_t vaddr, memsz;	/* p_vaddr, p_memsz */
	uint64_t offset, filesz;	/* p_offset, p_filesz */
};

/* The executable PT_LOAD segments of elf into *segs (malloc'd, may be NULL with *n = 0). 0 or -errno. */
int elf_exec_segments(Elf *elf, struct exec_seg **segs, size_t *n);

/*
 * Opens binary (a file, no process) with libdwfl, separate debug info found by build-id or
 * debuglink: its module, and *dwfl to dwfl_end() after use; NULL with a message in err (a file
 * that cannot be opened says so as open(2) does, which libdwfl's messages do not).
 */
Dwfl_Module *dwfl_open_file(const char *binary, Dwfl **dwfl, char *err, size_t errlen);

#endif /* CAUSAL_SYMUTIL_H */
