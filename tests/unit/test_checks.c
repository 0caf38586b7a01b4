/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for causalctl status's checks: the machine checks on a fake root (procfs, sysfs,
 * /boot, /lib/modules, /etc/os-release, DKMS's tree), the program checks on fixture binaries this
 * test builds with gcc, and how both reach the text, the JSON and the exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <unistd.h>
#include <sys/stat.h>

#include "unit.h"

#define REL "6.1.0-99-amd64"
/* CapEff of root, and of a user with CAP_PERFMON (38) only */
#define CAPS_ROOT "000001ffffffffff"
#define CAPS_PERFMON "0000004000000000"

static char root[64];

/* Creates root/path (and its parents) holding text; a path ending in '/' is a directory. */
static void put(const char *path, const char *text)
{
	char full[PATH_MAX], *p;
	int fd;

	snprintf(full, sizeof(full), "%s/%s", root, path);
	for (p = full + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(full, 0755);
		*p = '/';
	}
	if (full[strlen(full) - 1] == '/')
		return;
	fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

static void put_bytes(const char *path, const void *bytes, size_t n)
{
	char full[PATH_MAX];
	int fd;

	put(path, "");
	snprintf(full, sizeof(full), "%s/%s", root, path);
	fd = open(full, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
}

/* Removes root/path, a file or an empty directory. */
static void rm_path(const char *path)
{
	char full[PATH_MAX];

	snprintf(full, sizeof(full), "%s/%s", root, path);
	assert_int_equal(remove(full), 0);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh, empty fake root for each test. */
static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/causal-unit-checks-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A machine where nothing is in the way, causal not loaded; tests change one thing each. */
static void healthy_machine(void)
{
	put("proc/self/status", "Name:\tcausalctl\nCapInh:\t0000000000000000\nCapEff:\t" CAPS_ROOT "\n");
	put("proc/sys/kernel/perf_event_paranoid", "2\n");
	put("boot/config-" REL, "CONFIG_PERF_EVENTS=y\nCONFIG_UPROBES=y\nCONFIG_KPROBES=y\n");
	put("lib/modules/" REL "/build/", "");
	put("lib/modules/" REL "/modules.dep", "kernel/fs/ext4/ext4.ko.xz: kernel/fs/mbcache.ko.xz\n"
	    "updates/dkms/causal.ko.xz:\n");
	put("sys/kernel/security/lockdown", "[none] integrity confidentiality\n");
	put("etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n");
}

/* A fresh fake root holding a healthy machine, for the tests of one check's rules. */
static int healthy_setup(void **state)
{
	if (setup(state))
		return -1;
	healthy_machine();
	return 0;
}

static struct status_report loaded(void)
{
	struct status_report r = {
		.module_loaded = true, .module_version = "0.1.0", .device = "/dev/causal",
		.device_exists = true, .device_mode = S_IFCHR | 0666, .can_open = true,
		.answered = true, .abi = CAUSAL_ABI_VERSION, .release = "0.1.0",
	};

	return r;
}

static struct status_report unloaded(void)
{
	struct status_report r = { .device = "/dev/causal", .device_errno = ENOENT };

	return r;
}

/* Runs the machine checks of r on the fake root as a user (sudo in fixes) or as root. */
static void run_checks(struct status_report *r, bool sudo)
{
	struct check_host h = { .root = root, .release = REL, .sudo = sudo };

	r->nr_checks = 0;
	check_machine(r, &h);
}

static const struct check *find(const struct status_report *r, const char *name)
{
	unsigned int i;

	for (i = 0; i < r->nr_checks; i++)
		if (!strcmp(r->checks[i].name, name))
			return &r->checks[i];
	fail_msg("no check %s", name);
	return NULL;
}

#define ANY_STATE	(-1)
#define SECURE_BOOT "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define BOOT_ORDER "sys/firmware/efi/efivars/BootOrder-8be4df61-93ca-11d2-aa0d-00e098032b8c"
/* SECURE_BOOT's contents: its attributes, then 1 (on) or 0 (off) */
static const unsigned char sb_on[] = { 6, 0, 0, 0, 1 }, sb_off[] = { 6, 0, 0, 0, 0 };

/* The report a step starts again from: causal loaded, not loaded, or loaded and changed. */
enum report_kind { SAME_REPORT, LOADED, UNLOADED, LOADED_NOT_OPENED, LOADED_OTHER_ABI };

static struct status_report report_of(enum report_kind k)
{
	struct status_report r = k == UNLOADED ? unloaded() : loaded();

	if (k == LOADED_NOT_OPENED) {
		r.can_open = false;
		r.open_errno = EACCES;
		r.answered = false;
	} else if (k == LOADED_OTHER_ABI) {
		r.abi = CAUSAL_ABI_VERSION + 1;
	}
	return r;
}

/*
 * One step of a rule test: the fake root changed (files put, Secure Boot's variable put, files
 * removed, a file gzipped, in that order), the report started again when report is set, then the
 * checks run as a user with sudo (or as root) and the one called check looks as want says: its
 * state (ANY_STATE: not checked), what it found and its fix, each exactly (*_is) or holding a
 * piece (*_has), a fix without fix_lacks; NULL: not checked. Then the exit status, where
 * check_exit is set. A rule test is a table of steps ending with one that names no check.
 */
struct step {
	struct { const char *path, *text; } put[2];
	const unsigned char *secure_boot;
	const char *rm[4], *gzip;
	enum report_kind report;
	bool as_root;
	const char *check;
	struct {
		int state;
		const char *what_is, *what_has, *fix_is, *fix_has, *fix_lacks;
	} want;
	bool check_exit;
	int exit_code;
};

/* Fails naming step n of the test when a check's text s is not as w says (s == w, or holds w). */
static void expect_text(size_t n, const char *check, const char *field, const char *s, const char *w,
			bool whole)
{
	if (w && (whole ? strcmp(s, w) != 0 : !strstr(s, w)))
		fail_msg("step %zu: %s's %s is\n%s\n%s\n%s", n, check, field, s, whole ? "not" : "not holding", w);
}

static void run_steps(void **state)
{
	struct status_report r = unloaded();
	char cmd[PATH_MAX + 64];
	size_t n = 1;

	for (const struct step *s = *state; s->check; s++, n++) {
		const struct check *c;

		for (size_t i = 0; i < ARRAY_SIZE(s->put) && s->put[i].path; i++)
			put(s->put[i].path, s->put[i].text);
		if (s->secure_boot)
			put_bytes(SECURE_BOOT, s->secure_boot, sizeof(sb_on));
		for (size_t i = 0; i < ARRAY_SIZE(s->rm) && s->rm[i]; i++)
			rm_path(s->rm[i]);
		if (s->gzip) {
			snprintf(cmd, sizeof(cmd), "gzip %s/%s", root, s->gzip);
			assert_int_equal(system(cmd), 0);
		}
		if (s->report != SAME_REPORT)
			r = report_of(s->report);
		run_checks(&r, !s->as_root);
		c = find(&r, s->check);
		if (s->want.state != ANY_STATE && (int)c->state != s->want.state)
			fail_msg("step %zu: %s's state is %d, not %d", n, s->check, c->state, s->want.state);
		expect_text(n, s->check, "what", c->what, s->want.what_is, true);
		expect_text(n, s->check, "what", c->what, s->want.what_has, false);
		expect_text(n, s->check, "fix", c->fix, s->want.fix_is, true);
		expect_text(n, s->check, "fix", c->fix, s->want.fix_has, false);
		if (s->want.fix_lacks && strstr(c->fix, s->want.fix_lacks))
			fail_msg("step %zu: %s's fix holds \"%s\": %s", n, s->check, s->want.fix_lacks, c->fix);
		if (s->check_exit && status_exit_code(&r) != s->exit_code)
			fail_msg("step %zu: exit status %d, not %d", n, status_exit_code(&r), s->exit_code);
	}
}

static void all_ok_when_nothing_is_in_the_way(void **state)
{
	struct status_report r = loaded();
	unsigned int i;

	(void)state;
	run_checks(&r, true);
	assert_int_equal(r.nr_checks, 6);
	for (i = 0; i < r.nr_checks; i++) {
		if (r.checks[i].state != CHECK_OK)
			fail_msg("%s: %s", r.checks[i].name, r.checks[i].what);
		assert_string_equal(r.checks[i].fix, "");
	}
	assert_string_equal(r.checks[0].name, "module");
	assert_string_equal(r.checks[0].what, "loaded (version 0.1.0); /dev/causal answers with ABI 1");
	assert_int_equal(status_exit_code(&r), CAUSALCTL_EXIT_OK);
}

static const struct step headers_missing_says_the_apt_command[] = {
	{
		.put = { { "lib/modules/" REL "/modules.dep", "kernel/fs/ext4/ext4.ko.xz:\n" } },
		.rm = { "lib/modules/" REL "/build" },
		.report = UNLOADED,
		.check = "headers",
		.want.state = CHECK_BLOCKING,
		.want.what_is = "no kernel headers for " REL " (/lib/modules/" REL "/build): "
				"DKMS cannot build causal for this kernel",
		.want.fix_is = "sudo apt-get install linux-headers-" REL,
		.check_exit = true, .exit_code = CAUSALCTL_EXIT_FAILURE,
	},
	/* root is told the same without sudo */
	{ .as_root = true, .check = "headers", .want = { ANY_STATE, .fix_is = "apt-get install linux-headers-" REL } },
	/* Ubuntu says so in ID_LIKE of its derivatives; Fedora's way; anything else in words */
	{
		.put = { { "etc/os-release", "ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n" } },
		.check = "headers", .want = { ANY_STATE, .fix_is = "sudo apt-get install linux-headers-" REL },
	},
	{
		.put = { { "etc/os-release", "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n" } },
		.check = "headers", .want = { ANY_STATE, .fix_is = "sudo dnf install kernel-devel-" REL },
	},
	{
		.put = { { "etc/os-release", "ID=arch\n" } },
		.check = "headers",
		.want = { ANY_STATE, .fix_is = "install the kernel headers package of " REL
					       " (it provides /lib/modules/" REL "/build)" },
	},
	/* a word, not a substring: "debianish" is not Debian */
	{ .put = { { "etc/os-release", "ID=debianish\n" } }, .check = "headers", .want = { ANY_STATE, .fix_lacks = "apt-get" } },
	{ .check = NULL },
};

static const struct step headers_missing_matter_less_once_causal_is_here[] = {
	{
		.rm = { "lib/modules/" REL "/build" },
		.report = LOADED,
		.check = "headers",
		.want.state = CHECK_WARNING,
		.want.what_has = "not needed for the causal module already here, but DKMS cannot rebuild it",
		.want.fix_is = "sudo apt-get install linux-headers-" REL,
		.check_exit = true, .exit_code = CAUSALCTL_EXIT_OK,	/* a warning does not fail */
	},
	/* installed (modules.dep) but not loaded: a warning too, and the module check says modprobe */
	{ .report = UNLOADED, .check = "headers", .want.state = CHECK_WARNING },
	{
		.check = "module",
		.want = { CHECK_BLOCKING, .what_is = "not loaded, but installed for " REL, .fix_is = "sudo modprobe causal" },
	},
	{ .check = NULL },
};

static const struct step module_fix_follows_what_is_installed[] = {
	{
		.put = { { "lib/modules/" REL "/modules.dep", "kernel/drivers/causality/notcausal.ko:\n" } },
		.report = UNLOADED,
		.check = "module",
		.want = { ANY_STATE, .what_is = "not loaded, and not installed for " REL,
			  .fix_has = "sudo make dkms-install && sudo modprobe causal" },
	},
	{
		.put = {
			{ "var/lib/dkms/causal/kernel-6.1.0-98-amd64-x86_64", "" },
			{ "var/lib/dkms/causal/0.1.0/source/dkms.conf", "PACKAGE_NAME=causal\n" },
		},
		.check = "module",
		.want = { ANY_STATE, .what_is = "not loaded, and not built for " REL ", although DKMS has causal 0.1.0",
			  .fix_is = "sudo dkms install causal/0.1.0 && sudo modprobe causal" },
	},
	/* not allowed to open the device: the ABI is unknown, not wrong */
	{ .report = LOADED_NOT_OPENED, .check = "module", .want = { CHECK_UNKNOWN, .fix_is = "sudo causalctl status" } },
	{
		.report = LOADED_OTHER_ABI,
		.check = "module",
		.want = { CHECK_BLOCKING, .what_is = "the module has ABI 2 but causalctl has ABI 1",
			  .fix_has = "one source tree" },
	},
	{ .check = NULL },
};

static const struct step privileges_follow_the_module_rules[] = {
	{
		.put = { { "proc/self/status", "CapEff:\t0000000000000000\n" },
			 { "sys/module/causal/parameters/unprivileged", "N\n" } },
		.report = LOADED,
		.check = "privileges",
		.want = { CHECK_BLOCKING, .what_has = "needs CAP_PERFMON or CAP_SYS_ADMIN",
			  .fix_has = "echo 1 | sudo tee /sys/module/causal/parameters/unprivileged" },
	},
	{
		.put = { { "sys/module/causal/parameters/unprivileged", "Y\n" } },
		.check = "privileges",
		.want = { CHECK_OK, .what_has = "unprivileged=1: this user may profile its own processes" },
	},
	/* without the module, the parameter is not there: say how to load it */
	{
		.put = { { "sys/module/causal/parameters/unprivileged", "N\n" } },
		.rm = { "sys/module/causal/parameters/unprivileged" },
		.report = UNLOADED,
		.check = "privileges",
		.want = { CHECK_BLOCKING, .fix_has = "sudo modprobe causal unprivileged=1" },
	},
	{
		.put = { { "proc/self/status", "CapEff:\t" CAPS_PERFMON "\n" } },
		.check = "privileges",
		.want = { CHECK_OK, .what_has = "CAP_PERFMON: this user may open the device, and attach to its own processes" },
	},
	{ .rm = { "proc/self/status" }, .check = "privileges", .want.state = CHECK_UNKNOWN },
	{ .check = NULL },
};

static const struct step perf_event_paranoid_does_not_block[] = {
	{
		.put = { { "proc/sys/kernel/perf_event_paranoid", "3\n" } },
		.report = LOADED,
		.check = "perf_events",
		.want = { CHECK_OK, .what_is = "perf events present; perf_event_paranoid is 3, which does not apply to "
					       "causal: its module samples with counters of its own" },
	},
	{
		.rm = { "proc/sys/kernel/perf_event_paranoid" },
		.check = "perf_events",
		.want = { CHECK_BLOCKING, .fix_has = "CONFIG_PERF_EVENTS=y" },
		.check_exit = true, .exit_code = CAUSALCTL_EXIT_FAILURE,
	},
	{ .check = NULL },
};

static const struct step uprobes_from_config_or_event_source[] = {
	{
		.report = LOADED,
		.check = "uprobes",
		.want = { ANY_STATE, .what_is = "CONFIG_UPROBES=y (/boot/config-" REL "): progress points by symbol or line work" },
	},
	{
		.put = { { "boot/config-" REL, "CONFIG_PERF_EVENTS=y\n# CONFIG_UPROBES is not set\n" } },
		.check = "uprobes",
		.want = { CHECK_BLOCKING, .what_has = "CONFIG_UPROBES is not set in /boot/config-" REL,
			  .fix_has = "CONFIG_UPROBES=y" },
	},
	/* no /boot config: /proc/config.gz (gzip), then the uprobe event source, else unknown */
	{ .rm = { "boot/config-" REL }, .check = "uprobes", .want.state = CHECK_UNKNOWN },
	{
		.put = { { "sys/bus/event_source/devices/uprobe/type", "7\n" } },
		.check = "uprobes",
		.want = { CHECK_OK, .what_has = "/sys/bus/event_source/devices/uprobe exists" },
	},
	{
		.put = { { "proc/config", "CONFIG_UPROBES_X=y\n# CONFIG_UPROBES is not set\n" } },
		.gzip = "proc/config",
		.check = "uprobes",
		.want = { CHECK_BLOCKING, .what_has = "(CONFIG_UPROBES is not set in /proc/config.gz)" },
	},
	{ .check = NULL },
};

static const struct step signing_secure_boot_and_lockdown[] = {
	{
		.report = UNLOADED,
		.check = "module_signing",
		.want = { CHECK_OK, .what_is = "no EFI (no Secure Boot), lockdown none, module.sig_enforce off: "
					       "unsigned modules load" },
	},
	/* efivarfs not mounted */
	{ .put = { { "sys/firmware/efi/efivars/", "" } }, .check = "module_signing", .want.state = CHECK_UNKNOWN },
	{
		.put = { { BOOT_ORDER, "x" } },
		.check = "module_signing",
		.want = { ANY_STATE, .what_has = "Secure Boot off," },	/* no variable */
	},
	{ .secure_boot = sb_off, .check = "module_signing", .want.state = CHECK_OK },
	{
		.put = { { "sys/kernel/security/lockdown", "none [integrity] confidentiality\n" } },
		.secure_boot = sb_on,
		.check = "module_signing",
		.want.state = CHECK_WARNING,
		.want.what_has = "Secure Boot on, lockdown integrity, module.sig_enforce off: only signed modules load; "
				 "DKMS signs causal with /var/lib/dkms/mok.pub (not created yet",
		.want.fix_is = "sudo mokutil --import /var/lib/dkms/mok.pub, then reboot and enroll it in MokManager",
	},
	{
		.put = { { "var/lib/dkms/mok.pub", "key" } },
		.check = "module_signing",
		.want = { ANY_STATE, .what_has = "/var/lib/dkms/mok.pub (present)" },
		.check_exit = true, .exit_code = CAUSALCTL_EXIT_FAILURE,	/* the module, not signing */
	},
	/* loaded under Secure Boot: it was signed with a trusted key, nothing to do */
	{
		.report = LOADED,
		.check = "module_signing",
		.want.state = CHECK_OK,
		.check_exit = true, .exit_code = CAUSALCTL_EXIT_OK,
	},
	/* lockdown or sig_enforce without EFI: MOK does not apply */
	{
		.put = { { "sys/kernel/security/lockdown", "[none] integrity confidentiality\n" },
			 { "sys/module/module/parameters/sig_enforce", "Y\n" } },
		.rm = { SECURE_BOOT, BOOT_ORDER, "sys/firmware/efi/efivars", "sys/firmware/efi" },
		.report = UNLOADED,
		.check = "module_signing",
		.want = { CHECK_WARNING, .what_has = "module.sig_enforce on: only modules signed with a key built into the kernel",
			  .fix_has = "scripts/sign-file" },
	},
	{ .check = NULL },
};

static void checks_in_text_and_json(void **state)
{
	struct status_report r = loaded();
	struct capture text, json;
	struct check *c;

	(void)state;
	c = check_add(&r, "headers", CHECK_BLOCKING);
	check_what(c, "no \"headers\"");
	check_fix(c, &(struct check_host){ .sudo = true }, "sudo apt-get install x && sudo y");
	c = check_add(&r, "uprobes", CHECK_OK);
	check_what(c, "fine");
	check_add(&r, "perf_events", CHECK_UNKNOWN);
	check_add(&r, "frame_pointers", CHECK_WARNING);
	capture_open(&text);
	capture_open(&json);
	status_print_checks(text.f, &r);
	status_print_json(json.f, &r);
	capture_text(&text);
	capture_text(&json);
	assert_string_equal(text.buf,
		"\nchecks:\n"
		"  blocking  headers         no \"headers\"\n"
		"                            fix: sudo apt-get install x && sudo y\n"
		"  ok        uprobes         fine\n"
		"  unknown   perf_events     \n"
		"  warning   frame_pointers  \n");
	assert_contains(json.buf, "\"error\":null,\"checks\":["
		"{\"name\":\"headers\",\"state\":\"blocking\",\"what\":\"no \\\"headers\\\"\","
		"\"fix\":\"sudo apt-get install x && sudo y\"},"
		"{\"name\":\"uprobes\",\"state\":\"ok\",\"what\":\"fine\",\"fix\":null},"
		"{\"name\":\"perf_events\",\"state\":\"unknown\",\"what\":\"\",\"fix\":null},"
		"{\"name\":\"frame_pointers\",\"state\":\"warning\",\"what\":\"\",\"fix\":null}]}\n");
	assert_int_equal(status_exit_code(&r), CAUSALCTL_EXIT_FAILURE);
	r.checks[0].state = CHECK_WARNING;
	assert_int_equal(status_exit_code(&r), CAUSALCTL_EXIT_OK);
	capture_close(&text);
	capture_close(&json);

	/* root: "sudo " goes, words that merely end in it stay */
	check_fix(c, &(struct check_host){ .sudo = false }, "sudo a | sudo b && pseudo c");
	assert_string_equal(c->fix, "a | b && pseudo c");
	/* more checks than room: the last slot is reused, nothing overflows */
	r.nr_checks = 0;
	for (int i = 0; i < STATUS_MAX_CHECKS + 3; i++)
		check_add(&r, "x", CHECK_OK);
	assert_int_equal(r.nr_checks, STATUS_MAX_CHECKS);
}

/* Builds root/NAME from a small C program with gcc and FLAGS; returns its path. */
static const char *fixture(const char *name, const char *flags)
{
	static char path[PATH_MAX];
	char cmd[4 * PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	put("fx.c", "#include <stdio.h>\n#include <string.h>\n"
	    "static int __attribute__((noinline)) f(const char *s) { return (int)strlen(s) * 3; }\n"
	    "int __attribute__((noinline)) g(int x) { return x > 2 ? f(\"abc\") + g(x - 1) : 1; }\n"
	    "int main(int argc, char **argv) { printf(\"%d\\n\", g(argc) + f(argv[0])); return 0; }\n");
	snprintf(cmd, sizeof(cmd), "cd %s && gcc %s -o %s fx.c", root, flags, name);
	assert_int_equal(system(cmd), 0);
	return path;
}

static void run_program(struct status_report *r, const char *program)
{
	struct check_host h = { .root = root, .release = REL, .sudo = true };

	r->nr_checks = 0;
	check_program(r, &h, program);
}

static void program_frame_pointers_and_debug_info(void **state)
{
	struct status_report r = loaded();
	char cmd[4 * PATH_MAX];
	const struct check *c;
	const char *p;

	(void)state;
	/* gcc's recorded switches decide: -O2 omits, -fno-omit-frame-pointer or -O0 keeps */
	p = fixture("o2", "-O2 -g");
	run_program(&r, p);
	assert_int_equal(find(&r, "debug_info")->state, CHECK_OK);
	c = find(&r, "frame_pointers");
	assert_int_equal(c->state, CHECK_WARNING);
	assert_contains(c->what, "1 of 1 compilation units of ");
	assert_contains(c->what, " -O2");
	assert_contains(c->fix, "-fno-omit-frame-pointer");
	assert_int_equal(status_exit_code(&r), CAUSALCTL_EXIT_OK);	/* a warning */

	run_program(&r, fixture("o2fp", "-O2 -g -fno-omit-frame-pointer"));
	assert_int_equal(find(&r, "frame_pointers")->state, CHECK_OK);
	run_program(&r, fixture("o0", "-O0 -g"));
	assert_int_equal(find(&r, "frame_pointers")->state, CHECK_OK);
	run_program(&r, fixture("last", "-O2 -g -fno-omit-frame-pointer -fomit-frame-pointer"));
	assert_int_equal(find(&r, "frame_pointers")->state, CHECK_WARNING);

	/* a module that unwinds by .eh_frame, or one not asked (this release's): fine without */
	r.features = CAUSAL_FEATURE_UNWIND;
	run_program(&r, fixture("o2u", "-O2 -g"));
	c = find(&r, "frame_pointers");
	assert_int_equal(c->state, CHECK_OK);
	assert_contains(c->what, "built without frame pointers; the module unwinds it by its call "
			"frame information (.eh_frame)");
	r.answered = false;
	run_program(&r, fixture("o2n", "-O2 -g"));
	assert_int_equal(find(&r, "frame_pointers")->state, CHECK_OK);
	/* ... but not a program without .eh_frame */
	r.answered = true;
	p = fixture("noeh", "-O2 -g");
	snprintf(cmd, sizeof(cmd), "cd %s && objcopy --remove-section .eh_frame --remove-section "
		 ".eh_frame_hdr noeh", root);
	assert_int_equal(system(cmd), 0);
	run_program(&r, p);
	assert_int_equal(find(&r, "frame_pointers")->state, CHECK_WARNING);
	r.features = 0;

	/* without DWARF: blocking for lines; the function entries tell about frame pointers */
	run_program(&r, fixture("nodebug_fp", "-O2 -fno-omit-frame-pointer"));
	c = find(&r, "debug_info");
	assert_int_equal(c->state, CHECK_BLOCKING);
	assert_contains(c->fix, "-g");
	c = find(&r, "frame_pointers");
	assert_int_equal(c->state, CHECK_OK);
	assert_contains(c->what, "functions in ");
	assert_int_equal(status_exit_code(&r), CAUSALCTL_EXIT_FAILURE);
	run_program(&r, fixture("nodebug", "-O2 -fomit-frame-pointer"));
	c = find(&r, "frame_pointers");
	assert_int_equal(c->state, CHECK_WARNING);
	assert_contains(c->what, "only 0 of ");
	/* stripped too: nothing left to tell by */
	run_program(&r, fixture("stripped", "-O2 -s"));
	assert_int_equal(find(&r, "frame_pointers")->state, CHECK_UNKNOWN);

	/* DWARF in a separate file, found by build-id under the root's /usr/lib/debug */
	p = fixture("split", "-O2 -g -fno-omit-frame-pointer -Wl,--build-id=sha1");
	snprintf(cmd, sizeof(cmd), "cd %s && id=$(readelf -n split | sed -n 's/.*Build ID: //p') && "
		 "mkdir -p usr/lib/debug/.build-id/$(echo $id | cut -c1-2) && "
		 "objcopy --only-keep-debug split usr/lib/debug/.build-id/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-).debug && "
		 "strip --strip-debug split", root);
	assert_int_equal(system(cmd), 0);
	run_program(&r, p);
	c = find(&r, "debug_info");
	assert_int_equal(c->state, CHECK_OK);
	assert_contains(c->what, "/usr/lib/debug/.build-id/");
	assert_int_equal(find(&r, "frame_pointers")->state, CHECK_OK);

	/* Go's linker marks its programs; Go keeps frame pointers */
	p = fixture("go", "-O2 -fomit-frame-pointer");
	put("buildinfo", "\xff Go buildinf:");
	snprintf(cmd, sizeof(cmd), "cd %s && objcopy --add-section .go.buildinfo=buildinfo go", root);
	assert_int_equal(system(cmd), 0);
	run_program(&r, p);
	c = find(&r, "frame_pointers");
	assert_int_equal(c->state, CHECK_OK);
	assert_contains(c->what, "is a Go program");
}

static void program_that_is_not_one(void **state)
{
	struct status_report r = loaded();
	char path[PATH_MAX];
	const struct check *c;

	(void)state;
	put("script.sh", "#!/bin/sh\n");
	snprintf(path, sizeof(path), "%s/script.sh", root);
	run_program(&r, path);
	c = find(&r, "program");
	assert_int_equal(c->state, CHECK_BLOCKING);
	assert_contains(c->what, "script.sh is not an ELF program");
	snprintf(path, sizeof(path), "%s/missing", root);
	run_program(&r, path);
	assert_contains(find(&r, "program")->what, "missing: No such file or directory");
	/* a bare name is looked up in PATH, as the shell does */
	run_program(&r, "sh");
	assert_int_equal(find(&r, "debug_info")->state, CHECK_BLOCKING);
	assert_contains(find(&r, "debug_info")->what, "/sh has no DWARF");
}

#define root_test(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define healthy_test(f) cmocka_unit_test_setup_teardown(f, healthy_setup, teardown)
/* A test named after its table of steps, run_steps() on a healthy machine. */
#define steps_test(steps) { .name = #steps, .test_func = run_steps, .setup_func = healthy_setup, \
			    .teardown_func = teardown, .initial_state = (void *)(steps) }

static const struct CMUnitTest tests[] = {
	healthy_test(all_ok_when_nothing_is_in_the_way),
	steps_test(headers_missing_says_the_apt_command),
	steps_test(headers_missing_matter_less_once_causal_is_here),
	steps_test(module_fix_follows_what_is_installed),
	steps_test(privileges_follow_the_module_rules),
	steps_test(perf_event_paranoid_does_not_block),
	steps_test(uprobes_from_config_or_event_source),
	steps_test(signing_secure_boot_and_lockdown),
	cmocka_unit_test(checks_in_text_and_json),
	root_test(program_frame_pointers_and_debug_info),
	root_test(program_that_is_not_one),
};

UNIT_MAIN(tests, NULL, NULL)
