// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The experiment driver: samples from the module's ring are attributed to source lines, the
 * policy picks a line and a speedup, the module runs the experiment, and the progress points'
 * deltas over it go to the profile, which is flushed after every experiment so that a killed run
 * still leaves a valid profile.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "callchain.h"
#include "causalctl.h"
#include "policy.h"
#include "probe.h"
#include "profiler.h"
#include "progress_shm.h"
#include "settle.h"
#include "sites.h"
#include "symbols.h"
#include "timeline.h"

volatile sig_atomic_t profiler_stop;

#define MAX_PROBES	CAUSAL_MAX_PROGRESS
#define NAME_LEN	256
#define MAX_SCAN_PIDS	64
#define TIMELINE_RING_PAGES	1024	/* 4 MiB: 32768 records, four times the default */
#define POLICY_WAIT_NS	20000000ULL	/* between looks for an experiment to start */
#define POINT_WAIT_MAX_NS	250000000ULL	/* the same, while there is no progress point */

/* One progress point as the profile names it; its counts come from probes or libcausal. */
struct point {
	char name[NAME_LEN];
	enum profile_point_kind kind;
	bool from_shm;
	uint32_t *begin_ids, nbegin;	/* module probes counted as visits (or arrivals) */
	uint32_t *end_ids, nend;	/* module probes counted as departures */
	uint64_t begin, end;		/* now */
	uint64_t begin0, end0;		/* at the experiment's start */
	uint64_t total;			/* visits (arrivals) over all experiments */
};

struct profiler {
	const struct cli_env *env;
	const struct profiler_opts *o;
	struct causal_session sess;
	struct profile_writer *w;
	struct profile_writer *tw;	/* --timeline: OUTPUT.timeline (profiler.h) */
	char timeline_path[PATH_MAX];
	struct profile_writer *sw;	/* the callchains: OUTPUT.stacks (profile.h) */
	char stacks_path[PATH_MAX];
	struct callchains *cc;
	struct policy *policy;
	struct symbols *sym;
	struct shm_set *shm;
	pid_t pid;
	uint32_t event_used;
	bool tty;

	struct point *points;
	size_t npoints;
	struct {
		dev_t dev;
		ino_t ino;
		uint64_t offset;
		bool ret;
	} probes[MAX_PROBES];		/* by id: one probe can serve several points */
	uint32_t nprobes;
	uint64_t probe_counts[MAX_PROBES];

	uint64_t *line_samples;		/* by line id */
	size_t line_cap;
	uint64_t samples, in_scope, delays, paying, unknown_seen;
	uint64_t point_wait_ns;		/* the last wait for a first progress point */
	pid_t scan_pids[MAX_SCAN_PIDS];
	size_t nscan;

	struct timeline *timeline;	/* --timeline, from the attach */

	unsigned int experiments, unmapped_lines;
	unsigned int ended_experiments;	/* logged, marked target_ended */
	uint64_t start_mono, start_real, last_status;
	char status_line[160];
	bool exp_running;
	struct causal_range *exp_ranges;
	size_t exp_nranges;
	struct causal_range *scope_ranges;	/* where attribution stops: CAUSAL_EXPERIMENT_SCOPE */
	size_t scope_nranges;
	bool scope_warned;			/* the module cannot take them: said once */
	char main_exe[PATH_MAX];	/* the target's executable, for the closing hints */
	struct settle settle;		/* --until-settled */
	bool rank_failed;		/* the profile could not be re-read: said once */
};

#define errf(p, ...)	fprintf((p)->env->err, "causalctl: " __VA_ARGS__)

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void profiler_opts_init(struct profiler_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->output = "profile.coz";
	o->format = PROFILE_JSONL;
	o->period_ns = CAUSAL_PERIOD_DEFAULT_NS;
	o->event = CAUSAL_EVENT_CPU_CLOCK;
	o->device = CAUSAL_DEVICE_PATH;
}

struct profiler *profiler_new(const struct cli_env *env, const struct profiler_opts *o)
{
	struct policy_config cfg;
	struct profiler *p;
	char err[512];

	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->env = env;
	p->o = o;
	p->sess.fd = -1;
	/* a redrawn status line needs a terminal that understands \r and erase-to-end */
	p->tty = isatty(fileno(env->err)) && getenv("TERM") && strcmp(getenv("TERM"), "dumb");
	if (session_open(&p->sess, o->device, err, sizeof(err))) {
		errf(p, "%s\n", err);
		goto fail;
	}
	policy_config_defaults(&cfg);
	cfg.period_ns = o->period_ns;
	memcpy(cfg.fixed_speedups, o->fixed_speedups, sizeof(cfg.fixed_speedups));
	cfg.nfixed_speedups = o->nfixed_speedups;
	if (o->min_length_ns) {
		cfg.min_length_ns = o->min_length_ns;
		if (cfg.max_length_ns < 16 * o->min_length_ns)
			cfg.max_length_ns = 16 * o->min_length_ns;
	}
	cfg.seed = o->seed_set ? o->seed : real_ns() ^ ((uint64_t)getpid() << 32);
	cfg.adaptive = o->adaptive_policy;
	p->policy = policy_new(&cfg);
	p->shm = shm_set_new();
	if (!p->policy || !p->shm) {
		errf(p, "out of memory\n");
		goto fail;
	}
	p->w = profile_writer_open(o->output, o->format, err, sizeof(err));
	if (!p->w) {
		errf(p, "%s\n", err);
		goto fail;
	}
	/*
	 * The callchains too, for the same reason, in the profile's syntax. Without them the profile
	 * still means what it says (an output of /dev/null has no writable FILE.stacks): a warning.
	 */
	snprintf(p->stacks_path, sizeof(p->stacks_path), "%s%s", o->output, PROFILE_STACKS_SUFFIX);
	p->cc = callchains_new();
	if (!p->cc) {
		errf(p, "out of memory\n");
		goto fail;
	}
	p->sw = profile_writer_open(p->stacks_path, o->format, err, sizeof(err));
	if (!p->sw)
		errf(p, "warning: %s; the callchains (for report --pprof) are not kept\n", err);
	/*
	 * The per-thread spans go beside the profile, not in it: Coz's viewer reads the profile and
	 * raises an alert for every record it does not know. report reads both.
	 */
	if (o->timeline) {
		snprintf(p->timeline_path, sizeof(p->timeline_path), "%s%s", o->output, PROFILE_TIMELINE_SUFFIX);
		p->tw = profile_writer_open(p->timeline_path, PROFILE_JSONL, err, sizeof(err));
		if (!p->tw) {
			errf(p, "%s\n", err);
			goto fail;
		}
	}
	return p;
fail:
	profiler_abort(p);
	return NULL;
}

void profiler_abort(struct profiler *p)
{
	if (!p)
		return;
	if (p->w)
		profile_writer_close(p->w);
	if (p->tw)
		profile_writer_close(p->tw);
	if (p->sw)
		profile_writer_close(p->sw);
	callchains_free(p->cc);
	session_close(&p->sess);
	policy_free(p->policy);
	shm_set_free(p->shm);
	if (p->sym)
		symbols_close(p->sym);
	for (size_t i = 0; i < p->npoints; i++) {
		free(p->points[i].begin_ids);
		free(p->points[i].end_ids);
	}
	free(p->points);
	free(p->line_samples);
	free(p->exp_ranges);
	free(p->scope_ranges);
	timeline_free(p->timeline);
	free(p);
}

/* ---- progress points ---- */

static struct point *point_find(struct profiler *p, const char *name, enum profile_point_kind kind)
{
	for (size_t i = 0; i < p->npoints; i++)
		if (p->points[i].kind == kind && !strcmp(p->points[i].name, name))
			return &p->points[i];
	return NULL;
}

static struct point *point_add(struct profiler *p, const char *name, enum profile_point_kind kind)
{
	struct point *pt = realloc(p->points, (p->npoints + 1) * sizeof(*pt));

	if (!pt)
		return NULL;
	p->points = pt;
	pt = &p->points[p->npoints++];
	memset(pt, 0, sizeof(*pt));
	snprintf(pt->name, sizeof(pt->name), "%s", name);
	pt->kind = kind;
	return pt;
}

static bool is_elf_file(const char *path)
{
	unsigned char magic[4];
	struct stat st;
	bool elf = false;
	int fd;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf = read(fd, magic, 4) == 4 && !memcmp(magic, "\177ELF", 4);
	close(fd);
	return elf;
}

/*
 * Registers a probe at every location of spec (in binary, or in the binary it names itself as
 * BINARY:SPEC) and appends their ids to *ids. 0 or -1 after printing why.
 */
static int probe_spec(struct profiler *p, const char *main_exe, const char *spec, bool ret,
		      uint32_t **ids, uint32_t *nids)
{
	const char *colon = strchr(spec, ':');
	char binary[PATH_MAX], err[1024];
	struct probe_loc *locs = NULL;
	size_t n = 0, i;
	struct stat st;
	int fd, r;

	snprintf(binary, sizeof(binary), "%s", main_exe ? main_exe : "");
	if (colon && (size_t)(colon - spec) < sizeof(binary)) {
		char head[PATH_MAX];

		memcpy(head, spec, colon - spec);
		head[colon - spec] = 0;
		if (is_elf_file(head)) {
			snprintf(binary, sizeof(binary), "%s", head);
			spec = colon + 1;
		}
	}
	if (!*binary) {
		errf(p, "progress point '%s': no binary to put it in\n", spec);
		return -1;
	}
	r = probe_resolve(binary, spec, ret, &locs, &n, err, sizeof(err));
	if (r || !n) {
		errf(p, "progress point '%s': %s\n", spec, r ? err : "no location found");
		free(locs);
		return -1;
	}
	fd = open(binary, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		errf(p, "cannot open %s: %s\n", binary, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(locs);
		return -1;
	}
	for (i = 0; i < n; i++) {
		uint32_t id, *grown;

		/* the module has one probe per place: points on the same place share it */
		for (id = 0; id < p->nprobes; id++)
			if (p->probes[id].dev == st.st_dev && p->probes[id].ino == st.st_ino &&
			    p->probes[id].offset == locs[i].offset && p->probes[id].ret == ret)
				break;
		r = id < p->nprobes ? 0 : session_progress_add(&p->sess, fd, locs[i].offset, ret, &id);
		if (r) {
			errf(p, "cannot place a %sprobe at %s (offset %#" PRIx64 " of %s): %s%s\n",
			     ret ? "return " : "", locs[i].desc, locs[i].offset, binary, strerror(-r),
			     r == -ENOSPC ? " (at most 256 probe locations per session)" : "");
			close(fd);
			free(locs);
			return -1;
		}
		grown = realloc(*ids, (*nids + 1) * sizeof(**ids));
		if (!grown) {
			close(fd);
			free(locs);
			return -1;
		}
		*ids = grown;
		(*ids)[(*nids)++] = id;
		if (id >= p->nprobes && id < MAX_PROBES) {
			p->probes[id].dev = st.st_dev;
			p->probes[id].ino = st.st_ino;
			p->probes[id].offset = locs[i].offset;
			p->probes[id].ret = ret;
			p->nprobes = id + 1;
		}
		if (p->o->verbose)
			errf(p, "%s probe at %s (%s+%#" PRIx64 ")\n", ret ? "return" : "entry",
			     locs[i].desc, binary, locs[i].offset);
	}
	close(fd);
	free(locs);
	return 0;
}

static int add_spec(struct profiler *p, const char *main_exe, const struct point_spec *sp)
{
	char begin[NAME_LEN];
	const char *comma;
	struct point *pt;

	pt = point_add(p, sp->spec, sp->latency ? PROFILE_LATENCY : PROFILE_THROUGHPUT);
	if (!pt)
		return -1;
	if (!sp->latency)
		return probe_spec(p, main_exe, sp->spec, false, &pt->begin_ids, &pt->nbegin);
	comma = strchr(sp->spec, ',');
	if (!comma) {
		/* one function: entry is the beginning, its return the end */
		if (probe_spec(p, main_exe, sp->spec, false, &pt->begin_ids, &pt->nbegin))
			return -1;
		pt = &p->points[p->npoints - 1];
		return probe_spec(p, main_exe, sp->spec, true, &pt->end_ids, &pt->nend);
	}
	snprintf(begin, sizeof(begin), "%.*s", (int)(comma - sp->spec), sp->spec);
	if (probe_spec(p, main_exe, begin, false, &pt->begin_ids, &pt->nbegin))
		return -1;
	pt = &p->points[p->npoints - 1];
	return probe_spec(p, main_exe, comma + 1, false, &pt->end_ids, &pt->nend);
}

/* Whether process pid has libcausal mapped (then its sites count through it). */
static bool has_libcausal(pid_t pid)
{
	char path[64], line[PATH_MAX + 128];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return true;	/* cannot tell: do not risk counting twice */
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "/libcausal.so") != NULL;
	fclose(f);
	return found;
}

static int site_probes(struct profiler *p, const char *main_exe, const struct site *st, bool end,
		       struct point *pt)
{
	char spec[32];
	size_t i;

	for (i = 0; i < st->noffsets; i++) {
		snprintf(spec, sizeof(spec), "%#" PRIx64, st->offsets[i]);
		if (end ? probe_spec(p, main_exe, spec, false, &pt->end_ids, &pt->nend) :
			  probe_spec(p, main_exe, spec, false, &pt->begin_ids, &pt->nbegin))
			return -1;
	}
	return 0;
}

/*
 * A target that runs without libcausal (attached to after it started) still has its causal.h and
 * coz.h sites: count them with uprobes under the names libcausal would give them. Sites that
 * share a name share a point, as in libcausal; BEGIN and END of one name make a latency point.
 */
static int add_sites(struct profiler *p, pid_t pid, const char *main_exe)
{
	struct site *sites;
	size_t n, i, shown = 0;
	char err[512];

	if (has_libcausal(pid))
		return 0;
	if (sites_find(main_exe, &sites, &n, err, sizeof(err))) {
		errf(p, "looking for causal.h/coz.h progress points: %s\n", err);
		return 0;
	}
	for (i = 0; i < n; i++) {
		const struct site *st = &sites[i];
		enum profile_point_kind kind = st->kind == SITE_PROGRESS ? PROFILE_THROUGHPUT : PROFILE_LATENCY;
		struct point *pt = point_find(p, st->name, kind);

		if (!pt)
			pt = point_add(p, st->name, kind);
		if (!pt || site_probes(p, main_exe, st, st->kind == SITE_END, pt)) {
			sites_free(sites, n);
			return -1;
		}
	}
	if (n)
		errf(p, "process %d runs without libcausal: counting its %zu causal.h/coz.h progress-point "
		     "sites with uprobes:", pid, n);
	for (i = 0; i < n && shown < 8; i++, shown++)
		fprintf(p->env->err, "%s '%s'%s%s%s%s", i ? "," : "", sites[i].name,
			sites[i].kind == SITE_BEGIN ? " begin" : sites[i].kind == SITE_END ? " end" : "",
			strcmp(sites[i].name, sites[i].where) ? " (" : "",
			strcmp(sites[i].name, sites[i].where) ? sites[i].where : "",
			strcmp(sites[i].name, sites[i].where) ? ")" : "");
	if (n)
		fprintf(p->env->err, "%s\n", n > shown ? ", ..." : "");
	for (i = 0; i < n; i++)
		if (sites[i].name_guessed)
			errf(p, "the site at %s may be named in its source, %s, which is not readable "
			     "here: counted as the progress point '%s'\n", sites[i].where, sites[i].source,
			     sites[i].name);
	sites_free(sites, n);
	return 0;
}

int profiler_attach(struct profiler *p, pid_t pid, const char *main_exe)
{
	uint32_t flags = 0;
	char err[512];
	size_t i;

	if (p->o->no_follow)
		flags |= CAUSAL_ATTACH_NO_FOLLOW;
	if (p->o->cpu_model)
		flags |= CAUSAL_ATTACH_CPU_MODEL;
	if (p->o->timeline) {
		flags |= CAUSAL_ATTACH_TRACE_SWITCHES;
		/* every switch of every thread: room for bursts while causalctl symbolises */
		p->sess.ring_pages = TIMELINE_RING_PAGES;
		p->timeline = timeline_new(mono_ns());
		if (!p->timeline) {
			errf(p, "out of memory\n");
			return -1;
		}
	}
	if (session_attach(&p->sess, pid, flags, p->o->period_ns, p->o->event, &p->event_used,
			   err, sizeof(err))) {
		errf(p, "%s\n", err);
		return -1;
	}
	p->pid = pid;
	if (p->tw)
		profile_write_timeline_start(p->tw, (unsigned int)sysconf(_SC_NPROCESSORS_ONLN),
					     timeline_start(p->timeline));
	/* the file itself (attach names it /proc/PID/exe, gone with the process) */
	if (!main_exe || !realpath(main_exe, p->main_exe))
		snprintf(p->main_exe, sizeof(p->main_exe), "%s", main_exe ? main_exe : "");
	p->scan_pids[p->nscan++] = pid;
	for (i = 0; i < p->o->nspecs; i++)
		if (add_spec(p, main_exe, &p->o->specs[i]))
			return -1;
	if (p->o->count_sites && main_exe && add_sites(p, pid, main_exe))
		return -1;
	/* last: a harness may wait for this line to know that every point counts */
	fprintf(p->env->err, "causal: attached to process %d\n", pid);
	return 0;
}

/* Reads every counter into points[].begin/end; finds libcausal regions of new processes. */
static void points_read(struct profiler *p, bool scan)
{
	struct shm_point *sp = NULL;
	size_t n = 0, i, k;

	if (p->nprobes)
		session_progress_read(&p->sess, p->probe_counts, p->nprobes);
	for (i = 0; i < p->npoints; i++) {
		struct point *pt = &p->points[i];

		if (pt->from_shm)
			continue;
		pt->begin = pt->end = 0;
		for (k = 0; k < pt->nbegin; k++)
			pt->begin += p->probe_counts[pt->begin_ids[k]];
		for (k = 0; k < pt->nend; k++)
			pt->end += p->probe_counts[pt->end_ids[k]];
	}
	if (scan)
		for (i = 0; i < p->nscan; i++)
			shm_set_scan_pid(p->shm, p->scan_pids[i]);
	if (shm_set_snapshot(p->shm, &sp, &n))
		return;
	for (i = 0; i < n; i++) {
		enum profile_point_kind kind = sp[i].kind == SHM_LATENCY ? PROFILE_LATENCY :
							PROFILE_THROUGHPUT;
		struct point *pt = point_find(p, sp[i].name, kind);

		if (!pt) {
			pt = point_add(p, sp[i].name, kind);
			if (!pt)
				break;
			pt->from_shm = true;
			/* counted before we saw it: the first experiment's delta starts here */
			pt->begin0 = sp[i].count;
			pt->end0 = sp[i].end;
		}
		if (!pt->from_shm)
			continue;	/* a --progress point of the same name wins */
		pt->begin = sp[i].count;
		pt->end = sp[i].end;
	}
	free(sp);
}

int profiler_add_region(struct profiler *p, int fd)
{
	return shm_set_add_fd(p->shm, fd);
}

/* ---- samples ---- */

static void note_pid(struct profiler *p, pid_t pid)
{
	for (size_t i = 0; i < p->nscan; i++)
		if (p->scan_pids[i] == pid)
			return;
	if (p->nscan < MAX_SCAN_PIDS)
		p->scan_pids[p->nscan++] = pid;
}

static void count_line(struct profiler *p, line_id line)
{
	if (line >= p->line_cap) {
		size_t cap = line * 2 + 64;
		uint64_t *g = realloc(p->line_samples, cap * sizeof(*g));

		if (!g)
			return;
		memset(g + p->line_cap, 0, (cap - p->line_cap) * sizeof(*g));
		p->line_samples = g;
		p->line_cap = cap;
	}
	p->line_samples[line]++;
}

static void on_record(const struct causal_sample *r, void *arg)
{
	struct profiler *p = arg;
	line_id line;
	unsigned int n;

	if (p->timeline)
		timeline_record(p->timeline, r);
	if (r->flags & (CAUSAL_SAMPLE_SWITCH_IN | CAUSAL_SAMPLE_SWITCH_OUT))
		return;
	if (r->flags & CAUSAL_SAMPLE_DELAY) {
		p->delays++;
		return;
	}
	/* the profiler's time (a payment's spun end), not the program's */
	if (r->flags & CAUSAL_SAMPLE_PAYING) {
		p->paying++;
		return;
	}
	p->samples++;
	note_pid(p, (pid_t)r->pid);
	n = r->nr_callchain <= CAUSAL_MAX_CALLCHAIN ? r->nr_callchain : 0;
	line = p->sym ? symbols_attribute(p->sym, r->ip, (const uint64_t *)r->callchain, n) : 0;
	/* every sample's stack, in scope or not: the frames are symbolised at the end */
	callchains_add(p->cc, r->ip, (const uint64_t *)r->callchain, n, line);
	if (!line)
		return;
	p->in_scope++;
	count_line(p, line);
	policy_note_sample(p->policy, line);
}

/*
 * In batches, so that the loop sees its deadlines even when samples arrive faster than they are
 * symbolised (the first sample in an object builds its line table).
 */
static void drain(struct profiler *p)
{
	session_drain(&p->sess, 512, on_record, p);
}

/* What is in the ring now; bounded, as a live target keeps adding to it. */
static void drain_all(struct profiler *p)
{
	for (int i = 0; i < 64 && session_drain(&p->sess, 4096, on_record, p); i++)
		;
}

/* ---- the loop ---- */

static bool target_gone(struct profiler *p)
{
	return !p->sess.stats->tasks_attached;
}

static void status_line(struct profiler *p, const char *line, unsigned int pct, bool force)
{
	uint64_t now = mono_ns(), el;

	if (!p->tty || (!force && now - p->last_status < 250000000ULL))
		return;
	p->last_status = now;
	el = (now - p->start_mono) / 1000000000ULL;
	snprintf(p->status_line, sizeof(p->status_line),
		 "causal: %u experiments, %02" PRIu64 ":%02" PRIu64 " elapsed, now %s at +%u%%",
		 p->experiments, el / 60, el % 60, line ? line : "(waiting for samples)", pct);
	/* one line, redrawn: \r, the text, clear to the end of the line */
	fprintf(p->env->err, "\r%.*s\033[K", 100, p->status_line);
	fflush(p->env->err);
}

static void status_clear(struct profiler *p)
{
	if (p->tty && p->last_status)
		fprintf(p->env->err, "\r\033[K");
	p->last_status = 0;
}

/*
 * Waits until deadline (CLOCK_MONOTONIC), draining the ring. Returns false when the run must end
 * (target gone, stop requested, is_done), true at the deadline.
 */
static bool wait_until(struct profiler *p, uint64_t deadline, bool (*is_done)(void *), void *arg,
		       const char *line, unsigned int pct)
{
	for (;;) {
		uint64_t now = mono_ns();
		int ms;

		drain(p);
		if (profiler_stop || target_gone(p) || (is_done && is_done(arg)))
			return false;
		if (p->o->duration_ns && now - p->start_mono >= p->o->duration_ns)
			return false;
		if (now >= deadline)
			return true;
		status_line(p, line, pct, false);
		ms = (int)((deadline - now + 999999) / 1000000);
		session_wait(&p->sess, ms > 50 ? 50 : ms);
	}
}

static bool any_points(struct profiler *p)
{
	return p->npoints > 0;
}

/*
 * How long to wait before looking again when no experiment can start: 20 ms, but while there is
 * no progress point at all, twice as long each time up to 250 ms. Each look scans the target's
 * mappings for libcausal's counters, which cost a quarter of a CPU at 50 looks a second in the
 * emulated test guest, for a target that may never have a point.
 */
static uint64_t idle_wait_ns(struct profiler *p)
{
	if (any_points(p))
		return POLICY_WAIT_NS;
	p->point_wait_ns = p->point_wait_ns ? p->point_wait_ns * 2 : POLICY_WAIT_NS;
	if (p->point_wait_ns > POINT_WAIT_MAX_NS)
		p->point_wait_ns = POINT_WAIT_MAX_NS;
	return p->point_wait_ns;
}

/* The adaptive policy's estimates: each ranked line's best series, its impact and error. */
static void feed_estimates(struct profiler *p, const struct report_result *r)
{
	struct policy_stats st;
	struct policy_line_stats *lines;
	struct policy_estimate *est;
	size_t n = 0;

	policy_stats(p->policy, &st);
	lines = calloc(st.lines + 1, sizeof(*lines));
	est = calloc(st.lines + 1, sizeof(*est));
	if (!lines || !est)
		goto out;	/* the policy keeps its last estimates: a choice, not a result */
	policy_lines(p->policy, lines, st.lines);
	for (size_t i = 0; i < st.lines; i++) {
		const char *name = symbols_line_name(p->sym, lines[i].line);

		for (size_t j = 0; name && j < r->nlines; j++) {
			const struct report_series *se = &r->series[r->lines[j].series[0]];

			if (strcmp(r->lines[j].selected, name))
				continue;
			est[n++] = (struct policy_estimate){
				.line = lines[i].line,
				.impact = se->impact,
				.se = se->impact_se,
			};
			break;
		}
	}
	policy_note_estimates(p->policy, est, n);
out:
	free(lines);
	free(est);
}

/*
 * After each logged experiment: the profile so far, read back from the file and ranked as
 * `causalctl report` ranks it by default, for --until-settled's rule and the adaptive policy's
 * estimates, so that both judge what the user will read.
 */
static void rank_so_far(struct profiler *p, uint32_t fixed)
{
	bool settle = p->o->until_settled, adapt = p->o->adaptive_policy && !fixed;
	struct report_result r;
	struct profile prof;
	char err[512];

	if ((!settle && !adapt) || p->rank_failed)
		return;
	if (settle_rank_file(p->o->output, &prof, &r, err, sizeof(err))) {
		errf(p, "cannot rank the profile so far (%s):%s%s\n", err,
		     settle ? " --until-settled runs on until the other limits;" : "",
		     adapt ? " --policy adaptive draws lines by their samples from now on" : "");
		p->rank_failed = true;
		return;
	}
	if (settle)
		settle_feed(&p->settle, &r);
	if (adapt)
		feed_estimates(p, &r);
	report_free(&r);
	profile_free(&prof);
}

static int run_experiment(struct profiler *p, const struct policy_choice *c,
			  bool (*is_done)(void *), void *arg, bool *go_on)
{
	struct causal_experiment_result res;
	struct profile_experiment e = { 0 };
	const char *name = symbols_line_name(p->sym, c->line);
	uint64_t *deltas, start;
	bool logged, scoped;
	size_t i;
	int r, scope_err;

	free(p->exp_ranges);
	p->exp_ranges = NULL;
	r = symbols_line_ranges(p->sym, c->line, &p->exp_ranges, &p->exp_nranges);
	if (r || !p->exp_nranges || !name) {
		/* the object went away (dlclose), or no memory to name the line: nothing happened */
		p->unmapped_lines++;
		*go_on = true;
		return policy_done(p->policy, c, NULL, 0, false);
	}
	if (p->exp_nranges > CAUSAL_MAX_RANGES)
		p->exp_nranges = CAUSAL_MAX_RANGES;
	/* the scope now (a library may have been loaded): the rest of the ranges the module takes */
	free(p->scope_ranges);
	p->scope_ranges = NULL;
	p->scope_nranges = 0;
	scope_err = symbols_scope_ranges(p->sym, CAUSAL_MAX_RANGES - p->exp_nranges,
					 &p->scope_ranges, &p->scope_nranges);
	if (scope_err)
		p->scope_nranges = 0;	/* out of memory: the line's own instructions only */
	points_read(p, true);
	for (i = 0; i < p->npoints; i++) {
		p->points[i].begin0 = p->points[i].begin;
		p->points[i].end0 = p->points[i].end;
	}
	r = session_exp_start(&p->sess, c->delay_ns, p->exp_ranges, p->exp_nranges,
			      p->scope_ranges, p->scope_nranges, &scoped, NULL);
	if (r) {
		errf(p, "cannot start an experiment on %s: %s\n", name, strerror(-r));
		return -1;
	}
	if (!scoped && !p->scope_warned) {
		p->scope_warned = true;
		errf(p, "%s: an experiment speeds up the line's own instructions only, not the code "
		     "out of scope it calls\n", p->scope_nranges ?
		     "the loaded causal module is older than this causalctl (load the module of this "
		     "release)" : scope_err ? "out of memory for the scope's address ranges" :
		     "a line with too many address ranges to pass the scope along");
	}
	start = mono_ns();
	*go_on = wait_until(p, start + c->length_ns, is_done, arg, name, c->speedup_pct);
	points_read(p, false);
	r = session_exp_stop(&p->sess, &res);
	if (r) {
		errf(p, "cannot stop the experiment on %s: %s\n", name, strerror(-r));
		return -1;
	}
	drain(p);

	e.selected = name;
	e.speedup = c->speedup_pct / 100.0;
	e.duration = res.effective;
	e.selected_samples = res.selected_samples;
	e.start_ns = start;
	e.end_ns = start + res.wall;
	e.delay_inserted = res.delay_inserted;
	e.delay_paid = res.delay_paid;
	e.paid_error_ns = (int64_t)res.paid_error;
	e.payments = res.payments;
	/*
	 * The target ended during it or in the pause after it (not a stop or --duration): its
	 * threads were finishing one by one, at a rate no other experiment sees (a median 1.4 times
	 * slower per unit of progress in the workload benchmark, docs/bench-history.md run 14).
	 * Kept in the profile, marked; the report leaves it out.
	 */
	if (*go_on)
		*go_on = wait_until(p, mono_ns() + c->cooloff_ns, is_done, arg, NULL, 0);
	e.target_ended = !*go_on && !profiler_stop && (target_gone(p) || (is_done && is_done(arg)));
	logged = res.effective > 0;
	deltas = calloc(p->npoints + 1, sizeof(*deltas));
	if (!deltas)
		return -1;
	if (logged) {
		profile_write_experiment(p->w, &e);
		for (i = 0; i < p->npoints; i++) {
			struct point *pt = &p->points[i];
			uint64_t d = pt->begin - pt->begin0;

			pt->total += d;
			if (pt->kind == PROFILE_THROUGHPUT) {
				profile_write_throughput(p->w, pt->name, d);
				deltas[i] = d;
			} else {
				uint64_t de = pt->end - pt->end0;

				profile_write_latency(p->w, pt->name, d, de,
						      (int64_t)(pt->begin - pt->end));
				deltas[i] = d < de ? d : de;
			}
		}
		if (p->timeline)
			timeline_write(p->timeline, p->tw, 0);
		if (profile_flush(p->w)) {
			errf(p, "cannot write %s: %s\n", p->o->output, strerror(errno));
			free(deltas);
			return -1;
		}
		if (p->tw && profile_flush(p->tw)) {
			errf(p, "cannot write %s: %s\n", p->timeline_path, strerror(errno));
			free(deltas);
			return -1;
		}

		p->experiments++;
		p->ended_experiments += e.target_ended;
	}
	r = policy_done(p->policy, c, deltas, p->npoints, logged);
	free(deltas);
	if (p->o->verbose) {
		status_clear(p);
		errf(p, "experiment %u: %s +%u%%, %" PRIu64 " ms, %" PRIu64 " selected samples, "
		     "delay %" PRIu64 " us inserted / %" PRIu64 " us paid\n", p->experiments, name,
		     c->speedup_pct, (uint64_t)res.effective / 1000000,
		     (uint64_t)res.selected_samples, (uint64_t)res.delay_inserted / 1000,
		     (uint64_t)res.delay_paid / 1000);
	}
	return r ? -1 : 0;
}

int profiler_loop(struct profiler *p, bool (*is_done)(void *arg), void *arg)
{
	struct profile_meta meta = { 0 };
	line_id fixed = 0;
	struct utsname u;
	char err[1024];
	bool go_on = true;
	unsigned int before;
	int r;

	p->start_mono = mono_ns();
	p->start_real = real_ns();
	p->sym = symbols_open(p->pid, p->o->scope, err, sizeof(err));
	if (!p->sym) {
		errf(p, "%s\n", err);
		return -1;
	}
	if (p->o->fixed_line &&
	    symbols_find_line(p->sym, p->o->fixed_line, &fixed, err, sizeof(err))) {
		errf(p, "--fixed-line %s: %s\n", p->o->fixed_line, err);
		return -1;
	}
	uname(&u);
	meta.tool_version = CAUSAL_VERSION;
	meta.thread_model = p->o->cpu_model ? "cpu" : "task";
	meta.event = p->event_used == CAUSAL_EVENT_CYCLES ? "cycles" : "cpu-clock";
	meta.period_ns = p->o->period_ns;
	meta.command = p->o->command;
	meta.kernel_release = u.release;
	profile_write_startup(p->w, p->start_real, &meta);
	profile_flush(p->w);

	while (go_on) {
		struct policy_choice c;

		if (p->o->max_experiments && p->experiments >= p->o->max_experiments)
			break;
		drain(p);
		if (symbols_unknown_ips(p->sym) != p->unknown_seen) {
			/* samples outside every known mapping: a library loaded since */
			p->unknown_seen = symbols_unknown_ips(p->sym);
			symbols_refresh(p->sym);
		}
		points_read(p, true);
		/* as Coz: experiments only mean something once a progress point exists */
		if (!any_points(p) || !policy_next(p->policy, fixed, &c)) {
			go_on = wait_until(p, mono_ns() + idle_wait_ns(p), is_done, arg, NULL, 0);
			continue;
		}
		/* the experiment, then the pause after it (cooloff) */
		before = p->experiments;
		r = run_experiment(p, &c, is_done, arg, &go_on);
		if (r)
			return -1;
		if (p->experiments > before)
			rank_so_far(p, fixed);
		if (p->settle.settled)
			break;
	}
	status_clear(p);
	return 0;
}

static double timeval_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

/*
 * Whether the executable at path holds the progress-point macros: causal.h and coz.h look up
 * libcausal by name at run time, so the name is in the binary whether or not libcausal is there.
 */
static bool has_macro_sites(const char *path)
{
	static const char *const names[] = { "causal_get_counter", "_coz_get_counter" };
	bool found = false;
	struct stat st;
	void *m;
	size_t i;
	int fd;

	if (!path[0])
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size) {
		close(fd);
		return false;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return false;
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && !found; i++)
		found = memmem(m, (size_t)st.st_size, names[i], strlen(names[i])) != NULL;
	munmap(m, (size_t)st.st_size);
	return found;
}

/* Why an --until-settled run stopped, and where the ranking stood. */
static void settle_summary(struct profiler *p, uint64_t runtime)
{
	const struct settle *s = &p->settle;
	char cap[64];

	if (s->settled) {
		if (s->runner[0])
			fprintf(p->env->err, "causal: settled after %u experiments in %.1f s: %s has led "
				"for the last %u, its impact less its standard error (%+.1f %%) above the "
				"runner-up %s's impact plus its standard error (%+.1f %%)\n", p->experiments,
				runtime / 1e9, s->leader, s->streak, 100 * s->lead_lo, s->runner,
				100 * s->runner_hi);
		else
			fprintf(p->env->err, "causal: settled after %u experiments in %.1f s: %s, the "
				"only ranked line, has led for the last %u, its impact less its standard "
				"error %+.1f %%\n", p->experiments, runtime / 1e9, s->leader, s->streak,
				100 * s->lead_lo);
		return;
	}
	if (p->o->max_experiments && p->experiments >= p->o->max_experiments)
		snprintf(cap, sizeof(cap), "the cap of %u experiments", p->o->max_experiments);
	else if (p->o->duration_ns && runtime >= p->o->duration_ns)
		snprintf(cap, sizeof(cap), "the cap of %.0f s", p->o->duration_ns / 1e9);
	else if (profiler_stop)
		snprintf(cap, sizeof(cap), "a signal");
	else
		snprintf(cap, sizeof(cap), "the program's end");
	if (!s->ranked)
		fprintf(p->env->err, "causal: NOT settled: %s came first, with no line ranked yet (a line "
			"needs a baseline and %d distinct speedups); a longer run gives an answer\n", cap,
			REPORT_DEFAULT_MIN_POINTS);
	else if (s->runner[0])
		fprintf(p->env->err, "causal: NOT settled: %s came first; %s leads (for the last %u "
			"experiments, lower bound %+.1f %%) over %s (upper bound %+.1f %%); the ranking may "
			"still change, a longer run gives a firmer answer\n", cap, s->leader, s->streak,
			100 * s->lead_lo, s->runner, 100 * s->runner_hi);
	else
		fprintf(p->env->err, "causal: NOT settled: %s came first; %s is the only ranked line (for "
			"the last %u experiments, lower bound %+.1f %%)%s; a longer run gives a firmer answer\n",
			cap, s->leader, s->streak, 100 * s->lead_lo, s->wait_runner ?
			", the others have too few speedups to rank" : "");
}

int profiler_finish(struct profiler *p)
{
	const struct causal_stats *st = (const struct causal_stats *)p->sess.stats;
	uint64_t runtime = mono_ns() - p->start_mono, sym_ns;
	struct rusage ru;
	bool never = false;
	size_t i;
	int ret = 0;

	drain_all(p);
	status_clear(p);
	if (p->start_mono) {
		profile_write_runtime(p->w, runtime);
		for (i = 0; i < p->line_cap; i++) {
			const char *name;

			if (!p->line_samples[i])
				continue;
			/* names are made on first use: out of memory leaves a line unnamed */
			name = symbols_line_name(p->sym, (line_id)i);
			if (name)
				profile_write_samples(p->w, name, p->line_samples[i]);
		}
	}
	if (profile_writer_close(p->w)) {
		errf(p, "cannot write %s\n", p->o->output);
		ret = -1;
	}
	p->w = NULL;
	if (p->tw) {
		uint64_t end = mono_ns();

		timeline_write(p->timeline, p->tw, end);
		profile_write_timeline_end(p->tw, end, st ? (uint64_t)st->samples_dropped : 0);
		if (timeline_lost(p->timeline))
			errf(p, "out of memory: %" PRIu64 " timeline records not kept\n",
			     timeline_lost(p->timeline));
	}
	if (p->tw && profile_writer_close(p->tw)) {
		errf(p, "cannot write %s\n", p->timeline_path);
		ret = -1;
	}
	p->tw = NULL;
	/*
	 * Symbolised now, not between experiments: the time it takes (a CU's functions indexed on
	 * first use, under emulation seconds) would hold the experiments up and let the ring fill.
	 */
	sym_ns = mono_ns();
	if (p->start_mono && p->sw)
		callchains_write_stacks(p->cc, p->sym, p->sw);
	if (p->sw && profile_writer_close(p->sw)) {
		errf(p, "cannot write %s\n", p->stacks_path);
		ret = -1;
	} else if (!p->sw) {
		p->stacks_path[0] = '\0';	/* nothing written: not named below */
	}
	p->sw = NULL;
	sym_ns = mono_ns() - sym_ns;
	if (callchains_lost(p->cc))
		errf(p, "%" PRIu64 " samples' callchains were lost (out of memory)\n", callchains_lost(p->cc));

	fprintf(p->env->err,
		"causal: %u experiments in %.1f s, %" PRIu64 " samples (%" PRIu64 " in scope, %"
		PRIu64 " lost, %" PRIu64 " more while paying delays, left out), profile in %s\n",
		p->experiments, runtime / 1e9, p->samples, p->in_scope,
		st ? (uint64_t)st->samples_dropped : 0, p->paying, p->o->output);
	if (p->start_mono && p->stacks_path[0])
		fprintf(p->env->err, "causal: callchains: %zu distinct stacks, %zu frames (symbolised in %.1f s), "
			"in %s\n", callchains_stacks(p->cc), callchains_frames(p->cc), sym_ns / 1e9, p->stacks_path);
	/* the controller's own cost: CPU time the target may have wanted */
	if (!getrusage(RUSAGE_SELF, &ru) && runtime) {
		double cpu = timeval_s(&ru.ru_utime) + timeval_s(&ru.ru_stime);

		fprintf(p->env->err, "causal: causalctl used %.2f s of CPU (%.1f %% of one CPU)\n",
			cpu, 100 * cpu / (runtime / 1e9));
	}
	/* the counters are cumulative: what the whole run did, experiments or not */
	points_read(p, false);
	for (i = 0; i < p->npoints; i++) {
		const struct point *pt = &p->points[i];

		if (pt->kind == PROFILE_LATENCY)
			fprintf(p->env->err, "causal: latency point '%s': %" PRIu64 " begins, %" PRIu64
				" ends in total\n", pt->name, pt->begin, pt->end);
		else
			fprintf(p->env->err, "causal: progress point '%s': %" PRIu64
				" visits in total\n", pt->name, pt->begin);
	}
	for (i = 0; i < p->npoints; i++) {
		if (p->points[i].total)
			continue;
		fprintf(p->env->err,
			"causal: progress point '%s' was never reached during an experiment\n",
			p->points[i].name);
		never = true;
	}
	if (p->start_mono && !p->npoints && has_macro_sites(p->main_exe))
		fprintf(p->env->err,
			"causal: no progress point counted, but %s has CAUSAL_PROGRESS/COZ_PROGRESS "
			"sites: they count only when libcausal is loaded at the program's start (causalctl "
			"run preloads it; attach cannot add it to a running process). Start the program "
			"under 'causalctl run', or with LD_PRELOAD=" CAUSAL_LIBCAUSAL_SONAME " and then attach, or "
			"count a function with --progress SYMBOL (the only way for a static binary)\n",
			p->main_exe);
	else if (p->start_mono && !p->npoints)
		fprintf(p->env->err,
			"causal: no progress point: add CAUSAL_PROGRESS (causal.h) or COZ_PROGRESS "
			"(coz.h) to the code that completes a unit of work, or name a function with "
			"--progress SYMBOL\n");
	else if (p->start_mono && !p->in_scope)
		fprintf(p->env->err,
			"causal: no sample was in scope: check --binary-scope/--source-scope (default: "
			"the main executable, every source file) and that the program was built with "
			"-g\n");
	else if (p->experiments == p->ended_experiments && !never)
		fprintf(p->env->err,
			"causal: no experiment completed: the program ended too soon; run it longer "
			"or lower --experiment-length\n");
	if (p->o->until_settled && p->start_mono)
		settle_summary(p, runtime);
	if (p->unmapped_lines)
		fprintf(p->env->err, "causal: %u experiments skipped: their line was unmapped\n",
			p->unmapped_lines);
	if (p->experiments)
		fprintf(p->env->err, "causal: see the results with 'causalctl report %s'\n",
			p->o->output);
	profiler_abort(p);
	return ret;
}
