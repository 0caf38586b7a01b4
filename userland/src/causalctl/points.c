// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Progress points: where each one's count comes from (the module's uprobes for --progress,
 * --latency and the causal.h/coz.h sites of a target without libcausal; libcausal's regions
 * otherwise) and reading those counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "points.h"
#include "probe.h"
#include "progress_shm.h"
#include "region.h"
#include "session.h"
#include "sites.h"

#define errf(pts, ...)	fprintf((pts)->err, "causalctl: " __VA_ARGS__)

int points_init(struct points *pts, struct causal_session *sess, FILE *err, int verbose)
{
	memset(pts, 0, sizeof(*pts));
	pts->sess = sess;
	pts->err = err;
	pts->verbose = verbose;
	pts->shm = shm_set_new();
	return pts->shm ? 0 : -1;
}

void points_free(struct points *pts)
{
	for (size_t i = 0; i < pts->n; i++) {
		free(pts->list[i].begin_ids);
		free(pts->list[i].end_ids);
	}
	free(pts->list);
	pts->list = NULL;
	pts->n = 0;
	shm_set_free(pts->shm);
	pts->shm = NULL;
}

static struct point *point_find(struct points *pts, const char *name, enum profile_point_kind kind)
{
	for (size_t i = 0; i < pts->n; i++)
		if (pts->list[i].kind == kind && !strcmp(pts->list[i].name, name))
			return &pts->list[i];
	return NULL;
}

static struct point *point_add(struct points *pts, const char *name, enum profile_point_kind kind)
{
	struct point *pt = realloc(pts->list, (pts->n + 1) * sizeof(*pt));

	if (!pt)
		return NULL;
	pts->list = pt;
	pt = &pts->list[pts->n++];
	memset(pt, 0, sizeof(*pt));
	snprintf(pt->name, sizeof(pt->name), "%s", name);
	pt->kind = kind;
	return pt;
}

/* ---- probes ---- */

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
 * The binary whose code *spec names: the one BINARY:SPEC names, if BINARY is an ELF file (*spec
 * then moves past the colon), else main_exe. false when there is none.
 */
static bool spec_binary(const char *main_exe, const char **spec, char *binary, size_t len)
{
	const char *colon = strchr(*spec, ':');
	char head[PATH_MAX];

	snprintf(binary, len, "%s", main_exe ? main_exe : "");
	if (colon && (size_t)(colon - *spec) < sizeof(head)) {
		memcpy(head, *spec, colon - *spec);
		head[colon - *spec] = 0;
		if (is_elf_file(head)) {
			snprintf(binary, len, "%s", head);
			*spec = colon + 1;
		}
	}
	return *binary;
}

/*
 * The module's probe at offset in the file open as fd (st: which file that is), as *id: the one
 * already there if another point counts the same place, else a new one. 0 or -errno.
 */
static int probe_place(struct points *pts, int fd, const struct stat *st, uint64_t offset, bool ret,
		       uint32_t *id)
{
	uint32_t i;
	int r;

	/* the module has one probe per place: points on the same place share it */
	for (i = 0; i < pts->nprobes; i++) {
		if (pts->probes[i].dev == st->st_dev && pts->probes[i].ino == st->st_ino &&
		    pts->probes[i].offset == offset && pts->probes[i].ret == ret) {
			*id = i;
			return 0;
		}
	}
	r = session_progress_add(pts->sess, fd, offset, ret, id);
	if (r)
		return r;
	if (*id >= pts->nprobes && *id < POINTS_MAX_PROBES) {
		pts->probes[*id].dev = st->st_dev;
		pts->probes[*id].ino = st->st_ino;
		pts->probes[*id].offset = offset;
		pts->probes[*id].ret = ret;
		pts->nprobes = *id + 1;
	}
	return 0;
}

/*
 * Places a probe at every location of spec (in main_exe, or in the binary it names itself as
 * BINARY:SPEC) and appends their ids to *ids. 0 or -1 after printing why.
 */
static int probe_spec(struct points *pts, const char *main_exe, const char *spec, bool ret,
		      uint32_t **ids, uint32_t *nids)
{
	char binary[PATH_MAX], err[1024];
	struct probe_loc *locs = NULL;
	size_t n = 0, i;
	struct stat st;
	int fd, r;

	if (!spec_binary(main_exe, &spec, binary, sizeof(binary))) {
		errf(pts, "progress point '%s': no binary to put it in\n", spec);
		return -1;
	}
	r = probe_resolve(binary, spec, ret, &locs, &n, err, sizeof(err));
	if (r || !n) {
		errf(pts, "progress point '%s': %s\n", spec, r ? err : "no location found");
		free(locs);
		return -1;
	}
	fd = open(binary, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		errf(pts, "cannot open %s: %s\n", binary, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(locs);
		return -1;
	}
	for (i = 0; i < n; i++) {
		uint32_t id, *grown;

		r = probe_place(pts, fd, &st, locs[i].offset, ret, &id);
		if (r) {
			errf(pts, "cannot place a %sprobe at %s (offset %#" PRIx64 " of %s): %s%s\n",
			     ret ? "return " : "", locs[i].desc, locs[i].offset, binary, strerror(-r),
			     r == -ENOSPC ? " (at most 256 probe locations per session)" : "");
			break;
		}
		grown = realloc(*ids, (*nids + 1) * sizeof(**ids));
		if (!grown) {
			r = -ENOMEM;
			break;
		}
		*ids = grown;
		(*ids)[(*nids)++] = id;
		if (pts->verbose)
			errf(pts, "%s probe at %s (%s+%#" PRIx64 ")\n", ret ? "return" : "entry",
			     locs[i].desc, binary, locs[i].offset);
	}
	close(fd);
	free(locs);
	return r ? -1 : 0;
}

int points_add_spec(struct points *pts, const char *main_exe, const char *spec, bool latency)
{
	char begin[POINTS_NAME_LEN];
	const char *comma;
	struct point *pt;

	pt = point_add(pts, spec, latency ? PROFILE_LATENCY : PROFILE_THROUGHPUT);
	if (!pt)
		return -1;
	if (!latency)
		return probe_spec(pts, main_exe, spec, false, &pt->begin_ids, &pt->nbegin);
	comma = strchr(spec, ',');
	if (!comma) {
		/* one function: entry is the beginning, its return the end */
		if (probe_spec(pts, main_exe, spec, false, &pt->begin_ids, &pt->nbegin))
			return -1;
		pt = &pts->list[pts->n - 1];
		return probe_spec(pts, main_exe, spec, true, &pt->end_ids, &pt->nend);
	}
	snprintf(begin, sizeof(begin), "%.*s", (int)(comma - spec), spec);
	if (probe_spec(pts, main_exe, begin, false, &pt->begin_ids, &pt->nbegin))
		return -1;
	pt = &pts->list[pts->n - 1];
	return probe_spec(pts, main_exe, comma + 1, false, &pt->end_ids, &pt->nend);
}

/* ---- causal.h/coz.h sites of a target without libcausal ---- */

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

static int site_probes(struct points *pts, const char *main_exe, const struct site *st, bool end,
		       struct point *pt)
{
	char spec[32];
	size_t i;

	for (i = 0; i < st->noffsets; i++) {
		snprintf(spec, sizeof(spec), "%#" PRIx64, st->offsets[i]);
		if (end ? probe_spec(pts, main_exe, spec, false, &pt->end_ids, &pt->nend) :
			  probe_spec(pts, main_exe, spec, false, &pt->begin_ids, &pt->nbegin))
			return -1;
	}
	return 0;
}

/* Which sites are counted, and those whose name is a guess. */
static void say_sites(struct points *pts, pid_t pid, const struct site *sites, size_t n)
{
	size_t i, shown = 0;

	if (n)
		errf(pts, "process %d runs without libcausal: counting its %zu causal.h/coz.h progress-point "
		     "sites with uprobes:", pid, n);
	for (i = 0; i < n && shown < 8; i++, shown++)
		fprintf(pts->err, "%s '%s'%s%s%s%s", i ? "," : "", sites[i].name,
			sites[i].kind == SITE_BEGIN ? " begin" : sites[i].kind == SITE_END ? " end" : "",
			strcmp(sites[i].name, sites[i].where) ? " (" : "",
			strcmp(sites[i].name, sites[i].where) ? sites[i].where : "",
			strcmp(sites[i].name, sites[i].where) ? ")" : "");
	if (n)
		fprintf(pts->err, "%s\n", n > shown ? ", ..." : "");
	for (i = 0; i < n; i++)
		if (sites[i].name_guessed)
			errf(pts, "the site at %s may be named in its source, %s, which is not readable "
			     "here: counted as the progress point '%s'\n", sites[i].where, sites[i].source,
			     sites[i].name);
}

/*
 * Sites that share a name share a point, as in libcausal; BEGIN and END of one name make a
 * latency point.
 */
int points_add_sites(struct points *pts, pid_t pid, const char *main_exe)
{
	struct site *sites;
	char err[512];
	size_t n, i;

	if (has_libcausal(pid))
		return 0;
	if (sites_find(main_exe, &sites, &n, err, sizeof(err))) {
		errf(pts, "looking for causal.h/coz.h progress points: %s\n", err);
		return 0;
	}
	for (i = 0; i < n; i++) {
		const struct site *st = &sites[i];
		enum profile_point_kind kind = st->kind == SITE_PROGRESS ? PROFILE_THROUGHPUT : PROFILE_LATENCY;
		struct point *pt = point_find(pts, st->name, kind);

		if (!pt)
			pt = point_add(pts, st->name, kind);
		if (!pt || site_probes(pts, main_exe, st, st->kind == SITE_END, pt)) {
			sites_free(sites, n);
			return -1;
		}
	}
	say_sites(pts, pid, sites, n);
	sites_free(sites, n);
	return 0;
}

/* ---- libcausal's regions ---- */

int points_add_region(struct points *pts, int fd)
{
	return shm_set_add_fd(pts->shm, fd);
}

void points_note_pid(struct points *pts, pid_t pid)
{
	for (size_t i = 0; i < pts->nscan; i++)
		if (pts->scan_pids[i] == pid)
			return;
	if (pts->nscan < POINTS_MAX_SCAN_PIDS)
		pts->scan_pids[pts->nscan++] = pid;
}

/*
 * What libcausal could not keep, as of the last read: a program that registers more names than
 * a region holds gets a dummy counter for the rest, which nothing reads; a name too long is
 * stored shortened. Both are told once, at the end, or the user would never know.
 */
void points_say_region_losses(const struct points *pts)
{
	uint64_t refused = shm_set_overflows(pts->shm), shortened = shm_set_truncated(pts->shm);

	if (refused)
		fprintf(pts->err, "causal: %" PRIu64 " progress points were not counted: libcausal's region "
			"was full (%u names)\n", refused, CAUSAL_REGION_CAPACITY);
	if (shortened)
		fprintf(pts->err, "causal: %" PRIu64 " progress-point names were longer than %u bytes: "
			"they are named by '...' and their last %u bytes\n", shortened,
			CAUSAL_REGION_NAME_MAX - 1, CAUSAL_REGION_NAME_MAX - 4);
}

/* ---- counts ---- */

static void read_probes(struct points *pts)
{
	size_t i, k;

	if (pts->nprobes)
		session_progress_read(pts->sess, pts->probe_counts, pts->nprobes);
	for (i = 0; i < pts->n; i++) {
		struct point *pt = &pts->list[i];

		if (pt->from_shm)
			continue;
		pt->begin = pt->end = 0;
		for (k = 0; k < pt->nbegin; k++)
			pt->begin += pts->probe_counts[pt->begin_ids[k]];
		for (k = 0; k < pt->nend; k++)
			pt->end += pts->probe_counts[pt->end_ids[k]];
	}
}

static void read_regions(struct points *pts, bool scan)
{
	struct shm_point *sp = NULL;
	size_t n = 0, i;

	if (scan)
		for (i = 0; i < pts->nscan; i++)
			shm_set_scan_pid(pts->shm, pts->scan_pids[i]);
	if (shm_set_snapshot(pts->shm, &sp, &n))
		return;
	for (i = 0; i < n; i++) {
		enum profile_point_kind kind = sp[i].kind == SHM_LATENCY ? PROFILE_LATENCY :
							PROFILE_THROUGHPUT;
		struct point *pt = point_find(pts, sp[i].name, kind);

		if (!pt) {
			pt = point_add(pts, sp[i].name, kind);
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

void points_read(struct points *pts, bool scan)
{
	read_probes(pts);
	read_regions(pts, scan);
}

void points_mark_start(struct points *pts)
{
	for (size_t i = 0; i < pts->n; i++) {
		pts->list[i].begin0 = pts->list[i].begin;
		pts->list[i].end0 = pts->list[i].end;
	}
}
