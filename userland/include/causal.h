/* SPDX-License-Identifier: MIT */
/*
 * causal.h: progress points for the causal profiler (causalctl).
 *
 *   CAUSAL_PROGRESS;                  a unit of work done, counted under the name "FILE:LINE"
 *   CAUSAL_PROGRESS_NAMED("name");    the same, under a name several sites may share
 *   CAUSAL_BEGIN("name");             a transaction starts (latency, by Little's law)
 *   CAUSAL_END("name");               a transaction of that name ends
 *
 * The counters live in libcausal (libcausal.so.0), found at run time with
 * dlsym(RTLD_DEFAULT, "causal_get_counter") (or Coz's "_coz_get_counter"), once per translation
 * unit. Without the library (not linked, not LD_PRELOADed, or a static binary) every macro is a
 * no-op costing a load and a well-predicted branch. With it, each site looks its counter up on its
 * first execution and caches the pointer forever; after that a visit is one relaxed atomic add on
 * memory the controller reads: no system call, no lock.
 *
 * Like Coz's header, the library is looked up once: a site first run before libcausal was loaded
 * (by a dlopen()) stays a no-op. Link with `pkg-config --libs causal`, which keeps the library
 * even under --as-needed (nothing references it by name), or run under `causalctl run`, which
 * preloads it. Counters use Coz's layout, so this header and Coz's coz.h may be mixed.
 *
 * Usable from C (C99 or later, GNU C or with GCC/Clang builtins) and C++.
 */
#ifndef CAUSAL_H
#define CAUSAL_H

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* the kinds causal_get_counter() takes: Coz's type codes */
#define CAUSAL_COUNTER_THROUGHPUT	1
#define CAUSAL_COUNTER_BEGIN		2
#define CAUSAL_COUNTER_END		3

/* Coz's coz_counter_t: add 1 to count, relaxed; backoff is reserved */
typedef struct causal_counter {
	size_t count;
	size_t backoff;
} causal_counter_t;

typedef causal_counter_t *(*causal_get_counter_fn)(int kind, const char *name);

/*
 * libcausal's entry point, for programs that link with -lcausal and want to call it directly:
 * the counter of (kind, name), at a fixed address for the life of the process; the same (kind,
 * name) always gives the same counter, and BEGIN and END of one name the two counters of one
 * latency point. Never NULL for a valid kind (a full region gives a shared dummy counter); NULL
 * for an invalid kind.
 */
causal_counter_t *causal_get_counter(int kind, const char *name);

/* weak, so that a static binary (no dlsym) links and every site is a no-op */
#pragma weak dlsym

/* glibc and musl both define RTLD_DEFAULT as a null handle; it needs _GNU_SOURCE to be visible */
#ifdef RTLD_DEFAULT
#define CAUSAL__RTLD_DEFAULT RTLD_DEFAULT
#else
#define CAUSAL__RTLD_DEFAULT ((void *)0)
#endif

/* what a site caches when there is no library: compared against, never written */
static causal_counter_t causal__off __attribute__((unused));

/* libcausal's lookup function, or NULL; dlsym runs once per translation unit */
static inline causal_get_counter_fn causal__lookup(void)
{
	static void *fn;
	static int done;
	causal_get_counter_fn f;
	void *p;

	if (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
		p = NULL;
		if (dlsym) {
			p = dlsym(CAUSAL__RTLD_DEFAULT, "causal_get_counter");
			if (!p)	/* a causal.h program run under Coz */
				p = dlsym(CAUSAL__RTLD_DEFAULT, "_coz_get_counter");
		}
		/* racing threads find the same pointer: last store wins, harmlessly */
		__atomic_store_n(&fn, p, __ATOMIC_RELAXED);
		__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	}
	p = __atomic_load_n(&fn, __ATOMIC_RELAXED);
	memcpy(&f, &p, sizeof(f));	/* object to function pointer without ISO C's complaint */
	return f;
}

/* a site's first visit: find its counter (or &causal__off) and cache it in the site */
static inline causal_counter_t *causal__resolve(causal_counter_t **site, int kind, const char *name)
{
	causal_get_counter_fn f = causal__lookup();
	causal_counter_t *c = f ? f(kind, name) : NULL;

	if (!c)
		c = &causal__off;
	__atomic_store_n(site, c, __ATOMIC_RELAXED);
	return c;
}

#define CAUSAL__VISIT(kind, name) do {								\
	static causal_counter_t *causal__site_;							\
	causal_counter_t *causal__c_ = __atomic_load_n(&causal__site_, __ATOMIC_RELAXED);	\
	if (__builtin_expect(causal__c_ == NULL, 0))						\
		causal__c_ = causal__resolve(&causal__site_, (kind), (name));			\
	if (causal__c_ != &causal__off)								\
		__atomic_fetch_add(&causal__c_->count, 1, __ATOMIC_RELAXED);			\
} while (0)

#define CAUSAL__STR2(x) #x
#define CAUSAL__STR(x) CAUSAL__STR2(x)

#define CAUSAL_PROGRESS_NAMED(name)	CAUSAL__VISIT(CAUSAL_COUNTER_THROUGHPUT, (name))
#define CAUSAL_PROGRESS			CAUSAL__VISIT(CAUSAL_COUNTER_THROUGHPUT, __FILE__ ":" CAUSAL__STR(__LINE__))
#define CAUSAL_BEGIN(name)		CAUSAL__VISIT(CAUSAL_COUNTER_BEGIN, (name))
#define CAUSAL_END(name)		CAUSAL__VISIT(CAUSAL_COUNTER_END, (name))

#ifdef __cplusplus
}
#endif

#endif /* CAUSAL_H */
