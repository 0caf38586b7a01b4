/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Growing arrays and searching sorted ones (array.h). */
#include <stdlib.h>
#include <string.h>

#include "array.h"

void *array_grow(void *arr, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t c;
	void *a;

	if (n < *cap)
		return arr;
	/* doubling keeps the copies linear in the final size */
	c = *cap ? 2 * *cap : first;
	if (c < *cap || c > SIZE_MAX / size)
		return NULL;
	a = realloc(arr, c * size);
	if (!a)
		return NULL;
	*cap = c;
	return a;
}

size_t array_count_at_or_below(const void *base, size_t n, size_t size, size_t key, uint64_t x)
{
	const unsigned char *p = base;
	size_t lo = 0, hi = n;
	uint64_t k;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		/* memcpy: the element's type is the caller's, only the key's is known here */
		memcpy(&k, p + mid * size + key, sizeof(k));
		if (k <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
