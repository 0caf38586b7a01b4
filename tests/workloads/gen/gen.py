#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Known-answer programs from a seed (issue 36): a small multithreaded C program built from one of
the shapes users write (threads meeting at a mutex, at barriers, over a bounded queue, in a pool
with more threads than CPUs, over pipes, forked workers, a thread per task), with its sizes drawn
from the seed: thread counts, and units of work from well below a wake-up latency (a few us) to
well above it (milliseconds). Every unit of work is one loop on one marked source line; the
program counts one progress point per unit of its output.

    gen.py SEED OUTDIR      writes OUTDIR/gen-SEED.c and OUTDIR/gen-SEED.json (the manifest)
    gen.py --flat SEED OUTDIR   a flat profile instead (OUTDIR/flat-SEED.*): samples spread over
                            15-30 lines, one of which is clearly the best to speed up

The flat shape is not among the seeded shapes (a seed's program stays what it was): one thread
runs, per unit of output, a dominant line and 8-16 minor ones (each 15-30 % of the
dominant's work), and 6-12 side threads each loop over a line of their own and sleep, taking
about half a CPU between them; nothing waits for them. It measures how soon a profile settles on
the dominant line (make bench-flat), not accuracy.

The manifest names the shape, its parameters and each marked line (label, line number, role).
Built with -DSCALE_<LABEL>=70, a line's loop runs 70 % of its iterations: the optimized variant
of that line (30 % less work). What that does to the program is never derived here: the
benchmark measures it (base against optimized, interleaved). The program runs UNITS units
(argv[1]) and prints "GEN units=N wall_ns=N" on stderr.

Seeds below 1000 are for tuning the profiler, seeds from 1000 up for reporting (docs/bench.md).
"""
import json
import random
import sys

SHAPES = ["mutex", "barrier", "queue", "pool", "pipe", "fork", "spawn"]


def iters(rng, lo=2000, hi=2000000):
    """Loop iterations, log-uniform: ~2 us to ~2 ms natively (more under emulation)."""
    return int(round(lo * (hi / lo) ** rng.random(), -2)) or 100


class Program:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.seed = seed
        self.lines = []         # (label, role, iterations)
        self.body = []

    def line(self, role, n=None):
        label = "L%d" % (len(self.lines) + 1)
        self.lines.append([label, role, n if n is not None else iters(self.rng)])
        return label

    def work_functions(self):
        out = []
        for k, (label, role, n) in enumerate(self.lines):
            a, b = 6364136223846793005 + 2 * k, 1442695040888963407 + 2 * k
            out.append("#ifndef SCALE_%s\n#define SCALE_%s 100\n#endif" % (label, label))
            out.append("#define N_%s (%dull * SCALE_%s / 100)" % (label, n, label))
            # the volatile read makes the function impure: a compiler may not hoist a call
            # out of the caller's loop (GCC does for a noinline function it finds const)
            out.append("static uint64_t __attribute__((noinline)) work_%s(void)\n{\n"
                       "\tuint64_t x = start + %d;\n\n"
                       "\tfor (uint64_t i = 0; i < N_%s; i++) x = x * %duLL + %duLL; /* %s: %s */\n"
                       "\treturn x;\n}\n" % (label, k, label, a, b, label, role))
        return "\n".join(out)


def shape_mutex(p):
    t = p.rng.randint(2, 6)
    priv, crit = p.line("private work, in parallel"), p.line("under the global mutex")
    p.params = {"threads": t}
    return """
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
	uint64_t n = (uint64_t)(uintptr_t)arg;

	for (uint64_t i = 0; i < n; i++) {
		sink += work_%(priv)s();
		pthread_mutex_lock(&mu);
		sink += work_%(crit)s();
		pthread_mutex_unlock(&mu);
		CAUSAL_PROGRESS;
	}
	return NULL;
}

static void run(uint64_t units)
{
	pthread_t t[%(t)d];

	for (int i = 0; i < %(t)d; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)((units + %(t)d - 1 - i) / %(t)d));
	for (int i = 0; i < %(t)d; i++)
		pthread_join(t[i], NULL);
}
""" % {"priv": priv, "crit": crit, "t": t}


def shape_barrier(p):
    t = p.rng.randint(2, 4)
    labels = [p.line("thread %d's share of a phase" % i) for i in range(t)]
    p.params = {"threads": t}
    calls = "\n".join("\t\tcase %d: sink += work_%s(); break;" % (i, l) for i, l in enumerate(labels))
    return """
static pthread_barrier_t bar;
static uint64_t phases;

static void *worker(void *arg)
{
	int id = (int)(uintptr_t)arg;

	for (uint64_t i = 0; i < phases; i++) {
		switch (id) {
%(calls)s
		}
		if (pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD)
			CAUSAL_PROGRESS;
	}
	return NULL;
}

static void run(uint64_t units)
{
	pthread_t t[%(t)d];

	phases = units;
	pthread_barrier_init(&bar, NULL, %(t)d);
	for (int i = 0; i < %(t)d; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i);
	for (int i = 0; i < %(t)d; i++)
		pthread_join(t[i], NULL);
}
""" % {"calls": calls, "t": t}


# The queue and the pool are one monitor each: the mutex mu, two conditions, the counters they
# guard and a flag that closes the monitor. These write the parts the two shapes share.
def monitor_state(conds, counters, flag):
    """The monitor's variables."""
    return ("static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;\n"
            "static pthread_cond_t %s = PTHREAD_COND_INITIALIZER, %s = PTHREAD_COND_INITIALIZER;\n"
            "static uint64_t %s;\n"
            "static int %s;" % (conds[0], conds[1], ", ".join(counters), flag))


def monitor_take(empty, flag, cond):
    """A consumer's wait, in its loop: mu held while there is work, or the thread returns."""
    return ("\t\tpthread_mutex_lock(&mu);\n"
            "\t\twhile (%(empty)s && !%(flag)s)\n"
            "\t\t\tpthread_cond_wait(&%(cond)s, &mu);\n"
            "\t\tif (%(empty)s) {\n"
            "\t\t\tpthread_mutex_unlock(&mu);\n"
            "\t\t\treturn NULL;\n"
            "\t\t}" % {"empty": empty, "flag": flag, "cond": cond})


def monitor_close(flag, cond):
    """No more work: the flag set and every waiting consumer woken."""
    return ("\tpthread_mutex_lock(&mu);\n"
            "\t%s = 1;\n"
            "\tpthread_cond_broadcast(&%s);\n"
            "\tpthread_mutex_unlock(&mu);" % (flag, cond))


def shape_queue(p):
    consumers = p.rng.randint(1, 3)
    cap = p.rng.choice([1, 2, 4, 8])
    prod, cons = p.line("the producer's item"), p.line("a consumer's item")
    p.params = {"consumers": consumers, "capacity": cap}
    return """
%(state)s

static void *producer(void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < total; i++) {
		sink += work_%(prod)s();
		pthread_mutex_lock(&mu);
		while (queued == %(cap)d)
			pthread_cond_wait(&not_full, &mu);
		queued++;
		produced++;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&mu);
	}
%(close)s
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
%(take)s
		queued--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&mu);
		sink += work_%(cons)s();
		CAUSAL_PROGRESS;
	}
}

static void run(uint64_t units)
{
	pthread_t p, c[%(n)d];

	total = units;
	pthread_create(&p, NULL, producer, NULL);
	for (int i = 0; i < %(n)d; i++)
		pthread_create(&c[i], NULL, consumer, NULL);
	pthread_join(p, NULL);
	for (int i = 0; i < %(n)d; i++)
		pthread_join(c[i], NULL);
}
""" % {"prod": prod, "cons": cons, "cap": cap, "n": consumers,
       "state": monitor_state(["not_full", "not_empty"], ["queued", "produced", "total"], "done"),
       "take": monitor_take("!queued", "done", "not_empty"), "close": monitor_close("done", "not_empty")}


def shape_pool(p):
    w = p.rng.randint(3, 6)
    batch = p.rng.randint(2, 8)
    submit, task_a, task_b = p.line("the submitter, per batch"), p.line("task kind a"), p.line("task kind b")
    p.params = {"workers": w, "batch": batch}
    return """
%(state)s

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		uint64_t task;

%(take)s
		task = next_task++;
		pthread_mutex_unlock(&mu);
		if (task %% 2)
			sink += work_%(b)s();
		else
			sink += work_%(a)s();
		CAUSAL_PROGRESS;
		pthread_mutex_lock(&mu);
		if (!--pending)
			pthread_cond_signal(&batch_done);
		pthread_mutex_unlock(&mu);
	}
}

static void run(uint64_t units)
{
	pthread_t t[%(w)d];

	for (int i = 0; i < %(w)d; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (uint64_t done = 0; done < units; done += %(batch)d) {
		sink += work_%(s)s();
		pthread_mutex_lock(&mu);
		tasks_end += %(batch)d;
		pending = %(batch)d;
		pthread_cond_broadcast(&have_task);
		while (pending)
			pthread_cond_wait(&batch_done, &mu);
		pthread_mutex_unlock(&mu);
	}
%(close)s
	for (int i = 0; i < %(w)d; i++)
		pthread_join(t[i], NULL);
}
""" % {"w": w, "batch": batch, "s": submit, "a": task_a, "b": task_b,
       "state": monitor_state(["have_task", "batch_done"], ["next_task", "tasks_end", "pending"], "stop"),
       "take": monitor_take("next_task == tasks_end", "stop", "have_task"),
       "close": monitor_close("stop", "have_task")}


def shape_pipe(p):
    ping, pong = p.line("one side's turn"), p.line("the other side's turn")
    p.params = {}
    return """
static int ab[2], ba[2];
static uint64_t rounds;

static void *other_side(void *arg)
{
	char c;

	(void)arg;
	for (uint64_t i = 0; i < rounds; i++) {
		if (read(ab[0], &c, 1) != 1)
			break;
		sink += work_%(pong)s();
		if (write(ba[1], &c, 1) != 1)
			break;
	}
	return NULL;
}

static void run(uint64_t units)
{
	pthread_t t;
	char c = 'x';

	rounds = units;
	if (pipe(ab) || pipe(ba))
		exit(1);
	pthread_create(&t, NULL, other_side, NULL);
	for (uint64_t i = 0; i < rounds; i++) {
		sink += work_%(ping)s();
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			break;
		CAUSAL_PROGRESS;
	}
	pthread_join(t, NULL);
}
""" % {"ping": ping, "pong": pong}


def shape_fork(p):
    k = p.rng.randint(1, 3)
    parent, child = p.line("the parent, per round"), p.line("each forked worker")
    p.params = {"children": k}
    return """
static void run(uint64_t units)
{
	for (uint64_t i = 0; i < units; i++) {
		pid_t pid[%(k)d];

		for (int j = 0; j < %(k)d; j++) {
			pid[j] = fork();
			if (pid[j] == 0) {
				sink += work_%(c)s();
				_exit(0);
			}
		}
		sink += work_%(p)s();
		for (int j = 0; j < %(k)d; j++)
			waitpid(pid[j], NULL, 0);
		CAUSAL_PROGRESS;
	}
}
""" % {"k": k, "p": parent, "c": child}


def shape_spawn(p):
    k = p.rng.randint(2, 4)
    main_line = p.line("the main thread between tasks")
    labels = [p.line("spawned thread %d" % i) for i in range(k)]
    p.params = {"threads": k}
    fns = "\n".join("static void *task%d(void *arg)\n{\n\t(void)arg;\n\tsink += work_%s();\n\treturn NULL;\n}\n"
                    % (i, l) for i, l in enumerate(labels))
    create = "\n".join("\t\tpthread_create(&t[%d], NULL, task%d, NULL);" % (i, i) for i in range(k))
    return """
%(fns)s
static void run(uint64_t units)
{
	for (uint64_t i = 0; i < units; i++) {
		pthread_t t[%(k)d];

%(create)s
		sink += work_%(m)s();
		for (int j = 0; j < %(k)d; j++)
			pthread_join(t[j], NULL);
		CAUSAL_PROGRESS;
	}
}
""" % {"fns": fns, "create": create, "k": k, "m": main_line}


def shape_flat(p):
    dom_n = iters(p.rng, 200000, 2000000)
    dom = p.line("the dominant line of the unit", dom_n)
    minors = [p.line("a minor line of the unit", int(dom_n * p.rng.uniform(0.15, 0.3)))
              for _ in range(p.rng.randint(8, 16))]
    k = p.rng.randint(6, 12)
    sides = [p.line("side thread %d, off the critical path" % i, iters(p.rng, 20000, 400000))
             for i in range(k)]
    p.params = {"minor_lines": len(minors), "side_threads": k}
    fns = "\n".join("static void *side%d(void *arg)\n{\n\t(void)arg;\n\tfor (;;) {\n"
                    "\t\tuint64_t t = now_ns();\n\n\t\tsink += work_%s();\n"
                    "\t\tsleep_ns((now_ns() - t) * SIDE_SLEEP);\n\t}\n\treturn NULL;\n}\n"
                    % (i, l) for i, l in enumerate(sides))
    create = "\n".join("\tpthread_create(&t, NULL, side%d, NULL);" % i for i in range(k))
    unit = "\n".join("\t\tsink += work_%s();" % l for l in [dom] + minors)
    # each side thread runs 1/(SIDE_SLEEP + 1) of a CPU: about half a CPU between them
    return """
#define SIDE_SLEEP %(sleep)d

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull), .tv_nsec = (long)(ns %% 1000000000ull) };

	nanosleep(&ts, NULL);
}

%(fns)s
static void run(uint64_t units)
{
	pthread_t t;

%(create)s
	for (uint64_t i = 0; i < units; i++) {
%(unit)s
		CAUSAL_PROGRESS;
	}
}
""" % {"sleep": 2 * k - 1, "fns": fns, "create": create, "unit": unit}


HEAD = """// SPDX-License-Identifier: MIT
/* Generated by tests/workloads/gen/gen.py from seed %(seed)d: shape %(shape)s %(params)s. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "causal.h"

static volatile uint64_t sink, start = 3;

"""

MAIN = """
int main(int argc, char **argv)
{
	uint64_t units = argc > 1 ? strtoull(argv[1], NULL, 0) : 100;
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	run(units);
	clock_gettime(CLOCK_MONOTONIC, &b);
	fprintf(stderr, "GEN units=%llu wall_ns=%llu\\n", (unsigned long long)units,
		(unsigned long long)((b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec)));
	return 0;
}
"""


def generate(seed, flat=False):
    p = Program(seed)
    shape = "flat" if flat else SHAPES[p.rng.randrange(len(SHAPES))]
    body = globals()["shape_" + shape](p)
    head = HEAD % {"seed": seed, "shape": shape, "params": json.dumps(p.params, sort_keys=True)}
    text = head + p.work_functions() + body + MAIN
    lines = []
    for no, src in enumerate(text.split("\n"), 1):
        for label, role, n in p.lines:
            if "/* %s: " % label in src:
                lines.append({"label": label, "line": no, "role": role, "iterations": n})
    return shape, p.params, text, lines


def main():
    args = sys.argv[1:]
    flat = args[:1] == ["--flat"]
    if flat:
        args = args[1:]
    if len(args) != 2:
        sys.exit("usage: gen.py [--flat] SEED OUTDIR")
    seed, out = int(args[0]), args[1]
    shape, params, text, lines = generate(seed, flat)
    name = ("flat-%d" if flat else "gen-%d") % seed
    with open("%s/%s.c" % (out, name), "w") as f:
        f.write(text)
    with open("%s/%s.json" % (out, name), "w") as f:
        json.dump({"seed": seed, "name": name, "shape": shape, "params": params, "lines": lines}, f,
                  indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
