/*
 * test_dane_maps - the translation table, the DANE decision of each entry
 * and the files written for Postfix and Sendmail, over canned DNS.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/words.h"
#include "dane/plan.h"
#include "dane/policy_table.h"
#include "dane/postfix_maps.h"
#include "dane/sendmail_maps.h"
#include "lib/xalloc.h"
#include "t/dane_fakedns.h"
#include "t/tap.h"

#define SEC	DNS_SEC_SECURE
#define INSEC	DNS_SEC_INSECURE
#define BOGUS	DNS_SEC_BOGUS
#define FAIL	DNS_SEC_FAILED
#define DATA	DNS_KIND_DATA
#define NODATA	DNS_KIND_NODATA
#define H32 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct fake_rr zone[] = {
	{ "all.test", DNS_T_MX, SEC, DATA, NULL,
	  { "10 mx1.all.test", "20 mx2.all.test" }, 0 },
	{ "mx1.all.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.1" }, 0 },
	{ "mx2.all.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.2" }, 0 },
	{ "_25._tcp.mx1.all.test", DNS_T_TLSA, SEC, DATA, NULL,
	  { "3 1 1 " H32 }, 0 },
	{ "_25._tcp.mx2.all.test", DNS_T_TLSA, SEC, DATA, NULL,
	  { "2 0 1 " H32 }, 0 },
	{ "mixed.test", DNS_T_MX, SEC, DATA, NULL,
	  { "10 mx1.all.test", "20 mx.none.test" }, 0 },
	{ "none.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.none.test" }, 0 },
	{ "mx.none.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.3" }, 0 },
	{ "unsigned.test", DNS_T_MX, INSEC, DATA, NULL,
	  { "10 mx.unsigned.test" }, 0 },
	{ "mx.unsigned.test", DNS_T_A, INSEC, DATA, NULL, { "127.0.0.4" }, 0 },
	{ "bogus.test", DNS_T_MX, BOGUS, DATA, NULL, { "10 mx1.all.test" }, 0 },
	{ "insmx.test", DNS_T_MX, INSEC, DATA, NULL, { "10 mx1.all.test" }, 0 },
	{ "sf.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.sf.test" }, 0 },
	{ "mx.sf.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.5" }, 0 },
	{ "_25._tcp.mx.sf.test", DNS_T_TLSA, FAIL, DATA, NULL, { NULL }, 0 },
	/* primary without TLSA, backup with usable TLSA */
	{ "backup.test", DNS_T_MX, SEC, DATA, NULL,
	  { "10 mx.none.test", "20 mx1.all.test" }, 0 },
	/* secure TLSA RRsets of unusable records only: usages 0 and 1; an
	 * unknown usage, matching type and selector */
	{ "unusable.test", DNS_T_MX, SEC, DATA, NULL,
	  { "10 mx.unusable.test", "20 mx.unknown.test" }, 0 },
	{ "mx.unusable.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.6" }, 0 },
	{ "_25._tcp.mx.unusable.test", DNS_T_TLSA, SEC, DATA, NULL,
	  { "0 0 1 " H32, "1 1 1 " H32 }, 0 },
	{ "unknown.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.unknown.test" }, 0 },
	{ "mx.unknown.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.7" }, 0 },
	{ "_25._tcp.mx.unknown.test", DNS_T_TLSA, SEC, DATA, NULL,
	  { "4 1 1 " H32, "3 1 3 " H32, "3 2 1 " H32 }, 0 },
	/* usable and unusable; unusable and none */
	{ "usex.test", DNS_T_MX, SEC, DATA, NULL,
	  { "10 mx1.all.test", "20 mx.unusable.test" }, 0 },
	{ "xnone.test", DNS_T_MX, SEC, DATA, NULL,
	  { "10 mx.none.test", "20 mx.unusable.test" }, 0 },
	/* a usable host and a bogus one */
	{ "bogushost.test", DNS_T_MX, SEC, DATA, NULL,
	  { "10 mx1.all.test", "20 mx.bogus.test" }, 0 },
	{ "mx.bogus.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.8" }, 0 },
	{ "_25._tcp.mx.bogus.test", DNS_T_TLSA, BOGUS, DATA, NULL,
	  { "3 1 1 " H32 }, 0 },
	{ NULL, 0, 0, 0, NULL, { NULL }, 0 },
};

static struct destination
dest(const char *domain, enum dest_tls tls, enum dane_mode dane)
{
	struct destination d;

	memset(&d, 0, sizeof(d));
	d.domain = (char *)domain;
	d.tls = tls;
	d.dane = dane;
	return d;
}

/* Every level, and what DANE makes of it: the Postfix value; the
 * protocols and ciphers are kept at every level but none. */
static void
test_levels(void)
{
	static const struct {
		enum dest_tls tls;
		enum tls_version minv;
		const char *ciphers, *tafile;
		const char *want;
		enum dane_level level;
	} t[] = {
		{ DTLS_REQUIRED, TLSV_1_2, "high", NULL,
		  "dane-only protocols=>=TLSv1.2 ciphers=high", DANE_LEVEL_ONLY },
		{ DTLS_REQUIRED_VERIFY, TLSV_1_3, NULL, "/etc/ca.pem",
		  "dane-only protocols=>=TLSv1.3", DANE_LEVEL_ONLY },
		{ DTLS_PREFERRED, TLSV_ANY, "medium", NULL,
		  "dane ciphers=medium", DANE_LEVEL_PER_HOST },
		{ DTLS_PREFERRED, TLSV_1_2, "high", NULL,
		  "dane protocols=>=TLSv1.2 ciphers=high", DANE_LEVEL_PER_HOST },
		{ DTLS_PREFERRED, TLSV_1_2, NULL, NULL,
		  "encrypt protocols=>=TLSv1.2", DANE_LEVEL_ENCRYPT },
		{ DTLS_NO, TLSV_1_2, "high", NULL,
		  "encrypt protocols=>=TLSv1.2 ciphers=high", DANE_LEVEL_ENCRYPT },
		{ DTLS_NO, TLSV_ANY, NULL, NULL, "dane-only", DANE_LEVEL_ONLY },
		{ DTLS_NO, TLSV_1_2, "high", NULL, "none", DANE_LEVEL_OWN },
		{ DTLS_PREFERRED, TLSV_ANY, NULL, NULL, "may", DANE_LEVEL_OWN },
		{ DTLS_PREFERRED, TLSV_1_2, NULL, NULL,
		  "may protocols=>=TLSv1.2", DANE_LEVEL_OWN },
		{ DTLS_REQUIRED, TLSV_ANY, NULL, NULL, "encrypt", DANE_LEVEL_OWN },
		{ DTLS_REQUIRED, TLSV_1_2, "high", NULL,
		  "encrypt protocols=>=TLSv1.2 ciphers=high", DANE_LEVEL_OWN },
		{ DTLS_PREFERRED_VERIFY, TLSV_ANY, NULL, "/etc/ca.pem", "may",
		  DANE_LEVEL_OWN },
		{ DTLS_REQUIRED_VERIFY, TLSV_ANY, NULL, NULL,
		  "verify match=hostname:nexthop:dot-nexthop", DANE_LEVEL_OWN },
		{ DTLS_REQUIRED_VERIFY, TLSV_1_3, NULL, "/etc/ca.pem",
		  "verify match=hostname:nexthop:dot-nexthop tafile=/etc/ca.pem "
		  "protocols=>=TLSv1.3", DANE_LEVEL_OWN },
		{ DTLS_REQUIRED_VERIFY_HOSTED, TLSV_ANY, "medium", NULL,
		  "secure match=nexthop:dot-nexthop ciphers=medium",
		  DANE_LEVEL_OWN },
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct destination d = dest("x.test", t[i].tls, DANE_NONE);
		const char *why = NULL;
		char	*v;

		d.min_tls_version = t[i].minv;
		d.ciphers = (char *)t[i].ciphers;
		d.tafile = (char *)t[i].tafile;
		v = policy_postfix_value(&d, t[i].level, &why);
		is_string(v, t[i].want, "level %s, DANE level %d",
		    word_name(words_dest_tls, t[i].tls), (int)t[i].level);
		free(v);
	}
	{
		struct destination d = dest("x.test", DTLS_REQUIRED, DANE_NONE);
		const char *why = NULL;
		char	*v;

		d.ciphers = "ECDHE-RSA-AES256-GCM-SHA384:HIGH";
		v = policy_postfix_value(&d, DANE_LEVEL_OWN, &why);
		ok(v == NULL && why != NULL, "a cipher list is refused (%s)",
		    why ? why : "no reason");
		free(v);
		d.ciphers = NULL;
		d.tafile = "/etc/my ca.pem";
		d.tls = DTLS_REQUIRED_VERIFY;
		v = policy_postfix_value(&d, DANE_LEVEL_OWN, &why);
		ok(v == NULL, "a tafile with a space is refused");
		free(v);
	}
}

#define NLEVELS	6	/* enum dest_tls, in its order */
#define VER	"verify match=hostname:nexthop:dot-nexthop"
#define SECURE	"secure match=nexthop:dot-nexthop"
#define ENCR	"TLS_Rcpt:ENCR:128"
#define SMV	"TLS_Rcpt:VERIFY:128"
#define SMH	"TLS_Rcpt:VERIFY:128+CN:"

/*
 * The DANE decision for every TLS level and DANE mode over every kind of
 * answer (the canned zone): the Postfix policy and the Sendmail entry,
 * columns in the order no, preferred, required, preferred-verify,
 * required-verify, required-verify-hosted. "dane" and "dane-only" go
 * through the DNSSEC transport, nothing else does. Never weaker than
 * RFC 7672 asks (usable TLSA: DANE; TLSA, none usable: encrypt) nor than
 * the entry's own level.
 */
static const struct {
	const char *domain;
	enum dane_mode dane;
	bool	subdomains;
	const char *postfix[NLEVELS];
	const char *sendmail[NLEVELS];	/* "KEY:VALUE", NULL = no entry */
	bool	unservable, temporary;
} matrix[] = {
	/* no DANE: no look-up, the level as it is */
	{ "all.test", DANE_NONE, false,
	  { "none", "may", "encrypt", "may", VER, SECURE },
	  { "Try_TLS:NO", NULL, ENCR, NULL, SMV, SMH }, false, false },
	/* opportunistic: every MX host usable */
	{ "all.test", DANE_OPPORTUNISTIC, false,
	  { "dane-only", "dane-only", "dane-only", "dane-only", "dane-only",
	    "dane-only" },
	  { ENCR, ENCR, ENCR, ENCR, SMV, SMH }, false, false },
	/* primary without TLSA, backup usable: per host below required;
	 * required and more cannot fall back to may */
	{ "backup.test", DANE_OPPORTUNISTIC, false,
	  { "dane", "dane", "dane-only", "dane", "dane-only", "dane-only" },
	  { ENCR, ENCR, ENCR, ENCR, SMV, SMH }, false, false },
	{ "mixed.test", DANE_OPPORTUNISTIC, false,
	  { "dane", "dane", "dane-only", "dane", "dane-only", "dane-only" },
	  { ENCR, ENCR, ENCR, ENCR, SMV, SMH }, false, false },
	{ "usex.test", DANE_OPPORTUNISTIC, false,
	  { "dane", "dane", "dane-only", "dane", "dane-only", "dane-only" },
	  { ENCR, ENCR, ENCR, ENCR, SMV, SMH }, false, false },
	/* secure TLSA, none usable: TLS mandatory, unauthenticated */
	{ "unusable.test", DANE_OPPORTUNISTIC, false,
	  { "encrypt", "encrypt", "encrypt", "encrypt", VER, SECURE },
	  { ENCR, ENCR, ENCR, ENCR, SMV, SMH }, false, false },
	{ "unknown.test", DANE_OPPORTUNISTIC, false,
	  { "encrypt", "encrypt", "encrypt", "encrypt", VER, SECURE },
	  { ENCR, ENCR, ENCR, ENCR, SMV, SMH }, false, false },
	/* unusable and none: per host below required */
	{ "xnone.test", DANE_OPPORTUNISTIC, false,
	  { "dane", "dane", "encrypt", "dane", VER, SECURE },
	  { ENCR, ENCR, ENCR, ENCR, SMV, SMH }, false, false },
	/* no TLSA, no host, an insecure MX RRset: the level */
	{ "none.test", DANE_OPPORTUNISTIC, false,
	  { "none", "may", "encrypt", "may", VER, SECURE },
	  { "Try_TLS:NO", NULL, ENCR, NULL, SMV, SMH }, false, false },
	{ "nosuch.test", DANE_OPPORTUNISTIC, false,
	  { "none", "may", "encrypt", "may", VER, SECURE },
	  { "Try_TLS:NO", NULL, ENCR, NULL, SMV, SMH }, false, false },
	{ "insmx.test", DANE_OPPORTUNISTIC, false,
	  { "none", "may", "encrypt", "may", VER, SECURE },
	  { "Try_TLS:NO", NULL, ENCR, NULL, SMV, SMH }, false, false },
	{ "unsigned.test", DANE_OPPORTUNISTIC, false,
	  { "none", "may", "encrypt", "may", VER, SECURE },
	  { "Try_TLS:NO", NULL, ENCR, NULL, SMV, SMH }, false, false },
	/* bogus: deferred, never downgraded */
	{ "bogus.test", DANE_OPPORTUNISTIC, false,
	  { "dane-only", "dane-only", "dane-only", "dane-only", "dane-only",
	    "dane-only" },
	  { ENCR, ENCR, ENCR, ENCR, SMV, SMH }, true, false },
	{ "bogushost.test", DANE_OPPORTUNISTIC, false,
	  { "dane-only", "dane-only", "dane-only", "dane-only", "dane-only",
	    "dane-only" },
	  { ENCR, ENCR, ENCR, ENCR, SMV, SMH }, true, false },
	/* a failed look-up: temporary (the previous files stay) */
	{ "sf.test", DANE_OPPORTUNISTIC, false,
	  { "none", "may", "encrypt", "may", VER, SECURE },
	  { "Try_TLS:NO", NULL, ENCR, NULL, SMV, SMH }, false, true },
	/* not looked up: Postfix's dane where it never weakens the level */
	{ "sub.test", DANE_OPPORTUNISTIC, true,
	  { "none", "dane", "encrypt", "dane", VER, SECURE },
	  { "Try_TLS:NO", NULL, ENCR, NULL, SMV, SMH }, false, false },
	/* mandatory: dane-only whatever DNS says; servable only with a
	 * secure MX RRset and some usable TLSA */
	{ "all.test", DANE_MANDATORY, false,
	  { "dane-only", "dane-only", "dane-only", "dane-only", "dane-only",
	    "dane-only" },
	  { ENCR, ENCR, ENCR, ENCR, SMV, SMH }, false, false },
	{ "backup.test", DANE_MANDATORY, false,
	  { "dane-only", "dane-only", "dane-only", "dane-only", "dane-only",
	    "dane-only" },
	  { ENCR, ENCR, ENCR, ENCR, SMV, SMH }, false, false },
	{ "unusable.test", DANE_MANDATORY, false,
	  { "dane-only", "dane-only", "dane-only", "dane-only", "dane-only",
	    "dane-only" },
	  { ENCR, ENCR, ENCR, ENCR, SMV, SMH }, true, false },
	{ "none.test", DANE_MANDATORY, false,
	  { "dane-only", "dane-only", "dane-only", "dane-only", "dane-only",
	    "dane-only" },
	  { ENCR, ENCR, ENCR, ENCR, SMV, SMH }, true, false },
	{ "insmx.test", DANE_MANDATORY, false,
	  { "dane-only", "dane-only", "dane-only", "dane-only", "dane-only",
	    "dane-only" },
	  { ENCR, ENCR, ENCR, ENCR, SMV, SMH }, true, false },
	{ "bogus.test", DANE_MANDATORY, false,
	  { "dane-only", "dane-only", "dane-only", "dane-only", "dane-only",
	    "dane-only" },
	  { ENCR, ENCR, ENCR, ENCR, SMV, SMH }, true, false },
	{ "sf.test", DANE_MANDATORY, false,
	  { "dane-only", "dane-only", "dane-only", "dane-only", "dane-only",
	    "dane-only" },
	  { ENCR, ENCR, ENCR, ENCR, SMV, SMH }, true, false },
	{ "sub.test", DANE_MANDATORY, true,
	  { "dane-only", "dane-only", "dane-only", "dane-only", "dane-only",
	    "dane-only" },
	  { ENCR, ENCR, ENCR, ENCR, SMV, SMH }, false, false },
};

static const char *const mode_name[] = { "none", "opportunistic",
    "mandatory" };

/* The Sendmail entry of e as "KEY:VALUE" (without the domain after
 * CN:), NULL when none. */
static char *
sendmail_entry(const struct plan_entry *e)
{
	const char *key, *why;
	char	*v = plan_sendmail_value(e, NULL, &key, &why), *out, *cn;

	if (v == NULL)
		return NULL;
	if ((cn = strstr(v, "+CN:")) != NULL)
		cn[4] = '\0';
	out = x_asprintf("%s:%s", key, v);
	free(v);
	return out;
}

static void
test_decisions(void)
{
	struct fakedns f = { zone, 0 };
	struct dns_source src = fakedns_source(&f);
	size_t	i;
	int	tls;

	for (i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
		for (tls = 0; tls < NLEVELS; tls++) {
			struct destinations_conf dc;
			struct destination d = dest(matrix[i].domain, tls,
			    matrix[i].dane);
			struct plan *p;
			const struct plan_entry *e;
			char	*sm;
			bool	via;

			d.subdomains = matrix[i].subdomains;
			memset(&dc, 0, sizeof(dc));
			dc.domains = &d;
			dc.ndomains = 1;
			p = plan_build(&dc, &src, NULL);
			e = &p->v[0];
			is_string(e->postfix, matrix[i].postfix[tls],
			    "%s tls %s dane %s: policy (%s)", e->key,
			    word_name(words_dest_tls, tls),
			    mode_name[matrix[i].dane], e->reason);
			via = strncmp(matrix[i].postfix[tls], "dane", 4) == 0;
			ok(e->transport == via &&
			    e->unservable == matrix[i].unservable &&
			    e->temporary == matrix[i].temporary &&
			    p->unservable == matrix[i].unservable &&
			    p->temporary == matrix[i].temporary,
			    "%s tls %s dane %s: transport %d unservable %d "
			    "temporary %d", e->key,
			    word_name(words_dest_tls, tls),
			    mode_name[matrix[i].dane], e->transport,
			    e->unservable, e->temporary);
			sm = sendmail_entry(e);
			is_string(sm, matrix[i].sendmail[tls],
			    "%s tls %s dane %s: Sendmail", e->key,
			    word_name(words_dest_tls, tls),
			    mode_name[matrix[i].dane]);
			free(sm);
			plan_free(p);
		}
	}
}

static char *
capture(int (*fn)(FILE *, const void *), const void *arg)
{
	char	*buf = NULL;
	size_t	len = 0;
	FILE	*fp = open_memstream(&buf, &len);

	if (fp == NULL)
		bail("open_memstream failed");
	if (fn(fp, arg) != 0)
		diag("writer reported an error");
	fclose(fp);
	return buf;
}

/* Drops comment lines, so the tests compare the entries. */
static char *
entries(char *s)
{
	char	*out = calloc(1, strlen(s) + 1), *line, *save = NULL;

	for (line = strtok_r(s, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		strcat(out, line);
		strcat(out, "\n");
	}
	free(s);
	return out;
}

static int w_policy(FILE *fp, const void *p) { return pf_write_tls_policy(fp, p); }
static int w_transport(FILE *fp, const void *p) { return pf_write_transport(fp, p); }
static int w_access(FILE *fp, const void *p) { return sm_write_access(fp, p); }

static void
test_files(void)
{
	struct destination d[] = {
		dest("all.test", DTLS_REQUIRED, DANE_OPPORTUNISTIC),
		dest("none.test", DTLS_REQUIRED_VERIFY, DANE_OPPORTUNISTIC),
		dest("bank.test", DTLS_PREFERRED, DANE_MANDATORY),
		dest("partner.test", DTLS_REQUIRED_VERIFY_HOSTED, DANE_NONE),
		dest("plain.test", DTLS_NO, DANE_NONE),
		dest("sub.test", DTLS_REQUIRED, DANE_NONE),
	};
	struct destinations_conf dc;
	struct fakedns f = { zone, 0 };
	struct dns_source src = fakedns_source(&f);
	struct plan *p;
	char	*s;

	d[5].subdomains = true;
	memset(&dc, 0, sizeof(dc));
	dc.def = dest(NULL, DTLS_PREFERRED, DANE_OPPORTUNISTIC);
	dc.domains = d;
	dc.ndomains = sizeof(d) / sizeof(d[0]);
	p = plan_build(&dc, &src, NULL);
	s = entries(capture(w_policy, p));
	is_string(s,
	    "all.test\tdane-only\n"
	    "none.test\tverify match=hostname:nexthop:dot-nexthop\n"
	    "bank.test\tdane-only\n"
	    "partner.test\tsecure match=nexthop:dot-nexthop\n"
	    "plain.test\tnone\n"
	    ".sub.test\tencrypt\n", "tls_policy");
	free(s);
	s = entries(capture(w_transport, p));
	is_string(s, "all.test\tgatewarden-dane:\nbank.test\tgatewarden-dane:\n",
	    "transport");
	free(s);
	s = entries(capture(w_access, p));
	is_string(s,
	    "TLS_Rcpt:all.test\tENCR:128\n"
	    "TLS_Rcpt:none.test\tVERIFY:128\n"
	    "TLS_Rcpt:bank.test\tENCR:128\n"
	    "TLS_Rcpt:partner.test\tVERIFY:128+CN:partner.test\n"
	    "Try_TLS:plain.test\tNO\n"
	    "TLS_Rcpt:.sub.test\tENCR:128\n", "access.tls");
	free(s);
	plan_free(p);
}

static void
test_groups(void)
{
	struct cidr c[4];
	struct name_pattern np[2] = { { "corp.test", false },
	    { "sub.corp.test", true } };
	struct sender_group g[4];
	const char *why;
	char	*buf = NULL;
	size_t	len = 0;
	FILE	*fp;

	memset(g, 0, sizeof(g));
	cidr_parse("10.1.0.0/16", &c[0], &why);
	cidr_parse("10.0.0.0/8", &c[1], &why);
	cidr_parse("2001:db8::/32", &c[2], &why);
	cidr_parse("192.0.2.7", &c[3], &why);
	g[0].name = "partners";
	g[0].tls = TLS_REQUIRED;
	g[0].match.client_ip = &c[0];
	g[0].match.nclient_ip = 1;
	g[1].name = "legacy";
	g[1].tls = TLS_NO;
	g[1].match.client_ip = &c[1];
	g[1].match.nclient_ip = 3;
	g[2].name = "outbound";
	g[2].direction = DIR_OUTBOUND;
	g[2].tls = TLS_REQUIRED;
	g[2].match.sender_domain = np;
	g[2].match.nsender_domain = 2;
	g[3].name = "rest";
	g[3].match.any = true;
	g[3].tls = TLS_PREFERRED;

	fp = open_memstream(&buf, &len);
	pf_write_starttls_discard(fp, g, 4);
	fclose(fp);
	buf = entries(buf);
	is_string(buf, "10.1.0.0/16\tsilent-discard\n10.0.0.0/8\tstarttls\n"
	    "2001:db8::/32\tstarttls\n192.0.2.7/32\tstarttls\n",
	    "starttls_discard keeps an earlier TLS group out");
	free(buf);
	buf = NULL;
	fp = open_memstream(&buf, &len);
	pf_write_sender_transport(fp, g, 4);
	fclose(fp);
	buf = entries(buf);
	is_string(buf, "@corp.test\tgatewarden-tls-required:\n",
	    "sender_transport: outbound required group, exact domains");
	free(buf);
}

static void
test_snippets(void)
{
	static const struct {
		enum dest_tls tls;
		enum dane_mode dane;
		const char *want[3];
	} t[] = {
		{ DTLS_PREFERRED, DANE_OPPORTUNISTIC,
		  { "smtp_tls_security_level = dane\n",
		    "smtp_dns_support_level = dnssec\n", NULL } },
		{ DTLS_REQUIRED, DANE_OPPORTUNISTIC,
		  { "smtp_tls_security_level = encrypt\n", NULL, NULL } },
		{ DTLS_PREFERRED, DANE_MANDATORY,
		  { "smtp_tls_security_level = dane-only\n",
		    "smtp_dns_support_level = dnssec\n", NULL } },
		{ DTLS_REQUIRED_VERIFY, DANE_NONE,
		  { "smtp_tls_security_level = verify\n",
		    "smtp_tls_verify_cert_match = hostname, nexthop, dot-nexthop\n",
		    "smtp_tls_policy_maps = hash:/etc/gw/tls_policy\n" } },
	};
	size_t	i, j;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct destinations_conf dc;
		struct trust_conf tc = { .system_cas = true,
		    .system_ca_file = "/etc/ssl/certs/ca.crt" };
		char	*buf = NULL;
		size_t	len = 0;
		FILE	*fp = open_memstream(&buf, &len);

		memset(&dc, 0, sizeof(dc));
		dc.def = dest(NULL, t[i].tls, t[i].dane);
		pf_write_main_cf(fp, &dc, &tc, "/etc/gw");
		fclose(fp);
		for (j = 0; j < 3 && t[i].want[j]; j++)
			ok(strstr(buf, t[i].want[j]) != NULL,
			    "main.cf.snippet %zu has %.*s", i,
			    (int)strlen(t[i].want[j]) - 1, t[i].want[j]);
		if (t[i].dane == DANE_NONE ||
		    (t[i].dane == DANE_OPPORTUNISTIC && t[i].tls != DTLS_PREFERRED))
			ok(strstr(buf, "smtp_dns_support_level") == NULL,
			    "main.cf.snippet %zu leaves the DNS level alone", i);
		free(buf);
	}
	{
		char	*buf = NULL;
		size_t	len = 0;
		FILE	*fp = open_memstream(&buf, &len);

		pf_write_master_cf(fp);
		fclose(fp);
		ok(strstr(buf, "gatewarden-dane unix - - n - - smtp\n"
		    "  -o smtp_dns_support_level=dnssec\n") != NULL,
		    "master.cf.snippet has the DNSSEC transport");
		free(buf);
	}
}

/*
 * The default entry is never looked up: for every level and DANE mode,
 * its smtp_tls_security_level and whether the DNS level turns DNSSEC on
 * (Postfix's dane needs it). Columns: dane none, opportunistic,
 * mandatory.
 */
static void
test_default_levels(void)
{
	static const char *const want[NLEVELS][3] = {
		{ "none", "none", "dane-only" },
		{ "may", "dane", "dane-only" },
		{ "encrypt", "encrypt", "dane-only" },
		{ "may", "dane", "dane-only" },
		{ "verify", "verify", "dane-only" },
		{ "secure", "secure", "dane-only" },
	};
	int	tls, mode;

	for (tls = 0; tls < NLEVELS; tls++) {
		for (mode = 0; mode < 3; mode++) {
			struct destinations_conf dc;
			char	*buf = NULL, *line;
			size_t	len = 0;
			FILE	*fp = open_memstream(&buf, &len);
			bool	dnssec;

			memset(&dc, 0, sizeof(dc));
			dc.def = dest(NULL, tls, mode);
			pf_write_main_cf(fp, &dc, NULL, "/etc/gw");
			fclose(fp);
			line = x_asprintf("\nsmtp_tls_security_level = %s\n",
			    want[tls][mode]);
			dnssec = strncmp(want[tls][mode], "dane", 4) == 0;
			ok(strstr(buf, line) != NULL &&
			    (strstr(buf, "\nsmtp_dns_support_level = dnssec\n")
			    != NULL) == dnssec,
			    "default tls %s dane %s: main.cf level %s%s",
			    word_name(words_dest_tls, tls), mode_name[mode],
			    want[tls][mode], dnssec ? " with DNSSEC" : "");
			free(line);
			free(buf);
		}
	}
}

/* Runs of spaces become one. */
static void
squeeze(char *s)
{
	char	*o = s;
	bool	space = false;

	for (; *s; s++) {
		if (*s != ' ' || !space)
			*o++ = *s;
		space = *s == ' ';
	}
	*o = '\0';
}

static void
test_print(void)
{
	char	*buf = NULL;
	size_t	len = 0;
	FILE	*fp = open_memstream(&buf, &len);
	const struct policy_row *r;

	policy_table_print(fp);
	fclose(fp);
	for (r = policy_rows; r->postfix; r++)
		ok(strstr(buf, r->postfix) != NULL,
		    "printed table shows %s", r->postfix);
	ok(strstr(buf, "required-verify-hosted") != NULL &&
	    strstr(buf, "secure match=nexthop:dot-nexthop") != NULL,
	    "printed table pairs required-verify-hosted with secure");
	squeeze(buf);
	ok(strstr(buf, "\nsome MX hosts have usable TLSA dane dane dane-only ")
	    != NULL,
	    "printed table: a mixed MX set is dane, dane-only when required");
	ok(strstr(buf, "\nevery MX host has TLSA, none usable encrypt encrypt "
	    "own ") != NULL, "printed table: unusable TLSA is encrypt");
	free(buf);
}

int
main(void)
{
	plan_lazy();
	test_levels();
	test_decisions();
	test_files();
	test_groups();
	test_snippets();
	test_default_levels();
	test_print();
	return done_testing();
}
