// SPDX-License-Identifier: GPL-2.0
/* The user address ranges an experiment selects, and the sampler's lookup in them. */

#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "ranges.h"

static int causal_range_cmp(const void *a, const void *b)
{
	const struct causal_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

int causal_ranges_build(const struct causal_range *in, u32 nr, struct causal_ranges **out)
{
	struct causal_ranges *rs;
	u32 i, n;

	if (!nr)
		return -EINVAL;
	if (nr > CAUSAL_MAX_RANGES)
		return -E2BIG;
	for (i = 0; i < nr; i++)
		if (in[i].start >= in[i].end || in[i].end > TASK_SIZE_MAX)
			return -EINVAL;

	rs = kvmalloc(struct_size(rs, r, nr), GFP_KERNEL_ACCOUNT);
	if (!rs)
		return -ENOMEM;
	memcpy(rs->r, in, nr * sizeof(*in));
	sort(rs->r, nr, sizeof(rs->r[0]), causal_range_cmp, NULL);

	/* sorted by start: each range either extends the last kept one or starts a new one */
	for (n = 0, i = 1; i < nr; i++) {
		if (rs->r[i].start <= rs->r[n].end)
			rs->r[n].end = max(rs->r[n].end, rs->r[i].end);
		else
			rs->r[++n] = rs->r[i];
	}
	rs->nr = n + 1;
	*out = rs;
	return 0;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_ranges_build);

void causal_ranges_free(struct causal_ranges *rs)
{
	kvfree(rs);
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_ranges_free);

bool causal_ranges_contains(const struct causal_ranges *rs, u64 ip)
{
	u32 lo = 0, hi, mid;

	if (!rs)
		return false;
	/* find the first range that ends after ip; ip is in it if it also starts at or before ip */
	hi = rs->nr;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (rs->r[mid].end <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rs->nr && rs->r[lo].start <= ip;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_ranges_contains);

bool causal_ranges_first_in_scope(const struct causal_ranges *line,
				  const struct causal_ranges *scope, u64 ip, const u64 *chain,
				  u16 n)
{
	u16 i;

	if (causal_ranges_contains(line, ip))
		return true;
	if (causal_ranges_contains(scope, ip))
		return false;
	for (i = 0; i < n; i++) {
		if (causal_ranges_contains(line, chain[i] - 1))
			return true;
		if (causal_ranges_contains(scope, chain[i] - 1))
			return false;
	}
	return false;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_ranges_first_in_scope);
