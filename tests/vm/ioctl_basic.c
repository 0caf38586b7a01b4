// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test of /dev/causal's ioctl entry points through the real user/kernel boundary, as a KTAP
 * subtest: CAUSAL_IOC_VERSION with good, short, oversized and faulting arguments, and unknown commands.
 *
 *   ioctl_basic RELEASE yes|no     expected module release, and whether task_work_add is exported
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/causal.h>

static int test_no, failed;

static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("    %s %d ", ok ? "ok" : "not ok", ++test_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		failed++;
}

/* Runs one ioctl and checks its return and errno: want_errno 0 means it must succeed. */
static void expect(int fd, unsigned long cmd, void *arg, int want_errno, const char *name)
{
	int ret = ioctl(fd, cmd, arg);
	int err = ret < 0 ? errno : 0;

	if (want_errno == 0 && ret != 0)
		printf("    # %s: ioctl failed: %s\n", name, strerror(err));
	else if (want_errno && err != want_errno)
		printf("    # %s: want errno %d (%s), got ret %d errno %d (%s)\n", name, want_errno,
		       strerror(want_errno), ret, err, strerror(err));
	result(want_errno ? err == want_errno : ret == 0, "%s", name);
}

int main(int argc, char **argv)
{
	struct causal_version v;
	unsigned char big[256];
	void *unmapped;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s RELEASE yes|no\n", argv[0]);
		return 2;
	}
	printf("    KTAP version 1\n    # Subtest: ioctl_basic\n    1..13\n");
	fd = open(CAUSAL_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("    # open %s: %s\n", CAUSAL_DEVICE_PATH, strerror(errno));
		return 1;
	}

	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	expect(fd, CAUSAL_IOC_VERSION, &v, 0, "version_current_size");
	result(v.abi == CAUSAL_ABI_VERSION, "version_abi (module %u, uapi %u)", v.abi, CAUSAL_ABI_VERSION);
	result(!strcmp(v.release, argv[1]), "version_release (module '%.*s', want '%s')",
	       CAUSAL_RELEASE_LEN, v.release, argv[1]);
	result(!!(v.features & CAUSAL_FEATURE_TASK_WORK_EXPORTED) == !strcmp(argv[2], "yes"),
	       "version_task_work_feature (features 0x%llx, exported: %s)",
	       (unsigned long long)v.features, argv[2]);

	memset(&v, 0, sizeof(v));
	v.size = CAUSAL_VERSION_SIZE_VER0 - 1;
	expect(fd, CAUSAL_IOC_VERSION, &v, EINVAL, "version_short_size_einval");

	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.flags = 1;
	expect(fd, CAUSAL_IOC_VERSION, &v, EINVAL, "version_flags_einval");

	/* a newer caller's larger struct works while its extra bytes are zero, and only then */
	memset(big, 0, sizeof(big));
	((struct causal_version *)big)->size = sizeof(big);
	expect(fd, CAUSAL_IOC_VERSION, big, 0, "version_larger_zero_tail");
	result(((struct causal_version *)big)->size == sizeof(struct causal_version),
	       "version_size_written_back");
	((struct causal_version *)big)->size = sizeof(big);
	big[sizeof(big) - 1] = 1;
	expect(fd, CAUSAL_IOC_VERSION, big, E2BIG, "version_larger_nonzero_tail_e2big");

	expect(fd, CAUSAL_IOC_VERSION, NULL, EFAULT, "version_null_efault");
	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	expect(fd, CAUSAL_IOC_VERSION, unmapped, EFAULT, "version_unmapped_efault");

	expect(fd, _IO(CAUSAL_IOC_MAGIC, 0x7f), NULL, ENOTTY, "unknown_nr_enotty");
	expect(fd, _IOWR('T', 0x00, struct causal_version), &v, ENOTTY, "foreign_magic_enotty");

	close(fd);
	printf("    # ioctl_basic: pass:%d fail:%d\n", test_no - failed, failed);
	return failed ? 1 : 0;
}
