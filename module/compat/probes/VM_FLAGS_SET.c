// SPDX-License-Identifier: GPL-2.0
/* Since: 6.3 (tests/kernels/probes-test.sh checks the probe against it) */
/* vma->vm_flags is read-only, written through vm_flags_*(), since 6.3 (bc292ab00f6c). */
#include <linux/mm.h>

static void __maybe_unused causal_probe(struct vm_area_struct *vma)
{
	vm_flags_clear(vma, VM_MAYWRITE);
}
