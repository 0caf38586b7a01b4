/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * causalctl's hash tables are uthash's (uthash-dev): every file includes it through this header,
 * so that all share one configuration. Out of memory is an error to handle, not uthash's default
 * exit(): HASH_ADD* then leaves the table as it was and the entry out of it, which hash_added()
 * tells.
 */
#ifndef CAUSAL_HASHTABLE_H
#define CAUSAL_HASHTABLE_H

#define HASH_NONFATAL_OOM	1
#include <uthash.h>

/* After HASH_ADD*(hh, head, ..., e): is e in the table? (uthash sets hh.tbl NULL when it is not) */
#define hash_added(e)	((e)->hh.tbl != NULL)

#endif /* CAUSAL_HASHTABLE_H */
