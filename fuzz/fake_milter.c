/*
 * fake_milter - see fake_milter.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fake_milter.h"
#include "lib/xalloc.h"

struct smfiDesc fake_milter_desc;
bool	fake_milter_registered;

static char *
dup_or_null(const char *s)
{
	return s != NULL ? x_strdup(s) : NULL;
}

SMFICTX *
fake_milter_ctx_new(void)
{
	return x_calloc(1, sizeof(SMFICTX));
}

void
fake_milter_clear_replies(SMFICTX *ctx)
{
	size_t	i;

	for (i = 0; i < ctx->nreply; i++) {
		free(ctx->reply[i].rcode);
		free(ctx->reply[i].xcode);
		free(ctx->reply[i].text);
	}
	free(ctx->reply);
	ctx->reply = NULL;
	ctx->nreply = 0;
}

void
fake_milter_clear(SMFICTX *ctx)
{
	size_t	i;

	for (i = 0; i < ctx->naction; i++) {
		free(ctx->action[i].name);
		free(ctx->action[i].value);
	}
	free(ctx->action);
	ctx->action = NULL;
	ctx->naction = 0;
	free(ctx->body);
	ctx->body = NULL;
	ctx->bodylen = 0;
	ctx->body_replaced = false;
	ctx->nchanges = 0;
	fake_milter_clear_replies(ctx);
}

void
fake_milter_ctx_free(SMFICTX *ctx)
{
	size_t	i;

	if (ctx == NULL)
		return;
	fake_milter_clear(ctx);
	for (i = 0; i < ctx->nmacro * 2; i++)
		free(ctx->macro[i]);
	free(ctx->macro);
	free(ctx);
}

/* A macro's name without its braces: libmilter finds "{x}" and "x"
 * alike. */
static size_t
bare(const char *name, const char **start)
{
	size_t	n = strlen(name);

	if (n >= 2 && name[0] == '{' && name[n - 1] == '}') {
		*start = name + 1;
		return n - 2;
	}
	*start = name;
	return n;
}

static bool
same_macro(const char *a, const char *b)
{
	const char *pa, *pb;
	size_t	na = bare(a, &pa), nb = bare(b, &pb);

	return na == nb && memcmp(pa, pb, na) == 0;
}

void
fake_milter_set_macro(SMFICTX *ctx, const char *name, const char *value)
{
	size_t	i;

	for (i = 0; i < ctx->nmacro; i++)
		if (same_macro(ctx->macro[2 * i], name)) {
			free(ctx->macro[2 * i + 1]);
			ctx->macro[2 * i + 1] = x_strdup(value);
			return;
		}
	ctx->macro = x_reallocarray(ctx->macro, 2 * (ctx->nmacro + 1),
	    sizeof(*ctx->macro));
	ctx->macro[2 * ctx->nmacro] = x_strdup(name);
	ctx->macro[2 * ctx->nmacro + 1] = x_strdup(value);
	ctx->nmacro++;
}

static void
misuse(SMFICTX *ctx, const char *fmt, ...)
{
	va_list	ap;

	if (ctx->misuse++ > 0)
		return;
	va_start(ap, fmt);
	vsnprintf(ctx->misuse_what, sizeof(ctx->misuse_what), fmt, ap);
	va_end(ap);
}

/* A message change: allowed at end of message with its action
 * negotiated, and until fail_change. */
static bool
change_allowed(SMFICTX *ctx, unsigned long action, const char *what)
{
	if (ctx == NULL)
		return false;
	if (!ctx->in_eom) {
		misuse(ctx, "%s outside end of message", what);
		return false;
	}
	if ((ctx->actions & action) == 0) {
		misuse(ctx, "%s without its action negotiated", what);
		return false;
	}
	ctx->nchanges++;
	return ctx->fail_change == 0 || ctx->nchanges < ctx->fail_change;
}

static int
record(SMFICTX *ctx, enum fm_kind kind, const char *name, const char *value,
    int index)
{
	struct fm_action *a;

	ctx->action = x_reallocarray(ctx->action, ctx->naction + 1,
	    sizeof(*ctx->action));
	a = &ctx->action[ctx->naction++];
	a->kind = kind;
	a->name = dup_or_null(name);
	a->value = dup_or_null(value);
	a->index = index;
	return MI_SUCCESS;
}

int
smfi_register(struct smfiDesc desc)
{
	fake_milter_desc = desc;
	fake_milter_registered = true;
	return MI_SUCCESS;
}

void *
smfi_getpriv(SMFICTX *ctx)
{
	return ctx != NULL ? ctx->priv : NULL;
}

int
smfi_setpriv(SMFICTX *ctx, void *priv)
{
	if (ctx == NULL)
		return MI_FAILURE;
	ctx->priv = priv;
	return MI_SUCCESS;
}

char *
smfi_getsymval(SMFICTX *ctx, char *name)
{
	size_t	i;

	if (ctx == NULL || name == NULL)
		return NULL;
	for (i = 0; i < ctx->nmacro; i++)
		if (same_macro(ctx->macro[2 * i], name))
			return ctx->macro[2 * i + 1];
	return NULL;
}

int
smfi_setsymlist(SMFICTX *ctx, int stage, char *macros)
{
	if (ctx == NULL || macros == NULL || stage < SMFIM_FIRST ||
	    stage > SMFIM_LAST)
		return MI_FAILURE;
	return MI_SUCCESS;
}

/* libmilter's checks: a 4xx or 5xx code, an extended code of the same
 * class, a text without CR or LF. */
static bool
reply_ok(const char *rcode, const char *xcode, const char *text)
{
	if (rcode == NULL || strlen(rcode) != 3 ||
	    (rcode[0] != '4' && rcode[0] != '5') ||
	    rcode[1] < '0' || rcode[1] > '9' || rcode[2] < '0' || rcode[2] > '9')
		return false;
	if (xcode != NULL && (xcode[0] != rcode[0] || xcode[1] != '.'))
		return false;
	return text == NULL || strpbrk(text, "\r\n") == NULL;
}

int
smfi_setreply(SMFICTX *ctx, char *rcode, char *xcode, char *text)
{
	struct fm_reply *r;

	if (ctx == NULL)
		return MI_FAILURE;
	ctx->reply = x_reallocarray(ctx->reply, ctx->nreply + 1,
	    sizeof(*ctx->reply));
	r = &ctx->reply[ctx->nreply++];
	r->rcode = dup_or_null(rcode);
	r->xcode = dup_or_null(xcode);
	r->text = dup_or_null(text);
	r->accepted = reply_ok(rcode, xcode, text);
	return r->accepted ? MI_SUCCESS : MI_FAILURE;
}

int
smfi_setmlreply(SMFICTX *ctx, const char *rcode, const char *xcode, ...)
{
	(void)rcode, (void)xcode;
	misuse(ctx, "smfi_setmlreply is not used by gatewarden");
	return MI_FAILURE;
}

int
smfi_addheader(SMFICTX *ctx, char *name, char *value)
{
	if (name == NULL || value == NULL) {
		misuse(ctx, "smfi_addheader with a NULL name or value");
		return MI_FAILURE;
	}
	if (!change_allowed(ctx, SMFIF_ADDHDRS, "smfi_addheader"))
		return MI_FAILURE;
	return record(ctx, FM_ADDHEADER, name, value, 0);
}

int
smfi_insheader(SMFICTX *ctx, int index, char *name, char *value)
{
	if (name == NULL || value == NULL || index < 0) {
		misuse(ctx, "smfi_insheader with a NULL name or value");
		return MI_FAILURE;
	}
	if (!change_allowed(ctx, SMFIF_ADDHDRS, "smfi_insheader"))
		return MI_FAILURE;
	return record(ctx, FM_INSHEADER, name, value, index);
}

int
smfi_chgheader(SMFICTX *ctx, char *name, int index, char *value)
{
	if (name == NULL || index < 1) {
		misuse(ctx, "smfi_chgheader with a NULL name or index %d",
		    index);
		return MI_FAILURE;
	}
	if (!change_allowed(ctx, SMFIF_CHGHDRS, "smfi_chgheader"))
		return MI_FAILURE;
	return record(ctx, FM_CHGHEADER, name, value, index);
}

int
smfi_delrcpt(SMFICTX *ctx, char *rcpt)
{
	if (rcpt == NULL || !change_allowed(ctx, SMFIF_DELRCPT,
	    "smfi_delrcpt"))
		return MI_FAILURE;
	return record(ctx, FM_DELRCPT, rcpt, NULL, 0);
}

int
smfi_addrcpt(SMFICTX *ctx, char *rcpt)
{
	if (rcpt == NULL || !change_allowed(ctx, SMFIF_ADDRCPT,
	    "smfi_addrcpt"))
		return MI_FAILURE;
	return record(ctx, FM_ADDRCPT, rcpt, NULL, 0);
}

int
smfi_quarantine(SMFICTX *ctx, char *reason)
{
	if (reason == NULL || reason[0] == '\0') {
		misuse(ctx, "smfi_quarantine without a reason");
		return MI_FAILURE;
	}
	if (!change_allowed(ctx, SMFIF_QUARANTINE, "smfi_quarantine"))
		return MI_FAILURE;
	return record(ctx, FM_QUARANTINE, reason, NULL, 0);
}

int
smfi_progress(SMFICTX *ctx)
{
	return ctx != NULL && ctx->in_eom ? MI_SUCCESS : MI_FAILURE;
}

int
smfi_replacebody(SMFICTX *ctx, unsigned char *data, int len)
{
	if (data == NULL || len < 0) {
		misuse(ctx, "smfi_replacebody with bad arguments");
		return MI_FAILURE;
	}
	if (!change_allowed(ctx, SMFIF_CHGBODY, "smfi_replacebody"))
		return MI_FAILURE;
	ctx->body = x_realloc(ctx->body, ctx->bodylen + (size_t)len + 1);
	memcpy(ctx->body + ctx->bodylen, data, (size_t)len);
	ctx->bodylen += (size_t)len;
	ctx->body[ctx->bodylen] = '\0';
	ctx->body_replaced = true;
	return MI_SUCCESS;
}
