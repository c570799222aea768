/*
 * tap - see tap.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t/tap.h"

static unsigned tap_planned, tap_run, tap_failed;
static bool tap_lazy;

void
plan(unsigned n)
{
	tap_planned = n;
	printf("1..%u\n", n);
	fflush(stdout);
}

void
plan_lazy(void)
{
	tap_lazy = true;
}

int
done_testing(void)
{
	if (tap_lazy)
		printf("1..%u\n", tap_run);
	else if (tap_run != tap_planned)
		diag("planned %u tests but ran %u", tap_planned, tap_run);
	fflush(stdout);
	return (tap_failed || (!tap_lazy && tap_run != tap_planned)) ? 1 : 0;
}

static bool
report(bool cond, const char *fmt, va_list ap)
{
	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%sok %u - ", cond ? "" : "not ", tap_run);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

bool
ok(bool cond, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
	return cond;
}

bool
is_int(long long got, long long want, const char *fmt, ...)
{
	va_list	ap;
	bool	cond = got == want;

	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		diag("got %lld, want %lld", got, want);
	return cond;
}

bool
is_uint(unsigned long long got, unsigned long long want, const char *fmt, ...)
{
	va_list	ap;
	bool	cond = got == want;

	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		diag("got %llu, want %llu", got, want);
	return cond;
}

bool
is_string(const char *got, const char *want, const char *fmt, ...)
{
	va_list	ap;
	bool	cond;

	if (got == NULL || want == NULL)
		cond = got == want;
	else
		cond = strcmp(got, want) == 0;
	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		diag("got \"%s\", want \"%s\"", got ? got : "(null)",
		    want ? want : "(null)");
	return cond;
}

void
diag(const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void
skip(const char *reason, ...)
{
	va_list	ap;

	tap_run++;
	printf("ok %u # skip ", tap_run);
	va_start(ap, reason);
	vprintf(reason, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void
bail(const char *fmt, ...)
{
	va_list	ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	exit(255);
}
