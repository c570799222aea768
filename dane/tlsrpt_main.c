/*
 * tlsrpt_main - the "tlsrpt" subcommand (tlsrpt.h).
 */
#include "config.h"

#include <stdio.h>

#include "dane/tlsrpt.h"

int
tlsrpt_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	fputs("gatewarden-maps tlsrpt: not built yet\n", stderr);
	return 2;
}
