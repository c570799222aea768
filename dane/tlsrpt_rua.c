/*
 * tlsrpt_rua - see tlsrpt_rua.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/check.h"
#include "dane/tlsrpt_rua.h"
#include "lib/xalloc.h"

static bool
is_record(const char *s)
{
	const char *p = s;

	if (strncmp(p, "v=TLSRPTv1", 10) != 0)
		return false;
	for (p += 10; *p == ' ' || *p == '\t'; p++)
		;
	return *p == ';';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 5322 dot-atom: what a local part from DNS may hold here (no
 * quoting, no second '@'). */
static bool
local_ok(const char *s, const char *at)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~.";

	if (s == at || *s == '.' || at[-1] == '.')
		return false;
	for (; s < at; s++)
		if (!isalnum((unsigned char)*s) && strchr(atext, *s) == NULL)
			return false;
	return true;
}

/* "mailto:" URI (without the scheme) into a checked address. */
static char *
mailto(const char *p, size_t n)
{
	char	*out = x_malloc(n + 1);
	const char *why;
	size_t	i, o = 0;

	for (i = 0; i < n && p[i] != '?'; i++) {
		if (p[i] == '%' && i + 2 < n && hexval(p[i + 1]) >= 0 &&
		    hexval(p[i + 2]) >= 0) {
			out[o++] = (char)(hexval(p[i + 1]) * 16 +
			    hexval(p[i + 2]));
			i += 2;
		} else {
			out[o++] = p[i];
		}
	}
	out[o] = '\0';
	for (i = 0; i < o; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	if (memchr(out, '\0', o) != NULL || strchr(out, '@') == NULL ||
	    strchr(out, '@') != strrchr(out, '@') ||
	    !local_ok(out, strchr(out, '@')) || !check_address(out, &why)) {
		free(out);
		return NULL;
	}
	return out;
}

static bool
uri_chars_ok(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
			return false;
	return n > 0 && n <= TLSRPT_MAX_URI;
}

static void
add_uris(const char *p, size_t len, struct tlsrpt_rua *r)
{
	const char *end = p + len;

	while (p < end && r->n < TLSRPT_MAX_RUA) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end, *b = p;
		char	*t = NULL;

		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (!uri_chars_ok(b, (size_t)(e - b))) {
			/* passed over */
		} else if ((size_t)(e - b) > 7 && strncasecmp(b, "mailto:",
		    7) == 0) {
			if ((t = mailto(b + 7, (size_t)(e - b - 7))) != NULL)
				r->v[r->n].kind = RUA_MAILTO;
		} else if ((size_t)(e - b) > 8 && strncasecmp(b, "https://",
		    8) == 0) {
			t = x_strndup(b, (size_t)(e - b));
			r->v[r->n].kind = RUA_HTTPS;
		}
		if (t)
			r->v[r->n++].target = t;
		p = comma ? comma + 1 : end;
	}
}

bool
tlsrpt_rua_parse(char *const *txt, size_t ntxt, struct tlsrpt_rua *r,
    const char **why)
{
	const char *rec = NULL, *p;
	size_t	i, nrec = 0;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < ntxt; i++)
		if (is_record(txt[i])) {
			rec = txt[i];
			nrec++;
		}
	if (nrec != 1) {
		*why = nrec ? "several v=TLSRPTv1 records" :
		    "no v=TLSRPTv1 record";
		return false;
	}
	for (p = strchr(rec, ';'); p && *p; ) {
		const char *f = p + 1, *semi, *e;

		while (*f == ' ' || *f == '\t')
			f++;
		semi = strchr(f, ';');
		e = semi ? semi : f + strlen(f);
		if (strncmp(f, "rua=", 4) == 0) {
			add_uris(f + 4, (size_t)(e - f - 4), r);
			break;
		}
		p = semi;
	}
	if (r->n == 0) {
		*why = "the record has no usable rua (mailto: or https:)";
		return false;
	}
	return true;
}

void
tlsrpt_rua_clear(struct tlsrpt_rua *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		free(r->v[i].target);
	memset(r, 0, sizeof(*r));
}
