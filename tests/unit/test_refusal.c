/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for what causalctl says when the module refuses a session or an attach. */
#include <errno.h>
#include <unistd.h>

#include "unit.h"
#include "refusal.h"

UNIT_SCRATCH_DIR("/tmp/causal-refusal-XXXXXX")

static const struct refusal_facts user = {
	.yama_scope = 0, .root = 0, .memlock_limit = 8 << 20, .max_sessions = 16,
};

static void session_cap_names_the_parameter(void **state)
{
	char buf[1024];

	(void)state;
	assert_int_equal(refusal_open_message(EMFILE, "/dev/causal", &user, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "holds 16 causal sessions already"));
	assert_non_null(strstr(buf, "/sys/module/causal/parameters/max_sessions_per_user"));
	/* other errors are left to the caller's own messages */
	assert_int_equal(refusal_open_message(EACCES, "/dev/causal", &user, buf, sizeof(buf)), 0);
	assert_int_equal(refusal_open_message(ENOENT, "/dev/causal", &user, buf, sizeof(buf)), 0);
}

static void memlock_says_limit_and_ring(void **state)
{
	struct refusal_facts f = user;
	char buf[1024];

	(void)state;
	f.memlock_limit = 64 << 10;
	assert_int_equal(refusal_attach_message(ENOMEM, 42, 257 * 4096, &f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "process 42"));
	assert_non_null(strstr(buf, "sample ring (1028 KiB)"));
	assert_non_null(strstr(buf, "RLIMIT_MEMLOCK ('ulimit -l') is 64 KiB"));
	/* unlimited: the memory cgroup is what is left */
	f.memlock_limit = UINT64_MAX;
	assert_int_equal(refusal_attach_message(ENOMEM, 42, 257 * 4096, &f, buf, sizeof(buf)), 1);
	assert_null(strstr(buf, "RLIMIT_MEMLOCK"));
	assert_non_null(strstr(buf, "memory.max"));
}

static void yama_explained_to_users_only(void **state)
{
	struct refusal_facts f = user;
	char buf[1024];

	(void)state;
	/* no Yama, or scope 0: the caller's message about owners and dumpability */
	assert_int_equal(refusal_attach_message(EACCES, 7, 4096, &f, buf, sizeof(buf)), 0);
	f.yama_scope = -1;
	assert_int_equal(refusal_attach_message(EACCES, 7, 4096, &f, buf, sizeof(buf)), 0);
	f.yama_scope = 1;
	assert_int_equal(refusal_attach_message(EACCES, 7, 4096, &f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "kernel.yama.ptrace_scope is 1"));
	assert_non_null(strstr(buf, "causalctl run"));
	f.yama_scope = 2;
	assert_int_equal(refusal_attach_message(EPERM, 7, 4096, &f, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "kernel.yama.ptrace_scope is 2"));
	assert_non_null(strstr(buf, "CAP_SYS_PTRACE"));
	/* root refused is something else (namespaces, LSMs): the caller says that */
	f.root = 1;
	assert_int_equal(refusal_attach_message(EACCES, 7, 4096, &f, buf, sizeof(buf)), 0);
	assert_int_equal(refusal_attach_message(ESRCH, 7, 4096, &user, buf, sizeof(buf)), 0);
}

static void facts_read_from_proc_and_sysfs(void **state)
{
	struct refusal_facts f;

	(void)state;
	/* neither there: no Yama, the parameter unknown */
	refusal_facts_read(&f, dir, dir);
	assert_int_equal(f.yama_scope, -1);
	assert_int_equal(f.max_sessions, -1);
	assert_int_equal(sh("mkdir -p '%s/sys/kernel/yama' '%s/module/causal/parameters'", dir, dir),
			 0);
	assert_int_equal(unit_write_text(dir, "sys/kernel/yama/ptrace_scope", "2\n"), 0);
	assert_int_equal(unit_write_text(dir, "module/causal/parameters/max_sessions_per_user", "3\n"), 0);
	refusal_facts_read(&f, dir, dir);
	assert_int_equal(f.yama_scope, 2);
	assert_int_equal(f.max_sessions, 3);
	assert_int_equal(f.root, geteuid() == 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(session_cap_names_the_parameter),
	cmocka_unit_test(memlock_says_limit_and_ring),
	cmocka_unit_test(yama_explained_to_users_only),
	/* the one test that reads files: they are in a scratch directory of its own */
	cmocka_unit_test_setup_teardown(facts_read_from_proc_and_sysfs, setup, teardown),
};

UNIT_MAIN(tests, NULL, NULL)
