/*
 * policy_fixture - see policy_fixture.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "t/policy_fixture.h"
#include "t/tap.h"

const char *
fixture_lookup(void *arg, const char *name)
{
	const struct macro *m = arg;

	for (; m && m->name; m++)
		if (strcmp(m->name, name) == 0)
			return m->value;
	return NULL;
}

void
fixture_facts(struct session_facts *f, const struct macro *connect,
    const struct macro *later, const char *envfrom)
{
	session_facts_init(f);
	if (connect)
		session_facts_update(f, fixture_lookup, (void *)connect);
	if (later)
		session_facts_update(f, fixture_lookup, (void *)later);
	if (envfrom)
		session_facts_set_sender(f, envfrom);
}

static void
add_name(struct name_pattern **v, size_t *n, const char *s)
{
	*v = x_reallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].suffix = *s == '.';
	(*v)[*n].name = x_strdup(*s == '.' ? s + 1 : s);
	(*n)++;
}

/* lname=NAME, lport=PORT, laddr=BLOCK or laddr=BLOCK@PORT. */
static void
add_listener(struct group_match *m, const char *tok)
{
	struct listener_pattern *p;
	char	*at;
	const char *why;

	m->listener = x_reallocarray(m->listener, m->nlistener + 1,
	    sizeof(*m->listener));
	p = &m->listener[m->nlistener++];
	memset(p, 0, sizeof(*p));
	if (strncmp(tok, "lname=", 6) == 0) {
		p->name = x_strdup(tok + 6);
		return;
	}
	if (strncmp(tok, "lport=", 6) == 0) {
		p->port = (unsigned)strtoul(tok + 6, NULL, 10);
		return;
	}
	p->name = x_strdup(tok + 6);	/* scratch, freed below */
	if ((at = strchr(p->name, '@')) != NULL) {
		*at = '\0';
		p->port = (unsigned)strtoul(at + 1, NULL, 10);
	}
	if (!cidr_parse(p->name, &p->addr, &why))
		bail("fixture: bad listener block %s: %s", tok + 6, why);
	p->have_addr = true;
	free(p->name);
	p->name = NULL;
}

void
fixture_group(struct sender_group *g, const char *name, const char *spec)
{
	char	*copy = x_strdup(spec), *tok, *save = NULL;
	struct group_match *m = &g->match;
	const char *why;

	memset(g, 0, sizeof(*g));
	g->name = x_strdup(name);
	for (tok = strtok_r(copy, " ", &save); tok;
	    tok = strtok_r(NULL, " ", &save)) {
		if (strcmp(tok, "any") == 0)
			m->any = true;
		else if (strcmp(tok, "auth") == 0)
			m->authenticated = true;
		else if (strncmp(tok, "ip=", 3) == 0) {
			m->client_ip = x_reallocarray(m->client_ip,
			    m->nclient_ip + 1, sizeof(*m->client_ip));
			if (!cidr_parse(tok + 3, &m->client_ip[m->nclient_ip],
			    &why))
				bail("fixture: bad block %s: %s", tok + 3, why);
			m->nclient_ip++;
		} else if (strncmp(tok, "host=", 5) == 0)
			add_name(&m->client_hostname, &m->nclient_hostname,
			    tok + 5);
		else if (strncmp(tok, "domain=", 7) == 0)
			add_name(&m->sender_domain, &m->nsender_domain, tok + 7);
		else if (strncmp(tok, "cert=", 5) == 0) {
			m->client_cert_subject = x_reallocarray(
			    m->client_cert_subject,
			    m->nclient_cert_subject + 1, sizeof(char *));
			m->client_cert_subject[m->nclient_cert_subject++] =
			    x_strdup(tok + 5);
		} else if (strncmp(tok, "lname=", 6) == 0 ||
		    strncmp(tok, "lport=", 6) == 0 ||
		    strncmp(tok, "laddr=", 6) == 0)
			add_listener(m, tok);
		else
			bail("fixture: bad match spec %s", tok);
	}
	free(copy);
}

void
fixture_group_free(struct sender_group *g)
{
	size_t	i;

	if (g == NULL)
		return;
	for (i = 0; i < g->match.nclient_hostname; i++)
		free(g->match.client_hostname[i].name);
	for (i = 0; i < g->match.nsender_domain; i++)
		free(g->match.sender_domain[i].name);
	free(g->match.client_hostname);
	free(g->match.sender_domain);
	free(g->match.client_ip);
	for (i = 0; i < g->match.nlistener; i++)
		free(g->match.listener[i].name);
	free(g->match.listener);
	for (i = 0; i < g->match.nclient_cert_subject; i++)
		free(g->match.client_cert_subject[i]);
	free(g->match.client_cert_subject);
	free(g->name);
	free(g->cert_subject);
	free(g->cert_issuer);
	memset(g, 0, sizeof(*g));
}
