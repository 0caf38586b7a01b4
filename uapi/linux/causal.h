/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * causal: kernel-assisted causal profiling. The ABI of /dev/causal, shared by the module,
 * causalctl, libcausal and test harnesses. See docs/uapi.md.
 *
 * Every argument struct starts with a __u32 size that the caller sets to sizeof() of the struct it
 * was compiled with. The kernel accepts a smaller size if it covers every mandatory field, and a
 * larger one if the bytes it does not know are zero (otherwise E2BIG), so old and new binaries keep
 * working across versions. The size encoded in the ioctl number is not used for this.
 */
#ifndef _UAPI_LINUX_CAUSAL_H
#define _UAPI_LINUX_CAUSAL_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define CAUSAL_DEVICE_PATH	"/dev/causal"

/* Bumped on any incompatible change of this file; additions keep it. */
#define CAUSAL_ABI_VERSION	1

#define CAUSAL_IOC_MAGIC	0xCA

/* causal_version.features: what the loaded module can do on this kernel */
#define CAUSAL_FEATURE_TASK_WORK_EXPORTED	_BITULL(0)	/* kernel exports task_work_add */
#define CAUSAL_FEATURE_KUNIT			_BITULL(1)	/* kernel has KUnit */

#define CAUSAL_RELEASE_LEN	32

struct causal_version {
	__u32 size;		/* in: sizeof(struct causal_version) */
	__u32 flags;		/* in: must be 0 */
	__u32 abi;		/* out: CAUSAL_ABI_VERSION of the module */
	__u32 reserved;		/* out: 0 */
	__u64 features;		/* out: CAUSAL_FEATURE_* */
	char release[CAUSAL_RELEASE_LEN];	/* out: module version, NUL-terminated */
};

#define CAUSAL_VERSION_SIZE_VER0	56	/* first published size of struct causal_version */

/* Reports the module's ABI, version and features. Errors: EFAULT, EINVAL (size too small or
 * flags set), E2BIG (size larger than known and the extra bytes are not zero).
 */
#define CAUSAL_IOC_VERSION	_IOWR(CAUSAL_IOC_MAGIC, 0x00, struct causal_version)

#endif /* _UAPI_LINUX_CAUSAL_H */
