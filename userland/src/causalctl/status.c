/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * causalctl status: is the module loaded, is /dev/causal usable, do its ABI and causalctl's match;
 * and (checks.c, elfcheck.c) what else here blocks a profile.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "causalctl.h"
#include "json.h"

static const struct cli_option status_opts[] = {
	{ "json", 'j', NULL, "print one JSON object instead of text (the checks in \"checks\")" },
	{ "device", 'd', "PATH", "the causal device (default: " CAUSAL_DEVICE_PATH ")" },
	{ "help", 'h', NULL, "show this help and exit" },
};

void cmd_status_usage(FILE *f)
{
	fprintf(f,
		"Usage: causalctl status [--json] [--device PATH] [PROGRAM]\n"
		"\n"
		"Reports whether the causal module is loaded, whether its device exists and this user\n"
		"can open it, and the module's ABI, release and features. Then it checks what else on\n"
		"this machine stands in the way of a profile, each with a state (ok, warning, blocking,\n"
		"unknown) and, when not ok, the command that fixes it: module, privileges, headers\n"
		"(for DKMS), module_signing (Secure Boot, lockdown), perf_events, uprobes. With PROGRAM\n"
		"(a path, or a name looked up in PATH), also whether it has debug info (debug_info)\n"
		"and frame pointers (frame_pointers).\n"
		"\n"
		"Options:\n");
	cli_print_options(f, status_opts, ARRAY_SIZE(status_opts), 21);
	fprintf(f,
		"\n"
		"Exit status: 0 if the module is loaded, its device answers with causalctl's ABI (%d)\n"
		"and no check is blocking (warnings and unknowns do not count), 1 otherwise, 2 on a\n"
		"usage error.\n",
		CAUSAL_ABI_VERSION);
}

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void owner_string(uid_t uid, gid_t gid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);
	struct group *gr = getgrgid(gid);
	char u[16], g[16];

	snprintf(u, sizeof(u), "%u", (unsigned int)uid);
	snprintf(g, sizeof(g), "%u", (unsigned int)gid);
	snprintf(buf, len, "%s:%s", pw ? pw->pw_name : u, gr ? gr->gr_name : g);
}

static void query_version(int fd, struct status_report *r)
{
	struct causal_version v;

	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.flags = 0;
	if (ioctl(fd, CAUSAL_IOC_VERSION, &v)) {
		r->ioctl_errno = errno;
		return;
	}
	r->answered = true;
	r->abi = v.abi;
	r->features = v.features;
	memcpy(r->release, v.release, sizeof(r->release));
	r->release[sizeof(r->release) - 1] = '\0';
}

/* Fills r from the system: sysfs is where sysfs is mounted, device the node to check. */
void status_probe(struct status_report *r, const char *sysfs, const char *device)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	memset(r, 0, sizeof(*r));
	r->device = device;

	if (snprintf(path, sizeof(path), "%s/module/causal", sysfs) < (int)sizeof(path) &&
	    !stat(path, &st) && S_ISDIR(st.st_mode)) {
		r->module_loaded = true;
		if (snprintf(path, sizeof(path), "%s/module/causal/version", sysfs) < (int)sizeof(path))
			read_line(path, r->module_version, sizeof(r->module_version));
	}

	if (stat(device, &st)) {
		r->device_errno = errno;
		return;
	}
	r->device_exists = true;
	r->device_mode = st.st_mode;
	owner_string(st.st_uid, st.st_gid, r->device_owner, sizeof(r->device_owner));
	/* whether a plain file opens is still worth knowing; other kinds of node are left alone */
	if (!S_ISCHR(st.st_mode) && !S_ISREG(st.st_mode))
		return;

	fd = open(device, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r->open_errno = errno;
		return;
	}
	r->can_open = true;
	/* only a character device gets the ioctl, and the node may have changed since stat() */
	if (!fstat(fd, &st) && S_ISCHR(st.st_mode))
		query_version(fd, r);
	close(fd);
}

enum status_verdict status_verdict(const struct status_report *r)
{
	if (!r->module_loaded)
		return STATUS_NO_MODULE;
	if (!r->device_exists)
		return STATUS_NO_DEVICE;
	if (!S_ISCHR(r->device_mode))
		return STATUS_NOT_CHARDEV;
	if (!r->can_open)
		return r->open_errno == EACCES || r->open_errno == EPERM ?
			STATUS_NO_PERMISSION : STATUS_OPEN_FAILED;
	if (!r->answered)
		return STATUS_IOCTL_FAILED;
	if (r->abi != CAUSAL_ABI_VERSION)
		return STATUS_ABI_MISMATCH;
	return STATUS_OK;
}

int status_exit_code(const struct status_report *r)
{
	unsigned int i;

	if (status_verdict(r) != STATUS_OK)
		return CAUSALCTL_EXIT_FAILURE;
	for (i = 0; i < r->nr_checks; i++)
		if (r->checks[i].state == CHECK_BLOCKING)
			return CAUSALCTL_EXIT_FAILURE;
	return CAUSALCTL_EXIT_OK;
}

/* The problem in one sentence without a final period, "" if there is none. */
void status_describe(const struct status_report *r, char *buf, size_t len)
{
	switch (status_verdict(r)) {
	case STATUS_OK:
		snprintf(buf, len, "%s", "");
		break;
	case STATUS_NO_MODULE:
		snprintf(buf, len, "the causal module is not loaded");
		break;
	case STATUS_NO_DEVICE:
		if (r->device_errno == ENOENT)
			snprintf(buf, len, "the module is loaded but %s does not exist", r->device);
		else
			snprintf(buf, len, "cannot access %s: %s", r->device, strerror(r->device_errno));
		break;
	case STATUS_NOT_CHARDEV:
		snprintf(buf, len, "%s is not a character device", r->device);
		break;
	case STATUS_NO_PERMISSION:
		snprintf(buf, len, "permission denied opening %s", r->device);
		break;
	case STATUS_OPEN_FAILED:
		snprintf(buf, len, "cannot open %s: %s", r->device, strerror(r->open_errno));
		break;
	case STATUS_IOCTL_FAILED:
		snprintf(buf, len, "%s does not answer CAUSAL_IOC_VERSION: %s", r->device,
			 strerror(r->ioctl_errno));
		break;
	case STATUS_ABI_MISMATCH:
		snprintf(buf, len, "the module has ABI %u but causalctl has ABI %d", r->abi,
			 CAUSAL_ABI_VERSION);
		break;
	}
}

static void mode_string(mode_t m, char s[11])
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	s[0] = S_ISCHR(m) ? 'c' : S_ISREG(m) ? '-' : S_ISDIR(m) ? 'd' : S_ISBLK(m) ? 'b' :
	       S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : S_ISLNK(m) ? 'l' : '?';
	for (i = 0; i < 9; i++)
		s[i + 1] = m & (0400 >> i) ? rwx[i] : '-';
	if (m & S_ISUID)
		s[3] = s[3] == 'x' ? 's' : 'S';
	if (m & S_ISGID)
		s[6] = s[6] == 'x' ? 's' : 'S';
	if (m & S_ISVTX)
		s[9] = s[9] == 'x' ? 't' : 'T';
	s[10] = '\0';
}

void status_print_text(FILE *f, const struct status_report *r)
{
	char buf[256], mode[11];

	fprintf(f, "causalctl: %s (ABI %d)\n", CAUSAL_VERSION, CAUSAL_ABI_VERSION);
	if (!r->module_loaded)
		fprintf(f, "module:    not loaded\n");
	else
		fprintf(f, "module:    loaded, version %s\n",
			*r->module_version ? r->module_version : "unknown");

	if (!r->device_exists) {
		fprintf(f, "device:    %s: %s\n", r->device,
			r->device_errno == ENOENT ? "not found" : strerror(r->device_errno));
		return;
	}
	mode_string(r->device_mode, mode);
	fprintf(f, "device:    %s (%s %s), ", r->device, mode, r->device_owner);
	if (r->can_open)
		fprintf(f, "opens\n");
	else if (r->open_errno)
		fprintf(f, "cannot open: %s\n", strerror(r->open_errno));
	else
		fprintf(f, "not opened\n");

	if (!r->answered)
		return;
	if (r->abi == CAUSAL_ABI_VERSION)
		fprintf(f, "abi:       %u\n", r->abi);
	else
		fprintf(f, "abi:       %u (causalctl has %d)\n", r->abi, CAUSAL_ABI_VERSION);
	fprintf(f, "release:   %s\n", r->release);
	causal_features_string(r->features, buf, sizeof(buf));
	fprintf(f, "features:  %s\n", buf);
}

/* The checks, one per line, each not ok followed by its fix; nothing when there are none. */
void status_print_checks(FILE *f, const struct status_report *r)
{
	unsigned int i;

	if (!r->nr_checks)
		return;
	fprintf(f, "\nchecks:\n");
	for (i = 0; i < r->nr_checks; i++) {
		const struct check *c = &r->checks[i];

		fprintf(f, "  %-8s  %-15s %s\n", check_state_name(c->state), c->name, c->what);
		if (c->state != CHECK_OK && *c->fix)
			fprintf(f, "  %-8s  %-15s fix: %s\n", "", "", c->fix);
	}
}

/* What is wrong and what to do about it; nothing when all is well. */
void status_print_problem(FILE *f, const struct status_report *r)
{
	char what[PATH_MAX + 256], mode[11];

	status_describe(r, what, sizeof(what));
	if (!*what)
		return;
	fprintf(f, "causalctl status: %s.\n", what);
	switch (status_verdict(r)) {
	case STATUS_OK:
		break;
	case STATUS_NO_MODULE:
		fprintf(f,
			"  Load it with 'sudo modprobe causal' once DKMS has built it (the causal-dkms\n"
			"  package, or 'make dkms-install'), or 'sudo insmod causal.ko' in a source tree\n"
			"  after 'make'. The checks above say what stands in the way here. On a machine\n"
			"  that cannot load modules, 'make demo' runs causal in a VM.\n");
		break;
	case STATUS_NO_DEVICE:
		fprintf(f,
			"  devtmpfs or udev creates it when the module loads: check 'dmesg' for causal\n"
			"  errors, or pass --device PATH if the node lives elsewhere.\n");
		break;
	case STATUS_NOT_CHARDEV:
		fprintf(f, "  It is not the causal device; pass the right node with --device PATH.\n");
		break;
	case STATUS_NO_PERMISSION:
		mode_string(r->device_mode, mode);
		fprintf(f,
			"  causal needs root, or CAP_PERFMON (or CAP_SYS_ADMIN) and access to the node\n"
			"  (%s %s): run 'sudo causalctl status'.\n", mode, r->device_owner);
		break;
	case STATUS_OPEN_FAILED:
		fprintf(f, "  Check 'dmesg' for causal errors; reloading the module may help.\n");
		break;
	case STATUS_IOCTL_FAILED:
		fprintf(f,
			"  It may not be the causal device, or the module and causalctl come from\n"
			"  incompatible builds: rebuild both from the same source tree.\n");
		break;
	case STATUS_ABI_MISMATCH:
		fprintf(f,
			"  Rebuild one of them so that both come from the same source tree (or install\n"
			"  matching packages), then reload the module.\n");
		break;
	}
}

static void feature_add(const char *name, void *arg)
{
	json_t *a = arg;

	if (a)
		json_array_append_new(a, json_text(name));
}

/* The report as one JSON object whose layout has a version ("schema"; causalctl(1)). */
void status_print_json(FILE *f, const struct status_report *r)
{
	char what[PATH_MAX + 256], mode[11];
	json_t *features = json_null(), *checks = json_array();
	unsigned int i;

	if (r->answered) {
		features = json_array();
		causal_features_foreach(r->features, feature_add, features);
	}
	for (i = 0; checks && i < r->nr_checks; i++) {
		const struct check *c = &r->checks[i];

		if (json_array_append_new(checks, json_pack("{s:o, s:s, s:o, s:o}",
							    "name", json_text(c->name),
							    "state", check_state_name(c->state),
							    "what", json_text(c->what),
							    "fix", json_text(*c->fix ? c->fix : NULL)))) {
			json_decref(checks);
			checks = NULL;
		}
	}
	mode_string(r->device_mode, mode);
	status_describe(r, what, sizeof(what));
	json_print(f, json_pack("{s:i, s:s, s:i, s:b, s:o, s:o, s:b, s:o, s:o, s:b, s:o, s:o, s:o,"
				" s:o, s:o}",
				"schema", CAUSALCTL_JSON_SCHEMA,
				"causalctl_version", CAUSAL_VERSION,
				"causalctl_abi", CAUSAL_ABI_VERSION,
				"module_loaded", r->module_loaded,
				"module_version", json_text(r->module_loaded && *r->module_version ?
							    r->module_version : NULL),
				"device", json_text(r->device),
				"device_exists", r->device_exists,
				"device_mode", json_text(r->device_exists ? mode : NULL),
				"device_owner", json_text(r->device_exists ? r->device_owner : NULL),
				"can_open", r->can_open,
				"abi", r->answered ? json_integer(r->abi) : json_null(),
				"release", json_text(r->answered ? r->release : NULL),
				"features", features,
				"error", json_text(*what ? what : NULL),
				"checks", checks), 0);
}

int cmd_status(const struct cli_env *env, int argc, char **argv)
{
	const char *device = CAUSAL_DEVICE_PATH, *program = NULL;
	struct check_host host = { .root = "" };
	struct status_report r;
	struct utsname u;
	bool json = false;
	int c;

	cli_getopt_start();
	while ((c = cli_getopt(argc, argv, "", status_opts, ARRAY_SIZE(status_opts))) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'd':
			device = optarg;
			break;
		case 'h':
			cmd_status_usage(env->out);
			return CAUSALCTL_EXIT_OK;
		default:
			return cli_bad_option(env, "status", c, argv);
		}
	}
	if (optind < argc)
		program = argv[optind++];
	if (optind < argc)
		return cli_usage_error(env, "status", "unexpected argument '%s'", argv[optind]);

	status_probe(&r, env->sysfs, device);
	host.release = uname(&u) ? "unknown" : u.release;
	host.sudo = geteuid() != 0;
	check_machine(&r, &host);
	if (program)
		check_program(&r, &host, program);
	if (json) {
		status_print_json(env->out, &r);
	} else {
		status_print_text(env->out, &r);
		status_print_checks(env->out, &r);
		status_print_problem(env->err, &r);
	}
	return status_exit_code(&r);
}
