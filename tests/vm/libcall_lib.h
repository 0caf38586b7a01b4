/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "library" of tests/vm/libcall.c: code whose lines are out of the profile's source scope
 * (-s '%libcall.c'), built with frame pointers as Fedora's and Ubuntu's libraries are, so that
 * a sample in it reaches its caller's line through the callchain.
 */
#ifndef LIBCALL_LIB_H
#define LIBCALL_LIB_H

#include <stdint.h>

/* a leaf: GCC sets up no frame here even with -fno-omit-frame-pointer */
static __attribute__((noinline)) uint64_t lib_step(uint64_t n, uint64_t x)
{
	for (uint64_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

/*
 * Not a leaf, so it has a frame: a sample in it or in lib_step (which leaves the frame pointer
 * alone) finds the caller's return address through it. A leaf called directly hides its
 * caller from a frame-pointer walk (docs/uapi.md).
 */
static __attribute__((noinline)) uint64_t lib_work(uint64_t n, uint64_t x)
{
	for (uint64_t i = 0; i < n; i += 1000)
		x = lib_step(1000, x);
	return x;
}

#endif /* LIBCALL_LIB_H */
