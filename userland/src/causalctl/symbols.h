/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Symbolisation of a profiled process with elfutils' libdwfl: which source line a sample
 * belongs to, the address ranges of a line, and looking lines up by name. DWARF 4 and 5,
 * PIE and shared objects, separate debug info (build-id or debuglink), and libraries
 * loaded after the start (symbols_refresh). Line tables are read lazily, once per object.
 * A Go binary without DWARF (-ldflags=-s -w) is read from Go's own line table instead.
 *
 * Probe resolution for uprobe progress points, which works on a binary file, is in probe.h.
 */
#ifndef CAUSAL_SYMBOLS_H
#define CAUSAL_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include <linux/causal.h>
#include <elfutils/libdwfl.h>

#include "scope.h"

/* An interned source line, "/canonical/abs/path.c:123"; 0 = none. Stable while the
 * struct symbols lives, across refreshes. */
typedef uint32_t line_id;

struct symbols;

/*
 * Reads /proc/PID/maps and reports every mapped file to libdwfl. scope must outlive the
 * returned object. Fails (NULL, message in err) when the maps cannot be read, when no mapped
 * binary is in the binary scope, or when no in-scope binary has DWARF or a Go line table ("no in-scope binary
 * has debug info; rebuild X with -g ..."). Lines are read on first use, per object.
 */
struct symbols *symbols_open(pid_t pid, const struct scope *scope, char *err, size_t errlen);

/*
 * Re-reads /proc/PID/maps and reports objects mapped since (dlopen), dropping unmapped ones.
 * Cheap when nothing changed (the maps text is compared first). Returns how many in-scope
 * objects are new, or -errno (-ESRCH once the process is gone).
 */
int symbols_refresh(struct symbols *s);

/*
 * The line a sample belongs to: ip first, then each callchain entry (a return address) as
 * ret - 1, i.e. the call instruction; the first frame that maps to an in-scope line wins.
 * Entries that are 0 or kernel markers (>= 2^64 - 4096, perf's PERF_CONTEXT_*) are skipped.
 * Code inlined from an out-of-scope file counts for the innermost in-scope call site.
 * Returns 0 when no frame is in scope. An ip outside every known mapping also bumps
 * symbols_unknown_ips(), telling the caller that a refresh may find a new library.
 */
line_id symbols_attribute(struct symbols *s, uint64_t ip, const uint64_t *callchain, unsigned n);

/* How many sample IPs (not callchain entries) so far fell outside every known mapping. */
uint64_t symbols_unknown_ips(const struct symbols *s);

/*
 * Inclusive hit test, as Coz's: does ip, or any callchain entry (as ret - 1), map to line?
 * So the time in callees of a call-site line counts as that line's.
 */
bool symbols_frame_hits(struct symbols *s, line_id line, uint64_t ip, const uint64_t *callchain,
			unsigned n);

/* "path:line" of id ("path:first-last" of a block), or NULL for 0 or an unknown id. */
const char *symbols_line_name(struct symbols *s, line_id id);

/*
 * Every runtime address range [start, end) of line id in every loaded in-scope object
 * (including inlined code attributed to it), sorted and merged, in a malloc'd array the
 * caller frees. *n may be 0: the line's object may be unmapped now. 0, -ENOENT for an
 * unknown id, or -ENOMEM.
 */
int symbols_line_ranges(struct symbols *s, line_id id, struct causal_range **ranges, size_t *n);

/*
 * The scope as address ranges for CAUSAL_EXPERIMENT_SCOPE: every address that has an in-scope
 * line (where symbols_attribute() stops), sorted, at most max ranges (max >= 1) in a malloc'd
 * array. Ranges closer than 64 bytes are joined (the padding between functions never runs);
 * past max, the closest ones are joined, so a few addresses without a line may count as in
 * scope. *n 0 when nothing is in scope. 0 or -ENOMEM.
 */
int symbols_scope_ranges(struct symbols *s, size_t max, struct causal_range **ranges, size_t *n);

/*
 * Looks "FILE:LINE" up among the in-scope lines that have code. FILE matches a source path by
 * suffix at a path component boundary ("main.c", "src/main.c" or the whole path). On failure
 * (-ENOENT, -EINVAL for a malformed spec, or a FILE that matches several files having LINE)
 * err names up to 5 closest lines or files. 0 and *out on success.
 * "FILE:FIRST-LAST" gives a block: the lines FIRST..LAST of that file as one, named
 * "path:FIRST-LAST"; up to 8 spans (LINE or FIRST-LAST) separated by commas make one block
 * of them all. A block's ranges are all of its lines' (symbols_line_ranges()), and
 * symbols_frame_hits() matches through any of them; samples are attributed to its lines, never
 * to it. At least one of its lines must have code.
 */
int symbols_find_line(struct symbols *s, const char *spec, line_id *out, char *err, size_t errlen);

/* Calls fn for every in-scope line with code in the loaded objects; returns how many. */
size_t symbols_lines_in_scope(struct symbols *s, void (*fn)(line_id id, void *arg), void *arg);

/*
 * The libdwfl module of the object mapped at addr, in scope or not, and its canonical path in
 * *path; NULL outside every known mapping. callchain.c symbolises whole frames with it.
 */
Dwfl_Module *symbols_module_at(struct symbols *s, uint64_t addr, const char **path);

/* One object mapped in the target, as symbols_objects() hands it over. */
struct symbols_object {
	Dwfl_Module *mod;
	const char *path;	/* canonical, or the mapping's name ("[vdso]") */
	uint64_t low, high;	/* its runtime addresses */
	bool is_main;		/* the main executable */
};

/*
 * Calls fn for every object mapped in the target (in scope or not) by address, until fn returns
 * non-zero; returns that, or 0. The objects are valid until the next symbols_refresh().
 */
int symbols_objects(struct symbols *s, int (*fn)(const struct symbols_object *o, void *arg), void *arg);

/* Entries of a callchain that are no address: 0, and perf's context markers. */
bool symbols_is_marker(uint64_t addr);

/* The canonical path of the main executable ("" if unknown). */
const char *symbols_main_exe(const struct symbols *s);

/* Frees everything; NULL is fine. */
void symbols_close(struct symbols *s);

#endif /* CAUSAL_SYMBOLS_H */
