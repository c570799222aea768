/*
 * test_dane_maps - the translation table, the DANE decision of each entry
 * and the files written for Postfix and Sendmail, over canned DNS.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dane/plan.h"
#include "dane/policy_table.h"
#include "dane/postfix_maps.h"
#include "dane/sendmail_maps.h"
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

/* Every level, no DANE: the Postfix value, written and printed alike. */
static void
test_levels(void)
{
	static const struct {
		enum dest_tls tls;
		enum tls_version minv;
		const char *ciphers, *tafile;
		const char *want;
	} t[] = {
		{ DTLS_NO, TLSV_1_2, "high", NULL, "none" },
		{ DTLS_PREFERRED, TLSV_ANY, NULL, NULL, "may" },
		{ DTLS_PREFERRED, TLSV_1_2, NULL, NULL, "may protocols=>=TLSv1.2" },
		{ DTLS_REQUIRED, TLSV_ANY, NULL, NULL, "encrypt" },
		{ DTLS_REQUIRED, TLSV_1_2, "high", NULL,
		  "encrypt protocols=>=TLSv1.2 ciphers=high" },
		{ DTLS_PREFERRED_VERIFY, TLSV_ANY, NULL, "/etc/ca.pem", "may" },
		{ DTLS_REQUIRED_VERIFY, TLSV_ANY, NULL, NULL,
		  "verify match=hostname:nexthop:dot-nexthop" },
		{ DTLS_REQUIRED_VERIFY, TLSV_1_3, NULL, "/etc/ca.pem",
		  "verify match=hostname:nexthop:dot-nexthop tafile=/etc/ca.pem "
		  "protocols=>=TLSv1.3" },
		{ DTLS_REQUIRED_VERIFY_HOSTED, TLSV_ANY, "medium", NULL,
		  "secure match=nexthop:dot-nexthop ciphers=medium" },
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct destination d = dest("x.test", t[i].tls, DANE_NONE);
		const char *why = NULL;
		char	*v;

		d.min_tls_version = t[i].minv;
		d.ciphers = (char *)t[i].ciphers;
		d.tafile = (char *)t[i].tafile;
		v = policy_postfix_value(&d, false, &why);
		is_string(v, t[i].want, "level %d", (int)t[i].tls);
		free(v);
	}
	{
		struct destination d = dest("x.test", DTLS_REQUIRED, DANE_NONE);
		const char *why = NULL;
		char	*v;

		d.ciphers = "ECDHE-RSA-AES256-GCM-SHA384:HIGH";
		v = policy_postfix_value(&d, false, &why);
		ok(v == NULL && why != NULL, "a cipher list is refused (%s)",
		    why ? why : "no reason");
		free(v);
		d.ciphers = NULL;
		d.tafile = "/etc/my ca.pem";
		d.tls = DTLS_REQUIRED_VERIFY;
		v = policy_postfix_value(&d, false, &why);
		ok(v == NULL, "a tafile with a space is refused");
		free(v);
	}
}

/* The DANE decision over the canned zone. */
static void
test_decisions(void)
{
	static const struct {
		const char *domain;
		enum dest_tls tls;
		enum dane_mode dane;
		bool	subdomains;
		const char *want;
		bool	transport, unservable, temporary;
	} t[] = {
		{ "all.test", DTLS_REQUIRED, DANE_OPPORTUNISTIC, false,
		  "dane-only", true, false, false },
		{ "mixed.test", DTLS_REQUIRED, DANE_OPPORTUNISTIC, false,
		  "encrypt", false, false, false },
		{ "none.test", DTLS_PREFERRED, DANE_OPPORTUNISTIC, false,
		  "may", false, false, false },
		{ "unsigned.test", DTLS_REQUIRED_VERIFY, DANE_OPPORTUNISTIC,
		  false, "verify match=hostname:nexthop:dot-nexthop", false,
		  false, false },
		{ "bogus.test", DTLS_PREFERRED, DANE_OPPORTUNISTIC, false,
		  "dane-only", true, true, false },
		{ "sf.test", DTLS_PREFERRED, DANE_OPPORTUNISTIC, false,
		  "may", false, false, true },
		{ "nosuch.test", DTLS_PREFERRED, DANE_OPPORTUNISTIC, false,
		  "may", false, false, false },
		{ "all.test", DTLS_PREFERRED, DANE_MANDATORY, false,
		  "dane-only", true, false, false },
		{ "mixed.test", DTLS_PREFERRED, DANE_MANDATORY, false,
		  "dane-only", true, false, false },
		{ "none.test", DTLS_PREFERRED, DANE_MANDATORY, false,
		  "dane-only", true, true, false },
		{ "bogus.test", DTLS_PREFERRED, DANE_MANDATORY, false,
		  "dane-only", true, true, false },
		{ "sf.test", DTLS_REQUIRED, DANE_MANDATORY, false,
		  "dane-only", true, true, false },
		{ "insmx.test", DTLS_REQUIRED, DANE_OPPORTUNISTIC, false,
		  "encrypt", false, false, false },
		{ "insmx.test", DTLS_REQUIRED, DANE_MANDATORY, false,
		  "dane-only", true, true, false },
		{ "sub.test", DTLS_REQUIRED, DANE_OPPORTUNISTIC, true,
		  "encrypt", false, false, false },
		{ "sub.test", DTLS_REQUIRED, DANE_MANDATORY, true,
		  "dane-only", true, false, false },
	};
	struct fakedns f = { zone, 0 };
	struct dns_source src = fakedns_source(&f);
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct destinations_conf dc;
		struct destination d = dest(t[i].domain, t[i].tls, t[i].dane);
		struct plan *p;
		const struct plan_entry *e;

		d.subdomains = t[i].subdomains;
		memset(&dc, 0, sizeof(dc));
		dc.domains = &d;
		dc.ndomains = 1;
		p = plan_build(&dc, &src);
		e = &p->v[0];
		is_string(e->postfix, t[i].want, "%s %s: policy", e->key,
		    t[i].dane == DANE_MANDATORY ? "mandatory" : "opportunistic");
		ok(e->transport == t[i].transport &&
		    e->unservable == t[i].unservable &&
		    e->temporary == t[i].temporary,
		    "%s %s: transport %d unservable %d temporary %d (%s)",
		    e->key, t[i].dane == DANE_MANDATORY ? "mandatory" :
		    "opportunistic", e->transport, e->unservable, e->temporary,
		    e->reason);
		ok(p->temporary == t[i].temporary &&
		    p->unservable == t[i].unservable, "%s: plan flags", e->key);
		plan_free(p);
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
	p = plan_build(&dc, &src);
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
		struct trust_conf tc = { true, "/etc/ssl/certs/ca.crt", NULL };
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
	test_print();
	return done_testing();
}
