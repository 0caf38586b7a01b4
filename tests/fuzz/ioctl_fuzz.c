// SPDX-License-Identifier: GPL-2.0
/*
 * A fuzzer of /dev/causal, run in the VM (static): random and structured ioctl, mmap, read, write,
 * poll and close calls from several threads of several processes at once, against live targets
 * (children that spin, sleep, wake each other, fork, exec and exit, and get SIGKILLed).
 *
 *   ioctl_fuzz [-s SEED] [-n CALLS] [-t SECONDS] [-m MIN_CALLS] [-p PROCS] [-j THREADS]
 *              [-H HANG_SECONDS]
 *
 * Every worker thread draws its calls from its own generator seeded from SEED, so a run is
 * reproduced (up to the interleaving of the threads) by giving the seed it printed. The run ends
 * after CALLS calls or SECONDS seconds, whichever comes first. A call that does not return within
 * HANG_SECONDS (default 60) is a hang: the fuzzer prints the thread's kernel stack and fails.
 * Output is KTAP, the calls made per operation and per errno as diagnostics, and four results: no
 * call hung and no worker crashed; at least MIN_CALLS calls were made (default 1000, or CALLS if
 * less); every command succeeded at least once; and at least 2 % of the experiment starts did (so
 * that the accounting and delay paths were reached). A run that did little tested nothing.
 * The kernel's own reports (KASAN, lockdep, kmemleak, ...) are the harness's business.
 *
 * ioctl_fuzz --target LIFETIME_MS    the target mode (run from a copy of this binary)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/causal.h>

#include "../vm/clock.h"
#include "../vm/options.h"

#define PAGE 4096UL

#define MAX_PROCS 16
#define MAX_THREADS 16
#define NR_SLOTS 8		/* session fds per worker process */
#define NR_TARGETS 3		/* live targets per worker process */
#define NR_MAPS 8		/* mappings kept per worker thread */
#define NR_ERRNO 140		/* errno histogram; the last bucket is "other" */

#define VICTIM "/tmp/ioctl_fuzz_target"
#define CGROUP_DIR "/tmp/ioctl_fuzz_cg"

enum op {
	OP_OPEN, OP_CLOSE, OP_DUP, OP_IOCTL, OP_MMAP, OP_MUNMAP, OP_TOUCH, OP_READ, OP_WRITE,
	OP_POLL, OP_MISC, OP_FORK, OP_SESSION, NR_OPS
};
static const char *const op_names[NR_OPS] = {
	"open", "close", "dup", "ioctl", "mmap", "munmap", "touch", "read", "write", "poll", "misc",
	"fork", "session",
};
#define NR_CMDS 9	/* the eight commands, then "other" */
static const char *const cmd_names[NR_CMDS] = {
	"VERSION", "ATTACH", "EXPERIMENT_START", "EXPERIMENT_STOP", "STATS", "PROGRESS_ADD",
	"PROGRESS_READ", "UNWIND_SET", "other",
};

/* ---- shared between the processes (an anonymous shared mapping) ---- */

struct slot {			/* what a worker thread is doing, for the hang watchdog */
	_Atomic uint64_t start_ns;	/* 0 when not in a call */
	_Atomic int tid;
	_Atomic int op;
	_Atomic uint32_t cmd;
};

struct shared {
	uint64_t target;		/* calls to make */
	_Atomic int stop;
	_Atomic uint64_t calls;
	_Atomic uint64_t errnos[NR_ERRNO];	/* [0]: success */
	_Atomic uint64_t ops[NR_OPS], ops_ok[NR_OPS];
	_Atomic uint64_t cmds[NR_CMDS], cmds_ok[NR_CMDS];
	_Atomic uint64_t targets_spawned, targets_killed;
	struct slot slots[MAX_PROCS][MAX_THREADS];
};

static struct shared *sh;
static uint64_t seed = 0;
static int nprocs = 4, nthreads = 4;
static uint64_t hang_ns = 60 * SEC;


/* ---- the generator: splitmix64 per worker thread ---- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

/* true with probability pct % */
static bool chance(struct rng *r, unsigned int pct)
{
	return below(r, 100) < pct;
}

/*
 * Half of the ioctls are "sane": every field valid but for the choices made on purpose (pid,
 * delay, ...), so that calls get deep into the module; the others mutate any field.
 */
static __thread bool sane;

/* the valid choice: always when sane, else with probability pct % */
static bool valid(struct rng *r, unsigned int pct)
{
	return sane || chance(r, pct);
}

/* an "interesting" 64-bit value: boundaries, small numbers, powers of two, or noise */
static uint64_t wild64(struct rng *r)
{
	static const uint64_t special[] = {
		0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 63, 64, 255, 256, 4095, 4096, 4097, 65535, 65536,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
		0x8000000000000000ULL, ~0ULL, ~0ULL - 1,
	};

	switch (below(r, 4)) {
	case 0:
		return special[below(r, sizeof(special) / sizeof(special[0]))];
	case 1:
		return below(r, 64);
	case 2:
		return 1ULL << below(r, 64);
	default:
		return rnd(r);
	}
}

/* ---- the target: a copy of this binary, so that probes at random offsets hit nobody else ---- */

#define WORK_SECTION __attribute__((noinline, used, section("fuzzspin")))
extern char __start_fuzzspin[], __stop_fuzzspin[];
static volatile uint64_t sink;

WORK_SECTION uint64_t fuzz_spin(uint64_t n, uint64_t x)
{
	for (uint64_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

static int target_pipe[2];
static uint64_t target_end;

/* spins, and wakes its sibling through a pipe now and then, until the lifetime is over */
static void *target_thread(void *arg)
{
	uint64_t i = (uintptr_t)arg;
	char c = 'x';

	while (now_ns() < target_end) {
		sink += fuzz_spin(5000, i);
		if (i & 1) {
			if (write(target_pipe[1], &c, 1) < 0)
				break;
		} else {
			struct pollfd p = { .fd = target_pipe[0], .events = POLLIN };

			if (poll(&p, 1, 5) > 0 && read(target_pipe[0], &c, 1) < 0)
				break;
		}
		sleep_ns(i % 2 ? 2 * MS : MS / 2);
	}
	return NULL;
}

static int target_main(uint64_t lifetime_ms, uint64_t generation)
{
	pthread_t t[4];
	int n = 2 + lifetime_ms % 3;

	if (pipe2(target_pipe, O_NONBLOCK))
		return 1;
	target_end = now_ns() + lifetime_ms * MS;
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, target_thread, (void *)(uintptr_t)i);
	/* some targets fork a short-lived child, some exec themselves again midway */
	if (lifetime_ms % 5 == 0) {
		pid_t c = fork();

		if (c == 0) {
			sink += fuzz_spin(100000, 9);
			_exit(0);
		}
		if (c > 0)
			waitpid(c, NULL, 0);
	}
	if (lifetime_ms % 7 == 0 && generation < 2) {
		char life[32], gen[32];

		sleep_ns(lifetime_ms * MS / 2);
		snprintf(life, sizeof(life), "%" PRIu64, lifetime_ms / 2 + 1);
		snprintf(gen, sizeof(gen), "%" PRIu64, generation + 1);
		execl(VICTIM, VICTIM, "--target", life, gen, (char *)NULL);
	}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}

/* ---- what a worker process shares between its threads ---- */

static _Atomic int slots[NR_SLOTS];		/* session fds, -1 if none */
static _Atomic pid_t targets[NR_TARGETS];
static int other_fds[16];			/* /proc files, pipes, dirs, sockets ... */
static int nr_other_fds;
static int victim_fd = -1, self_exe_fd = -1, cgroup_fd = -1;
static uint64_t victim_size, spin_offset;	/* file offset of fuzz_spin in the victim */
static char *guard;		/* a page, then a PROT_NONE page */
static char *rodata_page;	/* a read-only page */
/*
 * A page no access is allowed to, kept for the whole run. It used to be unmapped right away, but
 * then a later mapping (a thread's stack, the sanitizer's heap) could take its address, and the
 * kernel wrote fuzzed results into it: the fuzzer crashed itself.
 */
static void *inaccessible;
static int proc_id;

/*
 * An fd for a call: mostly a session slot (maybe empty: -1), else another fd of ours or a number
 * that is probably no open fd (never 0..2, whose reads could block).
 */
static int pick_slot_fd(struct rng *r)
{
	int fd = slots[below(r, NR_SLOTS)];

	for (int i = 0; fd < 0 && i < 3 && chance(r, 70); i++)
		fd = slots[below(r, NR_SLOTS)];	/* an empty slot: look at another */

	if (fd >= 0 || !chance(r, 20))
		return fd;
	if (chance(r, 50) && nr_other_fds)
		return other_fds[below(r, nr_other_fds)];
	return 3 + (int)below(r, 1021);
}

static pid_t pick_pid(struct rng *r)
{
	switch (below(r, 12)) {
	case 0:
		return getpid();		/* ourselves (small delays only, see pick_delay) */
	case 1:
		return 1;			/* init */
	case 2:
		return 2;			/* kthreadd: a kernel thread */
	case 3:
		return (pid_t)wild64(r);
	case 4:
		return (pid_t)below(r, 32768);
	case 5:
		return syscall(SYS_gettid);	/* a thread, not a process */
	default:
		return targets[below(r, NR_TARGETS)];
	}
}

/*
 * A user pointer for an argument of `len` bytes, with `buf` holding the contents: mostly buf
 * itself, else NULL, inaccessible, kernel, unaligned, straddling a PROT_NONE page, or read-only.
 * The unaligned copy moves the contents up to 7 bytes up: `buf` must have room for len +
 * PTR_SLACK bytes (without it, a full run overwrote a worker's return address and crashed it).
 */
#define PTR_SLACK 8

static void *pick_ptr(struct rng *r, void *buf, size_t len, unsigned int bad_pct)
{
	if (sane || !chance(r, bad_pct))
		return buf;
	switch (below(r, 8)) {
	case 0:
		return NULL;
	case 1:
		return inaccessible;
	case 2:
		return (void *)0xffffffff81000000UL;
	case 3:
		return (void *)(uintptr_t)wild64(r);
	case 4: {			/* unaligned copy, within PTR_SLACK */
		char *p = (char *)buf + 1 + below(r, 7);

		memmove(p, buf, len);
		return p;
	}
	case 5: {			/* the struct runs into the guard page */
		size_t keep = below(r, len < PAGE ? len : PAGE);
		char *p = guard + PAGE - keep;

		memcpy(p, buf, keep);
		return p;
	}
	case 6:
		return rodata_page;
	default:
		return rodata_page + PAGE - 1 - below(r, 16);	/* starts read-only: a write faults at once */
	}
}

/* the size field of an argument struct: mostly right, sometimes the first or any other size */
static uint32_t pick_size(struct rng *r, uint32_t size, uint32_t ver0)
{
	switch (sane ? 9 : below(r, 10)) {
	case 0:
		return ver0;
	case 1:
		return ver0 - 1 - below(r, ver0);
	case 2:
		return size + 8 * (1 + below(r, 4));
	case 3:
		return (uint32_t)wild64(r);
	default:
		return size;
	}
}

/* argument buffers: room for a struct plus trailing bytes past its size */
struct argbuf {
	union {
		struct {	/* what every argument struct begins with */
			__u32 size;
			__u32 flags;
		} head;
		struct causal_version v;
		struct causal_attach a;
		struct causal_experiment e;
		struct causal_experiment_result res;
		struct causal_stats st;
		struct causal_progress p;
		struct causal_progress_counts c;
		struct causal_unwind u;
		unsigned char raw[512];
	};
	unsigned char slack[PAGE];
};

static void fill_ranges(struct rng *r, struct causal_range *rg, uint32_t n)
{
	uint64_t s = (uintptr_t)__start_fuzzspin, e = (uintptr_t)__stop_fuzzspin;

	for (uint32_t i = 0; i < n; i++) {
		switch (sane ? 4 + below(r, 4) : below(r, 8)) {
		case 0:
			rg[i].start = wild64(r);
			rg[i].end = wild64(r);
			break;
		case 1:
			rg[i].start = rg[i].end = s + below(r, 64);	/* empty */
			break;
		case 2:
			rg[i].start = e;
			rg[i].end = s;		/* inverted */
			break;
		case 3:
			rg[i].start = 0xffffffff81000000ULL;
			rg[i].end = rg[i].start + PAGE;
			break;
		case 4:
			rg[i].start = s + below(r, e - s);
			rg[i].end = rg[i].start + 1 + below(r, 1 << 20);
			break;
		default:
			rg[i].start = s;
			rg[i].end = e;
		}
	}
}

/* the rows that fit in a worker's range buffer */
#define MAX_FUZZ_ROWS ((CAUSAL_MAX_RANGES + 8) * sizeof(struct causal_range) / \
		       sizeof(struct causal_unwind_row))

/*
 * Call frame rows over the code the workers spin in, sorted, with any offsets: the sampler
 * unwinds the workers' stacks by them, reading wherever they point. Now and then a broken row.
 */
static void fill_unwind_rows(struct rng *r, struct causal_unwind_row *row, uint32_t n)
{
	uint64_t at = (uintptr_t)__start_fuzzspin + below(r, 64);

	for (uint32_t i = 0; i < n; i++) {
		row[i] = (struct causal_unwind_row){
			.start = at,
			.len = 1 + below(r, 256),
			.flags = below(r, CAUSAL_UNWIND_ROW_FLAGS + 1),
			.cfa_off = 8 * (1 + below(r, 64)),
		};
		if (row[i].flags & CAUSAL_UNWIND_RBP_SAVED)
			row[i].rbp_off = -8 * (2 + (int32_t)below(r, 8));
		at += row[i].len + below(r, 16);
		if (valid(r, 98))
			continue;
		switch (below(r, 4)) {
		case 0:
			row[i].start = wild64(r);	/* out of order, or in the kernel */
			break;
		case 1:
			row[i].len = (uint32_t)wild64(r);
			break;
		case 2:
			row[i].flags = (uint32_t)wild64(r);
			break;
		default:
			row[i].cfa_off = (int32_t)wild64(r);
			row[i].rbp_off = (int32_t)wild64(r);
		}
	}
}

static uint64_t pick_delay(struct rng *r, bool *big)
{
	*big = false;
	switch (sane ? 3 + below(r, 17) : below(r, 20)) {
	case 0:
		*big = true;
		return CAUSAL_DELAY_MAX_NS;
	case 1:
		return CAUSAL_DELAY_MAX_NS + 1 + below(r, 4);
	case 2:
		return wild64(r);
	case 3:
		return 0;
	default:
		return below(r, 2 * MS);
	}
}

/* a delay per sample above the sampling period: bound the samples it applies to */
static bool delay_is_big(uint64_t d)
{
	return d > 2 * MS && d <= CAUSAL_DELAY_MAX_NS;
}

static uint32_t pick_count(struct rng *r, uint32_t max)
{
	switch (sane ? 4 + below(r, 4) : below(r, 8)) {
	case 0:
		return 0;
	case 1:
		return max;
	case 2:
		return max + 1;
	case 3:
		return (uint32_t)wild64(r);
	case 4:
		return 1 + below(r, max);
	default:
		return 1 + below(r, 4);
	}
}

static int pick_progress_fd(struct rng *r, __u64 *offset)
{
	*offset = below(r, 2) ? spin_offset : below(r, victim_size + 64);
	switch (below(r, 10)) {
	case 0:
		*offset = wild64(r);
		return victim_fd;
	case 1:
		*offset = spin_offset;
		return self_exe_fd;	/* a function entry: safe even in ourselves */
	case 2:
	case 3:
		return nr_other_fds ? other_fds[below(r, nr_other_fds)] : -1;
	case 4:
		return slots[below(r, NR_SLOTS)];	/* the device itself */
	case 5:
		return (int)wild64(r);
	default:
		return victim_fd;
	}
}

/* one ioctl with a generated command and argument; returns its result, sets *cmd_idx */
static long fuzz_ioctl(struct rng *r, int fd, struct argbuf *b, struct causal_range *rg,
		       uint64_t *counts, unsigned int *cmd_idx)
{
	/* the commands, and the size, first published size and flags of their argument */
	static const struct {
		unsigned long cmd;
		uint32_t size, ver0;
		bool zero_flags;	/* flags must be 0 (else the command's case sets them) */
	} cmds[NR_CMDS - 1] = {
		{ CAUSAL_IOC_VERSION, sizeof(struct causal_version), CAUSAL_VERSION_SIZE_VER0,
		  true },
		{ CAUSAL_IOC_ATTACH, sizeof(struct causal_attach), CAUSAL_ATTACH_SIZE_VER0, false },
		{ CAUSAL_IOC_EXPERIMENT_START, sizeof(struct causal_experiment),
		  CAUSAL_EXPERIMENT_SIZE_VER0, false },
		{ CAUSAL_IOC_EXPERIMENT_STOP, sizeof(struct causal_experiment_result),
		  CAUSAL_EXPERIMENT_RESULT_SIZE_VER0, true },
		{ CAUSAL_IOC_STATS, sizeof(struct causal_stats), CAUSAL_STATS_SIZE_VER0, true },
		{ CAUSAL_IOC_PROGRESS_ADD, sizeof(struct causal_progress),
		  CAUSAL_PROGRESS_SIZE_VER0, false },
		{ CAUSAL_IOC_PROGRESS_READ, sizeof(struct causal_progress_counts),
		  CAUSAL_PROGRESS_COUNTS_SIZE_VER0, true },
		{ CAUSAL_IOC_UNWIND_SET, sizeof(struct causal_unwind), CAUSAL_UNWIND_SIZE_VER0,
		  true },
	};
	unsigned int which = below(r, NR_CMDS - 1), nr_rg;
	unsigned long cmd = cmds[which].cmd;
	size_t len;
	void *arg;
	bool big;

	memset(b, 0, sizeof(*b));
	*cmd_idx = which;
	sane = chance(r, 50);
	switch (sane ? 9 : below(r, 10)) {
	case 0:		/* type 0xCA, numbers 0x00..0x10, any direction and size */
		cmd = _IOC(below(r, 4), CAUSAL_IOC_MAGIC, below(r, 0x11), below(r, 1 << 14));
		*cmd_idx = NR_CMDS - 1;
		break;
	case 1:
		cmd = (uint32_t)rnd(r);
		*cmd_idx = NR_CMDS - 1;
		break;
	default:
		break;
	}
	if (*cmd_idx == NR_CMDS - 1) {
		if (_IOC_TYPE(cmd) == CAUSAL_IOC_MAGIC && _IOC_NR(cmd) < NR_CMDS - 1)
			which = _IOC_NR(cmd);	/* still give it a plausible argument */
		else
			which = below(r, NR_CMDS - 1);
	}
	/* the argument's size, and its flags where they must be 0; then the command's own fields */
	len = cmds[which].size;
	b->head.size = pick_size(r, len, cmds[which].ver0);
	if (cmds[which].zero_flags)
		b->head.flags = valid(r, 90) ? 0 : wild64(r);
	switch (which) {
	case 1:
		if (sane)
			b->a.flags = chance(r, 50) ? 0 : below(r, CAUSAL_ATTACH_FLAGS + 1);
		else
			b->a.flags = chance(r, 70) ? 0 : chance(r, 50) ? below(r, 16) : wild64(r);
		if (b->a.flags & CAUSAL_ATTACH_CGROUP && chance(r, 80)) {
			b->a.cgroup_fd = valid(r, 70) ? cgroup_fd : pick_slot_fd(r);
		} else {
			b->a.pid = pick_pid(r);
			if (!valid(r, 95))
				b->a.cgroup_fd = wild64(r);
		}
		switch (sane ? 3 + below(r, 9) : below(r, 12)) {
		case 0:
			b->a.period_ns = wild64(r);
			break;
		case 1:
			b->a.period_ns = CAUSAL_PERIOD_MIN_NS - below(r, 2);
			break;
		case 2:
			b->a.period_ns = CAUSAL_PERIOD_MAX_NS + below(r, 2);
			break;
		case 3:
			b->a.period_ns = 100000 + below(r, 900000);
			break;
		default:
			b->a.period_ns = 0;
		}
		b->a.event = valid(r, 80) ? CAUSAL_EVENT_CPU_CLOCK : below(r, 3);
		b->a.callchain = below(r, CAUSAL_MAX_CALLCHAIN + (sane ? 1 : 2));
		switch (sane ? 2 + below(r, 6) : below(r, 8)) {
		case 0:
			b->a.ring_pages = wild64(r);
			break;
		case 1:	/* the largest ring, rarely: 16 MB each */
			b->a.ring_pages = chance(r, 10) ? CAUSAL_RING_PAGES_MAX : 3;
			break;
		case 2:
			b->a.ring_pages = 1U << below(r, 7);
			break;
		default:
			b->a.ring_pages = 0;
		}
		/* a wake-up batch: none, a small one, or anything (past the capacity: EINVAL) */
		b->a.wakeup = valid(r, 90) ? (chance(r, 50) ? 0 : below(r, 64)) : wild64(r);
		b->a.event_used = valid(r, 90) ? 0 : wild64(r);
		break;
	case 2:
		/* no flag, CALLCHAIN, ELAPSED, or SCOPE with ELAPSED as causalctl sets them */
		b->e.flags = valid(r, 80) ? (chance(r, 25) ? CAUSAL_EXPERIMENT_SCOPE |
					     CAUSAL_EXPERIMENT_ELAPSED : below(r, 3)) : wild64(r);
		b->e.delay_ns = pick_delay(r, &big);
		b->e.max_samples = valid(r, 70) ? 0 : wild64(r);
		b->e.max_duration_ns = valid(r, 70) ? 0 : chance(r, 50) ? below(r, SEC) : wild64(r);
		if (big || delay_is_big(b->e.delay_ns)) {	/* a few samples only */
			b->e.max_samples = 1 + below(r, 2);
			b->e.max_duration_ns = 20 * MS;
		}
		b->e.nr_ranges = pick_count(r, CAUSAL_MAX_RANGES);
		nr_rg = b->e.nr_ranges < CAUSAL_MAX_RANGES ? b->e.nr_ranges : CAUSAL_MAX_RANGES;
		fill_ranges(r, rg, nr_rg);
		b->e.ranges = (uintptr_t)pick_ptr(r, rg, nr_rg * sizeof(*rg), 15);
		/* with SCOPE, the line is the first 1..nr_ranges - 1 of them */
		if (!valid(r, 95))
			b->e.nr_line_ranges = wild64(r);
		else if (b->e.flags == (CAUSAL_EXPERIMENT_SCOPE | CAUSAL_EXPERIMENT_ELAPSED))
			b->e.nr_line_ranges = nr_rg > 1 ? 1 + below(r, nr_rg - 1) : 1;
		else
			b->e.nr_line_ranges = 0;
		break;
	case 5:
		b->p.flags = valid(r, 80) ? below(r, 2) : wild64(r);
		b->p.fd = pick_progress_fd(r, &b->p.offset);
		b->p.reserved = valid(r, 95) ? 0 : wild64(r);
		b->p.reserved2 = valid(r, 95) ? 0 : wild64(r);
		break;
	case 6:
		b->c.nr = pick_count(r, CAUSAL_MAX_PROGRESS);
		b->c.counts = (uintptr_t)pick_ptr(r, counts, (b->c.nr < 512 ? b->c.nr : 512) * 8, 15);
		b->c.reserved = valid(r, 95) ? 0 : wild64(r);
		break;
	case 7:	/* none (removes the rows), a few, or up to the bound (past the buffer) */
		b->u.nr_rows = chance(r, 10) ? 0 : pick_count(r, CAUSAL_MAX_UNWIND_ROWS);
		nr_rg = b->u.nr_rows < MAX_FUZZ_ROWS ? b->u.nr_rows : MAX_FUZZ_ROWS;
		fill_unwind_rows(r, (struct causal_unwind_row *)rg, nr_rg);
		b->u.rows = (uintptr_t)pick_ptr(r, rg, nr_rg * sizeof(struct causal_unwind_row), 15);
		b->u.reserved = valid(r, 95) ? 0 : wild64(r);
		break;
	}
	/* trailing bytes past the struct: zero (accepted) or not (E2BIG) */
	if (!valid(r, 90))
		b->raw[len + below(r, 64)] = 1 + below(r, 255);
	arg = pick_ptr(r, b, len + 64, 10);
	sane = false;
	return ioctl(fd, cmd, arg);
}

/* ---- worker threads ---- */

struct map {
	void *addr;
	size_t len;
	bool touchable;		/* a readable mapping of the device */
	bool ring;		/* ... of the ring, writable and shared */
};

struct worker {
	int idx;
	struct rng r;
	struct map maps[NR_MAPS];
	struct argbuf *b;
	struct causal_range *rg;
	uint64_t *counts;
};

static void count(int op, long ret, int err)
{
	int e = ret < 0 ? (err > 0 && err < NR_ERRNO - 1 ? err : NR_ERRNO - 1) : 0;

	atomic_fetch_add_explicit(&sh->calls, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sh->errnos[e], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sh->ops[op], 1, memory_order_relaxed);
	if (ret >= 0)
		atomic_fetch_add_explicit(&sh->ops_ok[op], 1, memory_order_relaxed);
}

static void do_mmap(struct worker *w, struct rng *r, int fd, bool dev)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE, PROT_NONE,
				     PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC };
	struct map *m = &w->maps[below(r, NR_MAPS)];
	int prot = prots[below(r, 6)], flags = chance(r, 80) ? MAP_SHARED : MAP_PRIVATE;
	uint64_t off;
	size_t len;
	void *p;

	if (chance(r, 40)) {	/* as documented: the stats page, or a default-sized ring */
		bool ring = chance(r, 50);

		off = ring ? CAUSAL_MMAP_RING : CAUSAL_MMAP_STATS;
		len = ring ? (CAUSAL_RING_PAGES_DEFAULT + 1) * PAGE : PAGE;
		prot = ring ? PROT_READ | PROT_WRITE : PROT_READ;
		flags = MAP_SHARED;
		goto map;
	}
	switch (below(r, 6)) {
	case 0:
		off = CAUSAL_MMAP_STATS;
		break;
	case 1:
	case 2:
		off = CAUSAL_MMAP_RING;
		break;
	case 3:
		off = PAGE * below(r, 16);
		break;
	case 4:
		off = below(r, PAGE * 4);	/* unaligned: EINVAL from mmap itself */
		break;
	default:
		off = wild64(r) & ~(PAGE - 1);
	}
	switch (below(r, 5)) {
	case 0:
		len = PAGE;
		break;
	case 1:
		len = PAGE * (1 + (1ULL << below(r, 8)));
		break;
	case 2:
		len = (CAUSAL_RING_PAGES_DEFAULT + 1) * PAGE;
		break;
	case 3:
		len = wild64(r) & ((1ULL << 40) - 1);
		break;
	default:
		len = PAGE * (1 + below(r, 8));
	}
map:
	p = mmap(NULL, len, prot, flags, fd, (off_t)off);
	count(OP_MMAP, p == MAP_FAILED ? -1 : 0, errno);
	if (p == MAP_FAILED)
		return;
	if (m->addr)
		munmap(m->addr, m->len);
	m->addr = p;
	m->len = len;
	m->touchable = dev && (prot & PROT_READ) && (off == CAUSAL_MMAP_STATS || off == CAUSAL_MMAP_RING);
	m->ring = m->touchable && off == CAUSAL_MMAP_RING && (prot & PROT_WRITE) && flags == MAP_SHARED;
}

/*
 * Reads a device mapping, and scribbles on a ring's control page now and then: the module must
 * not trust head, tail, record_size or nr_records there.
 */
static void do_touch(struct worker *w, struct rng *r)
{
	struct map *m = &w->maps[below(r, NR_MAPS)];
	volatile uint64_t *q;
	uint64_t sum = 0;

	if (!m->addr || !m->touchable)
		return;
	q = m->addr;
	for (size_t i = 0; i < 8; i++)
		sum += q[i];
	sink += sum;
	if (m->ring && chance(r, 30))
		q[below(r, 3)] = chance(r, 50) ? wild64(r) : q[0] + below(r, 4);
	atomic_fetch_add_explicit(&sh->calls, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sh->ops[OP_TOUCH], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sh->ops_ok[OP_TOUCH], 1, memory_order_relaxed);
}

static pid_t spawn_target(struct rng *r);

/* one structured ioctl: counted like the random ones */
static long session_ioctl(int fd, unsigned int idx, unsigned long cmd, void *arg)
{
	long ret = ioctl(fd, cmd, arg);
	int e = errno;

	count(OP_IOCTL, ret, e);
	atomic_fetch_add_explicit(&sh->cmds[idx], 1, memory_order_relaxed);
	if (ret >= 0)
		atomic_fetch_add_explicit(&sh->cmds_ok[idx], 1, memory_order_relaxed);
	errno = e;
	return ret;
}

/*
 * A valid session from open to experiment (random calls rarely get that deep: every field has to
 * be right at once): attach to a live target, maybe add a progress point and map the ring, run an
 * experiment on the target's spin loop for a few milliseconds, read, stop. The fd is then left in
 * a slot for the random calls (often mid-experiment) or closed.
 */
static long do_session(struct rng *r)
{
	struct causal_attach a = { .size = sizeof(a), .period_ns = chance(r, 50) ? 0 : 200000 };
	struct causal_range rg = { (uintptr_t)__start_fuzzspin, (uintptr_t)__stop_fuzzspin };
	struct causal_experiment e = { .size = sizeof(e), .nr_ranges = 1, .ranges = (uintptr_t)&rg };
	struct causal_experiment_result res = { .size = sizeof(res) };
	struct causal_stats st = { .size = sizeof(st) };
	struct causal_progress p = { .size = sizeof(p), .fd = victim_fd, .offset = spin_offset };
	uint64_t counts[4];
	struct causal_progress_counts c = { .size = sizeof(c), .nr = 4, .counts = (uintptr_t)counts };
	void *ring = MAP_FAILED;
	size_t ring_len = (CAUSAL_RING_PAGES_DEFAULT + 1) * PAGE;
	long ret;
	int fd;

	pid_t target;

	fd = open(CAUSAL_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	count(OP_OPEN, fd, errno);
	if (fd < 0)
		return -1;
	/* a target of its own: the shared ones mostly have a session already (EBUSY) */
	target = spawn_target(r);
	a.pid = target;
	a.flags = chance(r, 30) ? CAUSAL_ATTACH_TRACE_DELAYS : 0;
	a.callchain = below(r, 3);
	ret = session_ioctl(fd, 1, CAUSAL_IOC_ATTACH, &a);
	if (ret < 0)	/* the target died meanwhile: ESRCH */
		goto out;
	if (chance(r, 30))
		session_ioctl(fd, 5, CAUSAL_IOC_PROGRESS_ADD, &p);
	if (chance(r, 50)) {
		ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, CAUSAL_MMAP_RING);
		count(OP_MMAP, ring == MAP_FAILED ? -1 : 0, errno);
	}
	e.flags = chance(r, 30) ? CAUSAL_EXPERIMENT_CALLCHAIN : 0;
	e.flags |= chance(r, 50) ? CAUSAL_EXPERIMENT_ELAPSED : 0;
	e.delay_ns = chance(r, 30) ? 0 : below(r, MS);
	e.max_duration_ns = chance(r, 50) ? 0 : below(r, 50 * MS);
	ret = session_ioctl(fd, 2, CAUSAL_IOC_EXPERIMENT_START, &e);
	if (ret < 0)
		goto out;
	sleep_ns(below(r, 20 * MS));
	if (ring != MAP_FAILED)
		sink += ((volatile uint64_t *)ring)[0];
	session_ioctl(fd, 4, CAUSAL_IOC_STATS, &st);
	session_ioctl(fd, 6, CAUSAL_IOC_PROGRESS_READ, &c);
	if (chance(r, 70))
		ret = session_ioctl(fd, 3, CAUSAL_IOC_EXPERIMENT_STOP, &res);
out:
	if (ring != MAP_FAILED && chance(r, 70))
		munmap(ring, ring_len);		/* else it outlives the fd */
	if (target > 0) {
		if (chance(r, 50))
			sleep_ns(below(r, 5 * MS));	/* killed mid-experiment, or after the stop */
		kill(target, SIGKILL);
		waitpid(target, NULL, 0);
		atomic_fetch_add(&sh->targets_killed, 1);
	}
	if (chance(r, 50)) {
		int old = atomic_exchange(&slots[below(r, NR_SLOTS)], fd);

		if (old >= 0)
			close(old);
	} else {
		close(fd);
	}
	return ret;
}

/* one operation; false when the budget is spent */
static bool fuzz_one(struct worker *w, struct slot *sl)
{
	struct rng *r = &w->r;
	int op, fd, e;
	unsigned int cmd_idx = 0;
	long ret = 0;
	char buf[64 + PTR_SLACK];

	if (atomic_load(&sh->stop))
		return false;
	if (atomic_load_explicit(&sh->calls, memory_order_relaxed) >= sh->target) {
		atomic_store(&sh->stop, 1);
		return false;
	}
	/* ioctls make the bulk; opens and closes keep the sessions coming and going */
	switch (below(r, 40)) {
	case 0: case 1: case 2:
		op = OP_OPEN;
		break;
	case 3: case 4:
		op = OP_CLOSE;
		break;
	case 5:
		op = OP_DUP;
		break;
	case 6: case 7:
		op = OP_MMAP;
		break;
	case 8:
		op = OP_MUNMAP;
		break;
	case 9:
		op = OP_TOUCH;
		break;
	case 10:
		op = OP_READ;
		break;
	case 11:
		op = OP_WRITE;
		break;
	case 12: case 13:
		op = OP_POLL;
		break;
	case 14:
		op = OP_MISC;
		break;
	case 15:
		op = below(r, 20) ? OP_IOCTL : OP_FORK;
		break;
	/*
	 * a whole session: slow (a target is spawned), so not often; but random calls rarely
	 * start an experiment (every field right at once, on an attached fd), and without
	 * experiments the accounting and delay paths are not reached
	 */
	case 16:
		op = chance(r, 50) ? OP_SESSION : OP_IOCTL;
		break;
	default:
		op = OP_IOCTL;
	}
	atomic_store(&sl->op, op);
	atomic_store(&sl->start_ns, now_ns());
	errno = 0;
	switch (op) {
	case OP_OPEN: {
		static const int modes[] = { O_RDWR, O_RDONLY, O_WRONLY, O_RDWR | O_NONBLOCK };
		int i = below(r, NR_SLOTS), old;

		ret = fd = open(CAUSAL_DEVICE_PATH, modes[below(r, 4)] | O_CLOEXEC);
		e = errno;
		count(op, ret, e);
		if (fd >= 0) {
			old = atomic_exchange(&slots[i], fd);
			if (old >= 0)
				close(old);	/* maybe while another thread is in a call on it */
		}
		break;
	}
	case OP_CLOSE:
		fd = atomic_exchange(&slots[below(r, NR_SLOTS)], -1);
		if (fd >= 0) {
			ret = close(fd);
			count(op, ret, errno);
		}
		break;
	case OP_DUP: {
		int i = below(r, NR_SLOTS), j = below(r, NR_SLOTS), old;

		fd = atomic_load(&slots[i]);
		if (fd < 0 || i == j)
			break;
		ret = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		count(op, ret, errno);
		if (ret >= 0) {
			old = atomic_exchange(&slots[j], (int)ret);
			if (old >= 0)
				close(old);
		}
		break;
	}
	case OP_IOCTL:
		fd = pick_slot_fd(r);
		ret = fuzz_ioctl(r, fd, w->b, w->rg, w->counts, &cmd_idx);
		e = errno;
		atomic_store(&sl->cmd, cmd_idx);
		count(op, ret, e);
		atomic_fetch_add_explicit(&sh->cmds[cmd_idx], 1, memory_order_relaxed);
		if (ret >= 0)
			atomic_fetch_add_explicit(&sh->cmds_ok[cmd_idx], 1, memory_order_relaxed);
		break;
	case OP_MMAP: {
		int i = below(r, NR_SLOTS);

		fd = atomic_load(&slots[i]);
		if (fd >= 0 && chance(r, 90))
			do_mmap(w, r, fd, true);
		else
			do_mmap(w, r, pick_slot_fd(r), false);
		break;
	}
	case OP_MUNMAP: {
		struct map *m = &w->maps[below(r, NR_MAPS)];

		if (m->addr) {
			ret = munmap(m->addr, m->len);
			count(op, ret, errno);
			m->addr = NULL;
		}
		break;
	}
	case OP_TOUCH:
		do_touch(w, r);
		break;
	case OP_READ:
		fd = chance(r, 80) || !nr_other_fds ? atomic_load(&slots[below(r, NR_SLOTS)]) :
			other_fds[below(r, nr_other_fds)];
		if (fd >= 0) {
			ret = read(fd, chance(r, 80) ? buf : pick_ptr(r, buf, 64, 100), below(r, 64));
			count(op, ret, errno);
		}
		break;
	case OP_WRITE:
		fd = atomic_load(&slots[below(r, NR_SLOTS)]);
		if (fd >= 0) {
			ret = write(fd, buf, below(r, 64));
			count(op, ret, errno);
		}
		break;
	case OP_POLL: {
		struct pollfd p[2] = {
			{ .fd = atomic_load(&slots[below(r, NR_SLOTS)]), .events = POLLIN | POLLOUT },
			{ .fd = atomic_load(&slots[below(r, NR_SLOTS)]), .events = POLLIN },
		};

		ret = poll(p, 1 + below(r, 2), below(r, 3) ? 0 : below(r, 20));
		count(op, ret, errno);
		break;
	}
	case OP_MISC: {
		struct stat st;

		fd = atomic_load(&slots[below(r, NR_SLOTS)]);
		switch (below(r, 4)) {
		case 0:
			ret = lseek(fd, wild64(r), below(r, 3));
			break;
		case 1:
			ret = fstat(fd, &st);
			break;
		case 2:
			ret = fcntl(fd, F_SETFL, chance(r, 50) ? O_NONBLOCK : 0);
			break;
		default:
			ret = fsync(fd);
		}
		count(op, ret, errno);
		break;
	}
	case OP_SESSION:
		ret = do_session(r);
		count(op, ret, errno);
		break;
	case OP_FORK: {
		/* a child inherits the sessions, makes a few calls on them, and exits or is killed */
		pid_t c;
		uint64_t cs = rnd(r);

		fflush(NULL);
		c = fork();
		if (c == 0) {
			struct rng cr = { cs };
			struct argbuf cb;
			/* room past the largest argument for pick_ptr's unaligned copy */
			struct causal_range crg[CAUSAL_MAX_RANGES + 1];
			uint64_t cc[512 + 1];
			unsigned int ci;

			for (int i = 0; i < 8; i++)
				fuzz_ioctl(&cr, pick_slot_fd(&cr), &cb, crg, cc, &ci);
			if (chance(&cr, 50))
				_exit(0);
			pause();
			_exit(0);
		}
		count(op, c, errno);
		if (c > 0) {
			if (chance(r, 50))
				kill(c, SIGKILL);
			else
				kill(c, SIGTERM);
			waitpid(c, NULL, 0);
		}
		break;
	}
	}
	atomic_store(&sl->start_ns, 0);
	return true;
}

static void *worker_thread(void *arg)
{
	struct worker *w = arg;
	struct slot *sl = &sh->slots[proc_id][w->idx];

	atomic_store(&sl->tid, (int)syscall(SYS_gettid));
	w->b = calloc(1, sizeof(*w->b) + 2 * PAGE);
	w->rg = calloc(CAUSAL_MAX_RANGES + 8, sizeof(*w->rg));
	w->counts = calloc(1024, sizeof(*w->counts));
	while (fuzz_one(w, sl))
		;
	for (int i = 0; i < NR_MAPS; i++)
		if (w->maps[i].addr)
			munmap(w->maps[i].addr, w->maps[i].len);
	return NULL;
}

/* ---- targets, kept alive by each worker process ---- */

static pid_t spawn_target(struct rng *r)
{
	char life[32];
	pid_t c;

	snprintf(life, sizeof(life), "%" PRIu64, 100 + below(r, 3000));
	c = fork();
	if (c == 0) {
		if (cgroup_fd >= 0 && chance(r, 50)) {
			char pid[32];
			int f = openat(cgroup_fd, "cgroup.procs", O_WRONLY);

			snprintf(pid, sizeof(pid), "%d\n", getpid());
			if (f >= 0) {
				/* not in the cgroup if it fails: fine */
				ssize_t n = write(f, pid, strlen(pid));

				(void)n;
				close(f);
			}
		}
		execl(VICTIM, VICTIM, "--target", life, "0", (char *)NULL);
		_exit(127);
	}
	if (c > 0)
		atomic_fetch_add(&sh->targets_spawned, 1);
	return c;
}

static void *target_keeper(void *arg)
{
	struct rng r = { seed ^ 0x5eed0000ULL ^ ((uint64_t)proc_id << 32) };

	(void)arg;
	while (!atomic_load(&sh->stop)) {
		for (int i = 0; i < NR_TARGETS; i++) {
			pid_t t = targets[i];

			if (t > 0 && chance(&r, 3)) {
				kill(t, SIGKILL);
				atomic_fetch_add(&sh->targets_killed, 1);
			}
			if (t <= 0 || waitpid(t, NULL, WNOHANG) == t)
				targets[i] = spawn_target(&r);
		}
		/* children of OP_FORK are reaped by their parent thread; reap stray exec'd ones */
		while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
			;
		sleep_ns(50 * MS);
	}
	return NULL;
}

static void worker_process_setup(void)
{
	struct rng r = { seed ^ ((uint64_t)proc_id << 48) };
	int p[2], sv[2];

	for (int i = 0; i < NR_SLOTS; i++)
		slots[i] = -1;
	victim_fd = open(VICTIM, O_RDONLY | O_CLOEXEC);
	self_exe_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	cgroup_fd = open(CGROUP_DIR "/fuzz", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	other_fds[nr_other_fds++] = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	other_fds[nr_other_fds++] = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	other_fds[nr_other_fds++] = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	other_fds[nr_other_fds++] = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	other_fds[nr_other_fds++] = open("/dev/null", O_RDWR | O_CLOEXEC);
	other_fds[nr_other_fds++] = open("/sys/kernel/debug", O_RDONLY | O_CLOEXEC);
	other_fds[nr_other_fds++] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	other_fds[nr_other_fds++] = memfd_create("fuzz", MFD_CLOEXEC);
	if (other_fds[nr_other_fds - 1] >= 0 && ftruncate(other_fds[nr_other_fds - 1], 1 << 16))
		close(other_fds[--nr_other_fds]);
	if (!pipe2(p, O_CLOEXEC | O_NONBLOCK)) {
		other_fds[nr_other_fds++] = p[0];
		other_fds[nr_other_fds++] = p[1];
	}
	if (!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv))
		other_fds[nr_other_fds++] = sv[0];
	other_fds[nr_other_fds++] = cgroup_fd;
	guard = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(guard + PAGE, PAGE, PROT_NONE);
	rodata_page = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	inaccessible = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < NR_TARGETS; i++)
		targets[i] = spawn_target(&r);
}

static void worker_process(void)
{
	pthread_t keeper, t[MAX_THREADS];
	struct worker *w = calloc(nthreads, sizeof(*w));

	worker_process_setup();
	pthread_create(&keeper, NULL, target_keeper, NULL);
	for (int i = 0; i < nthreads; i++) {
		w[i].idx = i;
		w[i].r.s = seed * 0x100000001b3ULL + (uint64_t)proc_id * 1000 + i + 1;
		pthread_create(&t[i], NULL, worker_thread, &w[i]);
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	pthread_join(keeper, NULL);
	for (int i = 0; i < NR_SLOTS; i++)
		if (slots[i] >= 0)
			close(slots[i]);
	for (int i = 0; i < NR_TARGETS; i++)
		if (targets[i] > 0) {
			kill(targets[i], SIGKILL);
			waitpid(targets[i], NULL, 0);
		}
	while (waitpid(-1, NULL, __WALL) > 0)
		;
	_exit(0);
}

/* ---- the supervisor ---- */

/* the ELF file offset of fuzz_spin in this binary (and in its copy) */
static int phdr_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	uint64_t addr = (uintptr_t)fuzz_spin - info->dlpi_addr;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && addr >= ph->p_vaddr && addr < ph->p_vaddr + ph->p_filesz) {
			*(uint64_t *)data = addr - ph->p_vaddr + ph->p_offset;
			return 1;
		}
	}
	return 0;
}

static bool copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ssize_t n;
	bool ok = in >= 0 && out >= 0;

	while (ok && (n = read(in, buf, sizeof(buf))) > 0)
		ok = write(out, buf, n) == n;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out))
		ok = false;
	return ok;
}

static void dump_file(const char *path, const char *prefix)
{
	char line[256];
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		printf("%s%s", prefix, line);
	if (f)
		fclose(f);
}

/* a call older than hang_ns: print what the kernel says the thread is doing */
static bool check_hangs(void)
{
	uint64_t now = now_ns();
	bool hung = false;

	for (int p = 0; p < nprocs; p++)
		for (int t = 0; t < nthreads; t++) {
			struct slot *sl = &sh->slots[p][t];
			uint64_t s = atomic_load(&sl->start_ns);
			char path[64];

			/* s may be newer than now: the call began after we read the clock */
			if (!s || s > now || now - s < hang_ns)
				continue;
			hung = true;
			printf("# HANG: process %d thread %d (tid %d) in %s (command %s) for %" PRIu64
			       " s\n", p, t, atomic_load(&sl->tid), op_names[atomic_load(&sl->op)],
			       cmd_names[atomic_load(&sl->cmd) % NR_CMDS], (now - s) / SEC);
			snprintf(path, sizeof(path), "/proc/%d/wchan", atomic_load(&sl->tid));
			dump_file(path, "#   wchan: ");
			printf("\n");
			snprintf(path, sizeof(path), "/proc/%d/stack", atomic_load(&sl->tid));
			dump_file(path, "#   ");
		}
	return hung;
}

static void setup_cgroup(void)
{
	mkdir(CGROUP_DIR, 0755);
	if (mount("none", CGROUP_DIR, "cgroup2", 0, NULL) && errno != EBUSY)
		return;
	mkdir(CGROUP_DIR "/fuzz", 0755);
}

int main(int argc, char **argv)
{
	uint64_t calls = 100000, seconds = 600, t0, last = 0, elapsed, hung_at = 0, min_calls = 0;
	uint64_t starts, starts_ok, hang_seconds = hang_ns / SEC;
	bool every_cmd = true;
	pid_t procs[MAX_PROCS];
	bool hung = false, seeded = false, crashed = false;
	int status;
	const struct opt opts[] = {
		{ 's', "SEED", OPT_U64, &seed, &seeded },
		{ 'n', "CALLS", OPT_U64, &calls, NULL },
		{ 't', "SECONDS", OPT_U64, &seconds, NULL },
		{ 'm', "MIN_CALLS", OPT_U64, &min_calls, NULL },
		{ 'p', "PROCS", OPT_INT, &nprocs, NULL },
		{ 'j', "THREADS", OPT_INT, &nthreads, NULL },
		{ 'H', "HANG_SECONDS", OPT_U64, &hang_seconds, NULL },
		{ 0 }
	};

	if (argc >= 3 && !strcmp(argv[1], "--target"))
		return target_main(strtoull(argv[2], NULL, 0), argc > 3 ? strtoull(argv[3], NULL, 0) : 0);
	if (options_parse(argc, argv, opts, NULL) < 0)
		return 2;
	if (nprocs < 1 || nprocs > MAX_PROCS || nthreads < 1 || nthreads > MAX_THREADS)
		return options_usage(argv[0], opts, NULL);
	hang_ns = hang_seconds * SEC;
	if (!seeded)
		seed = now_ns() ^ ((uint64_t)getpid() << 32);
	if (!min_calls)
		min_calls = calls < 1000 ? calls : 1000;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	{
		int null = open("/dev/null", O_RDONLY);

		if (null > 0) {
			dup2(null, STDIN_FILENO);
			close(null);
		}
	}
	printf("KTAP version 1\n1..4\n");
	printf("# ioctl_fuzz: seed %#" PRIx64 " (reproduce with -s %#" PRIx64 "), %" PRIu64
	       " calls or %" PRIu64 " s, %d processes x %d threads\n", seed, seed, calls, seconds,
	       nprocs, nthreads);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || !copy_file("/proc/self/exe", VICTIM)) {
		printf("not ok 1 ioctl_fuzz # setup: %s\n", strerror(errno));
		return 1;
	}
	{
		struct stat st;

		stat(VICTIM, &st);
		victim_size = st.st_size;
	}
	dl_iterate_phdr(phdr_cb, &spin_offset);
	printf("# victim %s, %" PRIu64 " bytes, fuzz_spin at file offset %#" PRIx64 "\n", VICTIM,
	       victim_size, spin_offset);
	setup_cgroup();
	sh->target = calls;

	t0 = now_ns();
	for (int p = 0; p < nprocs; p++) {
		fflush(NULL);
		procs[p] = fork();
		if (procs[p] == 0) {
			proc_id = p;
			worker_process();
		}
	}
	for (;;) {
		int alive = 0;

		for (int p = 0; p < nprocs; p++) {
			if (procs[p] <= 0)
				continue;
			if (waitpid(procs[p], &status, WNOHANG) == procs[p]) {
				if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && hung) {
					printf("# worker process %d killed after the hang\n", p);
				} else if (WIFSIGNALED(status)) {
					printf("# worker process %d killed by signal %d (%s)\n", p,
					       WTERMSIG(status), strsignal(WTERMSIG(status)));
					crashed = true;
				} else if (WEXITSTATUS(status)) {
					printf("# worker process %d exited with status %d\n", p,
					       WEXITSTATUS(status));
					crashed = true;
				}
				/* its threads' calls ended with it: not hangs */
				for (int t = 0; t < nthreads; t++)
					atomic_store(&sh->slots[p][t].start_ns, 0);
				procs[p] = 0;
				continue;
			}
			alive++;
		}
		if (!alive)
			break;
		elapsed = now_ns() - t0;
		if (elapsed > seconds * SEC)
			atomic_store(&sh->stop, 1);
		if (elapsed / (30 * SEC) != last) {
			last = elapsed / (30 * SEC);
			printf("# +%" PRIu64 " s: %" PRIu64 " calls\n", elapsed / SEC,
			       atomic_load(&sh->calls));
		}
		if (!hung && check_hangs()) {
			hung = true;
			hung_at = now_ns();
			atomic_store(&sh->stop, 1);
		}
		if (hung && now_ns() - hung_at > 20 * SEC) {
			printf("# the hung workers did not end within 20 s: SIGKILL\n");
			for (int p = 0; p < nprocs; p++)
				if (procs[p] > 0)
					kill(procs[p], SIGKILL);
			hung_at = now_ns();
		}
		sleep_ns(200 * MS);
	}
	elapsed = now_ns() - t0;

	printf("# calls: %" PRIu64 " in %.1f s (%.0f/s), targets spawned %" PRIu64 ", killed %" PRIu64
	       "\n", atomic_load(&sh->calls), elapsed / 1e9, atomic_load(&sh->calls) / (elapsed / 1e9),
	       atomic_load(&sh->targets_spawned), atomic_load(&sh->targets_killed));
	for (int i = 0; i < NR_OPS; i++)
		printf("# op %-8s %10" PRIu64 " calls, %10" PRIu64 " succeeded\n", op_names[i],
		       atomic_load(&sh->ops[i]), atomic_load(&sh->ops_ok[i]));
	for (int i = 0; i < NR_CMDS; i++)
		printf("# ioctl %-16s %10" PRIu64 " calls, %10" PRIu64 " succeeded\n", cmd_names[i],
		       atomic_load(&sh->cmds[i]), atomic_load(&sh->cmds_ok[i]));
	printf("# errno:");
	for (int i = 0; i < NR_ERRNO; i++) {
		uint64_t n = atomic_load(&sh->errnos[i]);

		if (!n)
			continue;
		if (!i)
			printf(" success %" PRIu64, n);
		else if (i == NR_ERRNO - 1)
			printf(", other %" PRIu64, n);
		else
			printf(", %s %" PRIu64, strerrorname_np(i) ?: "?", n);
	}
	printf("\n");
	unlink(VICTIM);
	if (hung || crashed)
		printf("not ok 1 ioctl_fuzz # %s (seed %#" PRIx64 ")\n", hung && crashed ?
		       "a call hung and a worker crashed" : hung ? "a call hung" : "a worker crashed",
		       seed);
	else
		printf("ok 1 ioctl_fuzz # %" PRIu64 " calls, seed %#" PRIx64 "\n",
		       atomic_load(&sh->calls), seed);
	/* the coverage floor: a run that did little, or whose calls all failed, tested nothing */
	printf("%s 2 at_least_%" PRIu64 "_calls (%" PRIu64 ")\n",
	       atomic_load(&sh->calls) >= min_calls ? "ok" : "not ok", min_calls,
	       atomic_load(&sh->calls));
	for (int i = 0; i < NR_CMDS - 1; i++)
		if (!atomic_load(&sh->cmds_ok[i])) {
			printf("# no %s call succeeded\n", cmd_names[i]);
			every_cmd = false;
		}
	printf("%s 3 every_command_succeeded_at_least_once\n", every_cmd ? "ok" : "not ok");
	starts = atomic_load(&sh->cmds[2]);
	starts_ok = atomic_load(&sh->cmds_ok[2]);
	printf("%s 4 experiment_starts_succeed_2_percent (%" PRIu64 " of %" PRIu64 ")\n",
	       starts && starts_ok * 100 >= starts * 2 ? "ok" : "not ok", starts_ok, starts);
	return hung || crashed || atomic_load(&sh->calls) < min_calls || !every_cmd ||
	       !starts || starts_ok * 100 < starts * 2;
}
