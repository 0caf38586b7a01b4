/* SPDX-License-Identifier: GPL-2.0 */
/* Attach a session to its target, and detach it at close. */
#ifndef _CAUSAL_ATTACH_H
#define _CAUSAL_ATTACH_H

#include <linux/causal.h>

struct causal_session;

/* the argument checks of ATTACH, before any state is touched */
int causal_attach_check(const struct causal_attach *a);
/* Attaches s to the target @a names (checked), and sets a->event_used. */
int causal_attach(struct causal_session *s, struct causal_attach *a);
/* at close: s->lock held, no experiment running */
void causal_detach(struct causal_session *s);

#endif /* _CAUSAL_ATTACH_H */
