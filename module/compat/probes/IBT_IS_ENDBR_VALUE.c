// SPDX-License-Identifier: GPL-2.0
/* Since: 6.15 (tests/kernels/probes-test.sh checks the probe against it) */
/*
 * An inline __is_endbr() that tests an instruction word, beside an out-of-line, unexported
 * is_endbr(u32 *), since 6.15 (x86/ibt rework); before, is_endbr() itself took the word.
 */
#include <asm/ibt.h>

static bool __maybe_unused causal_probe(u32 insn)
{
	return __is_endbr(insn);
}
