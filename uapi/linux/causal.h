/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * causal: kernel-assisted causal profiling. The ABI of /dev/causal, shared by the module,
 * causalctl, libcausal and test harnesses. See docs/uapi.md.
 *
 * Every argument struct starts with a __u32 size that the caller sets to sizeof() of the struct it
 * was compiled with. The kernel accepts a smaller size if it covers every mandatory field, and a
 * larger one if the bytes it does not know are zero (otherwise E2BIG), so old and new binaries keep
 * working across versions. The size encoded in the ioctl number is not used for this.
 */
#ifndef _UAPI_LINUX_CAUSAL_H
#define _UAPI_LINUX_CAUSAL_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define CAUSAL_DEVICE_PATH	"/dev/causal"

/* Bumped on any incompatible change of this file; additions keep it. */
#define CAUSAL_ABI_VERSION	1

#define CAUSAL_IOC_MAGIC	0xCA

/* causal_version.features: what the loaded module can do on this kernel */
#define CAUSAL_FEATURE_TASK_WORK_EXPORTED	_BITULL(0)	/* kernel exports task_work_add */
#define CAUSAL_FEATURE_KUNIT			_BITULL(1)	/* kernel has KUnit */
#define CAUSAL_FEATURE_TRACE_SWITCHES		_BITULL(2)	/* CAUSAL_ATTACH_TRACE_SWITCHES */
#define CAUSAL_FEATURE_EXPERIMENT_SCOPE		_BITULL(3)	/* CAUSAL_EXPERIMENT_SCOPE */
#define CAUSAL_FEATURE_UNWIND			_BITULL(4)	/* CAUSAL_IOC_UNWIND_SET */

#define CAUSAL_RELEASE_LEN	32

struct causal_version {
	__u32 size;		/* in: sizeof(struct causal_version) */
	__u32 flags;		/* in: must be 0 */
	__u32 abi;		/* out: CAUSAL_ABI_VERSION of the module */
	__u32 reserved;		/* out: 0 */
	__u64 features;		/* out: CAUSAL_FEATURE_* */
	char release[CAUSAL_RELEASE_LEN];	/* out: module version, NUL-terminated */
};

#define CAUSAL_VERSION_SIZE_VER0	56	/* first published size of struct causal_version */

/*
 * Sessions. One open file descriptor is one session; it attaches once, to a process (all its
 * threads, and by default every thread and child process created later) or to a cgroup v2
 * directory. Closing the fd ends the session: nobody stays delayed.
 */
#define CAUSAL_ATTACH_CGROUP		_BITUL(0)	/* target is cgroup_fd, not pid */
#define CAUSAL_ATTACH_NO_FOLLOW		_BITUL(1)	/* do not follow new child processes */
#define CAUSAL_ATTACH_CPU_MODEL		_BITUL(2)	/* key delay accounting by CPU, not task */
#define CAUSAL_ATTACH_TRACE_DELAYS	_BITUL(3)	/* also put payments in the ring */
#define CAUSAL_ATTACH_TRACE_SWITCHES	_BITUL(4)	/* also put context switches in the ring */
#define CAUSAL_ATTACH_FLAGS		(CAUSAL_ATTACH_CGROUP | CAUSAL_ATTACH_NO_FOLLOW | \
					 CAUSAL_ATTACH_CPU_MODEL | CAUSAL_ATTACH_TRACE_DELAYS | \
					 CAUSAL_ATTACH_TRACE_SWITCHES)

#define CAUSAL_EVENT_CPU_CLOCK		0	/* software cpu-clock: works everywhere */
#define CAUSAL_EVENT_CYCLES		1	/* hardware cycles: needs a PMU */

#define CAUSAL_PERIOD_DEFAULT_NS	1000000ULL
#define CAUSAL_PERIOD_MIN_NS		10000ULL	/* the kernel clamps cpu-clock below this */
#define CAUSAL_PERIOD_MAX_NS		1000000000ULL
#define CAUSAL_MAX_CALLCHAIN		8
#define CAUSAL_RING_PAGES_DEFAULT	64
#define CAUSAL_RING_PAGES_MAX		4096

struct causal_attach {
	__u32 size;		/* in: sizeof(struct causal_attach) */
	__u32 flags;		/* in: CAUSAL_ATTACH_* */
	__s32 pid;		/* in: target process (thread group id), unless CGROUP */
	__s32 cgroup_fd;	/* in: fd of a cgroup v2 directory, if CGROUP */
	__u64 period_ns;	/* in: sampling period; 0 = CAUSAL_PERIOD_DEFAULT_NS */
	__u32 event;		/* in: CAUSAL_EVENT_* */
	__u32 callchain;	/* in: return addresses per sample, 0..8 */
	__u32 ring_pages;	/* in: sample ring data pages, power of two; 0 = default */
	__u32 wakeup;		/* in: records unread before poll() reports them; 0 = 1 */
	__u64 event_used;	/* out: the CAUSAL_EVENT_* actually sampling */
};

#define CAUSAL_ATTACH_SIZE_VER0		48

/*
 * Experiments. At most one per session at a time: every sample of a session task whose user IP
 * lies in one of the ranges credits that task with delay_ns; every other task owes the
 * difference and pays it on its way back to user space. Ranges are [start, end) user virtual
 * addresses, sorted or not, at most CAUSAL_MAX_RANGES, none empty.
 */
#define CAUSAL_MAX_RANGES		1024
/* a sample also hits when a caller's call instruction (return address - 1) is in the ranges */
#define CAUSAL_EXPERIMENT_CALLCHAIN	_BITUL(0)
/*
 * cpu-clock: a selected sample credits delay_ns * elapsed / period, elapsed being the time since
 * the sampler's previous tick on that CPU (at most 10 periods), plus what ticks that fired after
 * its task last left a CPU owed it: the time the sample stands for when timers fire late, not the
 * nominal period (cycles: always the period)
 */
#define CAUSAL_EXPERIMENT_ELAPSED	_BITUL(1)
/*
 * The first nr_line_ranges ranges are the line's, the others the scope's (every address that has
 * a line the profiler may select). A sample hits when its IP is in the line, or when its IP is
 * out of the scope and the first caller's call instruction (return address - 1) in the scope is
 * in the line: the line a profiler attributes the sample to. Time in a library the line calls
 * counts for it, as in Coz; time in a function with lines of its own does not. Not with
 * CAUSAL_EXPERIMENT_CALLCHAIN.
 */
#define CAUSAL_EXPERIMENT_SCOPE		_BITUL(2)
#define CAUSAL_EXPERIMENT_FLAGS		(CAUSAL_EXPERIMENT_CALLCHAIN | CAUSAL_EXPERIMENT_ELAPSED | \
					 CAUSAL_EXPERIMENT_SCOPE)
#define CAUSAL_DELAY_MAX_NS		1000000000ULL

struct causal_range {
	__u64 start;
	__u64 end;
};

struct causal_experiment {
	__u32 size;		/* in: sizeof(struct causal_experiment) */
	__u32 flags;		/* in: CAUSAL_EXPERIMENT_* */
	__u64 delay_ns;		/* in: delay per selected sample (speedup * period); 0: baseline */
	__u64 max_samples;	/* in: stop crediting after N selected samples; 0 = no bound */
	__u64 max_duration_ns;	/* in: stop crediting after this long; 0 = no bound */
	__u32 nr_ranges;	/* in: 1..CAUSAL_MAX_RANGES */
	__u32 nr_line_ranges;	/* in: CAUSAL_EXPERIMENT_SCOPE: 1..nr_ranges - 1; else 0 */
	__u64 ranges;		/* in: pointer to struct causal_range[nr_ranges] */
	__u64 id;		/* out: experiment id, counting from 1 in this session */
};

#define CAUSAL_EXPERIMENT_SIZE_VER0	56

/* What an experiment did; returned by CAUSAL_IOC_EXPERIMENT_STOP. All times in nanoseconds. */
struct causal_experiment_result {
	__u32 size;		/* in: sizeof(struct causal_experiment_result) */
	__u32 flags;		/* in: must be 0 */
	__u64 id;
	__u64 selected_samples;	/* samples of the line (_SCOPE: by first frame in scope) */
	__u64 session_samples;	/* samples of session tasks during the experiment (not PAYING) */
	__u64 delay_inserted;	/* growth of the global delay: what every task owes */
	__u64 delay_paid;	/* measured sleeps of all tasks */
	__u64 paid_error;	/* sum of |measured sleep - aim| (aim: debt - carry) */
	__u64 overshoot;	/* part of delay_paid above the debts (carried to the next) */
	__u64 payments;		/* number of sleeps */
	__u64 tasks_delayed;	/* distinct tasks that slept at least once */
	__u64 wall;		/* start to stop */
	__u64 effective;	/* wall - delay_inserted: the virtual duration */
};

#define CAUSAL_EXPERIMENT_RESULT_SIZE_VER0	96

/*
 * Counters of a session, from CAUSAL_IOC_STATS or read-only at mmap offset CAUSAL_MMAP_STATS (one
 * page). Each counter is updated atomically on its own; seq changes at every experiment start and
 * stop, so a reader can tell whether two reads straddle one.
 * error_hist: log2 buckets of |measured sleep - debt| per payment: [0] < 1 us, [i] in
 * [2^(i-1), 2^i) us for i = 1..14, [15] >= 16384 us (~16 ms).
 */
#define CAUSAL_ERROR_BUCKETS		16

struct causal_stats {
	__u32 size;		/* in (ioctl): sizeof(struct causal_stats) */
	__u32 flags;		/* in (ioctl): must be 0 */
	__u64 seq;
	__u64 tasks_attached;	/* tasks in the session now */
	__u64 tasks_seen;	/* tasks ever in the session */
	__u64 forks_followed;	/* threads and processes added by fork/clone */
	__u64 exits;
	__u64 samples;		/* samples of session tasks */
	__u64 samples_in_kernel;	/* of which charged to the syscall's user IP */
	__u64 samples_dropped;	/* ring full: the controller read too slowly */
	__u64 tasks_lost;	/* threads or children not followed, or not sampled (no memory) */
	__u64 wakeups_inherited;	/* wake-ups that carried delay to the wakee */
	__u64 experiments;	/* started */
	__u64 experiment_active;	/* id of the running experiment, 0 if none */
	__u64 global_delay;	/* ns, the session's global delay counter */
	__u64 delay_paid;	/* ns, measured sleeps since attach */
	__u64 payments;
	__u64 payments_interrupted;	/* sleeps cut short by a fatal signal */
	__u64 unpaid_at_exit;	/* ns of debt of tasks that exited or were detached */
	__u64 task_work_failed;	/* could not queue a payment (task exiting) */
	__u64 error_hist[CAUSAL_ERROR_BUCKETS];
	/* since VER1 */
	__u64 tasks_left_exec;	/* tasks that left at an exec the opener could not ptrace */
};

#define CAUSAL_STATS_SIZE_VER0		280
#define CAUSAL_STATS_SIZE_VER1		288	/* tasks_left_exec */

/*
 * The sample ring, at mmap offset CAUSAL_MMAP_RING: one control page, then ring_pages data pages
 * of struct causal_sample records. The module advances head; the reader consumes records from
 * tail to head and then stores tail (release). A full ring drops the sample and counts it.
 */
#define CAUSAL_MMAP_STATS		0
/* byte offset; also valid with larger page sizes ×1 */
#define CAUSAL_MMAP_RING		4096

#define CAUSAL_SAMPLE_KERNEL		_BITUL(0)	/* ip is the syscall's user call site */
/*
 * With CAUSAL_ATTACH_TRACE_DELAYS: the record is a payment, not a sample. time_ns is when the
 * sleep began, ip the measured sleep in ns, callchain[0] the debt it paid in ns; nr_callchain 0.
 */
#define CAUSAL_SAMPLE_DELAY		_BITUL(1)
/*
 * With CAUSAL_ATTACH_TRACE_SWITCHES: the record is a context switch of a session task, not a
 * sample: at time_ns the task got (SWITCH_IN) or left (SWITCH_OUT) CPU cpu; ip 0, nr_callchain 0.
 * A switch-out says why, with exactly one of PREEMPTED (still runnable), BLOCKED (waits for
 * something), DELAYED (asleep paying a delay: the payment's own record follows it) and EXITED
 * (left the session on its way out, or at an exec it may not be profiled across: the last record
 * of the task). Together they give each
 * thread's exact on-CPU time; a thread already running at attach has a switch-out first.
 */
#define CAUSAL_SAMPLE_SWITCH_IN		_BITUL(2)
#define CAUSAL_SAMPLE_SWITCH_OUT	_BITUL(3)
#define CAUSAL_SAMPLE_PREEMPTED		_BITUL(4)
#define CAUSAL_SAMPLE_BLOCKED		_BITUL(5)
#define CAUSAL_SAMPLE_DELAYED		_BITUL(6)
#define CAUSAL_SAMPLE_EXITED		_BITUL(7)
/*
 * A sample taken while the task spins the end of a delay payment (KERNEL set too): ip and the
 * callchain are where the program paused. The time is the profiler's, not the program's: the
 * sample is never credited to an experiment, and a reader leaves it out of the program's samples.
 */
#define CAUSAL_SAMPLE_PAYING		_BITUL(8)

struct causal_ring_control {
	__u64 head;		/* written by the module: records produced */
	__u64 tail;		/* written by the reader: records consumed */
	__u32 record_size;	/* sizeof(struct causal_sample) */
	__u32 nr_records;	/* capacity, a power of two */
};

struct causal_sample {
	__u64 time_ns;		/* CLOCK_MONOTONIC */
	__u32 pid;		/* thread group id, in the session's pid namespace */
	__u32 tid;
	__u64 ip;		/* user instruction pointer */
	__u32 flags;		/* CAUSAL_SAMPLE_* */
	__u16 cpu;
	__u16 nr_callchain;	/* valid entries in callchain */
	__u64 callchain[CAUSAL_MAX_CALLCHAIN];	/* return addresses, innermost first */
	__u64 seq;		/* record number + 1 once complete (for the reader) */
};

/*
 * Progress points served by the module: a uprobe on an instruction of a file (executable or
 * shared object, static or PIE), counted each time a task of this session executes it, whatever
 * address the file is mapped at. With CAUSAL_PROGRESS_RETURN the offset must be a function's entry
 * and the point counts returns from that function instead (a return probe). The counters start at
 * 0 and live as long as the session; CAUSAL_IOC_PROGRESS_READ copies them out.
 */
#define CAUSAL_PROGRESS_RETURN		_BITUL(0)
#define CAUSAL_PROGRESS_FLAGS		CAUSAL_PROGRESS_RETURN
#define CAUSAL_MAX_PROGRESS		256

struct causal_progress {
	__u32 size;		/* in: sizeof(struct causal_progress) */
	__u32 flags;		/* in: CAUSAL_PROGRESS_* */
	__s32 fd;		/* in: the file, open for reading */
	__u32 reserved;		/* in: must be 0 */
	__u64 offset;		/* in: file offset of the instruction */
	__u32 id;		/* out: index of the point's counter, from 0 */
	__u32 reserved2;	/* in: must be 0 */
};

#define CAUSAL_PROGRESS_SIZE_VER0	32

struct causal_progress_counts {
	__u32 size;		/* in: sizeof(struct causal_progress_counts) */
	__u32 flags;		/* in: must be 0 */
	__u32 nr;		/* in: entries at counts; out: points the session has */
	__u32 reserved;		/* in: must be 0 */
	__u64 counts;		/* in: pointer to __u64[nr], filled with min(nr, points) counters */
};

#define CAUSAL_PROGRESS_COUNTS_SIZE_VER0	24

/*
 * Unwinding code that keeps no frame pointer. A sample's callchain follows the frame-pointer
 * chain, but most C code keeps none (gcc's -O2, Debian's libc): a sample in such a function skips
 * its caller, or the chain is garbage. The controller may give the session the call frame
 * information (.eh_frame) of the code mapped in the target, as rows: for the addresses
 * [start, start + len) of a row, the canonical frame address (CFA: the caller's stack pointer) is
 * rsp + cfa_off (rbp + cfa_off with CAUSAL_UNWIND_CFA_RBP), the return address is at CFA - 8, and
 * the caller's rbp is at CFA + rbp_off with CAUSAL_UNWIND_RBP_SAVED (else rbp still holds it).
 * While the sample's IP, then each return address - 1, lies in a row, the sampler unwinds by the
 * rows (at most CAUSAL_MAX_CALLCHAIN frames in all); from the first frame without a row it
 * follows the frame pointers. Rows are sorted by start, neither empty nor overlapping, at most
 * CAUSAL_MAX_UNWIND_ROWS; a new table replaces the old one, nr_rows 0 removes it. The addresses
 * are the target's when the controller read them: like an experiment's ranges, they describe one
 * address space (a followed child that execs another program has other mappings).
 */
#define CAUSAL_UNWIND_CFA_RBP		_BITUL(0)	/* CFA = rbp + cfa_off, not rsp + cfa_off */
#define CAUSAL_UNWIND_RBP_SAVED		_BITUL(1)	/* the caller's rbp is at CFA + rbp_off */
#define CAUSAL_UNWIND_ROW_FLAGS		(CAUSAL_UNWIND_CFA_RBP | CAUSAL_UNWIND_RBP_SAVED)
#define CAUSAL_MAX_UNWIND_ROWS		262144U	/* 6 MiB of rows */
/* the largest |offset| of a row: larger frames (a 16 MiB array on the stack) have no row */
#define CAUSAL_UNWIND_OFF_MAX		0x1000000

struct causal_unwind_row {
	__u64 start;		/* first address of the row */
	__u32 len;		/* bytes, at least 1 */
	__u32 flags;		/* CAUSAL_UNWIND_* */
	__s32 cfa_off;		/* 8..CAUSAL_UNWIND_OFF_MAX (the return address is at CFA - 8) */
	__s32 rbp_off;		/* RBP_SAVED: -CAUSAL_UNWIND_OFF_MAX..-16; else 0 */
};

struct causal_unwind {
	__u32 size;		/* in: sizeof(struct causal_unwind) */
	__u32 flags;		/* in: must be 0 */
	__u32 nr_rows;		/* in: 0..CAUSAL_MAX_UNWIND_ROWS */
	__u32 reserved;		/* in: must be 0 */
	__u64 rows;		/* in: pointer to struct causal_unwind_row[nr_rows] */
};

#define CAUSAL_UNWIND_SIZE_VER0		24

/*
 * Commands. Errors common to all: EFAULT (bad pointer), EINVAL (size below the first published
 * size, unknown flags, non-zero reserved fields), E2BIG (unknown trailing bytes not zero), ENOTTY
 * (unknown command). docs/uapi.md lists each command's own errors.
 */
#define CAUSAL_IOC_VERSION		_IOWR(CAUSAL_IOC_MAGIC, 0x00, struct causal_version)
#define CAUSAL_IOC_ATTACH		_IOWR(CAUSAL_IOC_MAGIC, 0x01, struct causal_attach)
#define CAUSAL_IOC_EXPERIMENT_START	_IOWR(CAUSAL_IOC_MAGIC, 0x02, struct causal_experiment)
#define CAUSAL_IOC_EXPERIMENT_STOP	\
	_IOWR(CAUSAL_IOC_MAGIC, 0x03, struct causal_experiment_result)
#define CAUSAL_IOC_STATS		_IOWR(CAUSAL_IOC_MAGIC, 0x04, struct causal_stats)
#define CAUSAL_IOC_PROGRESS_ADD		_IOWR(CAUSAL_IOC_MAGIC, 0x05, struct causal_progress)
#define CAUSAL_IOC_PROGRESS_READ	\
	_IOWR(CAUSAL_IOC_MAGIC, 0x06, struct causal_progress_counts)
#define CAUSAL_IOC_UNWIND_SET		_IOWR(CAUSAL_IOC_MAGIC, 0x07, struct causal_unwind)

#endif /* _UAPI_LINUX_CAUSAL_H */
