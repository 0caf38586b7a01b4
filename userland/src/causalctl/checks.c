/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * causalctl status: what on this machine stands between a user and a profile besides the module
 * itself (privileges, perf events, uprobes, kernel headers for DKMS, module signing), each with
 * the command that fixes it. Everything is read from files, under a root the unit tests fake.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "causalctl.h"

/* efivarfs: 4 bytes of attributes, then the variable; SecureBoot is one byte, 1 when on */
#define SECURE_BOOT_VAR "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
/* where DKMS 3 keeps the key it signs modules with (Ubuntu's shim-signed uses its own) */
#define DKMS_MOK "/var/lib/dkms/mok.pub"

const char *check_state_name(enum check_state state)
{
	switch (state) {
	case CHECK_OK:
		return "ok";
	case CHECK_WARNING:
		return "warning";
	case CHECK_BLOCKING:
		return "blocking";
	case CHECK_UNKNOWN:
		break;
	}
	return "unknown";
}

/* A new check at the end of r's list; the last slot is reused rather than overflowing. */
struct check *check_add(struct status_report *r, const char *name, enum check_state state)
{
	struct check *c;

	if (r->nr_checks < STATUS_MAX_CHECKS)
		r->nr_checks++;
	c = &r->checks[r->nr_checks - 1];
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->state = state;
	return c;
}

void check_what(struct check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->what, sizeof(c->what), fmt, ap);
	va_end(ap);
}

/* The fix is written for a user; root runs the same commands without "sudo ". */
void check_fix(struct check *c, const struct check_host *h, const char *fmt, ...)
{
	char *p = c->fix;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->fix, sizeof(c->fix), fmt, ap);
	va_end(ap);
	if (h->sudo)
		return;
	while ((p = strstr(p, "sudo "))) {
		if (p == c->fix || p[-1] == ' ')
			memmove(p, p + 5, strlen(p + 5) + 1);
		else
			p += 5;
	}
}

static void host_path(const struct check_host *h, char *buf, size_t len, const char *fmt, ...)
	PRINTF_LIKE(4, 5);

/* buf = root + the formatted path; an over-long path is cut, and then simply not found */
static void host_path(const struct check_host *h, char *buf, size_t len, const char *fmt, ...)
{
	int n = snprintf(buf, len, "%s", h->root);
	va_list ap;

	if (n < 0 || (size_t)n >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - (size_t)n, fmt, ap);
	va_end(ap);
}

/* The first line of a file without its newline; -errno when it cannot be read. */
static int read_first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int err;

	buf[0] = '\0';
	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		err = ferror(f) ? -EIO : 0;
		fclose(f);
		return err;
	}
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* true also when path cannot be listed */
static bool dir_empty(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *d;
	bool empty = true;

	if (!dir)
		return true;
	while (empty && (d = readdir(dir)))
		empty = !strcmp(d->d_name, ".") || !strcmp(d->d_name, "..");
	closedir(dir);
	return empty;
}

static bool exists(const char *path)
{
	return !access(path, F_OK);
}

/* Effective capabilities from "CapEff:" of /proc/self/status; false when unreadable. */
static bool read_caps(const struct check_host *h, unsigned long long *caps)
{
	char path[PATH_MAX], line[256];
	bool found = false;
	FILE *f;

	host_path(h, path, sizeof(path), "/proc/self/status");
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7)) {
			found = sscanf(line + 7, "%llx", caps) == 1;
			break;
		}
	fclose(f);
	return found;
}

#define HAS_CAP(caps, cap)	(!!((caps) & (1ULL << (cap))))

/*
 * What the module asks of a caller (module/device.c, session.c, attach.c): opening /dev/causal needs
 * perfmon_capable(), i.e. CAP_PERFMON or CAP_SYS_ADMIN, unless it was loaded with unprivileged=1;
 * attaching needs the target's uid and gid and a dumpable target, or CAP_SYS_PTRACE.
 */
static void check_privileges(struct status_report *r, const struct check_host *h)
{
	char path[PATH_MAX], param[16];
	unsigned long long caps;
	bool perfmon, ptrace, unpriv;
	struct check *c;

	if (!read_caps(h, &caps)) {
		c = check_add(r, "privileges", CHECK_UNKNOWN);
		check_what(c, "cannot read this process's capabilities from /proc/self/status");
		return;
	}
	perfmon = HAS_CAP(caps, CAP_PERFMON) || HAS_CAP(caps, CAP_SYS_ADMIN);
	ptrace = HAS_CAP(caps, CAP_SYS_PTRACE);
	host_path(h, path, sizeof(path), "/sys/module/causal/parameters/unprivileged");
	unpriv = !read_first_line(path, param, sizeof(param)) && (param[0] == 'Y' || param[0] == '1');

	if (perfmon && ptrace) {
		c = check_add(r, "privileges", CHECK_OK);
		check_what(c, "%s and CAP_SYS_PTRACE: this user may open the device and profile any process",
			   HAS_CAP(caps, CAP_SYS_ADMIN) ? "CAP_SYS_ADMIN" : "CAP_PERFMON");
	} else if (perfmon) {
		c = check_add(r, "privileges", CHECK_OK);
		check_what(c, "%s: this user may open the device, and attach to its own processes "
			   "(others need CAP_SYS_PTRACE)",
			   HAS_CAP(caps, CAP_SYS_ADMIN) ? "CAP_SYS_ADMIN" : "CAP_PERFMON");
	} else if (unpriv) {
		c = check_add(r, "privileges", CHECK_OK);
		check_what(c, "no CAP_PERFMON, but the module was loaded with unprivileged=1: this user "
			   "may profile its own processes");
	} else if (r->module_loaded) {
		c = check_add(r, "privileges", CHECK_BLOCKING);
		check_what(c, "opening /dev/causal needs CAP_PERFMON or CAP_SYS_ADMIN, which this user "
			   "lacks, and the module's unprivileged parameter is off");
		check_fix(c, h, "sudo causalctl ... (or let users profile their own processes: "
			  "echo 1 | sudo tee /sys/module/causal/parameters/unprivileged)");
	} else {
		c = check_add(r, "privileges", CHECK_BLOCKING);
		check_what(c, "opening /dev/causal needs CAP_PERFMON or CAP_SYS_ADMIN, which this user "
			   "lacks, unless the module is loaded with unprivileged=1");
		check_fix(c, h, "sudo causalctl ... (or let users profile their own processes: "
			  "sudo modprobe causal unprivileged=1)");
	}
}

/*
 * The module's sampler creates its counters with kernel credentials (module/sampler.c), so
 * perf_event_paranoid, which perf_event_open() checks against its caller, never stops causal:
 * said here because perf's advice to lower it is the first thing users try. The file exists
 * exactly when the kernel has perf events, which the module does need.
 */
static void check_perf_events(struct status_report *r, const struct check_host *h)
{
	char path[PATH_MAX], value[32];
	struct check *c;
	int err;

	host_path(h, path, sizeof(path), "/proc/sys/kernel/perf_event_paranoid");
	err = read_first_line(path, value, sizeof(value));
	if (err == -ENOENT) {
		c = check_add(r, "perf_events", CHECK_BLOCKING);
		check_what(c, "no /proc/sys/kernel/perf_event_paranoid: this kernel has no perf events "
			   "(CONFIG_PERF_EVENTS), which the module samples with");
		check_fix(c, h, "boot a kernel built with CONFIG_PERF_EVENTS=y (Debian's and Ubuntu's are)");
	} else if (err || !*value) {
		c = check_add(r, "perf_events", CHECK_UNKNOWN);
		check_what(c, "cannot read /proc/sys/kernel/perf_event_paranoid: %s",
			   strerror(err ? -err : EIO));
	} else {
		c = check_add(r, "perf_events", CHECK_OK);
		check_what(c, "perf events present; perf_event_paranoid is %s, which does not apply to "
			   "causal: its module samples with counters of its own", value);
	}
}

/*
 * The value of option (e.g. "CONFIG_UPROBES") in a kernel config read from f: 'y', 'm', or 'n'
 * for "# ... is not set"; 0 when the config does not mention it.
 */
static char config_value(FILE *f, const char *option)
{
	size_t n = strlen(option);
	char line[512];

	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, option, n) && line[n] == '=')
			return line[n + 1] == 'y' || line[n + 1] == 'm' ? line[n + 1] : 'n';
		if (!strncmp(line, "# ", 2) && !strncmp(line + 2, option, n) &&
		    !strncmp(line + 2 + n, " is not set", 11))
			return 'n';
	}
	return 0;
}

/*
 * /proc/config.gz through gzip -dc: causalctl does not link zlib, and that file only exists with
 * CONFIG_IKCONFIG_PROC (Arch's kernels, not Debian's, which ship /boot/config-*).
 */
static char config_gz_value(const char *path, const char *option)
{
	int fds[2], status;
	char v = 0;
	pid_t pid;
	FILE *f;

	if (access(path, R_OK) || pipe2(fds, O_CLOEXEC))
		return 0;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	if (!pid) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		execlp("gzip", "gzip", "-dc", "--", path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "re");
	if (f) {
		v = config_value(f, option);
		fclose(f);	/* gzip may get SIGPIPE if the option came early: fine */
	} else {
		close(fds[0]);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return v;
}

/*
 * Progress points by symbol or line are uprobes that the module registers; dkms.conf also refuses
 * kernels without CONFIG_UPROBES. A loaded module proves nothing (without CONFIG_UPROBES,
 * uprobe_register() is a stub that fails), so the kernel's config answers, or the uprobe event
 * source that CONFIG_UPROBE_EVENTS adds (it depends on CONFIG_UPROBES). The module does not report
 * uprobes in its features.
 */
static void check_uprobes(struct status_report *r, const struct check_host *h)
{
	static const char * const sources[] = {
		"/sys/bus/event_source/devices/uprobe",
		"/sys/kernel/tracing/uprobe_events",
		"/sys/kernel/debug/tracing/uprobe_events",
	};
	char path[PATH_MAX], from[PATH_MAX];
	struct check *c;
	char v = 0;
	size_t i;
	FILE *f;

	host_path(h, path, sizeof(path), "/boot/config-%s", h->release);
	f = fopen(path, "re");
	if (f) {
		v = config_value(f, "CONFIG_UPROBES");
		fclose(f);
		snprintf(from, sizeof(from), "/boot/config-%s", h->release);
	}
	if (!v) {
		host_path(h, path, sizeof(path), "/proc/config.gz");
		v = config_gz_value(path, "CONFIG_UPROBES");
		snprintf(from, sizeof(from), "/proc/config.gz");
	}
	if (v == 'y') {
		c = check_add(r, "uprobes", CHECK_OK);
		check_what(c, "CONFIG_UPROBES=y (%s): progress points by symbol or line work", from);
		return;
	}
	if (v == 'n') {
		c = check_add(r, "uprobes", CHECK_BLOCKING);
		check_what(c, "this kernel has no uprobes (CONFIG_UPROBES is not set in %s): DKMS does "
			   "not build causal for it", from);
		check_fix(c, h, "boot a kernel built with CONFIG_UPROBES=y (Debian's and Ubuntu's are)");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(sources); i++) {
		host_path(h, path, sizeof(path), "%s", sources[i]);
		if (exists(path)) {
			c = check_add(r, "uprobes", CHECK_OK);
			check_what(c, "%s exists, so the kernel has uprobes: progress points by symbol "
				   "or line work", sources[i]);
			return;
		}
	}
	c = check_add(r, "uprobes", CHECK_UNKNOWN);
	check_what(c, "no kernel config (/boot/config-%s, /proc/config.gz) and no uprobe event "
		   "source: cannot tell whether the kernel has CONFIG_UPROBES", h->release);
}

/* Is causal.ko installed for this kernel, as depmod (run by DKMS and packages) lists it? */
static bool module_installed(const struct check_host *h)
{
	char path[PATH_MAX], line[1024];
	bool found = false;
	FILE *f;

	host_path(h, path, sizeof(path), "/lib/modules/%s/modules.dep", h->release);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *name;

		if (!colon)
			continue;
		*colon = '\0';
		name = strrchr(line, '/');
		name = name ? name + 1 : line;
		found = !strncmp(name, "causal.ko", 9) && (!name[9] || name[9] == '.');
	}
	fclose(f);
	return found;
}

/* The version of causal's sources registered with DKMS (/var/lib/dkms/causal/VERSION), or "". */
static void dkms_version(const struct check_host *h, char *buf, size_t len)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;

	buf[0] = '\0';
	host_path(h, path, sizeof(path), "/var/lib/dkms/causal");
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.' && strncmp(d->d_name, "kernel-", 7)) {
			snprintf(buf, len, "%s", d->d_name);
			break;
		}
	closedir(dir);
}

/* The module itself, as status_verdict() sees it, in the list with the rest. */
static void check_module(struct status_report *r, const struct check_host *h)
{
	const char *version = *r->module_version ? r->module_version : "unknown";
	char dkms[NAME_MAX + 1];
	struct check *c;

	switch (status_verdict(r)) {
	case STATUS_OK:
		c = check_add(r, "module", CHECK_OK);
		check_what(c, "loaded (version %s); %s answers with ABI %u", version, r->device, r->abi);
		return;
	case STATUS_NO_MODULE:
		c = check_add(r, "module", CHECK_BLOCKING);
		dkms_version(h, dkms, sizeof(dkms));
		if (module_installed(h)) {
			check_what(c, "not loaded, but installed for %s", h->release);
			check_fix(c, h, "sudo modprobe causal");
		} else if (*dkms) {
			check_what(c, "not loaded, and not built for %s, although DKMS has causal %s",
				   h->release, dkms);
			check_fix(c, h, "sudo dkms install causal/%s && sudo modprobe causal", dkms);
		} else {
			check_what(c, "not loaded, and not installed for %s", h->release);
			check_fix(c, h, "sudo make dkms-install && sudo modprobe causal (in causal's "
				  "source tree)");
		}
		return;
	case STATUS_NO_PERMISSION:
		c = check_add(r, "module", CHECK_UNKNOWN);
		check_what(c, "loaded (version %s), but this user may not open %s to ask its ABI",
			   version, r->device);
		check_fix(c, h, "sudo causalctl status");
		return;
	case STATUS_NO_DEVICE:
	case STATUS_OPEN_FAILED:
		c = check_add(r, "module", CHECK_BLOCKING);
		check_fix(c, h, "sudo rmmod causal && sudo modprobe causal (then see dmesg)");
		break;
	case STATUS_NOT_CHARDEV:
		c = check_add(r, "module", CHECK_BLOCKING);
		check_fix(c, h, "causalctl status --device PATH (the causal device)");
		break;
	case STATUS_IOCTL_FAILED:
	case STATUS_ABI_MISMATCH:
	default:
		c = check_add(r, "module", CHECK_BLOCKING);
		check_fix(c, h, "build causalctl and the module from one source tree, then "
			  "sudo rmmod causal && sudo modprobe causal");
		break;
	}
	status_describe(r, c->what, sizeof(c->what));
}

/* The ID and ID_LIKE words of os-release, space-separated, for a word match. */
static void os_ids(const struct check_host *h, char *buf, size_t len)
{
	static const char * const files[] = { "/etc/os-release", "/usr/lib/os-release" };
	char path[PATH_MAX], line[256];
	size_t i, n = 0;
	FILE *f = NULL;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(files) && !f; i++) {
		host_path(h, path, sizeof(path), "%s", files[i]);
		f = fopen(path, "re");
	}
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v;

		if (strncmp(line, "ID=", 3) && strncmp(line, "ID_LIKE=", 8))
			continue;
		v = strchr(line, '=') + 1;
		v[strcspn(v, "\n")] = '\0';
		v += strspn(v, "\"'");
		v[strcspn(v, "\"'")] = '\0';
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, " %s ", v);
	}
	fclose(f);
}

static bool has_word(const char *words, const char *w)
{
	char pat[64];

	snprintf(pat, sizeof(pat), " %s ", w);
	return strstr(words, pat);
}

/*
 * DKMS builds causal against /lib/modules/RELEASE/build, which the headers package provides. Once
 * causal is loaded or installed for this kernel they only matter for a rebuild.
 */
static void check_headers(struct status_report *r, const struct check_host *h)
{
	char path[PATH_MAX], ids[256];
	bool needed = !r->module_loaded && !module_installed(h);
	struct check *c;

	host_path(h, path, sizeof(path), "/lib/modules/%s/build", h->release);
	if (is_dir(path)) {
		c = check_add(r, "headers", CHECK_OK);
		check_what(c, "/lib/modules/%s/build is there: DKMS can build causal for this kernel",
			   h->release);
		return;
	}
	c = check_add(r, "headers", needed ? CHECK_BLOCKING : CHECK_WARNING);
	check_what(c, "no kernel headers for %s (/lib/modules/%s/build): %s", h->release, h->release,
		   needed ? "DKMS cannot build causal for this kernel" :
		   "not needed for the causal module already here, but DKMS cannot rebuild it");
	os_ids(h, ids, sizeof(ids));
	if (has_word(ids, "debian") || has_word(ids, "ubuntu"))
		check_fix(c, h, "sudo apt-get install linux-headers-%s", h->release);
	else if (has_word(ids, "fedora") || has_word(ids, "rhel") || has_word(ids, "centos"))
		check_fix(c, h, "sudo dnf install kernel-devel-%s", h->release);
	else
		check_fix(c, h, "install the kernel headers package of %s (it provides "
			  "/lib/modules/%s/build)", h->release, h->release);
}

/* Secure Boot from efivarfs: 1 on, 0 off or no EFI, -1 when it cannot be told. */
static int secure_boot(const struct check_host *h)
{
	unsigned char buf[8];
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	host_path(h, path, sizeof(path), "/sys/firmware/efi");
	if (!is_dir(path))
		return 0;	/* booted by a BIOS: there is no Secure Boot */
	host_path(h, path, sizeof(path), "%s", SECURE_BOOT_VAR);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		/*
		 * Without the variable in a mounted efivarfs (never empty), the firmware has no
		 * Secure Boot; an empty directory is efivarfs not mounted, which tells nothing.
		 */
		int err = errno;

		host_path(h, path, sizeof(path), "/sys/firmware/efi/efivars");
		return err == ENOENT && !dir_empty(path) ? 0 : -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 5)
		return -1;
	return buf[n - 1] == 1;
}

/* The selected lockdown mode ("none", "integrity", "confidentiality"), or "" if unknown. */
static void lockdown_mode(const struct check_host *h, char *buf, size_t len)
{
	char path[PATH_MAX], line[128], *start, *end;

	buf[0] = '\0';
	host_path(h, path, sizeof(path), "/sys/kernel/security/lockdown");
	if (read_first_line(path, line, sizeof(line)))
		return;
	start = strchr(line, '[');
	end = start ? strchr(start, ']') : NULL;
	if (end) {
		*end = '\0';
		snprintf(buf, len, "%s", start + 1);
	}
}

/*
 * Whether the kernel loads only signed modules: Secure Boot (Debian and Ubuntu then lock down in
 * integrity mode), lockdown set another way, or module.sig_enforce=1. A signed causal.ko only
 * loads if its key is trusted, which for DKMS means its MOK enrolled: that, causalctl cannot see.
 */
static void check_signing(struct status_report *r, const struct check_host *h)
{
	char path[PATH_MAX], lockdown[32], enforce[8], why[160];
	int sb = secure_boot(h);
	bool locked, enforced, efi, mok;
	struct check *c;

	lockdown_mode(h, lockdown, sizeof(lockdown));
	host_path(h, path, sizeof(path), "/sys/module/module/parameters/sig_enforce");
	enforced = !read_first_line(path, enforce, sizeof(enforce)) && enforce[0] == 'Y';
	locked = *lockdown && strcmp(lockdown, "none");
	host_path(h, path, sizeof(path), "/sys/firmware/efi");
	efi = is_dir(path);
	host_path(h, path, sizeof(path), "%s", DKMS_MOK);
	mok = exists(path);

	snprintf(why, sizeof(why), "%s, lockdown %s, module.sig_enforce %s",
		 sb == 1 ? "Secure Boot on" : sb == 0 ? (efi ? "Secure Boot off" : "no EFI (no Secure Boot)") :
		 "Secure Boot unknown", *lockdown ? lockdown : "unknown", enforced ? "on" : "off");
	if (sb != 1 && !locked && !enforced) {
		if (sb < 0) {
			c = check_add(r, "module_signing", CHECK_UNKNOWN);
			check_what(c, "%s: cannot read the SecureBoot EFI variable", why);
		} else {
			c = check_add(r, "module_signing", CHECK_OK);
			check_what(c, "%s: unsigned modules load", why);
		}
		return;
	}
	if (r->module_loaded) {
		c = check_add(r, "module_signing", CHECK_OK);
		check_what(c, "%s: only signed modules load, and causal is loaded", why);
		return;
	}
	c = check_add(r, "module_signing", CHECK_WARNING);
	if (efi) {
		check_what(c, "%s: only signed modules load; DKMS signs causal with %s (%s), which "
			   "loads once its key is enrolled ('mokutil --test-key %s' tells)", why, DKMS_MOK,
			   mok ? "present" : "not created yet: DKMS makes it on its first build", DKMS_MOK);
		check_fix(c, h, "sudo mokutil --import %s, then reboot and enroll it in MokManager",
			  DKMS_MOK);
	} else {
		check_what(c, "%s: only modules signed with a key built into the kernel load", why);
		check_fix(c, h, "boot without lockdown= and module.sig_enforce=1, or sign causal.ko "
			  "with the kernel's key (scripts/sign-file)");
	}
}

/* Everything but the program, in the order a user fixes them; r comes from status_probe(). */
void check_machine(struct status_report *r, const struct check_host *h)
{
	check_module(r, h);
	check_privileges(r, h);
	check_headers(r, h);
	check_signing(r, h);
	check_perf_events(r, h);
	check_uprobes(r, h);
}
