/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The controller's side of libcausal's progress region (userland/libcausal/region.h). The region
 * is written by the profiled program, which we do not trust: every size, count and name is
 * bounded before use, and a region that does not validate contributes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#include "array.h"
#include "progress_shm.h"
#include "region.h"

_Static_assert(sizeof(((struct shm_point *)0)->name) >= CAUSAL_REGION_NAME_MAX, "names fit");

struct shm_region {
	dev_t dev;			/* the memfd's identity, from /proc/PID/maps */
	ino_t ino;
	pid_t pid;			/* a process that maps it, for process_vm_readv */
	uintptr_t start;		/* where, in that process */
	size_t len;			/* bytes we may read: the mapping's length, bounded by the file */
	const unsigned char *map;	/* our read-only mapping, or NULL: read with process_vm_readv */
	unsigned char *copy;		/* process_vm_readv: the last entries read */
	size_t copy_len;
	bool gone;			/* process_vm_readv: its process exited; copy holds the last counts */
	bool have_hdr;			/* hdr below is a validated header */
	struct causal_region_header hdr;
	uint32_t copy_count;		/* entries in copy */
};

struct shm_set {
	struct shm_region *r;
	size_t n, cap;
	bool force_readv;
};

struct shm_set *shm_set_new(void)
{
	return calloc(1, sizeof(struct shm_set));
}

void shm_set_free(struct shm_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (s->r[i].map)
			munmap((void *)s->r[i].map, s->r[i].len);
		free(s->r[i].copy);
	}
	free(s->r);
	free(s);
}

void shm_set_force_readv(struct shm_set *s, bool on)
{
	s->force_readv = on;
}

size_t shm_set_regions(const struct shm_set *s, size_t *read_not_mapped)
{
	size_t readv = 0;

	for (size_t i = 0; i < s->n; i++)
		readv += !s->r[i].map;
	if (read_not_mapped)
		*read_not_mapped = readv;
	return s->n;
}

/* the sum, over the regions whose header we have, of the header's uint64_t field at offset off */
static uint64_t sum_header_field(const struct shm_set *s, size_t off)
{
	uint64_t sum = 0, v;

	for (size_t i = 0; i < s->n; i++) {
		if (!s->r[i].have_hdr)
			continue;
		memcpy(&v, (const unsigned char *)&s->r[i].hdr + off, sizeof(v));
		sum += v;
	}
	return sum;
}

uint64_t shm_set_overflows(const struct shm_set *s)
{
	return sum_header_field(s, offsetof(struct causal_region_header, overflows));
}

uint64_t shm_set_truncated(const struct shm_set *s)
{
	return sum_header_field(s, offsetof(struct causal_region_header, truncated));
}

/* a header we can trust the bounds of, for a region of len bytes; count is clamped to capacity */
static bool header_valid(struct causal_region_header *h, size_t len)
{
	if (h->magic != CAUSAL_REGION_MAGIC || h->version != CAUSAL_REGION_VERSION)
		return false;
	if (h->header_size < sizeof(*h) || h->header_size % 16 ||
	    h->entry_size < sizeof(struct causal_region_entry) || h->entry_size % 16 ||
	    (h->counter_size != 4 && h->counter_size != 8))
		return false;
	if ((uint64_t)h->header_size + (uint64_t)h->capacity * h->entry_size > len)
		return false;
	if (h->count > h->capacity)
		h->count = h->capacity;
	return true;
}

/* the header, read once field by field: the program may be writing it */
static void load_header(struct causal_region_header *dst, const struct causal_region_header *src)
{
	dst->magic = __atomic_load_n(&src->magic, __ATOMIC_ACQUIRE);
	dst->version = src->version;
	dst->header_size = src->header_size;
	dst->entry_size = src->entry_size;
	dst->capacity = src->capacity;
	dst->counter_size = src->counter_size;
	dst->lock = 0;
	dst->count = __atomic_load_n(&src->count, __ATOMIC_ACQUIRE);
	dst->pid = src->pid;
	dst->overflows = __atomic_load_n(&src->overflows, __ATOMIC_RELAXED);
	dst->truncated = __atomic_load_n(&src->truncated, __ATOMIC_RELAXED);
}

static int read_remote(pid_t pid, uintptr_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)addr, .iov_len = len };
	ssize_t got = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (got < 0)
		return -errno;
	return (size_t)got == len ? 0 : -EFAULT;
}

/*
 * Brings r->hdr (and, for a region read with process_vm_readv, r->copy) up to date. Returns the
 * entries to read from (the mapping or the copy), or NULL when the region has nothing valid.
 */
static const unsigned char *region_refresh(struct shm_region *r, uint32_t *count, int *err)
{
	struct causal_region_header h;
	size_t need;
	int rc;

	*err = 0;
	if (r->map) {
		load_header(&h, (const struct causal_region_header *)r->map);
		if (!header_valid(&h, r->len))
			return NULL;
		r->hdr = h;
		r->have_hdr = true;
		*count = h.count;
		return r->map + h.header_size;
	}
	if (r->gone)
		goto last;
	rc = read_remote(r->pid, r->start, &h, sizeof(h));
	if (rc == 0 && !header_valid(&h, r->len))
		goto last;	/* not initialised yet, or scribbled on: keep what we had */
	if (rc == 0) {
		need = (size_t)h.count * h.entry_size;
		if (need > r->copy_len) {
			unsigned char *p = realloc(r->copy, need);

			if (!p) {
				*err = -ENOMEM;
				goto last;
			}
			r->copy = p;
			r->copy_len = need;
		}
		rc = read_remote(r->pid, r->start + h.header_size, r->copy, need);
	}
	if (rc == 0) {
		r->hdr = h;
		r->have_hdr = true;
		r->copy_count = h.count;
	} else if (rc == -ESRCH) {
		r->gone = true;
	}
last:
	if (!r->have_hdr || !r->copy)
		return NULL;
	*count = r->copy_count;
	return r->copy;
}

static uint64_t load_counter(const unsigned char *e, unsigned int i, uint32_t counter_size)
{
	const unsigned char *p = e + CAUSAL_REGION_COUNTER_OFFSET(i);

	if (counter_size == 8)
		return __atomic_load_n((const uint64_t *)(const void *)p, __ATOMIC_RELAXED);
	return __atomic_load_n((const uint32_t *)(const void *)p, __ATOMIC_RELAXED);
}

struct points {
	struct shm_point *v;
	size_t n, cap;
};

static int add_entries(struct points *out, const unsigned char *base, uint32_t count,
		       const struct causal_region_header *h)
{
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *e = base + (size_t)i * h->entry_size;
		const struct causal_region_entry *ent = (const void *)e;
		struct shm_point *p, *v;
		uint32_t kind;

		if (!__atomic_load_n(&ent->published, __ATOMIC_ACQUIRE))
			continue;
		kind = __atomic_load_n(&ent->kind, __ATOMIC_RELAXED);
		if (kind != CAUSAL_REGION_THROUGHPUT && kind != CAUSAL_REGION_LATENCY)
			continue;
		v = array_grow(out->v, out->n, &out->cap, sizeof(*v), 64);
		if (!v)
			return -ENOMEM;
		out->v = v;
		p = &out->v[out->n++];
		memset(p, 0, sizeof(*p));
		/* bounded copy, NUL forced: a name without one is cut at the field's end */
		memcpy(p->name, ent->name, CAUSAL_REGION_NAME_MAX);
		p->name[CAUSAL_REGION_NAME_MAX - 1] = '\0';
		p->kind = kind == CAUSAL_REGION_THROUGHPUT ? SHM_THROUGHPUT : SHM_LATENCY;
		p->count = load_counter(e, 0, h->counter_size);
		p->end = p->kind == SHM_LATENCY ? load_counter(e, 1, h->counter_size) : 0;
	}
	return 0;
}

static int point_cmp(const void *a, const void *b)
{
	const struct shm_point *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->name, y->name);
}

int shm_set_snapshot(struct shm_set *s, struct shm_point **pts, size_t *n)
{
	struct points out = { 0 };
	size_t w = 0;

	*pts = NULL;
	*n = 0;
	for (size_t i = 0; i < s->n; i++) {
		uint32_t count = 0;
		int err;
		const unsigned char *base = region_refresh(&s->r[i], &count, &err);

		if (err || (base && add_entries(&out, base, count, &s->r[i].hdr))) {
			free(out.v);
			return -ENOMEM;
		}
	}
	if (!out.n)
		return 0;
	/* one point per (kind, name): sum what several regions (several programs) counted */
	qsort(out.v, out.n, sizeof(*out.v), point_cmp);
	for (size_t i = 0; i < out.n; i++) {
		if (w && !point_cmp(&out.v[w - 1], &out.v[i])) {
			out.v[w - 1].count += out.v[i].count;
			out.v[w - 1].end += out.v[i].end;
		} else {
			if (w != i)
				out.v[w] = out.v[i];
			w++;
		}
	}
	*pts = out.v;
	*n = w;
	return 0;
}

/* maps through /proc/PID/map_files when we may; otherwise the region is read remotely */
static void region_map(struct shm_region *r, size_t mapping_len)
{
	char path[64];
	struct stat st;
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIxPTR "-%" PRIxPTR, (int)r->pid, r->start,
		 r->start + mapping_len);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* the file is what we read: never map past its end (SIGBUS) */
	if (fstat(fd, &st) || st.st_ino != r->ino || st.st_size <= 0) {
		close(fd);
		return;
	}
	if ((uint64_t)st.st_size < r->len)
		r->len = (size_t)st.st_size;
	p = mmap(NULL, r->len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p != MAP_FAILED)
		r->map = p;
}

static int add_region(struct shm_set *s, pid_t pid, uintptr_t start, uintptr_t end, dev_t dev, ino_t ino)
{
	struct shm_region *r, *v;

	for (size_t i = 0; i < s->n; i++) {
		r = &s->r[i];
		if (r->dev != dev || r->ino != ino)
			continue;
		/* known; if we read it remotely and its process exited, read it through this one */
		if (!r->map && r->gone) {
			r->pid = pid;
			r->start = start;
			r->gone = false;
		}
		return 0;
	}
	v = array_grow(s->r, s->n, &s->cap, sizeof(*v), 8);
	if (!v)
		return -ENOMEM;
	s->r = v;
	r = &s->r[s->n++];
	*r = (struct shm_region){ .dev = dev, .ino = ino, .pid = pid, .start = start, .len = end - start };
	if (!s->force_readv)
		region_map(r, end - start);
	return 1;
}

int shm_set_add_fd(struct shm_set *s, int fd)
{
	struct shm_region *r;
	struct stat st;
	void *p;
	int ret;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < CAUSAL_REGION_SIZE)
		return -EINVAL;
	ret = add_region(s, 0, 0, 0, st.st_dev, st.st_ino);
	if (ret <= 0)
		return ret;
	p = mmap(NULL, CAUSAL_REGION_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		s->n--;
		return -errno;
	}
	r = &s->r[s->n - 1];
	r->map = p;
	r->len = CAUSAL_REGION_SIZE;
	return 0;
}

/* "START-END PERMS OFFSET MAJ:MIN INODE PATH": is this line one of libcausal's regions? */
static bool parse_maps_line(const char *line, uintptr_t *start, uintptr_t *end, dev_t *dev, ino_t *ino)
{
	unsigned long long s, e, off, inode;
	unsigned int maj, min;
	char perms[8];
	const char *path;
	size_t nlen = strlen(CAUSAL_REGION_MAPS_NAME);
	int pos = 0;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &s, &e, perms, &off, &maj, &min, &inode, &pos) != 7 ||
	    !pos)
		return false;
	path = line + pos;
	if (strncmp(path, CAUSAL_REGION_MAPS_NAME, nlen) ||
	    (path[nlen] != '\0' && path[nlen] != '\n' && path[nlen] != ' '))
		return false;
	/* libcausal maps the whole memfd, shared, from offset 0 */
	if (strlen(perms) != 4 || perms[0] != 'r' || perms[3] != 's' || off != 0 || e <= s)
		return false;
	*start = (uintptr_t)s;
	*end = (uintptr_t)e;
	*dev = makedev(maj, min);
	*ino = (ino_t)inode;
	return true;
}

int shm_set_scan_pid(struct shm_set *s, pid_t pid)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *f;
	int found = 0, rc = 0;

	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	errno = 0;
	while (getline(&line, &cap, f) > 0) {
		uintptr_t start, end;
		dev_t dev;
		ino_t ino;

		if (!parse_maps_line(line, &start, &end, &dev, &ino))
			continue;
		rc = add_region(s, pid, start, end, dev, ino);
		if (rc < 0)
			break;
		found += rc;
	}
	/* reading the maps of a process that has just been reaped fails with ESRCH */
	if (rc >= 0 && ferror(f))
		rc = errno ? -errno : -EIO;
	free(line);
	fclose(f);
	if (rc < 0)
		return rc;
	/* headers now, so that overflow counts are there before the first snapshot */
	for (size_t i = 0; i < s->n; i++) {
		uint32_t count;
		int err;

		if (s->r[i].map)
			region_refresh(&s->r[i], &count, &err);
	}
	return found;
}
