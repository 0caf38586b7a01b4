/* SPDX-License-Identifier: GPL-2.0-or-later */
/* causalctl's entry point; everything else is in objects the unit tests link as well. */
#include "causalctl.h"

int main(int argc, char **argv)
{
	return causalctl_main(argc, argv);
}
