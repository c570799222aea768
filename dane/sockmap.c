/*
 * sockmap - see sockmap.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dane/netstring.h"
#include "dane/sockmap.h"
#include "lib/xalloc.h"

/* Letters, digits, '-' and '_' in labels of 1 to 63, dots between. */
static bool
domain_ok(const char *s, size_t n)
{
	size_t	i, label = 0;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if ((isalnum(c) || c == '-' || c == '_') &&
		    ++label <= 63) {
			continue;
		} else {
			return false;
		}
	}
	return label > 0;
}

static void
set_domain(struct sockmap_request *r, const char *key, size_t n)
{
	size_t	i;

	if (n > 0 && key[n - 1] == '.')
		n--;
	if (n > 0 && key[0] == '.') {
		r->type = SM_REQ_NOTFOUND;
		r->why = "a parent-domain probe: the answer for the full "
		    "domain stands";
		return;
	}
	if (!domain_ok(key, n)) {
		r->type = SM_REQ_NOTFOUND;
		r->why = "not a domain name";
		return;
	}
	if (r->kind == SM_KIND_SENDMAIL && memchr(key, '.', n) == NULL) {
		/* Sendmail's access look-ups strip labels down to the
		 * top-level domain: that is no destination. */
		r->type = SM_REQ_NOTFOUND;
		r->why = "a top-level domain";
		return;
	}
	for (i = 0; i < n; i++)
		r->domain[i] = (char)tolower((unsigned char)key[i]);
	r->domain[n] = '\0';
	r->type = SM_REQ_LOOKUP;
}

void
sockmap_parse(const char *data, size_t len, struct sockmap_request *r)
{
	const char *sp = memchr(data, ' ', len), *key, *colon;
	size_t	nlen, klen;

	memset(r, 0, sizeof(*r));
	r->type = SM_REQ_PERM;
	if (sp == NULL || sp == data || sp + 1 == data + len) {
		r->why = "malformed request: \"NAME KEY\" expected";
		return;
	}
	nlen = (size_t)(sp - data);
	key = sp + 1;
	klen = len - nlen - 1;
	if (nlen == strlen(SOCKMAP_POSTFIX) &&
	    strncmp(data, SOCKMAP_POSTFIX, nlen) == 0) {
		r->kind = SM_KIND_POSTFIX;
		set_domain(r, key, klen);
		return;
	}
	if (nlen != strlen(SOCKMAP_SENDMAIL) ||
	    strncmp(data, SOCKMAP_SENDMAIL, nlen) != 0) {
		r->why = "unknown map name: gatewarden-maps answers "
		    SOCKMAP_POSTFIX " (Postfix) and " SOCKMAP_SENDMAIL
		    " (Sendmail)";
		return;
	}
	r->kind = SM_KIND_SENDMAIL;
	colon = memchr(key, ':', klen);
	if (colon != NULL && colon - key == 8 &&
	    strncasecmp(key, "TLS_Rcpt", 8) == 0)
		strcpy(r->tag, "TLS_Rcpt");
	else if (colon != NULL && colon - key == 7 &&
	    strncasecmp(key, "Try_TLS", 7) == 0)
		strcpy(r->tag, "Try_TLS");
	else {
		r->type = SM_REQ_NOTFOUND;
		r->why = "not a TLS_Rcpt: or Try_TLS: key";
		return;
	}
	set_domain(r, colon + 1, klen - (size_t)(colon + 1 - key));
}

char *
sockmap_reply(const char *status, const char *text, size_t *len)
{
	size_t	sl = strlen(status), tl = text ? strlen(text) : 0, i, o;
	char	*payload, *out;

	if (tl > SOCKMAP_MAX_TEXT)
		tl = SOCKMAP_MAX_TEXT;
	payload = x_malloc(sl + 1 + tl + 1);
	memcpy(payload, status, sl);
	payload[sl] = ' ';
	for (i = 0, o = sl + 1; i < tl; i++) {
		unsigned char c = (unsigned char)text[i];

		payload[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	payload[o] = '\0';
	out = netstring_encode(payload, o, len);
	free(payload);
	return out;
}
