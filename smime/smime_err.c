/*
 * smime_err - see smime_err.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "smime/smime_err.h"

void
smime_err_clear(struct smime_err *e)
{
	e->status = SMIME_OK;
	e->msg[0] = '\0';
}

static void
err_vset(struct smime_err *e, enum smime_status st, const char *fmt,
    va_list ap)
{
	if (e->status != SMIME_OK)
		return;
	e->status = st;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

void
smime_err_set(struct smime_err *e, enum smime_status st, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	err_vset(e, st, fmt, ap);
	va_end(ap);
}

void
smime_err_ssl(struct smime_err *e, enum smime_status st, const char *fmt, ...)
{
	va_list	ap;
	unsigned long code = ERR_get_error();
	char	ssl[160];
	size_t	len;

	va_start(ap, fmt);
	if (e->status == SMIME_OK) {
		err_vset(e, st, fmt, ap);
		if (code != 0) {
			ERR_error_string_n(code, ssl, sizeof(ssl));
			len = strlen(e->msg);
			snprintf(e->msg + len, sizeof(e->msg) - len, ": %s",
			    ssl);
		}
	}
	va_end(ap);
	ERR_clear_error();
}

const char *
smime_status_name(enum smime_status st)
{
	switch (st) {
	case SMIME_OK:
		return "ok";
	case SMIME_TEMP:
		return "temporary";
	case SMIME_PERM:
		return "permanent";
	}
	return "unknown";
}
