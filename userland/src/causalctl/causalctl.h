/* SPDX-License-Identifier: GPL-2.0-or-later */
/* causalctl: what the subcommands, the dispatcher and the unit tests share. */
#ifndef CAUSALCTL_H
#define CAUSALCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
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

/*
 * One option of a subcommand, for cli_getopt() and cli_print_options(): its long name; the value
 * cli_getopt() returns for it, its short option's letter where it has one, else a number from 256
 * on; what its argument is called in the help ("N"), NULL when it takes none; and its help, lines
 * separated by '\n' (NULL where the subcommand writes its option's help itself).
 */
struct cli_option {
	const char *name;
	int val;
	const char *arg;
	const char *help;
};

#define CLI_MAX_OPTIONS	32
/* a macro's value in a help text: CLI_STR(DEFAULT) is "20" where DEFAULT is 20 */
#define CLI_STR_(x)	#x
#define CLI_STR(x)	CLI_STR_(x)

/* cli.c */
int causalctl_main(int argc, char **argv);
int causalctl_run(const struct cli_env *env, int argc, char **argv);
const struct cli_cmd *cli_find(const char *name);
PRINTF_LIKE(3, 4)
int cli_usage_error(const struct cli_env *env, const char *cmd, const char *fmt, ...);
void cli_getopt_start(void);
int cli_getopt(int argc, char **argv, const char *flags, const struct cli_option *opts, size_t n);
void cli_print_options(FILE *f, const struct cli_option *opts, size_t n, int column);
int cli_bad_option(const struct cli_env *env, const char *cmd, int c, char **argv);
/* "1ms", "250us", "2s", "1.5s", "100ns"; a bare number has unit_ns. 0 or -EINVAL. */
int parse_duration(const char *s, uint64_t unit_ns, uint64_t *out);

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

/* One thing that can stand between this machine and a profile, as causalctl status reports it. */
enum check_state {
	CHECK_OK,
	CHECK_WARNING,		/* a profile works, but less well or not for long */
	CHECK_BLOCKING,		/* no profile until it is fixed */
	CHECK_UNKNOWN,		/* causalctl cannot tell from here */
};

struct check {
	const char *name;		/* "headers": a stable key for scripts */
	enum check_state state;
	char what[384];			/* one line, no final period */
	char fix[256];			/* the command that fixes it; "" when ok or nothing to run */
};

#define STATUS_MAX_CHECKS	10

/*
 * The machine the checks look at: every path is read under root ("" on a real system), so that
 * the unit tests can fake one. release is what uname -r says, sudo whether fixes need "sudo ".
 */
struct check_host {
	const char *root;
	const char *release;
	bool sudo;
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
	struct check checks[STATUS_MAX_CHECKS];	/* what else blocks a profile here (checks.c) */
	unsigned int nr_checks;
};

int cmd_status(const struct cli_env *env, int argc, char **argv);
void cmd_status_usage(FILE *f);
void status_probe(struct status_report *r, const char *sysfs, const char *device);
enum status_verdict status_verdict(const struct status_report *r);
int status_exit_code(const struct status_report *r);
void status_describe(const struct status_report *r, char *buf, size_t len);
void status_print_text(FILE *f, const struct status_report *r);
void status_print_problem(FILE *f, const struct status_report *r);
void status_print_json(FILE *f, const struct status_report *r);
void status_print_checks(FILE *f, const struct status_report *r);

/* checks.c: the machine; elfcheck.c: the program to profile */
const char *check_state_name(enum check_state state);
struct check *check_add(struct status_report *r, const char *name, enum check_state state);
PRINTF_LIKE(2, 3)
void check_what(struct check *c, const char *fmt, ...);
PRINTF_LIKE(3, 4)
void check_fix(struct check *c, const struct check_host *h, const char *fmt, ...);
void check_machine(struct status_report *r, const struct check_host *h);
void check_program(struct status_report *r, const struct check_host *h, const char *program);

#endif /* CAUSALCTL_H */
