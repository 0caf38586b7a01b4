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

/*
 * What one check should say: its state (ANY_STATE: not checked), and what it found and its fix,
 * each exactly (*_is) or holding a piece (*_has); NULL: not checked.
 */
struct want {
	int state;
	const char *what_is, *what_has, *fix_is, *fix_has;
};

/* Runs the checks (as a user with sudo) and checks the one called name against w. */
static void run_and_expect(struct status_report *r, const char *name, const struct want *w)
{
	const struct check *c;

	run_checks(r, true);
	c = find(r, name);
	if (w->state != ANY_STATE)
		assert_int_equal(c->state, w->state);
	if (w->what_is)
		assert_string_equal(c->what, w->what_is);
	if (w->what_has)
		assert_contains(c->what, w->what_has);
	if (w->fix_is)
		assert_string_equal(c->fix, w->fix_is);
	if (w->fix_has)
		assert_contains(c->fix, w->fix_has);
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

static void headers_missing_says_the_apt_command(void **state)
{
	struct status_report r = unloaded();

	(void)state;
	rm_path("lib/modules/" REL "/build");
	put("lib/modules/" REL "/modules.dep", "kernel/fs/ext4/ext4.ko.xz:\n");
	run_and_expect(&r, "headers", &(const struct want){
		.state = CHECK_BLOCKING,
		.what_is = "no kernel headers for " REL " (/lib/modules/" REL "/build): "
			   "DKMS cannot build causal for this kernel",
		.fix_is = "sudo apt-get install linux-headers-" REL,
	});
	assert_int_equal(status_exit_code(&r), CAUSALCTL_EXIT_FAILURE);

	/* root is told the same without sudo */
	run_checks(&r, false);
	assert_string_equal(find(&r, "headers")->fix, "apt-get install linux-headers-" REL);

	/* Ubuntu says so in ID_LIKE of its derivatives; Fedora's way; anything else in words */
	put("etc/os-release", "ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n");
	run_and_expect(&r, "headers", &(const struct want){
		.state = ANY_STATE,
		.fix_is = "sudo apt-get install linux-headers-" REL,
	});
	put("etc/os-release", "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n");
	run_and_expect(&r, "headers", &(const struct want){
		.state = ANY_STATE,
		.fix_is = "sudo dnf install kernel-devel-" REL,
	});
	put("etc/os-release", "ID=arch\n");
	run_and_expect(&r, "headers", &(const struct want){
		.state = ANY_STATE,
		.fix_is = "install the kernel headers package of " REL " (it provides /lib/modules/" REL "/build)",
	});
	/* a word, not a substring: "debianish" is not Debian */
	put("etc/os-release", "ID=debianish\n");
	run_checks(&r, true);
	assert_not_contains(find(&r, "headers")->fix, "apt-get");
}

static void headers_missing_matter_less_once_causal_is_here(void **state)
{
	struct status_report r = loaded();
	const struct check *c;

	(void)state;
	rm_path("lib/modules/" REL "/build");
	run_and_expect(&r, "headers", &(const struct want){
		.state = CHECK_WARNING,
		.what_has = "not needed for the causal module already here, but DKMS cannot rebuild it",
		.fix_is = "sudo apt-get install linux-headers-" REL,
	});
	assert_int_equal(status_exit_code(&r), CAUSALCTL_EXIT_OK);	/* a warning does not fail */

	/* installed (modules.dep) but not loaded: a warning too, and the module check says modprobe */
	r = unloaded();
	run_and_expect(&r, "headers", &(const struct want){ .state = CHECK_WARNING });
	c = find(&r, "module");
	assert_int_equal(c->state, CHECK_BLOCKING);
	assert_string_equal(c->what, "not loaded, but installed for " REL);
	assert_string_equal(c->fix, "sudo modprobe causal");
}

static void module_fix_follows_what_is_installed(void **state)
{
	struct status_report r = unloaded();

	(void)state;
	put("lib/modules/" REL "/modules.dep", "kernel/drivers/causality/notcausal.ko:\n");
	run_and_expect(&r, "module", &(const struct want){
		.state = ANY_STATE,
		.what_is = "not loaded, and not installed for " REL,
		.fix_has = "sudo make dkms-install && sudo modprobe causal",
	});

	put("var/lib/dkms/causal/kernel-6.1.0-98-amd64-x86_64", "");
	put("var/lib/dkms/causal/0.1.0/source/dkms.conf", "PACKAGE_NAME=causal\n");
	run_and_expect(&r, "module", &(const struct want){
		.state = ANY_STATE,
		.what_is = "not loaded, and not built for " REL ", although DKMS has causal 0.1.0",
		.fix_is = "sudo dkms install causal/0.1.0 && sudo modprobe causal",
	});

	/* not allowed to open the device: the ABI is unknown, not wrong */
	r = loaded();
	r.can_open = false;
	r.open_errno = EACCES;
	r.answered = false;
	run_and_expect(&r, "module", &(const struct want){
		.state = CHECK_UNKNOWN,
		.fix_is = "sudo causalctl status",
	});

	r = loaded();
	r.abi = CAUSAL_ABI_VERSION + 1;
	run_and_expect(&r, "module", &(const struct want){
		.state = CHECK_BLOCKING,
		.what_is = "the module has ABI 2 but causalctl has ABI 1",
		.fix_has = "one source tree",
	});
}

static void privileges_follow_the_module_rules(void **state)
{
	struct status_report r = loaded();

	(void)state;
	put("proc/self/status", "CapEff:\t0000000000000000\n");
	put("sys/module/causal/parameters/unprivileged", "N\n");
	run_and_expect(&r, "privileges", &(const struct want){
		.state = CHECK_BLOCKING,
		.what_has = "needs CAP_PERFMON or CAP_SYS_ADMIN",
		.fix_has = "echo 1 | sudo tee /sys/module/causal/parameters/unprivileged",
	});

	put("sys/module/causal/parameters/unprivileged", "Y\n");
	run_and_expect(&r, "privileges", &(const struct want){
		.state = CHECK_OK,
		.what_has = "unprivileged=1: this user may profile its own processes",
	});

	/* without the module, the parameter is not there: say how to load it */
	r = unloaded();
	put("sys/module/causal/parameters/unprivileged", "N\n");
	rm_path("sys/module/causal/parameters/unprivileged");
	run_and_expect(&r, "privileges", &(const struct want){
		.state = CHECK_BLOCKING,
		.fix_has = "sudo modprobe causal unprivileged=1",
	});

	put("proc/self/status", "CapEff:\t" CAPS_PERFMON "\n");
	run_and_expect(&r, "privileges", &(const struct want){
		.state = CHECK_OK,
		.what_has = "CAP_PERFMON: this user may open the device, and attach to its own processes",
	});

	rm_path("proc/self/status");
	run_and_expect(&r, "privileges", &(const struct want){ .state = CHECK_UNKNOWN });
}

static void perf_event_paranoid_does_not_block(void **state)
{
	struct status_report r = loaded();

	(void)state;
	put("proc/sys/kernel/perf_event_paranoid", "3\n");
	run_and_expect(&r, "perf_events", &(const struct want){
		.state = CHECK_OK,
		.what_is = "perf events present; perf_event_paranoid is 3, which does not apply to causal: its "
			   "module samples with counters of its own",
	});

	rm_path("proc/sys/kernel/perf_event_paranoid");
	run_and_expect(&r, "perf_events", &(const struct want){
		.state = CHECK_BLOCKING,
		.fix_has = "CONFIG_PERF_EVENTS=y",
	});
	assert_int_equal(status_exit_code(&r), CAUSALCTL_EXIT_FAILURE);
}

static void uprobes_from_config_or_event_source(void **state)
{
	struct status_report r = loaded();
	char cmd[PATH_MAX + 64];

	(void)state;
	run_and_expect(&r, "uprobes", &(const struct want){
		.state = ANY_STATE,
		.what_is = "CONFIG_UPROBES=y (/boot/config-" REL "): progress points by symbol or line work",
	});

	put("boot/config-" REL, "CONFIG_PERF_EVENTS=y\n# CONFIG_UPROBES is not set\n");
	run_and_expect(&r, "uprobes", &(const struct want){
		.state = CHECK_BLOCKING,
		.what_has = "CONFIG_UPROBES is not set in /boot/config-" REL,
		.fix_has = "CONFIG_UPROBES=y",
	});

	/* no /boot config: /proc/config.gz (gzip), then the uprobe event source, else unknown */
	rm_path("boot/config-" REL);
	run_and_expect(&r, "uprobes", &(const struct want){ .state = CHECK_UNKNOWN });
	put("sys/bus/event_source/devices/uprobe/type", "7\n");
	run_and_expect(&r, "uprobes", &(const struct want){
		.state = CHECK_OK,
		.what_has = "/sys/bus/event_source/devices/uprobe exists",
	});
	put("proc/config", "CONFIG_UPROBES_X=y\n# CONFIG_UPROBES is not set\n");
	snprintf(cmd, sizeof(cmd), "gzip %s/proc/config", root);
	assert_int_equal(system(cmd), 0);
	run_and_expect(&r, "uprobes", &(const struct want){
		.state = CHECK_BLOCKING,
		.what_has = "(CONFIG_UPROBES is not set in /proc/config.gz)",
	});
}

static void signing_secure_boot_and_lockdown(void **state)
{
	static const unsigned char sb_on[] = { 6, 0, 0, 0, 1 }, sb_off[] = { 6, 0, 0, 0, 0 };
	struct status_report r = unloaded();

	(void)state;
	run_and_expect(&r, "module_signing", &(const struct want){
		.state = CHECK_OK,
		.what_is = "no EFI (no Secure Boot), lockdown none, module.sig_enforce off: unsigned modules load",
	});

	put("sys/firmware/efi/efivars/", "");
	run_and_expect(&r, "module_signing", &(const struct want){
		.state = CHECK_UNKNOWN, /* efivarfs not mounted */
	});
	put("sys/firmware/efi/efivars/BootOrder-8be4df61-93ca-11d2-aa0d-00e098032b8c", "x");
	run_and_expect(&r, "module_signing", &(const struct want){
		.state = ANY_STATE,
		.what_has = "Secure Boot off,",	/* no variable */
	});
	put_bytes("sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", sb_off, 5);
	run_and_expect(&r, "module_signing", &(const struct want){ .state = CHECK_OK });

	put_bytes("sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", sb_on, 5);
	put("sys/kernel/security/lockdown", "none [integrity] confidentiality\n");
	run_and_expect(&r, "module_signing", &(const struct want){
		.state = CHECK_WARNING,
		.what_has = "Secure Boot on, lockdown integrity, module.sig_enforce off: only signed modules load; "
			    "DKMS signs causal with /var/lib/dkms/mok.pub (not created yet",
		.fix_is = "sudo mokutil --import /var/lib/dkms/mok.pub, then reboot and enroll it in MokManager",
	});
	put("var/lib/dkms/mok.pub", "key");
	run_and_expect(&r, "module_signing", &(const struct want){
		.state = ANY_STATE,
		.what_has = "/var/lib/dkms/mok.pub (present)",
	});
	assert_int_equal(status_exit_code(&r), CAUSALCTL_EXIT_FAILURE);	/* the module, not signing */

	/* loaded under Secure Boot: it was signed with a trusted key, nothing to do */
	r = loaded();
	run_and_expect(&r, "module_signing", &(const struct want){ .state = CHECK_OK });
	assert_int_equal(status_exit_code(&r), CAUSALCTL_EXIT_OK);

	/* lockdown or sig_enforce without EFI: MOK does not apply */
	r = unloaded();
	rm_path("sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c");
	rm_path("sys/firmware/efi/efivars/BootOrder-8be4df61-93ca-11d2-aa0d-00e098032b8c");
	rm_path("sys/firmware/efi/efivars");
	rm_path("sys/firmware/efi");
	put("sys/kernel/security/lockdown", "[none] integrity confidentiality\n");
	put("sys/module/module/parameters/sig_enforce", "Y\n");
	run_and_expect(&r, "module_signing", &(const struct want){
		.state = CHECK_WARNING,
		.what_has = "module.sig_enforce on: only modules signed with a key built into the kernel",
		.fix_has = "scripts/sign-file",
	});
}

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

static const struct CMUnitTest tests[] = {
	healthy_test(all_ok_when_nothing_is_in_the_way),
	healthy_test(headers_missing_says_the_apt_command),
	healthy_test(headers_missing_matter_less_once_causal_is_here),
	healthy_test(module_fix_follows_what_is_installed),
	healthy_test(privileges_follow_the_module_rules),
	healthy_test(perf_event_paranoid_does_not_block),
	healthy_test(uprobes_from_config_or_event_source),
	healthy_test(signing_secure_boot_and_lockdown),
	cmocka_unit_test(checks_in_text_and_json),
	root_test(program_frame_pointers_and_debug_info),
	root_test(program_that_is_not_one),
};

UNIT_MAIN(tests, NULL, NULL)
