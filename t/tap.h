/*
 * tap - a small Test Anything Protocol producer for gatewarden's C tests.
 *
 * Names follow c-tap-harness: plan(n) or plan_lazy() then done_testing(),
 * ok(), is_int(), is_uint(), is_string(), diag(), skip(), bail().
 * Failures print "got X, want Y" as diagnostics. exit status of
 * done_testing(): 0 when every test passed and the plan was met.
 */
#ifndef GW_TAP_H
#define GW_TAP_H

#include <stdbool.h>

void	plan(unsigned n);
void	plan_lazy(void);
int	done_testing(void);	/* returns the process exit status */

bool	ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool	is_int(long long got, long long want, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
bool	is_uint(unsigned long long got, unsigned long long want, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
bool	is_string(const char *got, const char *want, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	skip(const char *reason, ...) __attribute__((format(printf, 1, 2)));
void	bail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
