// SPDX-License-Identifier: GPL-2.0-or-later
// Compiled (not run) by `make check`: causal.h must build as C++ with warnings as errors, in a
// namespace-scope function, a member function and a template.
#include <causal.h>

namespace causal_cxx_check {

struct worker {
	int step(int x)
	{
		CAUSAL_BEGIN("cxx-request");
		CAUSAL_PROGRESS;
		CAUSAL_END("cxx-request");
		return x + 1;
	}
};

template <typename T> T twice(T v)
{
	CAUSAL_PROGRESS_NAMED("cxx-template");
	return v + v;
}

int run(int n);
int run(int n)
{
	worker w;
	int acc = 0;

	for (int i = 0; i < n; i++)
		acc += twice(w.step(i));
	return acc;
}

} // namespace causal_cxx_check
