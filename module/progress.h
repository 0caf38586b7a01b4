/* SPDX-License-Identifier: GPL-2.0 */
/* Progress points served by the module: uprobes counted per session. */
#ifndef _CAUSAL_PROGRESS_H
#define _CAUSAL_PROGRESS_H

#include <linux/causal.h>
#include <linux/types.h>

struct causal_session;

int causal_progress_check(const struct causal_progress *p);
long causal_progress_add(struct causal_session *s, struct causal_progress __user *uarg);
long causal_progress_read(struct causal_session *s, struct causal_progress_counts __user *uarg);
/* Unregisters every point of the session; no handler runs once it returns. Process context. */
void causal_progress_remove_all(struct causal_session *s);

#endif /* _CAUSAL_PROGRESS_H */
