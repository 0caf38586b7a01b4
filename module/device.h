/* SPDX-License-Identifier: GPL-2.0 */
/* /dev/causal: the misc device and its ioctl dispatch. */
#ifndef _CAUSAL_DEVICE_H
#define _CAUSAL_DEVICE_H

#include <linux/types.h>

struct causal_session;

int causal_device_init(void);
void causal_device_exit(void);
long causal_ioctl_dispatch(struct causal_session *s, unsigned int cmd, unsigned long arg);

#endif /* _CAUSAL_DEVICE_H */
