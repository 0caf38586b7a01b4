/* SPDX-License-Identifier: GPL-2.0 */
/* Progress points served by the module: uprobes counted per session. */
#ifndef _CAUSAL_PROGRESS_H
#define _CAUSAL_PROGRESS_H

#include <linux/causal.h>
#include <linux/types.h>

struct causal_session;

/* the argument checks of PROGRESS_ADD, before the file is looked up */
int causal_progress_check(const struct causal_progress *p);
/* Adds the point @p names (checked) to s, and sets p->id. Process context; may sleep long. */
int causal_progress_add(struct causal_session *s, struct causal_progress *p);
/* The hits of the first @nr points in @counts[]; returns how many points s has. */
u32 causal_progress_read(struct causal_session *s, u64 *counts, u32 nr);
/* Unregisters every point of the session; no handler runs once it returns. Process context. */
void causal_progress_remove_all(struct causal_session *s);

#endif /* _CAUSAL_PROGRESS_H */
