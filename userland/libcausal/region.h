/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The progress-point region: the layout libcausal writes in a memfd named "causal-progress" and
 * causalctl reads from outside (through /proc/PID/map_files or process_vm_readv). It is an ABI
 * between a profiled process and the controller, which may be built from different releases:
 * never change the meaning of a field; add fields at the end of the header and bump
 * CAUSAL_REGION_VERSION only for incompatible changes. The controller treats everything here as
 * untrusted input (the target writes it and may be buggy or hostile).
 *
 *   offset 0                         struct causal_region_header
 *   offset header_size + i*entry_size  struct causal_region_entry i, for i < capacity
 *
 * Registration (libcausal, under the region's lock): fill the next free entry, store `published`
 * with release semantics, then store `count` (the number of entries in use) with release
 * semantics. A reader loads `count` with acquire semantics and reads entries below it; the
 * counters themselves only ever grow, by relaxed atomic adds from the program.
 */
#ifndef CAUSAL_REGION_H
#define CAUSAL_REGION_H

#include <stddef.h>
#include <stdint.h>

#define CAUSAL_REGION_MEMFD_NAME	"causal-progress"
/* what /proc/PID/maps shows for it (followed by " (deleted)" on current kernels) */
#define CAUSAL_REGION_MAPS_NAME		"/memfd:" CAUSAL_REGION_MEMFD_NAME

/*
 * `causalctl run` creates the region itself and passes it down as this inherited fd, so that it
 * holds the counters from the start, even of a program that exits before it could look for them,
 * and so that processes the program execs share them too.
 */
#define CAUSAL_REGION_FD_ENV		"CAUSAL_PROGRESS_FD"

#define CAUSAL_REGION_MAGIC		0x5347525050534c43ULL	/* "CLSPPRGS" little-endian */
#define CAUSAL_REGION_VERSION		1u
#define CAUSAL_REGION_HEADER_SIZE	4096u	/* one page: room for the header to grow */
#define CAUSAL_REGION_ENTRY_SIZE	256u
#define CAUSAL_REGION_CAPACITY		4096u	/* the memfd is sparse: untouched entries cost nothing */
#define CAUSAL_REGION_SIZE \
	((size_t)CAUSAL_REGION_HEADER_SIZE + (size_t)CAUSAL_REGION_ENTRY_SIZE * CAUSAL_REGION_CAPACITY)

/* entry kinds; Coz's type codes 2 (begin) and 3 (end) both land in one latency entry */
#define CAUSAL_REGION_THROUGHPUT	1u
#define CAUSAL_REGION_LATENCY		2u

/* a name longer than this (without its NUL) is stored as "..." and its last bytes */
#define CAUSAL_REGION_NAME_MAX		(CAUSAL_REGION_ENTRY_SIZE - 48u)

struct causal_region_header {
	uint64_t magic;		/* stored last, with release semantics, once the rest is set */
	uint32_t version;	/* CAUSAL_REGION_VERSION */
	uint32_t header_size;	/* offset of entry 0 */
	uint32_t entry_size;	/* bytes from one entry to the next */
	uint32_t capacity;	/* entries the region holds */
	uint32_t counter_size;	/* sizeof(size_t) in the process: 8 on LP64, 4 on ILP32 */
	uint32_t lock;		/* registration spinlock: 0 free, else the holder's tid */
	uint32_t count;		/* entries in use (published), release-stored after each entry */
	uint32_t pid;		/* the process that created the region (forked children share it) */
	uint64_t overflows;	/* registrations refused because the region was full */
	uint64_t truncated;	/* registrations whose name was too long and was shortened */
};

/* Coz's coz_counter_t: the program adds 1 to count with a relaxed atomic add; backoff is unused */
struct causal_region_counter {
	size_t count;
	size_t backoff;
};

/*
 * Counters first, so that every entry's counters start a cache line (entries are 256 bytes apart
 * from a page-aligned base) and two progress points never share a line. Each counter sits in a
 * 16-byte slot whatever the width of size_t, so the offsets below hold for 32-bit targets too.
 */
struct causal_region_entry {
	union {
		struct causal_region_counter c;
		unsigned char slot[16];
	} counter[2];		/* throughput: [0]; latency: [0] begins, [1] ends */
	uint32_t kind;		/* CAUSAL_REGION_THROUGHPUT or CAUSAL_REGION_LATENCY */
	uint32_t published;	/* 1 once kind and name are written (release) */
	uint32_t hash;		/* FNV-1a of name, to skip most string compares on lookup */
	uint32_t name_len;	/* strlen(name) */
	char name[CAUSAL_REGION_NAME_MAX];	/* NUL-terminated */
};

#define CAUSAL_REGION_COUNTER_OFFSET(i)	((size_t)(i) * 16u)

_Static_assert(sizeof(struct causal_region_header) <= CAUSAL_REGION_HEADER_SIZE, "header fits its page");
_Static_assert(sizeof(struct causal_region_entry) == CAUSAL_REGION_ENTRY_SIZE, "entry size is ABI");
_Static_assert(offsetof(struct causal_region_entry, counter[1]) == CAUSAL_REGION_COUNTER_OFFSET(1),
	       "end counter at offset 16");
_Static_assert(offsetof(struct causal_region_entry, kind) == 32, "kind at offset 32");
_Static_assert(offsetof(struct causal_region_entry, name) == 48, "name at offset 48");
_Static_assert(offsetof(struct causal_region_header, overflows) == 40, "header layout is ABI");

static inline uint32_t causal_region_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

#endif /* CAUSAL_REGION_H */
