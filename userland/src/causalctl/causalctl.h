/* SPDX-License-Identifier: GPL-2.0-or-later */
/* causalctl: what the subcommands, the dispatcher and the unit tests share. */
#ifndef CAUSALCTL_H
#define CAUSALCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>
#include <linux/causal.h>

#include "profile.h"

#ifndef CAUSAL_VERSION
#error "CAUSAL_VERSION comes from the top-level VERSION file through the Makefile"
#endif

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define PRINTF_LIKE(a, b)	__attribute__((format(printf, a, b)))

enum {
	CAUSALCTL_EXIT_OK	= 0,
	CAUSALCTL_EXIT_FAILURE	= 1,
	CAUSALCTL_EXIT_USAGE	= 2,
};

/* Where a subcommand writes and which system it looks at; the unit tests point these elsewhere. */
struct cli_env {
	FILE *out;
	FILE *err;
	const char *sysfs;	/* sysfs mount point: "/sys" */
};

struct cli_cmd {
	const char *name;
	const char *summary;
	int (*run)(const struct cli_env *env, int argc, char **argv);	/* argv[0] is the name */
	void (*usage)(FILE *f);
};

/* cli.c */
int causalctl_main(int argc, char **argv);
int causalctl_run(const struct cli_env *env, int argc, char **argv);
const struct cli_cmd *cli_find(const char *name);
PRINTF_LIKE(3, 4)
int cli_usage_error(const struct cli_env *env, const char *cmd, const char *fmt, ...);
int cli_bad_option(const struct cli_env *env, const char *cmd, int c, char **argv);

/* json.c */
void json_string(FILE *f, const char *s);

/* features.c */
void causal_features_foreach(__u64 bits, void (*fn)(const char *name, void *arg), void *arg);
size_t causal_features_string(__u64 bits, char *buf, size_t len);

/* run.c */
int cmd_run(const struct cli_env *env, int argc, char **argv);
void cmd_run_usage(FILE *f);
int cmd_attach(const struct cli_env *env, int argc, char **argv);
void cmd_attach_usage(FILE *f);

/* status.c */
enum status_verdict {
	STATUS_OK,
	STATUS_NO_MODULE,
	STATUS_NO_DEVICE,
	STATUS_NOT_CHARDEV,
	STATUS_NO_PERMISSION,
	STATUS_OPEN_FAILED,
	STATUS_IOCTL_FAILED,
	STATUS_ABI_MISMATCH,
};

/* What status_probe() found, or what a test says it found. */
struct status_report {
	bool module_loaded;
	char module_version[64];	/* "" when /sys/module/causal/version is unreadable */
	const char *device;
	bool device_exists;
	int device_errno;		/* from stat() when !device_exists */
	mode_t device_mode;		/* st_mode, file type included */
	char device_owner[80];		/* "user:group" */
	bool can_open;
	int open_errno;			/* 0 if open was not tried (neither a char device nor a file) */
	bool answered;			/* CAUSAL_IOC_VERSION succeeded */
	int ioctl_errno;
	__u32 abi;
	__u64 features;
	char release[CAUSAL_RELEASE_LEN];
};

int cmd_status(const struct cli_env *env, int argc, char **argv);
void cmd_status_usage(FILE *f);
void status_probe(struct status_report *r, const char *sysfs, const char *device);
enum status_verdict status_verdict(const struct status_report *r);
int status_exit_code(const struct status_report *r);
void status_print_text(FILE *f, const struct status_report *r);
void status_print_problem(FILE *f, const struct status_report *r);
void status_print_json(FILE *f, const struct status_report *r);

#endif /* CAUSALCTL_H */
