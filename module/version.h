/* SPDX-License-Identifier: GPL-2.0 */
/* CAUSAL_IOC_VERSION: what the module reports about itself. */
#ifndef _CAUSAL_VERSION_H
#define _CAUSAL_VERSION_H

#include <linux/causal.h>

int causal_version_check(const struct causal_version *v);
void causal_version_fill(struct causal_version *v);

#endif /* _CAUSAL_VERSION_H */
