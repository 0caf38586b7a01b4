/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The progress-point sites of causal.h and Coz's coz.h in a binary, for a process that runs
 * without libcausal (attached to after it started, or static): each site's macro keeps its
 * counter in a static variable of its own (causal__site_, or coz.h's _counter), which every
 * visit loads exactly once and tests. A uprobe on that test counts the visits, as libcausal
 * would.
 */
#ifndef CAUSALCTL_SITES_H
#define CAUSALCTL_SITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum site_kind { SITE_PROGRESS, SITE_BEGIN, SITE_END };

struct site {
	char name[256];		/* the name libcausal would give it */
	enum site_kind kind;
	char where[300];	/* FILE:LINE of the macro */
	char source[4096];	/* the source file the DWARF names (read for the macro's name) */
	bool name_guessed;	/* a named site whose source was not readable: named FILE:LINE */
	uint64_t *offsets;	/* file offsets of the tests after its loads (malloc'd) */
	size_t noffsets;
};

/*
 * Finds the sites in binary (its DWARF, or separate debug info found by build-id). Names come
 * from the macro in the source line (DW_AT_decl_line and _column of the site's variable) when
 * the source is readable, else FILE:LINE, which is right for CAUSAL_PROGRESS/COZ_PROGRESS.
 * Sites whose variable no instruction loads and then tests (x86-64) are left out.
 * 0 with *sites (malloc'd, free with sites_free) and *n (0: none), or -errno and err.
 */
int sites_find(const char *binary, struct site **sites, size_t *n, char *err, size_t errlen);
void sites_free(struct site *sites, size_t n);

#endif /* CAUSALCTL_SITES_H */
