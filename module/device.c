// SPDX-License-Identifier: GPL-2.0
/* /dev/causal: the misc device and its ioctl dispatch. */

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "device.h"
#include "version.h"

/*
 * Commands are matched on type and number only: the size encoded in the command is not trusted,
 * every argument struct carries its own size field instead (see uapi/linux/causal.h).
 */
long causal_ioctl_dispatch(unsigned int cmd, unsigned long arg)
{
	if (_IOC_TYPE(cmd) != CAUSAL_IOC_MAGIC)
		return -ENOTTY;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(CAUSAL_IOC_VERSION):
		if (_IOC_DIR(cmd) != _IOC_DIR(CAUSAL_IOC_VERSION))
			return -ENOTTY;
		return causal_ioctl_version((struct causal_version __user *)arg);
	default:
		return -ENOTTY;
	}
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_ioctl_dispatch);

static long causal_unlocked_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return causal_ioctl_dispatch(cmd, arg);
}

static const struct file_operations causal_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= causal_unlocked_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice causal_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "causal",
	.fops	= &causal_fops,
	.mode	= 0600,
};

int causal_device_init(void)
{
	return misc_register(&causal_miscdev);
}

void causal_device_exit(void)
{
	misc_deregister(&causal_miscdev);
}
