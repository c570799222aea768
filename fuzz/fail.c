/*
 * fail - fuzz_fail() of fuzz.h: an invariant failed; say which, abort.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz/fuzz.h"

void
fuzz_fail(const char *target, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "fuzz-%s: invariant failed: ", target);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
