/*
 * fuzz_sockmap - the socketmap protocol of gatewarden-maps serve over any
 * bytes a client may send: netstring framing (dane/netstring.h), the
 * request parser and the reply writer (dane/sockmap.h).
 *
 * Input: the bytes received on one connection. They are taken apart as
 * the server does, netstring after netstring (payload at most
 * SOCKMAP_MAX_REQUEST), until one is incomplete, bad or too long; each
 * payload is parsed as a request and answered.
 *
 * Invariants:
 *  - a whole netstring: its length digits say its payload length, it
 *    ends in ',', it lies within what was received, and encoding the
 *    payload again gives the same bytes; every shorter prefix of it is
 *    "not all there yet" (NS_MORE), never bad nor whole;
 *  - a request to look up names a known map and a domain that is
 *    lower-case, without a final dot, at most DNS_MAX_NAME characters of
 *    letters, digits, '-', '_' and '.' (it goes into look-ups and the
 *    answers' log); a Sendmail request carries its tag; a refusal says
 *    why;
 *  - a reply is one netstring whose payload is "STATUS text" with the
 *    text cleaned of control characters and cut to SOCKMAP_MAX_TEXT.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dane/netstring.h"
#include "dane/sockmap.h"
#include "fuzz/fuzz.h"

#define FUZZ_SOCKMAP_MAX	(16u << 10)
#define FAIL(...)		fuzz_fail("sockmap", __VA_ARGS__)

static void
check_frame(const char *buf, size_t len, const char *data, size_t dlen,
    size_t used)
{
	const char *d;
	char	*again;
	size_t	k, dl, u, alen;

	if (used > len || dlen > SOCKMAP_MAX_REQUEST || data < buf ||
	    data + dlen > buf + used || buf[used - 1] != ',' ||
	    strtoul(buf, NULL, 10) != dlen)
		FAIL("netstring of %zu bytes, payload %zu, does not frame it",
		    used, dlen);
	if ((again = netstring_encode(data, dlen, &alen)) == NULL ||
	    alen != used || memcmp(again, buf, used) != 0)
		FAIL("the payload encodes to another netstring");
	free(again);
	for (k = 0; k < used; k++)
		if (netstring_parse(buf, k, SOCKMAP_MAX_REQUEST, &d, &dl,
		    &u) != NS_MORE)
			FAIL("a prefix of %zu bytes of a whole netstring is "
			    "not incomplete", k);
}

static void
check_request(const char *data, size_t dlen, const struct sockmap_request *r)
{
	const char *s;

	switch (r->type) {
	case SM_REQ_LOOKUP:
		if (r->domain[0] == '\0' ||
		    strlen(r->domain) > DNS_MAX_NAME ||
		    r->domain[strlen(r->domain) - 1] == '.')
			FAIL("look-up of '%s'", r->domain);
		for (s = r->domain; *s != '\0'; s++)
			if (!islower((unsigned char)*s) &&
			    !isdigit((unsigned char)*s) && *s != '-' &&
			    *s != '_' && *s != '.')
				FAIL("domain '%s' holds 0x%02x", r->domain,
				    (unsigned char)*s);
		if (r->kind == SM_KIND_POSTFIX ? dlen <
		    sizeof(SOCKMAP_POSTFIX) || memcmp(data, SOCKMAP_POSTFIX
		    " ", sizeof(SOCKMAP_POSTFIX)) != 0 :
		    (dlen < sizeof(SOCKMAP_SENDMAIL) || memcmp(data,
		    SOCKMAP_SENDMAIL " ", sizeof(SOCKMAP_SENDMAIL)) != 0 ||
		    (strcmp(r->tag, "TLS_Rcpt") != 0 &&
		    strcmp(r->tag, "Try_TLS") != 0)))
			FAIL("look-up in the wrong map or without its tag");
		break;
	case SM_REQ_NOTFOUND:
	case SM_REQ_PERM:
		if (r->why == NULL || r->why[0] == '\0')
			FAIL("a refused request without a reason");
		break;
	default:
		FAIL("request type %d", (int)r->type);
	}
}

static void
check_reply(const char *status, const char *text)
{
	const char *d;
	char	*rep;
	size_t	len, dl, used, i, sl = strlen(status);

	if ((rep = sockmap_reply(status, text, &len)) == NULL)
		FAIL("sockmap_reply gave nothing");
	if (netstring_parse(rep, len, 4 * SOCKMAP_MAX_TEXT, &d, &dl,
	    &used) != NS_OK || used != len)
		FAIL("the reply is not one netstring");
	if (dl < sl + 1 || memcmp(d, status, sl) != 0 || d[sl] != ' ' ||
	    dl - sl - 1 > SOCKMAP_MAX_TEXT)
		FAIL("reply payload of %zu bytes for status %s", dl, status);
	for (i = sl + 1; i < dl; i++)
		if ((unsigned char)d[i] < 0x20 || d[i] == 0x7f)
			FAIL("reply text holds 0x%02x",
			    (unsigned char)d[i]);
	free(rep);
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	const char *buf = (const char *)in, *data;
	struct sockmap_request r;
	char	text[SOCKMAP_MAX_REQUEST + 1];
	size_t	off = 0, dlen, used;

	if (size > FUZZ_SOCKMAP_MAX)
		return 0;
	while (off < size && netstring_parse(buf + off, size - off,
	    SOCKMAP_MAX_REQUEST, &data, &dlen, &used) == NS_OK) {
		check_frame(buf + off, size - off, data, dlen, used);
		memset(&r, 0, sizeof(r));
		sockmap_parse(data, dlen, &r);
		check_request(data, dlen, &r);
		/* What came back to the client quotes what it sent. */
		memcpy(text, data, dlen);
		text[dlen] = '\0';
		check_reply(r.type == SM_REQ_LOOKUP ? "OK" :
		    r.type == SM_REQ_NOTFOUND ? "NOTFOUND" : "PERM", text);
		off += used;
	}
	return 0;
}
