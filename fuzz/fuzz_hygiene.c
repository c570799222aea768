/*
 * fuzz_hygiene - header hygiene (milter/hygiene.h) against a second,
 * deliberately simple reading of the rules, written from RFC 8601 and
 * the documentation (gatewarden(8), README), not from hygiene.c.
 *
 * Input: the authserv-id, a NUL, then header fields as name NUL value
 * NUL ... (a last name without a value has an empty one). An authserv-id
 * the configuration refuses (conf/load_sections.c: empty, longer than a
 * host name's 253 characters, or with white space, a control character
 * or an RFC 2045 tspecial) is replaced by mx.example.test.
 *
 * The reference: a header is ours when its name starts with
 * "X-Gatewarden-" (ASCII case ignored), or it is named
 * Authentication-Results and its authserv-id, read per RFC 8601 section
 * 2.2 ([CFWS] value, value a RFC 2045 token or a RFC 5322 quoted-string
 * with its quoted-pairs undone, then [CFWS] and ";" or a version), is the
 * configured one, ASCII case and one trailing dot ignored (hygiene.h).
 * An Authentication-Results value whose start does not parse so is
 * malformed: a reader may or may not take it for ours, so hygiene may
 * remove it or keep it (hygiene_is_ours says which), but a well-formed
 * one must be judged exactly.
 *
 * Invariants: hygiene_is_ours() agrees with the reference on every
 * well-formed header; hygiene_plan() counts exactly the headers of ours;
 * past HYGIENE_REMOVALS_MAX it plans nothing (the message is refused);
 * otherwise it plans one deletion for each of them, from the last to the
 * first, each naming the header by its name as received and its 1-based
 * index among the headers of that name (case ignored), counted over the
 * message as received.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "milter/hygiene.h"
#include "milter/session.h"

#define FUZZ_HYGIENE_HEADERS	400	/* past the limit of 100, cheaply */
#define FAIL(...)	fuzz_fail("hygiene", __VA_ARGS__)

enum verdict { REF_NOT_OURS, REF_OURS, REF_MALFORMED };

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ASCII case-insensitive equality of n bytes. */
static bool
same_bytes(const char *a, const char *b, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

static bool
same_field_name(const char *a, const char *b)
{
	return strlen(a) == strlen(b) && same_bytes(a, b, strlen(a));
}

/* RFC 5234 CTL, RFC 2045 tspecials, SPACE: never in a token. */
static bool
token_char(unsigned char c)
{
	return c > 32 && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* RFC 5322 CFWS: SP, HTAB, CR, LF and comments (nested, with
 * quoted-pairs). NULL for an unclosed comment. */
static const char *
cfws(const char *p)
{
	int	depth;

	for (;;) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			p++;
			continue;
		}
		if (*p != '(')
			return p;
		for (depth = 0; *p != '\0'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0)
				break;
		}
		if (*p == '\0')
			return NULL;
		p++;
	}
}

/* The authserv-id of an Authentication-Results value, into id (with room
 * for the whole value); false when the value's start is malformed. */
static bool
ref_authserv_id(const char *value, char *id)
{
	const char *p = cfws(value);
	size_t	n = 0;
	bool	quoted;

	if (p == NULL)
		return false;
	if ((quoted = *p == '"')) {
		for (p++; *p != '"'; p++) {
			if (*p == '\0')
				return false;
			if (*p == '\\') {
				if (*++p == '\0')
					return false;
			} else if (*p == '\r' || *p == '\n') {
				/* FWS: a line break is one only before white
				 * space, and unfolding removes it */
				if (*p == '\r' && *++p != '\n')
					return false;
				if (p[1] != ' ' && p[1] != '\t')
					return false;
				continue;
			} else if ((unsigned char)*p < 32 && *p != '\t')
				return false;
			id[n++] = *p;
		}
		p++;
	} else
		while (token_char((unsigned char)*p))
			id[n++] = *p++;
	id[n] = '\0';
	if (n == 0 && !quoted)
		return false;
	/* Then [CFWS], and a version or the results' ";". */
	if ((p = cfws(p)) == NULL)
		return false;
	return *p == ';' || (*p >= '0' && *p <= '9');
}

static bool
same_host(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && same_bytes(a, b, la);
}

static enum verdict
reference(const char *name, const char *value, const char *authserv_id)
{
	static const char prefix[] = "x-gatewarden-";
	char	*id;
	enum verdict v;

	if (strlen(name) >= sizeof(prefix) - 1 &&
	    same_bytes(name, prefix, sizeof(prefix) - 1))
		return REF_OURS;
	if (!same_field_name(name, "Authentication-Results"))
		return REF_NOT_OURS;
	if ((id = malloc(strlen(value) + 1)) == NULL)
		FAIL("out of memory");
	if (!ref_authserv_id(value, id))
		v = REF_MALFORMED;
	else
		v = same_host(id, authserv_id) ? REF_OURS : REF_NOT_OURS;
	free(id);
	return v;
}

/* What conf/load_sections.c accepts as milter.authserv_id. */
static bool
configurable(const char *id)
{
	size_t	i, n = strlen(id);

	if (n == 0 || n > 253 || id[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!token_char((unsigned char)id[i]) &&
		    (unsigned char)id[i] < 128)
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct header h[FUZZ_HYGIENE_HEADERS];
	bool	ours[FUZZ_HYGIENE_HEADERS];
	struct hygiene_plan *plan;
	char	*buf, *p, *end;
	const char *authserv_id;
	size_t	n = 0, nours = 0, i, j, k, index;
	enum verdict v;

	if ((buf = malloc(size + 2)) == NULL)
		FAIL("out of memory");
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	end = buf + size;
	authserv_id = buf;
	p = buf + strlen(buf) + 1;
	if (!configurable(authserv_id))
		authserv_id = "mx.example.test";
	while (p < end && n < FUZZ_HYGIENE_HEADERS) {
		h[n].name = p;
		p += strlen(p) + 1;
		h[n].value = p <= end ? p : end + 1;
		p += strlen(h[n].value) + 1;
		n++;
	}

	for (i = 0; i < n; i++) {
		v = reference(h[i].name, h[i].value, authserv_id);
		ours[i] = hygiene_is_ours(h[i].name, h[i].value, authserv_id);
		if (v != REF_MALFORMED && ours[i] != (v == REF_OURS))
			FAIL("header %zu \"%s: %s\" (authserv-id %s): hygiene "
			    "says %s, the reference %s", i, h[i].name,
			    h[i].value, authserv_id, ours[i] ? "ours" :
			    "not ours", v == REF_OURS ? "ours" : "not ours");
		nours += ours[i];
	}

	if ((plan = malloc(sizeof(*plan))) == NULL)
		FAIL("out of memory");
	hygiene_plan(h, n, authserv_id, plan);
	if (plan->nours != nours)
		FAIL("plan counts %zu headers of ours, want %zu", plan->nours,
		    nours);
	if (nours > HYGIENE_REMOVALS_MAX) {
		if (plan->nremovals != 0)
			FAIL("%zu headers of ours (past %d) but %zu deletions "
			    "planned", nours, HYGIENE_REMOVALS_MAX,
			    plan->nremovals);
	} else {
		if (plan->nremovals != nours)
			FAIL("%zu deletions planned, want %zu",
			    plan->nremovals, nours);
		/* removal[k] is the (nours - k)th header of ours. */
		for (i = 0, k = nours; i < n; i++) {
			if (!ours[i])
				continue;
			k--;
			for (index = 1, j = 0; j < i; j++)
				index += same_field_name(h[j].name, h[i].name);
			if (plan->removal[k].name != h[i].name ||
			    plan->removal[k].index != index)
				FAIL("deletion %zu: %s #%zu, want header %zu, "
				    "%s #%zu", k, plan->removal[k].name,
				    plan->removal[k].index, i, h[i].name,
				    index);
		}
	}
	free(plan);
	free(buf);
	return 0;
}
