/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line options from a table, for the in-guest test programs (faults_test, ioctl_fuzz):
 * each option is a letter whose argument is stored into a variable, read with getopt(); the usage
 * line is made from the same table. -h, an unknown option, or one without its argument print the
 * usage line (getopt() names the last two first). A table ends with an entry whose letter is 0.
 */
#ifndef CAUSAL_TEST_OPTIONS_H
#define CAUSAL_TEST_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* how an option's argument is read, and the type of its variable */
enum opt_kind {
	OPT_STR,	/* const char *: the argument itself */
	OPT_INT,	/* int: atoi() */
	OPT_LONG,	/* long: atol() */
	OPT_U64,	/* uint64_t: strtoull(), any base */
};

struct opt {
	char letter;
	const char *arg;	/* the argument's name in the usage line */
	enum opt_kind kind;
	void *var;
	bool *given;		/* if not NULL: set when the option is given */
};

/* "usage: ARGV0 [-x ARG]... OPERANDS" on stderr (no operands if NULL); returns 2 */
static inline int options_usage(const char *argv0, const struct opt *o, const char *operands)
{
	fprintf(stderr, "usage: %s", argv0);
	for (; o->letter; o++)
		fprintf(stderr, " [-%c %s]", o->letter, o->arg);
	if (operands)
		fprintf(stderr, " %s", operands);
	fprintf(stderr, "\n");
	return 2;
}

/*
 * Reads the options of table o from argv into their variables: the index of the first operand,
 * or -1 after the usage line (see above).
 */
static inline int options_parse(int argc, char **argv, const struct opt *o, const char *operands)
{
	char letters[64];
	size_t n = 0;
	int c;

	for (const struct opt *p = o; p->letter && n + 3 < sizeof(letters); p++) {
		letters[n++] = p->letter;
		letters[n++] = ':';
	}
	letters[n++] = 'h';
	letters[n] = 0;
	while ((c = getopt(argc, argv, letters)) != -1) {
		const struct opt *p = o;

		while (p->letter && p->letter != c)
			p++;
		if (!p->letter) {	/* -h, or getopt()'s '?' */
			options_usage(argv[0], o, operands);
			return -1;
		}
		switch (p->kind) {
		case OPT_STR:
			*(const char **)p->var = optarg;
			break;
		case OPT_INT:
			*(int *)p->var = atoi(optarg);
			break;
		case OPT_LONG:
			*(long *)p->var = atol(optarg);
			break;
		case OPT_U64:
			*(uint64_t *)p->var = strtoull(optarg, NULL, 0);
			break;
		}
		if (p->given)
			*p->given = true;
	}
	return optind;
}

#endif
