/*
 * config_free - defaults and the freeing of a whole struct config.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conf/load.h"
#include "lib/log.h"
#include "lib/xalloc.h"

static char *
hostname(void)
{
	char	buf[256];

	if (gethostname(buf, sizeof(buf) - 1) < 0 || buf[0] == '\0')
		return x_strdup("localhost");
	buf[sizeof(buf) - 1] = '\0';
	return x_strdup(buf);
}

void
config_defaults(struct config *c)
{
	struct milter_conf *m = &c->milter;
	struct smime_conf *s = &c->smime;

	m->socket = x_strdup("unix:" LOCALSTATEDIR
	    "/spool/postfix/gatewarden/gatewarden.sock");
	m->socket_mode = 0660;
	m->spool_dir = x_strdup(LOCALSTATEDIR "/spool/gatewarden");
	m->memory_limit_per_message = 8ULL << 20;
	m->memory_limit_total = 64ULL << 20;
	m->on_internal_error = IERR_TEMPFAIL;
	m->timeout = 60;
	m->authserv_id = hostname();
	m->tls_header = true;
	m->max_header_fields = 1000;

	c->log.facility = LOG_MAIL;
	c->log.level = LOG_LEVEL_INFO;

	c->alerts.sendmail_command = x_strdup("/usr/sbin/sendmail");
	c->alerts.rate_limit = 3600;
	c->alerts.sendmail_timeout = 60;

	c->trust.system_cas = true;
	c->trust.system_ca_file =
	    x_strdup("/etc/ssl/certs/ca-certificates.crt");
	revocation_conf_default(&c->trust.revocation);

	c->dns.mode = DNS_FORWARD;
	c->dns.resolv_conf = x_strdup("/etc/resolv.conf");
	c->dns.trust_anchor_file = x_strdup("/usr/share/dns/root.key");
	c->dns.timeout = 10;
	c->dns.cache_max_ttl = 3600;

	c->destinations.def.tls = DTLS_PREFERRED;
	c->destinations.def.dane = DANE_NONE;
	c->destinations.def.min_tls_version = TLSV_ANY;

	s->keystore = x_strdup(LOCALSTATEDIR "/lib/gatewarden/keystore.db");
	s->keystore_max_size = 512ULL << 20;
	s->private_dir = x_strdup(SYSCONFDIR "/gatewarden/private");
	maps_conf_defaults(c);
}

void
strings_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
name_patterns_free(struct name_pattern *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

static void
destination_free(struct destination *d)
{
	free(d->domain);
	free(d->ciphers);
	free(d->tafile);
}

void
sender_logins_free(struct sender_login *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(v[i].address);
		strings_free(v[i].logins, v[i].nlogins);
	}
	free(v);
}

void
listeners_free(struct listener_pattern *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

static void
groups_free(struct sender_group *g, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(g[i].name);
		free(g[i].match.client_ip);
		name_patterns_free(g[i].match.client_hostname,
		    g[i].match.nclient_hostname);
		name_patterns_free(g[i].match.sender_domain,
		    g[i].match.nsender_domain);
		listeners_free(g[i].match.listener, g[i].match.nlistener);
		strings_free(g[i].match.client_cert_subject,
		    g[i].match.nclient_cert_subject);
		free(g[i].cert_subject);
		free(g[i].cert_issuer);
		free(g[i].smime_inbound);
	}
	free(g);
}

static void
rules_free(struct sending_rule *r, size_t n)
{
	size_t	i, j;

	for (i = 0; i < n; i++) {
		free(r[i].name);
		strings_free(r[i].sender_groups, r[i].nsender_groups);
		name_patterns_free(r[i].senders, r[i].nsenders);
		name_patterns_free(r[i].sender_domains, r[i].nsender_domains);
		name_patterns_free(r[i].recipient_domains,
		    r[i].nrecipient_domains);
		for (j = 0; j < r[i].nheaders; j++) {
			free(r[i].headers[j].name);
			free(r[i].headers[j].contains);
		}
		free(r[i].headers);
		free(r[i].profile);
	}
	free(r);
}

static void
smime_free(struct smime_conf *s)
{
	size_t	i, j;

	free(s->keystore);
	free(s->private_dir);
	for (i = 0; i < s->ncertificates; i++) {
		free(s->certificates[i].name);
		free(s->certificates[i].certificate);
		free(s->certificates[i].key);
		free(s->certificates[i].pkcs12);
		free(s->certificates[i].passphrase_file);
	}
	free(s->certificates);
	for (i = 0; i < s->nprofiles; i++) {
		free(s->profiles[i].name);
		free(s->profiles[i].signing_certificate);
		free(s->profiles[i].encrypt_to_self);
		for (j = 0; j < s->profiles[i].nprotected_fields; j++)
			free(s->profiles[i].protected_fields[j]);
		free(s->profiles[i].protected_fields);
		for (j = 0; j < s->profiles[i].nobscured_fields; j++) {
			free(s->profiles[i].obscured_fields[j].name);
			free(s->profiles[i].obscured_fields[j].value);
		}
		free(s->profiles[i].obscured_fields);
	}
	free(s->profiles);
	rules_free(s->rules, s->nrules);
	free(s->sender_login_map);
	sender_logins_free(s->sender_logins, s->nsender_logins);
	free(s->reinjection.smtp);
	free(s->reinjection.sendmail_command);
	for (i = 0; i < s->ninbound_policies; i++) {
		free(s->inbound_policies[i].name);
		free(s->inbound_policies[i].quarantine_dir);
	}
	free(s->inbound_policies);
	ldap_directories_free(s->ldap, s->nldap);
}

void
config_free(struct config *c)
{
	size_t	i;

	if (c == NULL)
		return;
	free(c->path);
	free(c->milter.socket);
	free(c->milter.user);
	free(c->milter.group);
	free(c->milter.pid_file);
	free(c->milter.spool_dir);
	free(c->milter.authserv_id);
	strings_free(c->alerts.recipients, c->alerts.nrecipients);
	free(c->alerts.from);
	free(c->alerts.sendmail_command);
	free(c->trust.system_ca_file);
	free(c->trust.custom_ca_file);
	free(c->trust.revocation.ocsp_responder);
	free(c->metrics.listen);
	strings_free(c->dns.forwarders, c->dns.nforwarders);
	free(c->dns.resolv_conf);
	free(c->dns.trust_anchor_file);
	free(c->dns.unbound_config);
	for (i = 0; i < c->dns.nstub_zones; i++) {
		free(c->dns.stub_zones[i].name);
		strings_free(c->dns.stub_zones[i].addresses,
		    c->dns.stub_zones[i].naddresses);
	}
	free(c->dns.stub_zones);
	groups_free(c->groups, c->ngroups);
	maps_conf_free(c);
	destination_free(&c->destinations.def);
	for (i = 0; i < c->destinations.ndomains; i++)
		destination_free(&c->destinations.domains[i]);
	free(c->destinations.domains);
	smime_free(&c->smime);
	free(c);
}
