// SPDX-License-Identifier: GPL-2.0
/* Since: 6.16 (tests/kernels/probes-test.sh checks the probe against it) */
/* rdmsrl()/wrmsrl() were renamed rdmsrq()/wrmsrq() in 6.16 (x86/msr API cleanup). */
#include <asm/msr.h>

static void __maybe_unused causal_probe(void)
{
	u64 v;

	rdmsrq(MSR_IA32_S_CET, v);
	wrmsrq(MSR_IA32_S_CET, v);
}
