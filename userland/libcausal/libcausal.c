/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcausal: progress-point counters in memory the controller can read from outside.
 *
 * Counters live in one memfd ("causal-progress") mapped MAP_SHARED, laid out as region.h says:
 * forked children keep counting into the same pages, and causalctl maps the memfd through
 * /proc/PID/map_files (or reads it with process_vm_readv) without the program's help. A visit is
 * a relaxed atomic add done by the caller's macro; this library only hands out counter addresses.
 *
 * It also exports Coz's ABI (_coz_get_counter and friends), so a binary built against Coz's
 * coz.h counts here unchanged when this library is preloaded.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "causal.h"
#include "region.h"

#define EXPORT __attribute__((visibility("default")))

_Static_assert(sizeof(causal_counter_t) == sizeof(struct causal_region_counter), "Coz counter layout");
_Static_assert(offsetof(causal_counter_t, count) == offsetof(struct causal_region_counter, count),
	       "Coz counter layout");

/* Coz's names for the same things (coz.h: coz_counter_t and _coz_get_counter) */
typedef causal_counter_t coz_counter_t;
EXPORT coz_counter_t *_coz_get_counter(int type, const char *name);
EXPORT void _coz_add_delays(void);
EXPORT void _coz_pre_block(void);
EXPORT void _coz_post_block(int skip_delays);

static struct causal_region_header *region;	/* set once, by compare-and-swap */

/*
 * Why counts cannot reach the controller, when they cannot: the region is then private memory
 * (or absent) and the program still runs. Kept for a debugger; nothing outside can read it.
 */
static const char *region_fallback_reason __attribute__((used));
static int region_fallback_errno __attribute__((used));

/* handed out when the region is full or missing, so callers never get NULL for a valid kind */
static struct causal_region_counter dummy[2] __attribute__((aligned(64)));

static struct causal_region_entry *entry_at(struct causal_region_header *h, uint32_t i)
{
	return (struct causal_region_entry *)((char *)h + h->header_size + (size_t)i * h->entry_size);
}

/* The region causalctl handed down (CAUSAL_REGION_FD_ENV), or NULL. */
static void *region_inherited(void)
{
	const char *env = getenv(CAUSAL_REGION_FD_ENV);
	struct stat st;
	char *end;
	long fd;
	void *p;

	if (!env || !*env)
		return NULL;
	fd = strtol(env, &end, 10);
	if (*end || fd < 0 || fd > INT_MAX || fstat((int)fd, &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < CAUSAL_REGION_SIZE)
		return NULL;
	p = mmap(NULL, CAUSAL_REGION_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void *region_map(void)
{
	void *p = region_inherited();
	int fd;

	if (p)
		return p;
	fd = (int)syscall(SYS_memfd_create, CAUSAL_REGION_MEMFD_NAME, MFD_CLOEXEC);
	if (fd < 0) {
		region_fallback_reason = "memfd_create";
		goto private;
	}
	if (ftruncate(fd, (off_t)CAUSAL_REGION_SIZE)) {
		region_fallback_reason = "ftruncate";
		goto close_private;
	}
	p = mmap(NULL, CAUSAL_REGION_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		region_fallback_reason = "mmap shared";
		goto close_private;
	}
	/* the mapping keeps the memfd alive; the program's fd table stays as it was */
	close(fd);
	return p;

close_private:
	region_fallback_errno = errno;
	close(fd);
	goto mapped_errno;
private:
	region_fallback_errno = errno;
mapped_errno:
	p = mmap(NULL, CAUSAL_REGION_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static struct causal_region_header *region_get(void)
{
	struct causal_region_header *h = __atomic_load_n(&region, __ATOMIC_ACQUIRE), *expected = NULL;

	if (h)
		return h;
	h = region_map();
	if (!h)
		return NULL;
	/* an inherited region may have its header already (another process of the run) */
	if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) == CAUSAL_REGION_MAGIC)
		goto publish;
	/* the pages are zero: only the header needs values; the magic goes last */
	h->version = CAUSAL_REGION_VERSION;
	h->header_size = CAUSAL_REGION_HEADER_SIZE;
	h->entry_size = CAUSAL_REGION_ENTRY_SIZE;
	h->capacity = CAUSAL_REGION_CAPACITY;
	h->counter_size = (uint32_t)sizeof(size_t);
	h->pid = (uint32_t)getpid();
	__atomic_store_n(&h->magic, CAUSAL_REGION_MAGIC, __ATOMIC_RELEASE);
publish:
	if (!__atomic_compare_exchange_n(&region, &expected, h, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		/* another thread got there first: use its region */
		munmap(h, CAUSAL_REGION_SIZE);
		h = expected;
	}
	return h;
}

/* ready before any progress point of the program runs, even one in another constructor */
__attribute__((constructor)) static void libcausal_init(void)
{
	region_get();
}

/*
 * The registration lock, shared by every process that maps the region (a parent and its forked
 * children). It holds the holder's tid, so a waiter can take over from a holder that died inside
 * the few stores of a registration (SIGKILL at the wrong moment); a holder that forked keeps the
 * lock in the parent, which releases it for both. kill(tid, 0) answers for any thread's id.
 */
static void region_lock(struct causal_region_header *h)
{
	uint32_t self = (uint32_t)syscall(SYS_gettid), cur;
	unsigned long spins = 0;

	for (;;) {
		cur = 0;
		if (__atomic_compare_exchange_n(&h->lock, &cur, self, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		if (++spins < 1000) {
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
			continue;
		}
		sched_yield();
		if (spins % 1024 == 0 && kill((pid_t)cur, 0) && errno == ESRCH)
			__atomic_compare_exchange_n(&h->lock, &cur, 0, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
}

static void region_unlock(struct causal_region_header *h)
{
	__atomic_store_n(&h->lock, 0, __ATOMIC_RELEASE);
}

static struct causal_region_entry *find(struct causal_region_header *h, uint32_t from, uint32_t to,
					uint32_t kind, const char *name, uint32_t len, uint32_t hash)
{
	for (uint32_t i = from; i < to; i++) {
		struct causal_region_entry *e = entry_at(h, i);

		if (e->hash == hash && e->kind == kind && e->name_len == len && !memcmp(e->name, name, len))
			return e;
	}
	return NULL;
}

/* the entry of (kind, name), registering it on first use; NULL when the region is full */
static struct causal_region_entry *lookup(struct causal_region_header *h, uint32_t kind, const char *name)
{
	char key[CAUSAL_REGION_NAME_MAX];
	size_t len = strlen(name);
	bool truncated = false;
	struct causal_region_entry *e;
	uint32_t hash, seen, n;

	if (len > CAUSAL_REGION_NAME_MAX - 1) {
		/* keep the tail: "…/file.c:123" differs from its neighbours at the end */
		size_t keep = CAUSAL_REGION_NAME_MAX - 1 - 3;

		memcpy(key, "...", 3);
		memcpy(key + 3, name + len - keep, keep);
		len = CAUSAL_REGION_NAME_MAX - 1;
		truncated = true;
	} else {
		memcpy(key, name, len);
	}
	key[len] = '\0';
	hash = causal_region_hash(key, len);

	/* entries below count never change but for their counters: look without the lock first */
	seen = __atomic_load_n(&h->count, __ATOMIC_ACQUIRE);
	e = find(h, 0, seen, kind, key, (uint32_t)len, hash);
	if (e)
		return e;

	region_lock(h);
	n = __atomic_load_n(&h->count, __ATOMIC_RELAXED);
	e = find(h, seen, n, kind, key, (uint32_t)len, hash);
	if (!e && n >= h->capacity) {
		__atomic_fetch_add(&h->overflows, 1, __ATOMIC_RELAXED);
	} else if (!e) {
		e = entry_at(h, n);
		memcpy(e->name, key, len + 1);
		e->name_len = (uint32_t)len;
		e->hash = hash;
		e->kind = kind;
		__atomic_store_n(&e->published, 1, __ATOMIC_RELEASE);
		__atomic_store_n(&h->count, n + 1, __ATOMIC_RELEASE);
		if (truncated)
			__atomic_fetch_add(&h->truncated, 1, __ATOMIC_RELAXED);
	}
	region_unlock(h);
	return e;
}

EXPORT causal_counter_t *causal_get_counter(int kind, const char *name)
{
	struct causal_region_header *h;
	struct causal_region_entry *e = NULL;
	uint32_t k;
	int idx;

	switch (kind) {
	case CAUSAL_COUNTER_THROUGHPUT:
		k = CAUSAL_REGION_THROUGHPUT;
		idx = 0;
		break;
	case CAUSAL_COUNTER_BEGIN:
		k = CAUSAL_REGION_LATENCY;
		idx = 0;
		break;
	case CAUSAL_COUNTER_END:
		k = CAUSAL_REGION_LATENCY;
		idx = 1;
		break;
	default:
		return NULL;
	}
	h = region_get();
	if (h && name)
		e = lookup(h, k, name);
	return (causal_counter_t *)(e ? &e->counter[idx].c : &dummy[idx]);
}

/* Coz's lookup: the same counters; an unknown type gives NULL, as in Coz */
EXPORT coz_counter_t *_coz_get_counter(int type, const char *name)
{
	return causal_get_counter(type, name);
}

/*
 * Coz calls these around blocking calls and at progress points so that its in-process delays are
 * paid and inherited. Here the kernel module sees blocking, wake-ups and who woke whom from the
 * scheduler, and pays delays itself: nothing is left to do in the process.
 */
EXPORT void _coz_add_delays(void)
{
}

EXPORT void _coz_pre_block(void)
{
}

EXPORT void _coz_post_block(int skip_delays)
{
	(void)skip_delays;
}
