/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The two things causalctl's tables all do: grow an array by one element, and find where a value
 * falls in an array sorted by an address.
 */
#ifndef CAUSALCTL_ARRAY_H
#define CAUSALCTL_ARRAY_H

#include <stddef.h>
#include <stdint.h>

/*
 * arr (n elements of size bytes in use, *cap allocated) with room for one more: arr itself while
 * n < *cap, else arr reallocated to twice *cap (to first elements the first time), *cap updated.
 * NULL without memory, arr and *cap then unchanged. arr may move: the caller stores the result.
 */
void *array_grow(void *arr, size_t n, size_t *cap, size_t size, size_t first);

/*
 * How many of the n elements at base (size bytes each, sorted by the uint64_t at byte offset key
 * in each, e.g. offsetof(struct seg, start)) have a key at or below x; the last of them, if any,
 * is the one whose range may hold x.
 */
size_t array_count_at_or_below(const void *base, size_t n, size_t size, size_t key, uint64_t x);

#endif
