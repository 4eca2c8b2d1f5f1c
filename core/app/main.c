/* main.c - process entry: the only place that exits. */
#include <stdlib.h>

#include "app/cli.h"
#include "base/alloc.h"

int main(int argc, char **argv)
{
	/* Tests walk out-of-memory paths with SLUICE_FAIL_ALLOC=N. */
	const char *fail = getenv("SLUICE_FAIL_ALLOC");
	if (fail && *fail)
		sl_alloc_fail_after(atol(fail));
	return sl_cli_main(argc, argv);
}
