// SPDX-License-Identifier: GPL-2.0
/*
 * VM test workload for progress points served by the module: calls counted_call() exactly CALLS
 * times from each of THREADS threads, then exits. Before READY it prints where a uprobe on
 * counted_call goes, as "PROBE counted_call 0x<file offset>", computed from its own mapping (the
 * test binary is static, so no DWARF reader is needed here).
 *
 *   progress_calls [CALLS [THREADS]]     defaults: 1000 calls, 1 thread
 */
#include <string.h>

#include <pthread.h>

#include "workload.h"

static uint64_t calls;

__attribute__((noinline, used)) uint64_t counted_call(uint64_t x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}

/* one thread's calls */
static void *caller(void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < calls; i++)
		sink += counted_call(i);
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t nthreads, i;
	pthread_t t[64];
	long long off;

	calls = workload_arg(argc, argv, 1, 1000);
	nthreads = workload_arg(argc, argv, 2, 1);
	if (nthreads < 1 || nthreads > 64)
		return 2;
	off = workload_file_offset((unsigned long)counted_call);
	if (off < 0)
		return 1;
	printf("PROBE counted_call %#llx\n", off);
	workload_ready();
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, caller, NULL))
			return 1;
	for (i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	return 0;
}
