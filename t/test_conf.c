/*
 * test_conf - the configuration loader (conf/): the shipped example, the
 * corpus t/conf/{good,warn,bad}-*.yaml against their .expect files, files
 * too hostile to keep in the corpus (made at run time), defaults, the
 * reference count and the look-ups.
 *
 * A .expect file holds one "LINE:COL: message" per diagnostic (warnings
 * as "LINE:COL: warning: message"; "0:0: message" when not tied to a
 * place), compared exactly, in order, with what the loader produced.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "conf/check.h"
#include "conf/config.h"
#include "conf/words.h"
#include "lib/cidr.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "t/tap.h"

enum kind { GOOD, WARN, BAD };

/* Every file of t/conf, by kind; test_orphans() checks nothing is left
 * out. */
static const struct {
	const char *name;
	enum kind kind;
} corpus[] = {
	{ "good-forms", GOOD },
	{ "good-header-protection", GOOD },
	{ "good-listener", GOOD },
	{ "good-metrics", GOOD },
	{ "good-minimal", GOOD },
	{ "good-no-groups", GOOD },
	{ "good-no-shadow", GOOD },
	{ "good-revocation", GOOD },
	{ "warn-dn", WARN },
	{ "warn-outbound-forgeable", WARN },
	{ "warn-shadow-catchall", WARN },
	{ "warn-shadow-cover", WARN },
	{ "warn-lab-ca", WARN },
	{ "bad-address", BAD },
	{ "bad-alias", BAD },
	{ "bad-authserv-id", BAD },
	{ "bad-authserv-dot", BAD },
	{ "bad-boolean", BAD },
	{ "bad-cert-neither", BAD },
	{ "bad-cidr", BAD },
	{ "bad-comments-only", BAD },
	{ "bad-control-escape", BAD },
	{ "bad-depth", BAD },
	{ "bad-domain", BAD },
	{ "bad-duplicate-certificate", BAD },
	{ "bad-duplicate-destination", BAD },
	{ "bad-duplicate-group", BAD },
	{ "bad-duplicate-key", BAD },
	{ "bad-duplicate-profile", BAD },
	{ "bad-duration", BAD },
	{ "bad-empty", BAD },
	{ "bad-empty-items", BAD },
	{ "bad-forwarder", BAD },
	{ "bad-header", BAD },
	{ "bad-inbound", BAD },
	{ "bad-header-fields", BAD },
	{ "bad-integer", BAD },
	{ "bad-ldap", BAD },
	{ "bad-list-items", BAD },
	{ "bad-listener", BAD },
	{ "bad-match-scalar", BAD },
	{ "bad-metrics", BAD },
	{ "bad-metrics-list", BAD },
	{ "bad-metrics-port", BAD },
	{ "bad-missing-fields", BAD },
	{ "bad-missing-value", BAD },
	{ "bad-no-conditions", BAD },
	{ "bad-not-catchall", BAD },
	{ "bad-outbound-forgeable", BAD },
	{ "bad-path", BAD },
	{ "bad-quarantine", BAD },
	{ "bad-header-protection", BAD },
	{ "bad-reinjection", BAD },
	{ "bad-reinjection-host", BAD },
	{ "bad-revocation", BAD },
	{ "bad-rule-sizes", BAD },
	{ "bad-sign-without-cert", BAD },
	{ "bad-size", BAD },
	{ "bad-size-small", BAD },
	{ "bad-socket-mode", BAD },
	{ "bad-socket-nohost", BAD },
	{ "bad-socket-port", BAD },
	{ "bad-socket-prefix", BAD },
	{ "bad-socket-relative", BAD },
	{ "bad-socketmap", BAD },
	{ "bad-socketmap-host", BAD },
	{ "bad-syntax-indent", BAD },
	{ "bad-syntax-tab", BAD },
	{ "bad-syntax-unclosed", BAD },
	{ "bad-tag", BAD },
	{ "bad-three-mistakes", BAD },
	{ "bad-top-scalar", BAD },
	{ "bad-two-documents", BAD },
	{ "bad-type-mapping", BAD },
	{ "bad-type-scalar", BAD },
	{ "bad-type-sequence", BAD },
	{ "bad-undefined-certificate", BAD },
	{ "bad-undefined-group", BAD },
	{ "bad-undefined-profile", BAD },
	{ "bad-unknown-key", BAD },
	{ "bad-unknown-section", BAD },
	{ "bad-word", BAD },
};
#define NCORPUS	(sizeof(corpus) / sizeof(corpus[0]))

static const char *srcdir;
static char tmpdir[256];

static char *
path_of(const char *rel)
{
	size_t	n = strlen(srcdir) + strlen(rel) + 2;
	char	*p = malloc(n);

	if (p == NULL)
		bail("out of memory");
	snprintf(p, n, "%s/%s", srcdir, rel);
	return p;
}

/* "LINE:COL: [warning: ]message", as diags_print writes it minus the
 * file name. */
static void
diag_line(const struct diag *g, char *buf, size_t sz)
{
	snprintf(buf, sz, "%u:%u: %s%s", g->line, g->col,
	    g->severity == DIAG_WARNING ? "warning: " : "", g->msg);
}

/* Compares the diagnostics with the lines of the expect file. */
static void
compare_expect(const char *name, const struct diags *d, const char *expect)
{
	FILE	*fp = fopen(expect, "r");
	char	want[2048], got[2048];
	size_t	i = 0, len;
	bool	same = true;

	if (fp == NULL) {
		ok(false, "%s: cannot open %s: %s", name, expect,
		    strerror(errno));
		return;
	}
	while (fgets(want, sizeof(want), fp)) {
		len = strlen(want);
		if (len && want[len - 1] == '\n')
			want[--len] = '\0';
		if (i >= d->n) {
			diag("%s: missing diagnostic: %s", name, want);
			same = false;
		} else {
			diag_line(&d->v[i], got, sizeof(got));
			if (strcmp(got, want) != 0) {
				diag("%s: diagnostic %zu", name, i + 1);
				diag("       got: %s", got);
				diag("      want: %s", want);
				same = false;
			}
		}
		i++;
	}
	fclose(fp);
	for (; i < d->n; i++) {
		diag_line(&d->v[i], got, sizeof(got));
		diag("%s: unexpected diagnostic: %s", name, got);
		same = false;
	}
	ok(same, "%s: diagnostics are exactly those of the .expect file",
	    name);
}

static void
test_corpus(void)
{
	size_t	i, j, nbad = 0;
	char	rel[256];

	for (i = 0; i < NCORPUS; i++) {
		const char *name = corpus[i].name;
		struct diags d = { 0 };
		struct config *c;
		char	*yaml, *expect;

		snprintf(rel, sizeof(rel), "t/conf/%s.yaml", name);
		yaml = path_of(rel);
		snprintf(rel, sizeof(rel), "t/conf/%s.expect", name);
		expect = path_of(rel);
		c = config_load(yaml, &d);
		switch (corpus[i].kind) {
		case GOOD:
			ok(c != NULL && d.errors == 0 && d.warnings == 0,
			    "%s loads: got %u error(s), %u warning(s), want "
			    "0, 0", name, d.errors, d.warnings);
			for (j = 0; j < d.n; j++)
				diag("%s:%u:%u: %s", name, d.v[j].line,
				    d.v[j].col, d.v[j].msg);
			break;
		case WARN:
			ok(c != NULL && d.errors == 0 && d.warnings > 0,
			    "%s loads with warnings only: got %u error(s), "
			    "%u warning(s)", name, d.errors, d.warnings);
			compare_expect(name, &d, expect);
			break;
		case BAD:
			nbad++;
			ok(c == NULL && d.errors > 0, "%s is refused: got "
			    "%u error(s)", name, d.errors);
			compare_expect(name, &d, expect);
			if (strcmp(name, "bad-three-mistakes") == 0)
				is_uint(d.errors, 3, "three mistakes are "
				    "three errors");
			break;
		}
		for (j = 0; j < d.n; j++)
			if (strcmp(d.v[j].file, yaml) != 0) {
				ok(false, "%s: diagnostic names file %s, want "
				    "%s", name, d.v[j].file, yaml);
				break;
			}
		config_unref(c);
		diags_free(&d);
		free(yaml);
		free(expect);
	}
	ok(nbad >= 25, "corpus has %zu bad cases, want at least 25", nbad);
}

/* Every .yaml of t/conf is in the table above and has its .expect when
 * it should: a file added without a test entry would pass unseen. */
static void
test_orphans(void)
{
	char	*dir = path_of("t/conf");
	DIR	*dp = opendir(dir);
	struct dirent *de;
	size_t	i, seen = 0;

	if (dp == NULL) {
		ok(false, "open %s: %s", dir, strerror(errno));
		free(dir);
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		char	base[256];
		size_t	len = strlen(de->d_name);
		const char *ext = strrchr(de->d_name, '.');

		if (de->d_name[0] == '.' || ext == NULL)
			continue;
		if (strcmp(ext, ".yaml") != 0 && strcmp(ext, ".expect") != 0) {
			ok(false, "t/conf/%s: neither .yaml nor .expect",
			    de->d_name);
			continue;
		}
		snprintf(base, sizeof(base), "%.*s",
		    (int)(len - strlen(ext)), de->d_name);
		for (i = 0; i < NCORPUS; i++)
			if (strcmp(corpus[i].name, base) == 0)
				break;
		if (i == NCORPUS)
			ok(false, "t/conf/%s is in no test case", de->d_name);
		else if (strcmp(ext, ".expect") == 0 && corpus[i].kind == GOOD)
			ok(false, "t/conf/%s: a good case has no .expect",
			    de->d_name);
		seen++;
	}
	closedir(dp);
	/* good: 1 file; warn and bad: 2 files. */
	for (i = 0; i < NCORPUS; i++)
		seen -= corpus[i].kind == GOOD ? 1 : 2;
	is_int((long long)seen, 0, "t/conf holds exactly the files of the "
	    "corpus table");
	free(dir);
}

static bool
cidr_is(const struct cidr *c, const char *text)
{
	struct cidr want;
	const char *why;

	return cidr_parse(text, &want, &why) && want.prefix == c->prefix &&
	    memcmp(want.addr, c->addr, 16) == 0;
}

/* The 1-based number of the first line of path that is text, 0 when
 * none is, so that a check of recorded lines survives edits above. */
static unsigned
line_of(const char *path, const char *text)
{
	FILE	*fp = fopen(path, "r");
	char	buf[1024];
	unsigned n = 0, found = 0;

	if (fp == NULL)
		return 0;
	while (found == 0 && fgets(buf, sizeof(buf), fp) != NULL) {
		n++;
		buf[strcspn(buf, "\n")] = '\0';
		if (strcmp(buf, text) == 0)
			found = n;
	}
	fclose(fp);
	return found;
}

static void
test_example(void)
{
	char	*path = path_of("conf/gatewarden.yaml.example");
	struct diags d = { 0 };
	struct config *c = config_load(path, &d);
	const struct sender_group *g;
	const struct sending_profile *p;
	const struct destination *bank, *partner;
	unsigned partners_line = line_of(path, "  - name: partners");
	size_t	i;

	for (i = 0; i < d.n; i++)
		diag("example:%u:%u: %s", d.v[i].line, d.v[i].col,
		    d.v[i].msg);
	ok(c != NULL && d.errors == 0 && d.warnings == 0,
	    "the example loads: got %u error(s), %u warning(s), want 0, 0",
	    d.errors, d.warnings);
	diags_free(&d);
	free(path);
	if (c == NULL)
		return;

	is_string(c->milter.socket,
	    "unix:/var/spool/postfix/gatewarden/gatewarden.sock", "socket");
	is_uint(c->milter.socket_mode, 0660, "socket_mode");
	is_string(c->milter.user, "gatewarden", "user");
	is_uint(c->milter.memory_limit_per_message, 8u << 20,
	    "memory_limit_per_message 8MiB");
	is_int(c->milter.on_internal_error, IERR_TEMPFAIL, "on_internal_error");
	is_uint(c->milter.timeout, 60, "milter timeout 60s");
	is_string(c->milter.authserv_id, "mx.example.com", "authserv_id");
	is_uint(c->milter.max_header_fields, 1000, "max_header_fields");
	is_int(c->log.facility, LOG_MAIL, "facility mail");
	is_int(c->log.level, LOG_LEVEL_INFO, "level info");
	is_uint(c->alerts.nrecipients, 2, "two alert recipients");
	is_uint(c->alerts.rate_limit, 3600, "rate_limit 1h");
	is_string(c->trust.custom_ca_file, "/etc/gatewarden/custom-cas.pem",
	    "custom_ca_file");
	is_uint(c->dns.nstub_zones, 1, "one stub zone");
	if (c->dns.nstub_zones == 1) {
		is_string(c->dns.stub_zones[0].name, "lab.example.com.",
		    "stub zone name");
		is_uint(c->dns.stub_zones[0].naddresses, 2,
		    "stub zone addresses");
	}

	is_uint(c->ngroups, 4, "four sender groups");
	g = config_group(c, "partners");
	ok(g != NULL, "group partners found");
	if (g) {
		is_int(g->tls, TLS_REQUIRED, "partners: tls required");
		is_int(g->client_cert, CCERT_REQUIRED,
		    "partners: client_cert required");
		is_uint(g->min_cipher_bits, 128, "partners: min_cipher_bits");
		is_int(g->min_tls_version, TLSV_1_2, "partners: TLSv1.2");
		is_string(g->cert_subject, "*.partner.test",
		    "partners: cert_subject");
		is_uint(g->match.nclient_ip, 2, "partners: two client_ip");
		ok(g->match.nclient_ip == 2 &&
		    cidr_is(&g->match.client_ip[0], "192.0.2.0/24") &&
		    cidr_is(&g->match.client_ip[1], "2001:db8:100::/48"),
		    "partners: client_ip blocks parsed");
		ok(g->match.nclient_hostname == 1 &&
		    g->match.client_hostname[0].suffix &&
		    strcmp(g->match.client_hostname[0].name,
		    "partner.test") == 0,
		    "partners: .partner.test is a suffix without its dot");
		ok(partners_line > 0 && g->line == partners_line,
		    "partners: line recorded (got %u, want %u)", g->line,
		    partners_line);
	}
	g = config_group(c, "internal");
	ok(g && g->direction == DIR_OUTBOUND && g->tls == TLS_PREFERRED &&
	    g->match.authenticated && g->match.nclient_ip == 3,
	    "internal: outbound, preferred, authenticated, three blocks");
	g = config_group(c, "submission");
	ok(g && g->direction == DIR_OUTBOUND && g->tls == TLS_REQUIRED &&
	    g->match.nlistener == 2 && g->match.listener[0].name &&
	    strcmp(g->match.listener[0].name, "submission") == 0 &&
	    strcmp(g->match.listener[1].name, "smtps") == 0,
	    "submission: outbound, tls required, two listener names");
	ok(c->ngroups == 4 && c->groups[3].match.any &&
	    strcmp(c->groups[3].name, "internet") == 0,
	    "the last group is the catch-all internet");

	is_int(c->destinations.def.tls, DTLS_PREFERRED, "default tls");
	is_int(c->destinations.def.dane, DANE_OPPORTUNISTIC, "default dane");
	is_uint(c->destinations.ndomains, 2, "two destination domains");
	bank = c->destinations.ndomains == 2 ? &c->destinations.domains[0] :
	    NULL;
	partner = bank ? &c->destinations.domains[1] : NULL;
	ok(bank && strcmp(bank->domain, "bank.test") == 0 &&
	    !bank->subdomains && bank->tls == DTLS_REQUIRED &&
	    bank->dane == DANE_MANDATORY && bank->min_tls_version == TLSV_1_2 &&
	    bank->ciphers && strcmp(bank->ciphers, "high") == 0 &&
	    bank->alert_on_failure, "bank.test: required, mandatory DANE");
	ok(partner && strcmp(partner->domain, "partner.test") == 0 &&
	    partner->subdomains && partner->tls == DTLS_REQUIRED_VERIFY &&
	    partner->dane == DANE_OPPORTUNISTIC,
	    ".partner.test: subdomains, required-verify, dane from default");

	is_string(c->smime.keystore, "/var/lib/gatewarden/keystore.db",
	    "keystore");
	is_uint(c->smime.keystore_max_size, 512ULL << 20,
	    "keystore_max_size 512MiB");
	is_uint(c->smime.ncertificates, 2, "two certificates");
	ok(config_certificate(c, "legal") &&
	    config_certificate(c, "legal")->pkcs12 &&
	    config_certificate(c, "legal")->certificate == NULL,
	    "certificate legal is a PKCS#12 file");
	p = config_profile(c, "partner-secure");
	ok(p && p->mode == SMIME_SIGN_ENCRYPT &&
	    p->sign_mode == SIGN_DETACHED &&
	    p->missing_key == MISSING_SPLIT && p->cipher == CIPHER_AES256_CBC &&
	    p->digest == DIGEST_SHA256 && p->include_chain &&
	    strcmp(p->signing_certificate, "org") == 0 &&
	    strcmp(p->encrypt_to_self, "org") == 0,
	    "profile partner-secure parsed");
	is_uint(c->smime.nrules, 2, "two sending rules");
	if (c->smime.nrules == 2) {
		const struct sending_rule *r = &c->smime.rules[0];

		ok(r->nsender_groups == 1 &&
		    strcmp(r->sender_groups[0], "internal") == 0 &&
		    r->nrecipient_domains == 2 &&
		    !r->recipient_domains[0].suffix &&
		    r->recipient_domains[1].suffix && r->nheaders == 1 &&
		    strcmp(r->headers[0].contains, "Confidential") == 0 &&
		    r->max_size == 50ULL << 20 &&
		    strcmp(r->profile, "partner-secure") == 0 &&
		    !r->require_sender_login,
		    "rule confidential-to-partner parsed");
		r = &c->smime.rules[1];
		ok(r->nsenders == 1 && r->require_sender_login,
		    "rule legal-signs-everything requires the sender login");
	}
	ok(c->smime.sender_login_map == NULL &&
	    c->smime.sender_login_mismatch == LOGIN_MISMATCH_REJECT,
	    "no sender login map; mismatch: reject");
	is_string(c->smime.reinjection.smtp, "127.0.0.1:10026",
	    "reinjection smtp");
	{
		const struct inbound_policy *ip =
		    config_inbound_policy(c, "partner-mail");

		ok(ip != NULL && ip->on_failure == INFAIL_QUARANTINE &&
		    ip->signature == SIGKEEP_RETAIN && ip->quarantine_dir &&
		    ip->max_size == 32ULL << 20 && ip->cpu_limit == 10 &&
		    ip->harvest.churn_window == 48 * 3600,
		    "inbound policy partner-mail parsed");
		is_string(config_group(c, "partners")->smime_inbound,
		    "partner-mail", "group partners names its inbound policy");
		ok(config_group(c, "internet")->smime_inbound == NULL,
		    "group internet leaves S/MIME alone");
	}
	ok(config_group(c, "nobody") == NULL &&
	    config_profile(c, "nobody") == NULL &&
	    config_certificate(c, "nobody") == NULL &&
	    config_inbound_policy(c, "nobody") == NULL,
	    "look-ups of unknown names give NULL");
	config_unref(c);
}

/* metrics.listen as written. */
static void
test_metrics_section(void)
{
	char	*path = path_of("t/conf/good-metrics.yaml");
	struct diags d = { 0 };
	struct config *c = config_load(path, &d);

	free(path);
	diags_free(&d);
	if (!ok(c != NULL, "good-metrics loads"))
		return;
	is_string(c->metrics.listen, "[::1]:9155", "metrics.listen");
	config_unref(c);
}

/* Header protection: the defaults (RFC 9788's fields, hcp_baseline)
 * and written lists. */
static void
test_header_protection(void)
{
	char	*path = path_of("t/conf/good-header-protection.yaml");
	struct diags d = { 0 };
	struct config *c = config_load(path, &d);
	const struct sending_profile *p;
	const struct inbound_policy *ip;

	free(path);
	diags_free(&d);
	if (!ok(c != NULL, "good-header-protection loads"))
		return;
	p = config_profile(c, "off");
	ok(p && p->header_protection == HP_OFF && p->nprotected_fields == 0,
	    "header_protection: off by default, no lists");
	p = config_profile(c, "signed");
	ok(p && p->header_protection == HP_SIGN && p->nprotected_fields == 12 &&
	    strcmp(p->protected_fields[0], "From") == 0 &&
	    p->nobscured_fields == 0, "sign: the 12 default fields, nothing "
	    "obscured");
	p = config_profile(c, "hidden");
	ok(p && p->nobscured_fields == 3 &&
	    strcmp(p->obscured_fields[0].name, "Subject") == 0 &&
	    strcmp(p->obscured_fields[0].value, "[...]") == 0 &&
	    p->obscured_fields[1].value == NULL &&
	    p->obscured_fields[2].value == NULL && p->legacy_display,
	    "encrypt: hcp_baseline (Subject [...], Keywords and Comments "
	    "removed), a legacy display");
	p = config_profile(c, "own-lists");
	ok(p && p->nprotected_fields == 5 && p->nobscured_fields == 2 &&
	    strcmp(p->obscured_fields[0].value, "(encrypted message)") == 0 &&
	    strcmp(p->obscured_fields[1].name, "X-Priority") == 0 &&
	    p->obscured_fields[1].value == NULL && !p->legacy_display,
	    "lists as written, legacy_display false");
	ip = &c->smime.inbound_policies[0];
	ok(c->smime.ninbound_policies == 2 &&
	    ip->header_protection == HPR_RESTORE &&
	    ip->header_mismatch == HPM_FAIL &&
	    ip[1].header_protection == HPR_IGNORE &&
	    ip[1].header_mismatch == HPM_REPORT,
	    "inbound: restore and report by default, as written otherwise");
	config_unref(c);
}

/* A file that sets almost nothing gets the documented defaults. */
static void
test_defaults(void)
{
	char	*path = path_of("t/conf/good-minimal.yaml");
	struct diags d = { 0 };
	struct config *c = config_load(path, &d);

	free(path);
	ok(c != NULL, "good-minimal loads");
	diags_free(&d);
	if (c == NULL)
		return;
	is_string(c->milter.socket, "inet:10025@127.0.0.1", "socket as set");
	is_uint(c->milter.socket_mode, 0660, "default socket_mode");
	ok(c->milter.user == NULL && c->milter.group == NULL &&
	    c->milter.pid_file == NULL, "user, group, pid_file default NULL");
	is_string(c->milter.spool_dir, LOCALSTATEDIR "/spool/gatewarden",
	    "default spool_dir");
	is_uint(c->milter.memory_limit_per_message, 8u << 20,
	    "default memory limit");
	is_int(c->milter.on_internal_error, IERR_TEMPFAIL,
	    "default on_internal_error");
	is_uint(c->milter.timeout, 60, "default milter timeout");
	ok(c->milter.authserv_id && c->milter.authserv_id[0],
	    "default authserv_id is the host name (%s)",
	    c->milter.authserv_id ? c->milter.authserv_id : "NULL");
	ok(c->milter.tls_header, "default tls_header true");
	is_uint(c->milter.max_header_fields, 1000,
	    "default max_header_fields 1000");
	is_int(c->log.facility, LOG_MAIL, "default facility");
	is_int(c->log.level, LOG_LEVEL_INFO, "default level");
	is_string(c->alerts.sendmail_command, "/usr/sbin/sendmail",
	    "default sendmail_command");
	is_uint(c->alerts.rate_limit, 3600, "default rate_limit");
	ok(c->trust.system_cas, "default system_cas");
	is_string(c->trust.system_ca_file, "/etc/ssl/certs/ca-certificates.crt",
	    "default system_ca_file");
	is_int(c->dns.mode, DNS_FORWARD, "default dns mode");
	ok(c->dns.forwarders == NULL && c->dns.nforwarders == 0,
	    "default forwarders none");
	is_string(c->dns.resolv_conf, "/etc/resolv.conf",
	    "default resolv_conf");
	is_string(c->dns.trust_anchor_file, "/usr/share/dns/root.key",
	    "default trust_anchor_file");
	is_uint(c->dns.timeout, 10, "default dns timeout");
	is_uint(c->dns.cache_max_ttl, 3600, "default cache_max_ttl");
	ok(c->metrics.listen == NULL, "no metrics server by default");
	is_uint(c->ngroups, 1, "one implicit group");
	ok(c->ngroups == 1 && strcmp(c->groups[0].name, "default") == 0 &&
	    c->groups[0].match.any && c->groups[0].direction == DIR_INBOUND &&
	    c->groups[0].tls == TLS_NO && c->groups[0].on_failure ==
	    ONFAIL_REJECT, "implicit group: default, any, inbound, tls no");
	is_int(c->destinations.def.tls, DTLS_PREFERRED, "default dest tls");
	is_int(c->destinations.def.dane, DANE_NONE, "default dest dane");
	is_string(c->smime.keystore,
	    LOCALSTATEDIR "/lib/gatewarden/keystore.db", "default keystore");
	is_uint(c->smime.keystore_max_size, 512ULL << 20,
	    "default keystore_max_size");
	is_string(c->smime.private_dir, SYSCONFDIR "/gatewarden/private",
	    "default private_dir");
	is_string(c->smime.reinjection.sendmail_command, "/usr/sbin/sendmail",
	    "reinjection sendmail_command defaults to the alerts one");
	ok(c->smime.ninbound_policies == 0 &&
	    c->groups[0].smime_inbound == NULL,
	    "no inbound policy: incoming S/MIME is left alone");
	config_unref(c);
}

/* The other spellings: scalars for lists, YAML octal, yes/no, case. */
static void
test_forms(void)
{
	char	*path = path_of("t/conf/good-forms.yaml");
	struct diags d = { 0 };
	struct config *c = config_load(path, &d);
	const struct sender_group *g;

	free(path);
	ok(c != NULL, "good-forms loads");
	diags_free(&d);
	if (c == NULL)
		return;
	is_string(c->milter.socket, "inet6:10025@::1", "inet6 socket");
	is_uint(c->milter.socket_mode, 0640, "socket_mode 0640 as a YAML int");
	ok(!c->milter.tls_header, "tls_header: no");
	is_uint(c->milter.timeout, 90, "timeout 1m30s");
	is_uint(c->milter.memory_limit_per_message, 20000000, "20 MB");
	is_uint(c->milter.max_header_fields, 5000, "max_header_fields 5000");
	ok(c->alerts.nrecipients == 1 &&
	    strcmp(c->alerts.recipients[0], "postmaster@Example.COM") == 0,
	    "one recipient written as a scalar, kept as written");
	ok(c->dns.nforwarders == 1 &&
	    strcmp(c->dns.forwarders[0], "192.0.2.1@5353") == 0,
	    "one forwarder written as a scalar");
	g = config_group(c, "Partners");
	ok(g && config_group(c, "partners") != g,
	    "group names are case-sensitive");
	ok(g && g->match.nclient_hostname == 1 &&
	    strcmp(g->match.client_hostname[0].name, "mta.partner.test") == 0 &&
	    !g->match.client_hostname[0].suffix,
	    "host name lower-cased, final dot dropped");
	ok(g && g->match.nsender_domain == 1 &&
	    strcmp(g->match.sender_domain[0].name, "partner.test") == 0 &&
	    g->match.sender_domain[0].suffix,
	    "sender domain .Partner.Test: suffix partner.test");
	ok(g && g->match.nclient_ip == 1 && g->match.client_ip[0].prefix == 128,
	    "[2001:db8::1] is one address");
	ok(g && g->tls == TLS_REQUIRED, "quoted word \"required\"");
	ok(c->ngroups == 2 && c->groups[1].match.any, "any: yes");
	is_int(c->destinations.def.tls, DTLS_NO, "default tls \"no\"");
	ok(c->destinations.ndomains == 2 &&
	    c->destinations.domains[0].subdomains &&
	    strcmp(c->destinations.domains[0].domain, "partner.test") == 0 &&
	    c->destinations.domains[0].tls == DTLS_NO,
	    "an empty domain entry takes the default");
	ok(c->smime.nrules == 2 && c->smime.rules[0].nsender_groups == 0 &&
	    c->smime.rules[0].nheaders == 0 && c->smime.rules[0].name == NULL,
	    "match: any gives a rule without conditions");
	ok(c->smime.nrules == 2 && c->smime.rules[1].nsenders == 1 &&
	    strcmp(c->smime.rules[1].senders[0].name,
	    "CEO@example.com") == 0 && c->smime.rules[1].nheaders == 1 &&
	    c->smime.rules[1].headers[0].contains == NULL &&
	    c->smime.rules[1].min_size == 1024,
	    "sender keeps its local part, header without contains");
	ok(c->smime.nprofiles == 1 &&
	    c->smime.profiles[0].cipher == CIPHER_AES256_GCM &&
	    c->smime.profiles[0].key_transport == KT_OAEP &&
	    c->smime.profiles[0].signing_certificate == NULL,
	    "encrypt profile with gcm and oaep");
	{
		const struct inbound_policy *ip = c->smime.inbound_policies;

		ok(c->smime.ninbound_policies == 1 && ip->decrypt &&
		    ip->verify && ip->signature == SIGKEEP_RETAIN &&
		    ip->on_failure == INFAIL_QUARANTINE &&
		    ip->max_size == 32ULL << 20 && ip->cpu_limit == 10,
		    "inbound policy defaults: decrypt, verify, retain");
		ok(ip->harvest.enabled && !ip->harvest.allow_expired &&
		    !ip->harvest.allow_self_signed &&
		    !ip->harvest.on_failed_verification &&
		    ip->harvest.updated_keys,
		    "default harvest settings");
		is_uint(ip->harvest.churn_window, 2 * 86400, "churn_window 2d");
		is_string(config_group(c, "partners")->smime_inbound,
		    "partners", "catch-all group names the policy");
	}
	config_unref(c);
}

static char *
write_tmp(const char *name, const char *data, size_t len)
{
	size_t	n = strlen(tmpdir) + strlen(name) + 2;
	char	*path = malloc(n);
	FILE	*fp;

	if (path == NULL)
		bail("out of memory");
	snprintf(path, n, "%s/%s", tmpdir, name);
	fp = fopen(path, "wb");
	if (fp == NULL || fwrite(data, 1, len, fp) != len || fclose(fp) != 0)
		bail("cannot write %s: %s", path, strerror(errno));
	return path;
}

/* Loads data written to a file; checks the first diagnostic. */
static void
check_generated(const char *name, const char *data, size_t len,
    bool loads, unsigned nerrors, const char *first)
{
	char	*path = write_tmp(name, data, len);
	struct diags d = { 0 };
	struct config *c = config_load(path, &d);
	char	got[2048] = "(none)";

	if (d.n > 0)
		diag_line(&d.v[0], got, sizeof(got));
	ok((c != NULL) == loads && d.errors == nerrors &&
	    (first == NULL ? d.n == 0 : strcmp(got, first) == 0),
	    "%s: got %s, %u error(s), first \"%s\"; want %s, %u, \"%s\"",
	    name, c ? "loaded" : "refused", d.errors, got,
	    loads ? "loaded" : "refused", nerrors, first ? first : "(none)");
	config_unref(c);
	diags_free(&d);
	unlink(path);
	free(path);
}

static void
test_generated(void)
{
	static const char nul[] = "milter:\n  user: gate\0warden\n";
	static const char latin1[] = "milter:\n  user: \xe9t\xe9\n";
	static const char overlong[] = "log: {}\n# \xc0\xaf\n";
	static const char ctrl[] = "log:\n  level: info\x01\n";
	static const char crlf[] = "\xef\xbb\xbfmilter:\r\n  user: gw\r\n"
	    "  timeout: 5x\r\n";
	static const char nel[] = "log:\n  level: \xc2\x85x\n";
	static const char ls[] = "log: {level: \xe2\x80\xa8info}\n";
	static const char fffe[] = "log:\n  level: a\xef\xbf\xbe\n";
	static const char bom[] = "\xef\xbb\xbfmilter: 5\n";
	static const char bomctrl[] = "\xef\xbb\xbfmilter: \x01\n";
	static const char utf8[] = "# gr\xc3\xbc\xc3\x9f\xe2\x82\xac\n"
	    "milter: { user: \"j\xc3\xb6rg\", timeout: 5x }\n";
	const char *tmp = getenv("TMPDIR");
	char	*big, *many, first[128];
	size_t	i, n;

	snprintf(tmpdir, sizeof(tmpdir), "%s/test_conf.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		bail("mkdtemp %s: %s", tmpdir, strerror(errno));

	check_generated("nul.yaml", nul, sizeof(nul) - 1, false, 1,
	    "2:13: NUL byte in the file");
	check_generated("latin1.yaml", latin1, sizeof(latin1) - 1, false, 1,
	    "2:9: not valid UTF-8 (byte 0xe9): the file must be UTF-8 text");
	check_generated("overlong.yaml", overlong, sizeof(overlong) - 1, false,
	    1, "2:3: not valid UTF-8 (byte 0xc0): the file must be UTF-8 "
	    "text");
	check_generated("ctrl.yaml", ctrl, sizeof(ctrl) - 1, false, 1,
	    "2:14: control character U+0001 in the file");
	/* Positions count characters, as libyaml does, and CRLF is one
	 * line break. */
	check_generated("crlf.yaml", crlf, sizeof(crlf) - 1, false, 1,
	    "3:12: bad duration \"5x\" for timeout: unknown duration unit "
	    "(use s, m, h, d or w)");
	check_generated("nel.yaml", nel, sizeof(nel) - 1, false, 1,
	    "2:10: line separator U+0085 in the file (use a plain newline)");
	check_generated("ls.yaml", ls, sizeof(ls) - 1, false, 1,
	    "1:14: line separator U+2028 in the file (use a plain newline)");
	/* A non-character left to libyaml's reader: its byte offset is
	 * turned into a position. */
	check_generated("fffe.yaml", fffe, sizeof(fffe) - 1, false, 1,
	    "2:11: cannot read the file: control characters are not allowed");
	/* A byte order mark is no column, for libyaml and for the check of
	 * the bytes alike. */
	check_generated("bom.yaml", bom, sizeof(bom) - 1, false, 1,
	    "1:9: milter must be a mapping, not a scalar");
	check_generated("bomctrl.yaml", bomctrl, sizeof(bomctrl) - 1, false, 1,
	    "1:9: control character U+0001 in the file");
	check_generated("utf8.yaml", utf8, sizeof(utf8) - 1, false, 1,
	    "2:34: bad duration \"5x\" for timeout: unknown duration unit "
	    "(use s, m, h, d or w)");

	/* Larger than 4 MiB: refused before parsing. */
	n = (4u << 20) + 16;
	big = malloc(n);
	if (big == NULL)
		bail("out of memory");
	memset(big, '#', n);
	big[n - 1] = '\n';
	check_generated("big.yaml", big, n, false, 1,
	    "0:0: the file is larger than 4 MiB");
	/* Exactly 4 MiB of comments is within the bound: then it is empty. */
	check_generated("fourmib.yaml", big, 4u << 20, false, 1,
	    "1:1: the file is empty");
	free(big);

	/* One list longer than the bound. */
	n = 32 + 10001 * 16;	/* "  - 1.2.40.249\n" is 15 */
	many = malloc(n);
	if (many == NULL)
		bail("out of memory");
	i = (size_t)snprintf(many, n, "dns:\n  forwarders:\n");
	for (unsigned k = 0; k < 10001; k++)
		i += (size_t)snprintf(many + i, n - i, "  - 1.2.%u.%u\n",
		    k / 250, k % 250);
	check_generated("many.yaml", many, i, false, 1,
	    "10003:5: too many items in one sequence (at most 10000)");
	free(many);

	/* More values in all than the bound: "x:" then 11 lines of
	 * "  - [1,1,...]" with 10000 items each. The root, "x" and the outer
	 * sequence are nodes 1 to 3, each line 10001 more; node 100001 is
	 * item 9988 of the tenth line (file line 11), at column
	 * 6 + 2 * 9987. */
	n = 8 + 11 * (6 + 2 * 10000);
	many = malloc(n);
	if (many == NULL)
		bail("out of memory");
	i = (size_t)snprintf(many, n, "x:\n");
	for (unsigned k = 0; k < 11; k++) {
		i += (size_t)snprintf(many + i, n - i, "  - [");
		for (unsigned j = 0; j < 10000; j++)
			i += (size_t)snprintf(many + i, n - i, "1%s",
			    j < 9999 ? "," : "]\n");
	}
	snprintf(first, sizeof(first), "11:%u: more than 100000 values in "
	    "the file", 6 + 2 * 9987);
	check_generated("nodes.yaml", many, i, false, 1, first);
	free(many);

}

/* The single-value checks behind the messages, one table for all. */
/* The configuration naming a map file, both written to tmpdir. */
static struct config *
load_with_map(const char *map, size_t maplen, const char *extra,
    struct diags *d, char **mappath, char **confpath)
{
	char	*yaml;

	*mappath = write_tmp("logins.map", map, maplen);
	yaml = x_asprintf("sender_groups:\n"
	    "  - { name: internal, match: { authenticated: true }, "
	    "direction: outbound }\n"
	    "  - { name: internet, match: any }\n"
	    "smime:\n"
	    "  sender_login_map: %s\n"
	    "%s"
	    "  certificates:\n"
	    "    - { name: org, certificate: /x/org.pem, key: /x/org.key }\n"
	    "  sending_profiles:\n"
	    "    - { name: sign, mode: sign, signing_certificate: org }\n"
	    "    - { name: enc, mode: encrypt }\n"
	    "  sending_rules:\n"
	    "    - { name: legal, match: { sender: legal@example.com }, "
	    "profile: sign }\n"
	    "    - { name: domain, match: { sender_domain: example.org }, "
	    "profile: sign }\n"
	    "    - { name: ceo-enc, match: { sender: ceo@example.com }, "
	    "profile: enc }\n"
	    "    - { name: partner, match: { recipient_domain: partner.test }, "
	    "profile: sign }\n"
	    "    - { name: relay, match: { sender: app@example.com }, "
	    "profile: sign, require_sender_login: false }\n"
	    "    - { name: strict, match: { recipient_domain: bank.test }, "
	    "profile: enc, require_sender_login: true }\n",
	    *mappath, extra);
	*confpath = write_tmp("logins.yaml", yaml, strlen(yaml));
	free(yaml);
	return config_load(*confpath, d);
}

/* The sender login map: read with the configuration, every problem at
 * its own FILE:LINE:COLUMN, and the rules' defaults. */
static void
test_logins(void)
{
	static const char good[] = "# who may send as whom\n"
	    "Legal@Example.com  alice, bob\r\n"
	    "    carol,dave\n"
	    "\n"
	    "@example.org\tpostmaster\n";
	static const char bad[] = "  early\n"
	    "# comment\n"
	    "legal@example.com alice, bob\n"
	    "not-an-address alice\n"
	    "@bad..domain x\n"
	    "nologin@example.com\n"
	    "dup@example.com a\n"
	    "Dup@Example.com b\n"
	    "x@example.com #comment\n"
	    "ctl@example.com a\001b\n";
	static const char nul[] = "a@example.com x\0y\n";
	struct diags d = { 0 };
	struct config *c;
	char	*map, *conf, want[1024], got[1024];
	const char *expect[10];
	size_t	i, n = 0;

	c = load_with_map(good, sizeof(good) - 1,
	    "  sender_login_mismatch: skip\n", &d, &map, &conf);
	ok(c != NULL && d.n == 0, "a good map loads");
	for (i = 0; i < d.n; i++)
		diag("%s:%u:%u: %s", d.v[i].file, d.v[i].line, d.v[i].col,
		    d.v[i].msg);
	if (c != NULL) {
		const struct smime_conf *sc = &c->smime;

		ok(sc->nsender_logins == 2 &&
		    strcmp(sc->sender_logins[0].address, "@example.org") == 0 &&
		    strcmp(sc->sender_logins[1].address,
		    "legal@example.com") == 0, "two entries, lower-cased, "
		    "sorted");
		ok(sc->nsender_logins == 2 &&
		    sc->sender_logins[1].nlogins == 4 &&
		    strcmp(sc->sender_logins[1].logins[2], "carol") == 0 &&
		    strcmp(sc->sender_logins[1].logins[3], "dave") == 0 &&
		    sc->sender_logins[1].line == 2, "a continuation line adds "
		    "logins; CRLF is a line end");
		is_int(sc->sender_login_mismatch, LOGIN_MISMATCH_SKIP,
		    "sender_login_mismatch: skip");
		ok(sc->nrules == 6 && sc->rules[0].require_sender_login &&
		    sc->rules[1].require_sender_login &&
		    !sc->rules[2].require_sender_login &&
		    !sc->rules[3].require_sender_login &&
		    !sc->rules[4].require_sender_login &&
		    sc->rules[5].require_sender_login, "require_sender_login: "
		    "by default for rules that sign for senders or sender "
		    "domains, not for encryption or recipient rules; as written "
		    "otherwise");
	}
	config_unref(c);
	diags_free(&d);
	unlink(map);
	unlink(conf);
	free(map);
	free(conf);

	c = load_with_map(bad, sizeof(bad) - 1,
	    "  sender_login_mismatch: maybe\n", &d, &map, &conf);
	expect[n++] = "6:26: unknown value \"maybe\" for "
	    "sender_login_mismatch (use reject or skip)";
	expect[n++] = "1:3: a line that starts with white space goes on with "
	    "the entry above, and there is none";
	expect[n++] = "4:1: bad sender \"not-an-address\": write local@domain "
	    "(write user@domain or @domain)";
	expect[n++] = "5:1: bad sender \"@bad..domain\": empty label (two "
	    "dots, or a dot at the start) (write user@domain or @domain)";
	expect[n++] = "6:1: sender \"nologin@example.com\" has no login";
	expect[n++] = "8:1: duplicate sender \"dup@example.com\" (first at "
	    "line 7)";
	expect[n++] = "9:15: comments start at the beginning of a line";
	expect[n++] = "10:18: a login holds a control character";
	ok(c == NULL && d.errors == n, "a bad map: the configuration is "
	    "refused, %zu errors (got %u)", n, d.errors);
	for (i = 0; i < n && i < d.n; i++) {
		diag_line(&d.v[i], got, sizeof(got));
		snprintf(want, sizeof(want), "%s", expect[i]);
		is_string(got, want, "bad map: diagnostic %zu", i + 1);
		is_string(d.v[i].file, i == 0 ? conf : map,
		    "bad map: diagnostic %zu names its file", i + 1);
	}
	config_unref(c);
	diags_free(&d);
	unlink(map);
	unlink(conf);
	free(map);
	free(conf);

	c = load_with_map(nul, sizeof(nul) - 1, "", &d, &map, &conf);
	ok(c == NULL && d.n == 1 && strcmp(d.v[0].msg, "the file holds a NUL "
	    "byte: not a text file") == 0, "a map with a NUL byte is refused");
	config_unref(c);
	diags_free(&d);
	unlink(map);
	c = config_load(conf, &d);
	snprintf(want, sizeof(want), "cannot read sender_login_map %s: No "
	    "such file or directory", map);
	ok(c == NULL && d.n == 1 && d.v[0].line == 5 && d.v[0].col == 21 &&
	    strcmp(d.v[0].msg, want) == 0 && strcmp(d.v[0].file, conf) == 0,
	    "a missing map: 5:21 of the configuration says so");
	config_unref(c);
	diags_free(&d);
	unlink(conf);
	free(map);
	free(conf);
}

static void
test_checks(void)
{
	static const struct {
		const char *kind;
		bool	(*fn)(const char *, const char **);
		const char *in;
		bool	good;
	} cases[] = {
		{ "socket", check_socket, "unix:/run/gw.sock", true },
		{ "socket", check_socket, "inet:10025@127.0.0.1", true },
		{ "socket", check_socket, "inet:1@localhost", true },
		{ "socket", check_socket, "inet:65535@localhost", true },
		{ "socket", check_socket, "inet6:10025@[::1]", true },
		{ "socket", check_socket, "inet:0@localhost", false },
		{ "socket", check_socket, "inet:65536@localhost", false },
		{ "socket", check_socket, "inet:99999999999999999999@h", false },
		{ "socket", check_socket, "inet:25x@localhost", false },
		{ "socket", check_socket, "inet:10025@", false },
		{ "socket", check_socket, "inet:10025", false },
		{ "socket", check_socket, "inet:@localhost", false },
		{ "socket", check_socket, "unix:gw.sock", false },
		{ "socket", check_socket, "unix:", false },
		{ "socket", check_socket, "local:/run/gw.sock", false },
		{ "socket", check_socket, "10025@localhost", false },
		{ "socket", check_socket, "", false },
		{ "domain", check_domain, "example.com", true },
		{ "domain", check_domain, "a-b_c.example", true },
		{ "domain", check_domain, "localhost", true },
		{ "domain", check_domain, "", false },
		{ "domain", check_domain, ".example.com", false },
		{ "domain", check_domain, "example..com", false },
		{ "domain", check_domain, "example.com.", false },
		{ "domain", check_domain, "exa mple.com", false },
		{ "domain", check_domain, "*.example.com", false },
		{ "domain", check_domain,
		    "a234567890123456789012345678901234567890123456789012345678901234"
		    ".com", false },
		{ "address", check_address, "postmaster@example.com", true },
		{ "address", check_address, "\"odd\"@example.com", true },
		{ "address", check_address, "postmaster", false },
		{ "address", check_address, "@example.com", false },
		{ "address", check_address, "postmaster@", false },
		{ "address", check_address, "post master@example.com", false },
		{ "address", check_address, "<pm@example.com>", false },
		{ "host:port", check_addr_port, "127.0.0.1:10026", true },
		{ "host:port", check_addr_port, "relay.example.com:25", false },
		{ "host:port", check_addr_port, "localhost:10026", false },
		{ "host:port", check_addr_port, "127.1:25", false },
		{ "host:port", check_addr_port, "[::1]:10026", true },
		{ "host:port", check_addr_port, "127.0.0.1", false },
		{ "host:port", check_addr_port, ":25", false },
		{ "host:port", check_addr_port, "::1:25", false },
		{ "host:port", check_addr_port, "[::1]", false },
		{ "host:port", check_addr_port, "[nohost]:25", false },
		{ "host:port", check_addr_port, "127.0.0.1:0", false },
		{ "host:port", check_addr_port, "a b:25", false },
		{ "ip@port", check_ip_port, "127.0.0.1", true },
		{ "ip@port", check_ip_port, "127.0.0.1@5353", true },
		{ "ip@port", check_ip_port, "2001:db8::53@53", true },
		{ "ip@port", check_ip_port, "resolver.example.com", false },
		{ "ip@port", check_ip_port, "127.0.0.1@", false },
		{ "ip@port", check_ip_port, "@53", false },
		{ "path", check_abs_path, "/etc/gatewarden", true },
		{ "path", check_abs_path, "etc/gatewarden", false },
		{ "header", check_header_name, "X-Classification", true },
		{ "header", check_header_name, "Subject:", false },
		{ "header", check_header_name, "Sub ject", false },
		{ "header", check_header_name, "", false },
	};
	static const struct {
		const char *in;
		bool	dn;
	} dns[] = {
		{ "/C=DE/O=Partner/CN=mta.partner.test", true },
		{ "CN=mta.partner.test,O=Partner", true },
		{ "CN=x, O=y", true },
		{ "mta.partner.test", false },
		{ "*.partner.test", false },
		{ "Partner CA, Inc.", false },
		{ "a/b", false },
		{ "CN=only", false },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;
		bool	got = cases[i].fn(cases[i].in, &why);

		ok(got == cases[i].good && (got || why != NULL),
		    "%s \"%s\": got %s, want %s%s%s", cases[i].kind,
		    cases[i].in, got ? "good" : "bad",
		    cases[i].good ? "good" : "bad", why ? ": " : "",
		    why ? why : "");
	}
	for (i = 0; i < sizeof(dns) / sizeof(dns[0]); i++)
		ok(check_is_dn(dns[i].in) == dns[i].dn, "\"%s\" %s a DN",
		    dns[i].in, dns[i].dn ? "is" : "is not");
}

/* xorshift64: a fixed sequence, so a failure can be replayed. */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

static char *
read_all(const char *path, size_t *len)
{
	FILE	*fp = fopen(path, "rb");
	char	*buf;
	long	n;

	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0)
		bail("cannot read %s", path);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, fp) != (size_t)n)
		bail("cannot read %s", path);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* The example damaged at random a few thousand times: every load must
 * end (under the sanitizers: cleanly), fail exactly when it reports an
 * error, and put every diagnostic at a place inside the file. */
static void
test_mutations(void)
{
	static const char *const bits[] = {
		"&a ", "*a", "- ", ": ", "{", "}", "[", "]", "\n", "  ", "\"",
		"'", "any", "~", "!!str ", ".", "@", "/", "-1", "\t", "#", "?",
		"|", ">", "\xc3", "%", "\\x00", "name: x\n", "match: any\n",
	};
	char	*path = path_of("conf/gatewarden.yaml.example");
	size_t	len, i, k, j, loaded = 0, refused = 0, bad = 0;
	char	*orig = read_all(path, &len), *buf;
	uint64_t rnd = 0x9e3779b97f4a7c15ULL;

	free(path);
	buf = malloc(len + 4096);
	if (buf == NULL)
		bail("out of memory");
	for (i = 0; i < 2000; i++) {
		struct diags d = { 0 };
		struct config *c;
		size_t	n = len, lines = 1;
		char	name[64], *file;

		memcpy(buf, orig, len);
		for (k = 1 + next_random(&rnd) % 4; k > 0; k--) {
			size_t	at = next_random(&rnd) % n;
			const char *ins = bits[next_random(&rnd) %
			    (sizeof(bits) / sizeof(bits[0]))];
			size_t	il = strlen(ins), cut;

			switch (next_random(&rnd) % 3) {
			case 0:		/* cut a few bytes */
				cut = 1 + next_random(&rnd) % 16;
				if (cut > n - at)
					cut = n - at;
				memmove(buf + at, buf + at + cut, n - at - cut);
				n -= cut;
				break;
			case 1:		/* insert a piece of YAML */
				if (n + il > len + 4000)
					break;
				memmove(buf + at + il, buf + at, n - at);
				memcpy(buf + at, ins, il);
				n += il;
				break;
			default:	/* one random byte */
				buf[at] = (char)(next_random(&rnd) & 0xff);
				break;
			}
			if (n == 0)
				break;
		}
		/* Line breaks as YAML counts them: LF, CRLF, a lone CR. */
		for (j = 0; j < n; j++)
			if (buf[j] == '\n' || (buf[j] == '\r' &&
			    (j + 1 == n || buf[j + 1] != '\n')))
				lines++;
		snprintf(name, sizeof(name), "mutant-%zu.yaml", i);
		file = write_tmp(name, buf, n);
		c = config_load(file, &d);
		if ((c != NULL) != (d.errors == 0)) {
			if (bad++ == 0)
				diag("mutant %zu: %s with %u error(s)", i,
				    c ? "loaded" : "refused", d.errors);
		}
		for (j = 0; j < d.n; j++)
			if (d.v[j].line > lines + 1 || (d.v[j].line > 0 &&
			    d.v[j].col == 0) || d.v[j].msg[0] == '\0') {
				if (bad++ == 0)
					diag("mutant %zu: diagnostic at %u:%u "
					    "in a file of %zu lines: %s", i,
					    d.v[j].line, d.v[j].col, lines,
					    d.v[j].msg);
			}
		if (c)
			loaded++;
		else
			refused++;
		config_unref(c);
		diags_free(&d);
		unlink(file);
		free(file);
	}
	ok(bad == 0, "2000 damaged examples: %zu loaded, %zu refused, %zu "
	    "inconsistent", loaded, refused, bad);
	free(buf);
	free(orig);
}

static void
test_missing_file(void)
{
	struct diags d = { 0 };
	struct config *c = config_load("/nonexistent/gatewarden.yaml", &d);

	ok(c == NULL && d.errors == 1 && d.n == 1 && d.v[0].line == 0 &&
	    strncmp(d.v[0].msg, "cannot open: ", 13) == 0,
	    "a missing file is one error without a position (%s)",
	    d.n ? d.v[0].msg : "none");
	diags_free(&d);
	c = config_load(srcdir, &d);
	ok(c == NULL && d.errors == 1 && d.n == 1 &&
	    strcmp(d.v[0].msg, "not a regular file") == 0,
	    "a directory is refused (%s)", d.n ? d.v[0].msg : "none");
	diags_free(&d);
}

static void
test_refcount(void)
{
	char	*path = path_of("t/conf/good-minimal.yaml");
	struct diags d = { 0 };
	struct config *c = config_load(path, &d);

	free(path);
	diags_free(&d);
	if (c == NULL) {
		ok(false, "good-minimal loads for the refcount test");
		return;
	}
	is_uint(c->refs, 1, "a loaded config has one reference");
	ok(config_ref(c) == c, "config_ref returns its argument");
	config_ref(c);
	is_uint(c->refs, 3, "two more references");
	config_unref(c);
	config_unref(c);
	is_uint(c->refs, 1, "two references dropped");
	/* The last one frees it; LSan and valgrind check nothing is left. */
	config_unref(c);
	config_unref(NULL);
	ok(config_ref(NULL) == NULL, "config_ref(NULL) is NULL");
}

static void
test_diags_print(void)
{
	struct diags d = { 0 };
	FILE	*fp = tmpfile();
	char	buf[512];
	size_t	n;

	if (fp == NULL)
		bail("tmpfile: %s", strerror(errno));
	diags_add(&d, DIAG_ERROR, "f.yaml", 3, 7, "bad %s", "thing");
	diags_add(&d, DIAG_WARNING, "f.yaml", 4, 1, "odd");
	diags_add(&d, DIAG_ERROR, "f.yaml", 0, 0, "cannot open");
	is_uint(d.errors, 2, "two errors counted");
	is_uint(d.warnings, 1, "one warning counted");
	diags_print(&d, fp);
	rewind(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	is_string(buf, "f.yaml:3:7: bad thing\nf.yaml:4:1: warning: odd\n"
	    "f.yaml: cannot open\n", "diags_print format");
	diags_free(&d);
	ok(d.n == 0 && d.errors == 0 && d.v == NULL, "diags_free empties");
	diags_add(&d, DIAG_ERROR, "g", 1, 1, "again");
	ok(d.n == 1, "diags reusable after diags_free");
	diags_free(&d);
	diags_free(NULL);
}

/* Each spelling of a listener becomes the pattern it says. */
static void
test_listeners(void)
{
	static const struct {
		const char *name, *addr;
		unsigned port;
	} want[] = {
		{ "smtps", NULL, 0 }, { NULL, NULL, 465 },
		{ NULL, "192.0.2.25", 587 }, { NULL, "2001:db8::25", 465 },
		{ NULL, "10.0.0.0/8", 0 }, { NULL, "2001:db8::1", 0 },
		{ NULL, "2001:db8:1::/48", 0 },
	};
	char	*path = path_of("t/conf/good-listener.yaml");
	struct diags d = { 0 };
	struct config *c = config_load(path, &d);
	const struct sender_group *g;
	size_t	i;

	free(path);
	diags_free(&d);
	g = c ? config_group(c, "submissions") : NULL;
	ok(g && g->match.nlistener == 7, "seven listeners read");
	for (i = 0; g && i < g->match.nlistener && i < 7; i++) {
		const struct listener_pattern *p = &g->match.listener[i];

		ok((p->name == NULL) == (want[i].name == NULL) &&
		    (p->name == NULL || strcmp(p->name, want[i].name) == 0) &&
		    p->have_addr == (want[i].addr != NULL) &&
		    (!p->have_addr || cidr_is(&p->addr, want[i].addr)) &&
		    p->port == want[i].port, "listener %zu: name %s, address "
		    "%s, port %u", i + 1, want[i].name ? want[i].name : "-",
		    want[i].addr ? want[i].addr : "-", want[i].port);
	}
	g = c ? config_group(c, "relays") : NULL;
	ok(g && g->match.nclient_cert_subject == 2 &&
	    strcmp(g->match.client_cert_subject[0], "relay*.corp.test") == 0 &&
	    g->match.nlistener == 1 &&
	    strcmp(g->match.listener[0].name, "ORIGINATING") == 0 &&
	    g->direction == DIR_OUTBOUND && !g->allow_forgeable_match,
	    "relays: two certificate patterns, a listener name as written, "
	    "outbound");
	config_unref(c);
}

int
main(void)
{
	srcdir = getenv("top_srcdir");
	if (srcdir == NULL || *srcdir == '\0')
		srcdir = ".";
	plan_lazy();
	test_example();
	test_defaults();
	test_metrics_section();
	test_header_protection();
	test_forms();
	test_listeners();
	test_corpus();
	test_orphans();
	test_generated();
	test_logins();
	test_mutations();
	if (rmdir(tmpdir) != 0)
		diag("rmdir %s: %s", tmpdir, strerror(errno));
	test_checks();
	test_missing_file();
	test_refcount();
	test_diags_print();
	return done_testing();
}
