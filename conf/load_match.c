/*
 * load_match - the match: of a sender group (its conditions, any of which
 * is enough), and the rule that an outbound group is told apart by
 * something the client cannot claim.
 *
 * Conditions a client cannot forge: client_ip (the TCP peer),
 * client_hostname (only names the MTA verified, forward-confirmed),
 * client_cert_subject (only a certificate the MTA verified), authenticated
 * (SMTP AUTH) and listener (the administrator's own label or address of
 * the MTA's listening socket). A client can claim sender_domain (MAIL
 * FROM is whatever it says), and any matches everybody: an outbound group
 * matched so would let anyone on port 25 have the organisation sign or
 * encrypt their text, and refuse to load unless the group says
 * allow_forgeable_match: true (a warning then).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/check.h"
#include "conf/load.h"
#include "lib/xalloc.h"

/* A {daemon_name} is a label the administrator chose. */
#define LISTENER_NAME_MAX	255
/* "anyone@host." and a domain, for the error message. */
#define SENDER_EXAMPLE_MAX	(16 + 256)

static void
match_client_ip(struct ld *l, const struct ynode *v, void *obj)
{
	struct group_match *m = obj;
	struct ynode *const *items;
	struct ynode *one;
	size_t	n = ld_list(l, v, "client_ip", &items, &one), i;
	const char *why;

	free(m->client_ip);
	m->client_ip = NULL;
	m->nclient_ip = 0;
	if (n == 0)
		return;
	m->client_ip = x_calloc(n, sizeof(*m->client_ip));
	for (i = 0; i < n; i++) {
		if (items[i]->type == YN_BAD)
			continue;
		if (!cidr_parse(items[i]->str, &m->client_ip[m->nclient_ip],
		    &why)) {
			ld_error(l, items[i], "bad address \"%s\" in "
			    "client_ip: %s", items[i]->str, why);
			continue;
		}
		m->nclient_ip++;
	}
}

static void
match_client_hostname(struct ld *l, const struct ynode *v, void *obj)
{
	struct group_match *m = obj;

	ld_names(l, v, "client_hostname", false, &m->client_hostname,
	    &m->nclient_hostname);
}

static void
match_sender_domain(struct ld *l, const struct ynode *v, void *obj)
{
	struct group_match *m = obj;

	ld_names(l, v, "sender_domain", false, &m->sender_domain,
	    &m->nsender_domain);
}

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* An address or block, bracketed or not. */
static bool
listener_addr(const char *s, size_t n, struct listener_pattern *p,
    const char **why)
{
	char	buf[80];

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(buf)) {
		*why = "not an address";
		return false;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!cidr_parse(buf, &p->addr, why))
		return false;
	p->have_addr = true;
	return true;
}

/*
 * One listener: "submission" ({daemon_name}), "465" ({daemon_port}),
 * "192.0.2.25", "10.0.0.0/8" or "2001:db8::25" ({daemon_addr}),
 * "192.0.2.25:465" or "[2001:db8::25]:465" (both).
 */
static bool
parse_listener(const char *s, struct listener_pattern *p, const char **why)
{
	const char *colon = strrchr(s, ':'), *end, *q;
	unsigned long port = 0;

	memset(p, 0, sizeof(*p));
	if (all_digits(s)) {
		if (!check_port(s, why))
			return false;
		p->port = (unsigned)strtoul(s, NULL, 10);
		return true;
	}
	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL) {
			*why = "write [IPv6]:PORT";
			return false;
		}
		if (end[1] != '\0' && (end[1] != ':' || !check_port(end + 2,
		    why))) {
			if (end[1] != ':')
				*why = "write [IPv6]:PORT";
			return false;
		}
		if (end[1] == ':')
			port = strtoul(end + 2, NULL, 10);
		p->port = (unsigned)port;
		return listener_addr(s, (size_t)(end - s + 1), p, why);
	}
	/* One colon: IPv4:PORT; more: a bare IPv6 address. */
	if (colon != NULL && memchr(s, ':', (size_t)(colon - s)) == NULL) {
		if (!check_port(colon + 1, why))
			return false;
		p->port = (unsigned)strtoul(colon + 1, NULL, 10);
		return listener_addr(s, (size_t)(colon - s), p, why);
	}
	if (colon != NULL || strspn(s, "0123456789./") == strlen(s))
		return listener_addr(s, strlen(s), p, why);
	for (q = s; *q; q++)
		if (!name_char(*q)) {
			*why = "a listener is a name (letters, digits, '-', "
			    "'_', '.'), a port, an address, or ADDRESS:PORT";
			return false;
		}
	if (strlen(s) > LISTENER_NAME_MAX) {
		*why = "a listener name is at most 255 characters";
		return false;
	}
	p->name = x_strdup(s);
	return true;
}

static void
match_listener(struct ld *l, const struct ynode *v, void *obj)
{
	struct group_match *m = obj;
	struct ynode *const *items;
	struct ynode *one;
	size_t	n = ld_list(l, v, "listener", &items, &one), i;
	const char *why;

	listeners_free(m->listener, m->nlistener);
	m->listener = NULL;
	m->nlistener = 0;
	if (n == 0)
		return;
	m->listener = x_calloc(n, sizeof(*m->listener));
	for (i = 0; i < n; i++) {
		if (items[i]->type == YN_BAD)
			continue;
		if (!parse_listener(items[i]->str, &m->listener[m->nlistener],
		    &why)) {
			ld_error(l, items[i], "bad listener \"%s\": %s",
			    items[i]->str, why);
			continue;
		}
		m->nlistener++;
	}
}

static void
match_client_cert_subject(struct ld *l, const struct ynode *v, void *obj)
{
	struct group_match *m = obj;
	struct ynode *const *items;
	struct ynode *one;
	size_t	n = ld_list(l, v, "client_cert_subject", &items, &one), i;

	strings_free(m->client_cert_subject, m->nclient_cert_subject);
	m->client_cert_subject = NULL;
	m->nclient_cert_subject = 0;
	if (n == 0)
		return;
	m->client_cert_subject = x_calloc(n, sizeof(char *));
	for (i = 0; i < n; i++) {
		if (items[i]->type == YN_BAD)
			continue;
		ld_warn_dn(l, items[i], "client_cert_subject", items[i]->str);
		m->client_cert_subject[m->nclient_cert_subject++] =
		    x_strdup(items[i]->str);
	}
}

size_t
group_match_conditions(const struct group_match *m)
{
	return (m->any ? 1 : 0) + m->nclient_ip + m->nclient_hostname +
	    m->nsender_domain + (m->authenticated ? 1 : 0) + m->nlistener +
	    m->nclient_cert_subject;
}

void
load_group_match(struct ld *l, const struct ynode *v, void *obj)
{
	static const struct field f[] = {
		FLD_FN("client_ip", match_client_ip),
		FLD_FN("client_hostname", match_client_hostname),
		FLD_FN("sender_domain", match_sender_domain),
		FLD("authenticated", F_BOOL, struct group_match, authenticated),
		FLD_FN("listener", match_listener),
		FLD_FN("client_cert_subject", match_client_cert_subject),
		FLD("any", F_BOOL, struct group_match, any),
	};
	struct sender_group *g = obj;
	const struct ynode *vals[NFIELDS(f)];
	unsigned errors = l->d->errors;
	size_t	i, present = 0;

	if (v->type == YN_SCALAR && !v->null) {
		if (strcmp(v->str, "any") == 0)
			g->match.any = true;
		else
			ld_error(l, v, "match must be a mapping or \"any\", "
			    "not \"%s\"", v->str);
		return;
	}
	if (v->type == YN_SCALAR || v->type == YN_SEQ) {
		ld_error(l, v, "match must be a mapping or \"any\", not %s",
		    v->type == YN_SEQ ? "a sequence" : "empty");
		return;
	}
	if (!ld_walk(l, v, "match", f, NFIELDS(f), &g->match, vals))
		return;
	for (i = 0; i < NFIELDS(f); i++)
		if (vals[i])
			present++;
	if (present == 0 || (group_match_conditions(&g->match) == 0 &&
	    l->d->errors == errors))
		ld_error(l, v, "match of sender group has no condition (use "
		    "match: any for a catch-all)");
}

#define UNFORGEABLE "match outbound groups by client_ip, client_hostname, " \
	"client_cert_subject, authenticated or listener"

void
load_check_outbound(struct ld *l, const struct sender_group *g,
    const struct ynode *match, const struct ynode *allow)
{
	const struct group_match *m = &g->match;
	const struct ynode *at;
	char	name[YTREE_MAX_SCALAR + 4], claim[SENDER_EXAMPLE_MAX];

	if (g->direction != DIR_OUTBOUND) {
		if (allow != NULL && g->allow_forgeable_match)
			ld_warn(l, allow, "allow_forgeable_match has no effect "
			    "on an inbound sender group");
		return;
	}
	if (match == NULL || (!m->any && m->nsender_domain == 0))
		return;
	ld_named(g->name, name, sizeof(name));
	if (m->any) {
		at = match->type == YN_MAP ? ld_get(match, "any") : match;
		if (g->allow_forgeable_match)
			ld_warn(l, at, "outbound sender group%s matches any "
			    "client (allowed by allow_forgeable_match): the "
			    "mail of anyone who reaches the MTA goes through "
			    "the sending rules", name);
		else
			ld_error(l, at, "outbound sender group%s matches any "
			    "client: anyone on port 25 could have the "
			    "organisation sign or encrypt their mail; "
			    UNFORGEABLE " (or set allow_forgeable_match: "
			    "true)", name);
		return;
	}
	at = ld_get(match, "sender_domain");
	snprintf(claim, sizeof(claim), "anyone@%s%.200s",
	    m->sender_domain[0].suffix ? "host." : "",
	    m->sender_domain[0].name);
	if (g->allow_forgeable_match)
		ld_warn(l, at, "outbound sender group%s matches by "
		    "sender_domain, which any client can claim (allowed by "
		    "allow_forgeable_match): whoever says MAIL FROM:<%s> has "
		    "their mail go through the sending rules", name, claim);
	else
		ld_error(l, at, "outbound sender group%s matches by "
		    "sender_domain, which any client can claim: anyone on "
		    "port 25 could say MAIL FROM:<%s> and have the "
		    "organisation sign or encrypt their mail; " UNFORGEABLE
		    " (or set allow_forgeable_match: true)", name, claim);
}
