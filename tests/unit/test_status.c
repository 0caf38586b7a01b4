/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for causalctl status: probing a fake sysfs and device, the verdict and both outputs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>
#include <sys/stat.h>

#include "unit.h"

/* A scratch directory holding a fake sysfs ("sys") and a fake device ("causal"). */
struct scratch {
	char dir[64];
	char sysfs[128];
	char device[128];
};

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void fake_module(struct scratch *s, const char *version)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/module", s->sysfs);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/module/causal", s->sysfs);
	assert_int_equal(mkdir(path, 0755), 0);
	if (version) {
		snprintf(path, sizeof(path), "%s/module/causal/version", s->sysfs);
		write_file(path, version, 0444);
	}
}

static int setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/causal-unit-status-XXXXXX");
	if (!mkdtemp(s->dir))
		return -1;
	snprintf(s->sysfs, sizeof(s->sysfs), "%s/sys", s->dir);
	snprintf(s->device, sizeof(s->device), "%s/causal", s->dir);
	if (mkdir(s->sysfs, 0755))
		return -1;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct scratch *s = *state;
	int ret = unit_rm_tree(s->dir);

	free(s);
	return ret;
}

/* What a loaded module with a working device reports. */
static struct status_report good(void)
{
	struct status_report r = {
		.module_loaded = true,
		.module_version = "0.1.0",
		.device = "/dev/causal",
		.device_exists = true,
		.device_mode = S_IFCHR | 0600,
		.device_owner = "root:root",
		.can_open = true,
		.answered = true,
		.abi = CAUSAL_ABI_VERSION,
		.features = CAUSAL_FEATURE_TASK_WORK_EXPORTED | CAUSAL_FEATURE_KUNIT,
		.release = "0.1.0",
	};

	return r;
}

static struct status_report no_module(void)
{
	struct status_report r = {
		.device = "/dev/causal",
		.device_errno = ENOENT,
	};

	return r;
}

static struct status_report permission_denied(void)
{
	struct status_report r = good();

	r.can_open = false;
	r.open_errno = EACCES;
	r.answered = false;
	r.abi = 0;
	r.features = 0;
	r.release[0] = '\0';
	return r;
}

struct output {
	struct capture text, problem, json;
};

static void format(struct output *o, const struct status_report *r)
{
	capture_open(&o->text);
	capture_open(&o->problem);
	capture_open(&o->json);
	status_print_text(o->text.f, r);
	status_print_problem(o->problem.f, r);
	status_print_json(o->json.f, r);
	capture_text(&o->text);
	capture_text(&o->problem);
	capture_text(&o->json);
}

static void format_done(struct output *o)
{
	capture_close(&o->text);
	capture_close(&o->problem);
	capture_close(&o->json);
}

/*
 * What status prints of a report: each output exactly (*_is, unless NULL) or holding each of a
 * list of pieces (a list ends at its first NULL).
 */
struct want {
	const char *text_is, *problem_is, *json_is;
	const char *text[4], *problem[6], *json[4];
};

static void assert_pieces(const char *what, const char *buf, const char *is, const char *const *pieces,
			  size_t n)
{
	if (is && strcmp(buf, is))
		fail_msg("expected the %s output\n%s\ngot\n%s", what, is, buf);
	for (size_t i = 0; i < n && pieces[i]; i++)
		assert_contains(buf, pieces[i]);
}

static void check_output(const struct status_report *r, const struct want *w)
{
	struct output o;

	format(&o, r);
	assert_pieces("text", o.text.buf, w->text_is, w->text, ARRAY_SIZE(w->text));
	assert_pieces("problem", o.problem.buf, w->problem_is, w->problem, ARRAY_SIZE(w->problem));
	assert_pieces("JSON", o.json.buf, w->json_is, w->json, ARRAY_SIZE(w->json));
	format_done(&o);
}

static void probe_module_absent(void **state)
{
	struct scratch *s = *state;
	struct status_report r;

	status_probe(&r, s->sysfs, s->device);
	assert_false(r.module_loaded);
	assert_string_equal(r.module_version, "");
	assert_string_equal(r.device, s->device);
	assert_false(r.device_exists);
	assert_int_equal(r.device_errno, ENOENT);
	assert_false(r.can_open);
	assert_false(r.answered);
	assert_int_equal(status_verdict(&r), STATUS_NO_MODULE);
	assert_int_equal(status_exit_code(&r), CAUSALCTL_EXIT_FAILURE);
}

static void probe_module_version(void **state)
{
	struct scratch *s = *state;
	struct status_report r;

	fake_module(s, "0.1.0\n");
	status_probe(&r, s->sysfs, s->device);
	assert_true(r.module_loaded);
	assert_string_equal(r.module_version, "0.1.0");
	assert_int_equal(status_verdict(&r), STATUS_NO_DEVICE);
	assert_int_equal(status_exit_code(&r), CAUSALCTL_EXIT_FAILURE);
}

static void probe_module_without_version(void **state)
{
	struct scratch *s = *state;
	struct status_report r;

	fake_module(s, NULL);
	status_probe(&r, s->sysfs, s->device);
	assert_true(r.module_loaded);
	assert_string_equal(r.module_version, "");
}

static void probe_module_file_is_not_a_module(void **state)
{
	struct scratch *s = *state;
	struct status_report r;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/module", s->sysfs);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/module/causal", s->sysfs);
	write_file(path, "", 0644);
	status_probe(&r, s->sysfs, s->device);
	assert_false(r.module_loaded);
}

static void probe_regular_file_device(void **state)
{
	struct scratch *s = *state;
	struct status_report r;

	fake_module(s, "0.1.0\n");
	write_file(s->device, "", 0640);
	status_probe(&r, s->sysfs, s->device);
	assert_true(r.device_exists);
	assert_true(S_ISREG(r.device_mode));
	assert_int_equal(r.device_mode & 07777, 0640);
	assert_true(strchr(r.device_owner, ':') != NULL);
	if (geteuid() == 0 || access(s->device, R_OK | W_OK) == 0)
		assert_true(r.can_open);
	assert_false(r.answered);	/* no ioctl on a plain file */
	assert_int_equal(status_verdict(&r), STATUS_NOT_CHARDEV);

	check_output(&r, &(const struct want){
		.text = { " (-rw-r----- " },
		.problem = { "is not a character device" },
		.json = { "\"device_exists\":true,\"device_mode\":\"-rw-r-----\"" },
	});
}

static void probe_directory_device_is_not_opened(void **state)
{
	struct scratch *s = *state;
	struct status_report r;

	fake_module(s, "0.1.0\n");
	assert_int_equal(mkdir(s->device, 0755), 0);
	status_probe(&r, s->sysfs, s->device);
	assert_true(r.device_exists);
	assert_false(r.can_open);
	assert_int_equal(r.open_errno, 0);
	assert_int_equal(status_verdict(&r), STATUS_NOT_CHARDEV);
}

/* /dev/null is a character device that does not know CAUSAL_IOC_VERSION: the ioctl is reached */
static void probe_foreign_char_device(void **state)
{
	struct scratch *s = *state;
	struct status_report r;

	fake_module(s, "0.1.0\n");
	status_probe(&r, s->sysfs, "/dev/null");
	assert_true(S_ISCHR(r.device_mode));
	assert_true(r.can_open);
	assert_false(r.answered);
	assert_int_equal(r.ioctl_errno, ENOTTY);
	assert_int_equal(status_verdict(&r), STATUS_IOCTL_FAILED);
	assert_int_equal(status_exit_code(&r), CAUSALCTL_EXIT_FAILURE);

	check_output(&r, &(const struct want){
		.problem = { "/dev/null does not answer CAUSAL_IOC_VERSION" },
		.json = { "\"abi\":null,\"release\":null,\"features\":null" },
	});
}

/*
 * The verdict names the first thing that does not work, in this order: from good(), each step
 * breaks one more thing, one that comes before those already broken (err: the errno of the first
 * of them), and only a report where all works exits 0.
 */
static void verdict_order(void **state)
{
	static const struct {
		bool loaded, exists, chardev, opens, answers, same_abi;
		int err;
		enum status_verdict verdict;
	} steps[] = {
		{ true, true, true, true, true, true, 0, STATUS_OK },
		{ true, true, true, true, true, false, 0, STATUS_ABI_MISMATCH },
		{ true, true, true, true, false, false, EINVAL, STATUS_IOCTL_FAILED },
		{ true, true, true, false, false, false, ENXIO, STATUS_OPEN_FAILED },
		{ true, true, true, false, false, false, EPERM, STATUS_NO_PERMISSION },
		{ true, true, true, false, false, false, EACCES, STATUS_NO_PERMISSION },
		{ true, true, false, false, false, false, 0, STATUS_NOT_CHARDEV },
		{ true, false, false, false, false, false, ENOENT, STATUS_NO_DEVICE },
		{ false, false, false, false, false, false, 0, STATUS_NO_MODULE },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		int exit_code = steps[i].verdict == STATUS_OK ? CAUSALCTL_EXIT_OK : CAUSALCTL_EXIT_FAILURE;
		struct status_report r = good();

		r.module_loaded = steps[i].loaded;
		r.device_exists = steps[i].exists;
		r.device_errno = steps[i].exists ? 0 : steps[i].err;
		r.device_mode = (steps[i].chardev ? S_IFCHR : S_IFREG) | 0600;
		r.can_open = steps[i].opens;
		r.open_errno = steps[i].opens ? 0 : steps[i].err;
		r.answered = steps[i].answers;
		r.ioctl_errno = steps[i].answers ? 0 : steps[i].err;
		r.abi = steps[i].same_abi ? CAUSAL_ABI_VERSION : CAUSAL_ABI_VERSION + 1;
		if (status_verdict(&r) != steps[i].verdict)
			fail_msg("step %zu: verdict %d, not %d", i + 1, status_verdict(&r), steps[i].verdict);
		if (status_exit_code(&r) != exit_code)
			fail_msg("step %zu: exit status %d, not %d", i + 1, status_exit_code(&r), exit_code);
	}
}

/* The reports the output cases print: good(), no_module() or permission_denied(), some changed. */
enum report_kind {
	NO_STEP,
	NO_MODULE,
	DEVICE_MISSING,
	DEVICE_LOOPS,
	PERMISSION_DENIED,
	ABI_2,
	ALL_GOOD,
	NO_FEATURES,
	UNKNOWN_FEATURE,
	ODD_NAMES,
	MODE_BITS,
};

static struct status_report report_of(enum report_kind k)
{
	struct status_report r = k == NO_MODULE || k == DEVICE_MISSING ? no_module() :
				 k == PERMISSION_DENIED ? permission_denied() : good();

	switch (k) {
	case DEVICE_MISSING:
		r.module_loaded = true;
		strcpy(r.module_version, "0.1.0");
		break;
	case DEVICE_LOOPS:
		r = report_of(DEVICE_MISSING);
		r.device_errno = ELOOP;
		break;
	case ABI_2:
		r.abi = 2;
		break;
	case NO_FEATURES:
		r.features = 0;
		break;
	case UNKNOWN_FEATURE:
		r.features = CAUSAL_FEATURE_KUNIT | (1ULL << 9);
		break;
	case ODD_NAMES:
		r.device = "/tmp/odd \"dev\"\n";
		strcpy(r.release, "0.1\\x");
		break;
	case MODE_BITS:
		r.device_mode = S_IFCHR | S_ISUID | S_ISGID | S_ISVTX | 0754;
		break;
	default:
		break;
	}
	return r;
}

/*
 * An output case: up to two reports and what status prints of each (check_output()), with
 * status_exit_code() where check_exit is set, and strerror(text_errno) in the text where that is set.
 */
struct output_case {
	struct output_step {
		enum report_kind report;
		bool check_exit;
		int exit_code;
		int text_errno;
		struct want want;
	} steps[2];
};

static void output_case(void **state)
{
	const struct output_case *c = *state;

	for (size_t i = 0; i < ARRAY_SIZE(c->steps) && c->steps[i].report != NO_STEP; i++) {
		const struct output_step *step = &c->steps[i];
		struct status_report r = report_of(step->report);
		struct want w = step->want;

		if (step->check_exit)
			assert_int_equal(status_exit_code(&r), step->exit_code);
		if (step->text_errno) {
			assert_null(w.text[0]);
			w.text[0] = strerror(step->text_errno);
		}
		check_output(&r, &w);
	}
}

static const struct output_case module_absent = { { {
	.report = NO_MODULE,
	.want = {
		.text_is = "causalctl: " CAUSAL_VERSION " (ABI 1)\n"
			   "module:    not loaded\n"
			   "device:    /dev/causal: not found\n",
		.problem = {
			"causalctl status: the causal module is not loaded.\n",
			"'sudo insmod causal.ko' in a source tree",
			"'sudo modprobe causal' once DKMS has built it (the causal-dkms",
			"'make demo' runs causal in a VM",
		},
		.json_is = "{\"schema\":1,\"causalctl_version\":\"" CAUSAL_VERSION "\",\"causalctl_abi\":1,"
			   "\"module_loaded\":false,\"module_version\":null,"
			   "\"device\":\"/dev/causal\",\"device_exists\":false,\"device_mode\":null,"
			   "\"device_owner\":null,\"can_open\":false,"
			   "\"abi\":null,\"release\":null,\"features\":null,"
			   "\"error\":\"the causal module is not loaded\",\"checks\":[]}\n",
	},
} } };

static const struct output_case device_missing = { {
	{
		.report = DEVICE_MISSING,
		.want = {
			.text = { "module:    loaded, version 0.1.0\n", "device:    /dev/causal: not found\n" },
			.problem = { "the module is loaded but /dev/causal does not exist", "--device PATH" },
			.json = {
				"\"module_loaded\":true,\"module_version\":\"0.1.0\"",
				"\"error\":\"the module is loaded but /dev/causal does not exist\"",
			},
		},
	},
	{
		.report = DEVICE_LOOPS,
		.text_errno = ELOOP,
		.want = { .problem = { "cannot access /dev/causal: " } },
	},
} };

static const struct output_case permission_denied_case = { { {
	.report = PERMISSION_DENIED, .check_exit = true, .exit_code = CAUSALCTL_EXIT_FAILURE,
	.want = {
		.text_is = "causalctl: " CAUSAL_VERSION " (ABI 1)\n"
			   "module:    loaded, version 0.1.0\n"
			   "device:    /dev/causal (crw------- root:root), cannot open: Permission denied\n",
		.problem = { "permission denied opening /dev/causal", "root", "CAP_PERFMON", "CAP_SYS_ADMIN",
			     "sudo causalctl status" },
		.json = {
			"\"device_mode\":\"crw-------\",\"device_owner\":\"root:root\",\"can_open\":false,\"abi\":null",
			"\"error\":\"permission denied opening /dev/causal\",\"checks\":[]}\n",
		},
	},
} } };

static const struct output_case abi_mismatch = { { {
	.report = ABI_2, .check_exit = true, .exit_code = CAUSALCTL_EXIT_FAILURE,
	.want = {
		.text = { "abi:       2 (causalctl has 1)\n" },
		.problem = { "the module has ABI 2 but causalctl has ABI 1", "Rebuild one of them" },
		.json = { "\"abi\":2,", "\"error\":\"the module has ABI 2 but causalctl has ABI 1\"," },
	},
} } };

static const struct output_case all_good = { { {
	.report = ALL_GOOD, .check_exit = true, .exit_code = CAUSALCTL_EXIT_OK,
	.want = {
		.text_is = "causalctl: " CAUSAL_VERSION " (ABI 1)\n"
			   "module:    loaded, version 0.1.0\n"
			   "device:    /dev/causal (crw------- root:root), opens\n"
			   "abi:       1\n"
			   "release:   0.1.0\n"
			   "features:  task_work_exported, kunit\n",
		.problem_is = "",
		.json_is = "{\"schema\":1,\"causalctl_version\":\"" CAUSAL_VERSION "\",\"causalctl_abi\":1,"
			   "\"module_loaded\":true,\"module_version\":\"0.1.0\","
			   "\"device\":\"/dev/causal\",\"device_exists\":true,\"device_mode\":\"crw-------\","
			   "\"device_owner\":\"root:root\",\"can_open\":true,"
			   "\"abi\":1,\"release\":\"0.1.0\",\"features\":[\"task_work_exported\",\"kunit\"],"
			   "\"error\":null,\"checks\":[]}\n",
	},
} } };

static const struct output_case features_in = { {
	{
		.report = NO_FEATURES,
		.want = { .text = { "features:  none\n" }, .json = { "\"features\":[]," } },
	},
	{
		.report = UNKNOWN_FEATURE,
		.want = {
			.text = { "features:  kunit, unknown(0x200)\n" },
			.json = { "\"features\":[\"kunit\",\"unknown(0x200)\"]," },
		},
	},
} };

static const struct output_case json_escapes = { { {
	.report = ODD_NAMES,
	.want = { .json = { "\"device\":\"/tmp/odd \\\"dev\\\"\\n\"", "\"release\":\"0.1\\\\x\"" } },
} } };

static const struct output_case mode_bits = { { {
	.report = MODE_BITS,
	.want = { .text = { "(crwsr-sr-T root:root)" } },
} } };

/* A test named test running output_case() on c. */
#define output_test(test, c) \
	{ .name = #test, .test_func = output_case, .initial_state = (void *)&(c) }

#define scratch_test(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static const struct CMUnitTest tests[] = {
	scratch_test(probe_module_absent),
	scratch_test(probe_module_version),
	scratch_test(probe_module_without_version),
	scratch_test(probe_module_file_is_not_a_module),
	scratch_test(probe_regular_file_device),
	scratch_test(probe_directory_device_is_not_opened),
	scratch_test(probe_foreign_char_device),
	cmocka_unit_test(verdict_order),
	output_test(module_absent_output, module_absent),
	output_test(device_missing_output, device_missing),
	output_test(permission_denied_output, permission_denied_case),
	output_test(abi_mismatch_output, abi_mismatch),
	output_test(all_good_output, all_good),
	output_test(features_in_output, features_in),
	output_test(json_escapes_what_it_reports, json_escapes),
	output_test(mode_bits_in_output, mode_bits),
};

UNIT_MAIN(tests, NULL, NULL)
