/*
 * test_policy_match - session facts from MTA macros, envelope sender
 * domains, name patterns and sender-group matching (policy/).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "policy/group_match.h"
#include "policy/sender_domain.h"
#include "policy/session_facts.h"
#include "t/policy_fixture.h"
#include "t/tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- macros as each MTA sends them ------------------------------------ */

static const struct macro pf_connect[] = {
	{ "v", "Postfix 3.7.11" }, { "j", "gw.example.test" },
	{ "{daemon_name}", "gw.example.test" },
	{ "{client_addr}", "192.0.2.7" }, { "{client_name}", "MX.Partner.Test." },
	{ "_", "mx.partner.test [192.0.2.7]" }, { NULL, NULL },
};
static const struct macro pf_connect_unknown[] = {
	{ "v", "Postfix 3.7.11" }, { "{client_addr}", "192.0.2.8" },
	{ "{client_name}", "unknown" },
	{ "_", "mx.partner.test [192.0.2.8] (may be forged)" }, { NULL, NULL },
};
static const struct macro pf_connect_v6[] = {
	{ "v", "Postfix 3.7.11" }, { "{client_addr}", "2001:db8::25" },
	{ "{client_name}", "mx6.partner.test" }, { NULL, NULL },
};
static const struct macro sm_connect_ok[] = {
	{ "v", "8.17.1" }, { "{daemon_name}", "MTA" },
	{ "{client_addr}", "192.0.2.7" }, { "{client_name}", "mx.partner.test" },
	{ "{client_resolve}", "OK" }, { "_", "mx.partner.test [192.0.2.7]" },
	{ NULL, NULL },
};
static const struct macro sm_connect_forged[] = {
	{ "v", "8.17.1" }, { "{client_addr}", "192.0.2.9" },
	{ "{client_name}", "mx.partner.test" },
	{ "{client_resolve}", "FORGED" },
	{ "_", "mx.partner.test [192.0.2.9] (may be forged)" }, { NULL, NULL },
};
static const struct macro sm_connect_temp[] = {
	{ "v", "8.17.1" }, { "{client_addr}", "192.0.2.9" },
	{ "{client_name}", "mx.partner.test" },
	{ "{client_resolve}", "TEMP" }, { NULL, NULL },
};
static const struct macro sm_connect_noname[] = {
	{ "v", "8.17.1" }, { "{client_addr}", "IPv6:2001:db8::9" },
	{ "{client_name}", "[IPv6:2001:db8::9]" },
	{ "{client_resolve}", "FAIL" }, { NULL, NULL },
};
/* Sendmail's default connect macros: no v, no {client_*}. */
static const struct macro sm_connect_default[] = {
	{ "j", "gw.example.test" }, { "{daemon_name}", "MTA" },
	{ "_", "ident@mx.partner.test [192.0.2.7]" }, { NULL, NULL },
};
static const struct macro sm_connect_default_forged[] = {
	{ "j", "gw.example.test" }, { "{daemon_name}", "MTA" },
	{ "_", "mx.partner.test [192.0.2.7] (may be forged)" }, { NULL, NULL },
};
/* Postfix's default connect macros: "_" but no {client_*}. */
static const struct macro pf_connect_default[] = {
	{ "v", "Postfix 3.7.11" }, { "j", "gw.example.test" },
	{ "_", "mx.partner.test [192.0.2.7]" }, { NULL, NULL },
};
static const struct macro pf_connect_default_forged[] = {
	{ "v", "Postfix 3.7.11" },
	{ "_", "mx.partner.test [192.0.2.8] (may be forged)" }, { NULL, NULL },
};
static const struct macro pf_connect_default_noptr[] = {
	{ "v", "Postfix 3.7.11" }, { "_", "unknown [192.0.2.9]" },
	{ NULL, NULL },
};
static const struct macro unknown_mta_name_only[] = {
	{ "{client_addr}", "192.0.2.7" }, { "{client_name}", "mx.partner.test" },
	{ NULL, NULL },
};
static const struct macro garbage_connect[] = {
	{ "v", "Postfix 3.7.11" }, { "{client_addr}", "not-an-address" },
	{ "{client_name}", "mx partner\r\n.test" }, { NULL, NULL },
};

static const struct macro pf_tls[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "256" }, { "{cert_subject}", "mta.partner.test" },
	{ "{cert_issuer}", "Partner CA" }, { NULL, NULL },
};
static const struct macro sm_tls[] = {
	{ "{tls_version}", "TLSv1.2" },
	{ "{cipher}", "ECDHE-RSA-AES128-GCM-SHA256" }, { "{cipher_bits}", "128" },
	{ "{verify}", "OK" },
	{ "{cert_subject}", "/C=DE/O=Partner+20GmbH/CN=mta.partner.test" },
	{ "{cert_issuer}", "/C=DE/O=Partner+20GmbH/CN=Partner+20CA" },
	{ "{cn_subject}", "mta.partner.test" }, { "{cn_issuer}", "Partner+20CA" },
	{ NULL, NULL },
};
static const struct macro sm_tls_fail[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_128_GCM_SHA256" },
	{ "{cipher_bits}", "128" }, { "{verify}", "FAIL" },
	{ "{cert_subject}", "/CN=evil" }, { NULL, NULL },
};
static const struct macro sm_tls_no_v[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_128_GCM_SHA256" },
	{ "{cipher_bits}", "128" }, { "{verify}", "NO" }, { NULL, NULL },
};
static const struct macro tls_bits_abc[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher_bits}", "abc" }, { NULL, NULL },
};
static const struct macro tls_bits_huge[] = {
	{ "{tls_version}", "TLSv1.3" },
	{ "{cipher_bits}", "99999999999999999999" }, { NULL, NULL },
};
static const struct macro tls_bits_empty[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher_bits}", "" }, { NULL, NULL },
};
/* Sendmail without STARTTLS: clrsessenvelope() left every TLS macro "". */
static const struct macro sm_tls_cleared[] = {
	{ "{tls_version}", "" }, { "{cipher}", "" }, { "{cipher_bits}", "" },
	{ "{verify}", "" }, { "{cert_subject}", "" }, { "{cert_issuer}", "" },
	{ "{cn_subject}", "" }, { "{cn_issuer}", "" }, { NULL, NULL },
};
static const struct macro pf_connect_resolve[] = {
	{ "v", "Postfix 3.7.11" }, { "{client_addr}", "IPv6:2001:db8::26" },
	{ "{client_name}", "mx6.partner.test" }, { "{client_resolve}", "OK" },
	{ NULL, NULL },
};
static const struct macro tls_version_garbage[] = {
	{ "{tls_version}", "TLSv9\r\nX: y" }, { "{cipher}", "X" },
	{ "{cipher_bits}", "-128" }, { NULL, NULL },
};
static const struct macro tls_sslv3[] = {
	{ "{tls_version}", "SSLv3" }, { "{cipher}", "RC4-MD5" },
	{ "{cipher_bits}", "128" }, { NULL, NULL },
};
static const struct macro sm_tls_bad_xtext[] = {
	{ "v", "8.17.1" }, { "{tls_version}", "TLSv1.3" },
	{ "{verify}", "OK" }, { "{cert_subject}", "/CN=a+2" },
	{ "{cert_issuer}", "/CN=ca+0Aevil" }, { "{cn_subject}", "a+zz" },
	{ NULL, NULL },
};
static const struct macro sm_verify_garbage[] = {
	{ "v", "8.17.1" }, { "{tls_version}", "TLSv1.3" },
	{ "{verify}", "MAYBE" }, { NULL, NULL },
};
static const struct macro auth_macros[] = {
	{ "{auth_type}", "PLAIN" }, { "{auth_authen}", "alice@example.test" },
	{ NULL, NULL },
};
static const struct macro empty[] = { { NULL, NULL } };

/* ---- facts ------------------------------------------------------------ */

static const char *
client_summary(const struct session_facts *f, char *buf, size_t sz)
{
	char	addr[64];

	snprintf(buf, sz, "mta=%s addr=%s name=%s verified=%s auth=%s bad=%#x",
	    mta_kind_name(f->mta), session_facts_addr_text(f, addr, sizeof(addr)),
	    f->client_name[0] ? f->client_name : "-",
	    f->name_verified ? "yes" : "no", f->authenticated ? "yes" : "no",
	    f->bad);
	return buf;
}

static void
test_client_facts(void)
{
	static const struct {
		const char *name;
		const struct macro *connect, *later;
		const char *want;
	} cases[] = {
		{ "postfix verified name, lower-cased, dot dropped",
		    pf_connect, NULL,
		    "mta=postfix addr=192.0.2.7 name=mx.partner.test verified=yes auth=no bad=0" },
		{ "postfix unknown name is unverified", pf_connect_unknown, NULL,
		    "mta=postfix addr=192.0.2.8 name=unknown verified=no auth=no bad=0" },
		{ "postfix IPv6 client", pf_connect_v6, NULL,
		    "mta=postfix addr=2001:db8::25 name=mx6.partner.test verified=yes auth=no bad=0" },
		{ "sendmail client_resolve OK", sm_connect_ok, NULL,
		    "mta=sendmail addr=192.0.2.7 name=mx.partner.test verified=yes auth=no bad=0" },
		{ "sendmail client_resolve FORGED", sm_connect_forged, NULL,
		    "mta=sendmail addr=192.0.2.9 name=mx.partner.test verified=no auth=no bad=0" },
		{ "sendmail client_resolve TEMP", sm_connect_temp, NULL,
		    "mta=sendmail addr=192.0.2.9 name=mx.partner.test verified=no auth=no bad=0" },
		{ "sendmail bracketed name, IPv6: address", sm_connect_noname, NULL,
		    "mta=sendmail addr=2001:db8::9 name=- verified=no auth=no bad=0" },
		{ "sendmail default macros: name from _ with ident",
		    sm_connect_default, NULL,
		    "mta=unknown addr=unknown name=mx.partner.test verified=yes auth=no bad=0" },
		{ "sendmail default macros: _ may be forged",
		    sm_connect_default_forged, NULL,
		    "mta=unknown addr=unknown name=mx.partner.test verified=no auth=no bad=0" },
		{ "postfix default macros: name from _", pf_connect_default,
		    NULL,
		    "mta=postfix addr=unknown name=mx.partner.test verified=yes auth=no bad=0" },
		{ "postfix default macros: _ may be forged",
		    pf_connect_default_forged, NULL,
		    "mta=postfix addr=unknown name=mx.partner.test verified=no auth=no bad=0" },
		{ "postfix default macros: no PTR", pf_connect_default_noptr,
		    NULL,
		    "mta=postfix addr=unknown name=unknown verified=no auth=no bad=0" },
		{ "unknown MTA, name without proof is unverified",
		    unknown_mta_name_only, NULL,
		    "mta=unknown addr=192.0.2.7 name=mx.partner.test verified=no auth=no bad=0" },
		{ "postfix {client_resolve} is not a Sendmail mark",
		    pf_connect_resolve, NULL,
		    "mta=postfix addr=2001:db8::26 name=mx6.partner.test verified=yes auth=no bad=0" },
		{ "garbage address and name refused", garbage_connect, NULL,
		    "mta=postfix addr=unknown name=- verified=no auth=no bad=0x3" },
		{ "auth macros at MAIL", pf_connect, auth_macros,
		    "mta=postfix addr=192.0.2.7 name=mx.partner.test verified=yes auth=yes bad=0" },
		{ "later stage without client macros keeps them", sm_connect_ok,
		    empty,
		    "mta=sendmail addr=192.0.2.7 name=mx.partner.test verified=yes auth=no bad=0" },
	};
	char	buf[512];
	size_t	i;

	for (i = 0; i < N(cases); i++) {
		struct session_facts f;

		fixture_facts(&f, cases[i].connect, cases[i].later, NULL);
		is_string(client_summary(&f, buf, sizeof(buf)), cases[i].want,
		    "client facts: %s", cases[i].name);
	}
}

static const char *
dn_text(const struct fact_dn *dn)
{
	return dn->state == DN_ABSENT ? "-" : dn->state == DN_BAD ? "BAD" : dn->v;
}

static const char *
tls_summary(const struct session_facts *f, char *buf, size_t sz)
{
	char	bits[16];

	if (f->cipher_bits_known)
		snprintf(bits, sizeof(bits), "%u", f->cipher_bits);
	else
		snprintf(bits, sizeof(bits), "?");
	snprintf(buf, sz, "tls=%s version=%s/%s bits=%s cert=%s subject=%s "
	    "issuer=%s cn=%s cn_issuer=%s bad=%#x", f->tls ? "yes" : "no",
	    f->tls_version_name[0] ? f->tls_version_name : "-",
	    f->tls_version_known ? (f->tls_version == TLSV_1_3 ? "1.3" :
	    f->tls_version == TLSV_1_2 ? "1.2" : f->tls_version == TLSV_ANY ?
	    "old" : "other") : "?", bits,
	    ccert_state_name(session_facts_client_cert(f)),
	    dn_text(&f->cert_subject), dn_text(&f->cert_issuer),
	    dn_text(&f->cn_subject), dn_text(&f->cn_issuer), f->bad);
	return buf;
}

static void
test_tls_facts(void)
{
	static const struct {
		const char *name;
		const struct macro *connect, *later;
		const char *want;
	} cases[] = {
		{ "no TLS macros", pf_connect, NULL,
		    "tls=no version=-/? bits=? cert=none subject=- issuer=- cn=- cn_issuer=- bad=0" },
		{ "postfix TLS with verified CN", pf_connect, pf_tls,
		    "tls=yes version=TLSv1.3/1.3 bits=256 cert=verified subject=mta.partner.test issuer=Partner CA cn=- cn_issuer=- bad=0" },
		{ "sendmail TLS, xtext DNs decoded", sm_connect_ok, sm_tls,
		    "tls=yes version=TLSv1.2/1.2 bits=128 cert=verified subject=/C=DE/O=Partner GmbH/CN=mta.partner.test issuer=/C=DE/O=Partner GmbH/CN=Partner CA cn=mta.partner.test cn_issuer=Partner CA bad=0" },
		{ "sendmail verify FAIL", sm_connect_ok, sm_tls_fail,
		    "tls=yes version=TLSv1.3/1.3 bits=128 cert=unverified subject=/CN=evil issuer=- cn=- cn_issuer=- bad=0" },
		{ "sendmail verify NO", sm_connect_ok, sm_tls_no_v,
		    "tls=yes version=TLSv1.3/1.3 bits=128 cert=none subject=- issuer=- cn=- cn_issuer=- bad=0" },
		{ "sendmail detected from {verify} alone", NULL, sm_tls,
		    "tls=yes version=TLSv1.2/1.2 bits=128 cert=verified subject=/C=DE/O=Partner GmbH/CN=mta.partner.test issuer=/C=DE/O=Partner GmbH/CN=Partner CA cn=mta.partner.test cn_issuer=Partner CA bad=0" },
		{ "unknown MTA: subject without proof is unverified", NULL, pf_tls,
		    "tls=yes version=TLSv1.3/1.3 bits=256 cert=unverified subject=mta.partner.test issuer=Partner CA cn=- cn_issuer=- bad=0" },
		{ "bits abc", pf_connect, tls_bits_abc,
		    "tls=yes version=TLSv1.3/1.3 bits=? cert=none subject=- issuer=- cn=- cn_issuer=- bad=0x8" },
		{ "bits 99999999999999999999", pf_connect, tls_bits_huge,
		    "tls=yes version=TLSv1.3/1.3 bits=? cert=none subject=- issuer=- cn=- cn_issuer=- bad=0x8" },
		{ "bits empty", pf_connect, tls_bits_empty,
		    "tls=yes version=TLSv1.3/1.3 bits=? cert=none subject=- issuer=- cn=- cn_issuer=- bad=0" },
		{ "sendmail plaintext: cleared macros are empty", sm_connect_ok,
		    sm_tls_cleared,
		    "tls=no version=-/? bits=? cert=none subject=- issuer=- cn=- cn_issuer=- bad=0" },
		{ "TLS facts stay when a later stage sends none", sm_tls,
		    sm_tls_cleared,
		    "tls=yes version=TLSv1.2/1.2 bits=128 cert=verified subject=/C=DE/O=Partner GmbH/CN=mta.partner.test issuer=/C=DE/O=Partner GmbH/CN=Partner CA cn=mta.partner.test cn_issuer=Partner CA bad=0" },
		{ "version garbage with CR LF, bits negative", pf_connect,
		    tls_version_garbage,
		    "tls=yes version=TLSv9??X:?y/? bits=? cert=none subject=- issuer=- cn=- cn_issuer=- bad=0xc" },
		{ "SSLv3 known as older than TLSv1", pf_connect, tls_sslv3,
		    "tls=yes version=SSLv3/old bits=128 cert=none subject=- issuer=- cn=- cn_issuer=- bad=0" },
		{ "sendmail broken xtext refused", NULL, sm_tls_bad_xtext,
		    "tls=yes version=TLSv1.3/1.3 bits=? cert=verified subject=BAD issuer=BAD cn=BAD cn_issuer=- bad=0x70" },
		{ "sendmail unknown verify word", NULL, sm_verify_garbage,
		    "tls=yes version=TLSv1.3/1.3 bits=? cert=unverified subject=- issuer=- cn=- cn_issuer=- bad=0x100" },
	};
	char	buf[8192];
	size_t	i;

	for (i = 0; i < N(cases); i++) {
		struct session_facts f;

		fixture_facts(&f, cases[i].connect, cases[i].later, NULL);
		is_string(tls_summary(&f, buf, sizeof(buf)), cases[i].want,
		    "TLS facts: %s", cases[i].name);
	}
}

static void
test_bits(void)
{
	static const struct {
		const char *in;
		bool	ok;
		unsigned want;
	} cases[] = {
		{ "0", true, 0 }, { "128", true, 128 }, { "00256", true, 256 },
		{ "65535", true, 65535 }, { "65536", false, 0 },
		{ "4294967296", false, 0 }, { "99999999999999999999", false, 0 },
		{ "", false, 0 }, { "abc", false, 0 }, { "-1", false, 0 },
		{ "+1", false, 0 }, { " 128", false, 0 }, { "128 ", false, 0 },
		{ "12a", false, 0 },
	};
	size_t	i;

	for (i = 0; i < N(cases); i++) {
		unsigned got = 12345;
		bool	r = facts_parse_bits(cases[i].in, &got);

		if (cases[i].ok)
			is_uint(r ? got : 99999, cases[i].want, "bits \"%s\"",
			    cases[i].in);
		else
			ok(!r, "bits \"%s\" refused (got %s)", cases[i].in,
			    r ? "accepted" : "refused");
	}
}

static void
test_sender_domain(void)
{
	static const struct {
		const char *in;
		enum sender_kind kind;
		const char *domain;
	} cases[] = {
		{ "<user@Example.COM>", SENDER_DOMAIN, "example.com" },
		{ "user@example.com", SENDER_DOMAIN, "example.com" },
		{ " <user@example.com> ", SENDER_DOMAIN, "example.com" },
		{ "<user@example.com.>", SENDER_DOMAIN, "example.com" },
		{ "<>", SENDER_NULL, "" },
		{ "", SENDER_NULL, "" },
		{ "<\"a@b\"@partner.test>", SENDER_DOMAIN, "partner.test" },
		{ "<\"user@partner.test\">", SENDER_NO_DOMAIN, "" },
		{ "<\"x\\\"@evil.test\"@partner.test>", SENDER_DOMAIN, "partner.test" },
		{ "<@relay.test,@r2.test:user@partner.test>", SENDER_DOMAIN,
		    "partner.test" },
		{ "<postmaster>", SENDER_NO_DOMAIN, "" },
		{ "<user@[192.0.2.1]>", SENDER_NO_DOMAIN, "" },
		{ "<user@>", SENDER_NO_DOMAIN, "" },
		{ "<user@a..b>", SENDER_NO_DOMAIN, "" },
		{ "<user@.partner.test>", SENDER_NO_DOMAIN, "" },
		{ "<user@partner.test", SENDER_NO_DOMAIN, "" },
		{ "<\"unclosed@partner.test>", SENDER_NO_DOMAIN, "" },
		{ "<\"a\\\"b@evil.test>", SENDER_NO_DOMAIN, "" },
		{ "<user@part ner.test>", SENDER_NO_DOMAIN, "" },
		{ "<user@partner.test\r\n>", SENDER_NO_DOMAIN, "" },
		{ "<a@b@partner.test>", SENDER_DOMAIN, "partner.test" },
	};
	static const char *const kinds[] = { "unknown", "null", "domain",
	    "no-domain" };
	char	got[512], want[512], dom[SENDER_DOMAIN_MAX];
	size_t	i;

	for (i = 0; i < N(cases); i++) {
		enum sender_kind k = sender_domain_parse(cases[i].in, dom,
		    sizeof(dom));

		snprintf(got, sizeof(got), "%s %s", kinds[k], dom);
		snprintf(want, sizeof(want), "%s %s", kinds[cases[i].kind],
		    cases[i].domain);
		is_string(got, want, "sender domain of %s", cases[i].in);
	}
	{
		char	longdom[400], addr[420];

		memset(longdom, 'a', sizeof(longdom) - 1);
		longdom[sizeof(longdom) - 1] = '\0';
		snprintf(addr, sizeof(addr), "<u@%s>", longdom);
		is_int(sender_domain_parse(addr, dom, sizeof(dom)),
		    SENDER_NO_DOMAIN, "overlong domain has none");
	}
}

/* Addresses whose domain gatewarden cannot read but an MTA might. */
static void
test_ambiguous_addresses(void)
{
	static const struct {
		const char *in;
		bool	ambiguous;
	} cases[] = {
		{ "<bo\"@partner.test>", true },	/* unclosed quote */
		{ "<\"bob@partner.test\">", true },	/* '@' only quoted */
		{ "<bob@partner.test", true },		/* unclosed bracket */
		{ "<bob\\@partner.test>", false },	/* no quote: a domain */
		{ "<\"a@b\"@partner.test>", true },	/* routed again */
		{ "<bob%partner.test@gw.example>", true },
		{ "<partner.test!bob>", true },
		{ "<bob@partner.test@gw.example>", true },
		{ "<bob@[partner.test]>", true },	/* no IP literal */
		{ "<bob@[IPv6:2001:db8::1]>", false },
		{ "<bob+tag@partner.test>", false },
		{ "<bob@partner.test>", false },
		{ "<postmaster>", false },		/* a local name */
		{ "<bob@[192.0.2.1]>", false },		/* an address literal */
		{ "<@partner.test>", true },		/* no local part */
		{ "<bob@partner..test>", true },	/* an empty label */
		{ "<bob@>", true },			/* no domain */
		{ "<@a.test:bob>", false },		/* routed to a local name */
		{ "<@a.test,@b.test:bob@partner.test>", false },
		{ "<>", false },
	};
	size_t	i;

	for (i = 0; i < N(cases); i++)
		is_int(address_is_ambiguous(cases[i].in), cases[i].ambiguous,
		    "%s is %sambiguous", cases[i].in,
		    cases[i].ambiguous ? "" : "not ");
}

static void
test_name_patterns(void)
{
	static const struct {
		const char *pattern;
		const char *name;
		bool	want;
	} cases[] = {
		{ ".partner.test", "mx.partner.test", true },
		{ ".partner.test", "a.b.partner.test", true },
		{ ".partner.test", "partner.test", false },
		{ ".partner.test", "evilpartner.test", false },
		{ ".partner.test", "mx.partner.test.evil", false },
		{ ".partner.test", "MX.PARTNER.TEST", true },
		{ ".partner.test", "mx.partner.test.", true },
		{ ".partner.test", ".partner.test", false },
		{ "partner.test", "partner.test", true },
		{ "partner.test", "Partner.Test.", true },
		{ "partner.test", "mx.partner.test", false },
		{ "partner.test", "partner.tes", false },
		{ "partner.test", "", false },
		{ "mx.partner.test", "mx.partner.test", true },
	};
	size_t	i;

	for (i = 0; i < N(cases); i++) {
		struct name_pattern p;
		bool	got;

		p.suffix = cases[i].pattern[0] == '.';
		p.name = (char *)(p.suffix ? cases[i].pattern + 1 :
		    cases[i].pattern);
		got = name_pattern_match(&p, cases[i].name);
		ok(got == cases[i].want, "pattern %s vs \"%s\": got %s, want %s",
		    cases[i].pattern, cases[i].name, got ? "match" : "no match",
		    cases[i].want ? "match" : "no match");
	}
}

/* ---- group matching --------------------------------------------------- */

static void
test_cidr_groups(void)
{
	static const struct {
		const char *spec;
		const char *addr;
		bool	want;
	} cases[] = {
		{ "ip=0.0.0.0/0", "203.0.113.1", true },
		{ "ip=0.0.0.0/0", "::ffff:203.0.113.1", true },
		{ "ip=0.0.0.0/0", "2001:db8::1", false },
		{ "ip=::/0", "2001:db8::1", true },
		{ "ip=192.0.2.7/32", "192.0.2.7", true },
		{ "ip=192.0.2.7/32", "192.0.2.6", false },
		{ "ip=192.0.2.7/32", "192.0.2.8", false },
		{ "ip=192.0.2.0/24", "192.0.2.0", true },
		{ "ip=192.0.2.0/24", "192.0.2.255", true },
		{ "ip=192.0.2.0/24", "192.0.1.255", false },
		{ "ip=192.0.2.0/24", "192.0.3.0", false },
		{ "ip=192.0.2.0/24", "::ffff:192.0.2.200", true },
		{ "ip=192.0.2.0/24", "IPv6:::ffff:192.0.2.200", true },
		{ "ip=192.0.2.0/24", "::192.0.2.200", false },
		{ "ip=2001:db8::/32", "2001:db8::", true },
		{ "ip=2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true },
		{ "ip=2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false },
		{ "ip=2001:db8::/32", "2001:db9::", false },
		{ "ip=2001:db8::/32", "IPv6:2001:DB8::5", true },
		{ "ip=2001:db8::1/128", "2001:db8::1", true },
		{ "ip=2001:db8::1/128", "2001:db8::2", false },
		{ "ip=2001:db8::/32", "192.0.2.1", false },
		{ "ip=192.0.2.0/24 ip=2001:db8::/32", "2001:db8::1", true },
	};
	size_t	i;

	for (i = 0; i < N(cases); i++) {
		struct sender_group g;
		struct session_facts f;
		struct group_choice c;
		bool	got;

		fixture_group(&g, "g", cases[i].spec);
		session_facts_init(&f);
		ok(session_facts_set_addr(&f, cases[i].addr),
		    "address %s parses", cases[i].addr);
		got = group_match_list(&g, 1, &f, true, &c) == GROUP_DECIDED;
		ok(got == cases[i].want, "%s vs %s: got %s, want %s",
		    cases[i].spec, cases[i].addr, got ? "match" : "no match",
		    cases[i].want ? "match" : "no match");
		fixture_group_free(&g);
	}
}

/* The configuration the order tests run against. */
static const struct {
	const char *name;
	const char *spec;
} groups_spec[] = {
	{ "blocked", "ip=198.51.100.0/24" },
	{ "partners", "host=.partner.test ip=2001:db8:1::/48" },
	{ "partner-senders", "domain=partner.test domain=.partner.test" },
	{ "relays", "auth ip=10.0.0.0/8" },
	{ "internal", "ip=192.0.2.0/24" },
	{ "default", "any" },
};

static const char *
choice_text(const struct group_choice *c, char *buf, size_t sz)
{
	if (c->result == GROUP_WAIT)
		snprintf(buf, sz, "wait at %zu", c->index);
	else if (c->result == GROUP_NONE)
		snprintf(buf, sz, "none");
	else
		snprintf(buf, sz, "%s by %s", c->group->name, c->matched_by);
	return buf;
}

static void
test_first_match(void)
{
	static const struct macro m_partner_host[] = {
		{ "v", "Postfix 3.7.11" }, { "{client_addr}", "198.51.100.4" },
		{ "{client_name}", "mx.partner.test" }, { NULL, NULL },
	};
	static const struct macro m_partner_host_v6[] = {
		{ "v", "Postfix 3.7.11" }, { "{client_addr}", "203.0.113.5" },
		{ "{client_name}", "MX.Partner.Test" }, { NULL, NULL },
	};
	static const struct macro m_unverified[] = {
		{ "v", "Postfix 3.7.11" }, { "{client_addr}", "203.0.113.5" },
		{ "{client_name}", "unknown" },
		{ "_", "mx.partner.test [203.0.113.5] (may be forged)" },
		{ NULL, NULL },
	};
	static const struct macro m_sm_forged[] = {
		{ "v", "8.17.1" }, { "{client_addr}", "203.0.113.5" },
		{ "{client_name}", "mx.partner.test" },
		{ "{client_resolve}", "FORGED" }, { NULL, NULL },
	};
	static const struct macro m_sm_ok[] = {
		{ "v", "8.17.1" }, { "{client_addr}", "203.0.113.5" },
		{ "{client_name}", "mx.partner.test" },
		{ "{client_resolve}", "OK" }, { NULL, NULL },
	};
	static const struct macro m_evil_host[] = {
		{ "v", "Postfix 3.7.11" }, { "{client_addr}", "203.0.113.5" },
		{ "{client_name}", "evilpartner.test" }, { NULL, NULL },
	};
	static const struct macro m_internal[] = {
		{ "v", "Postfix 3.7.11" }, { "{client_addr}", "192.0.2.10" },
		{ "{client_name}", "unknown" }, { NULL, NULL },
	};
	static const struct macro m_v6_partner[] = {
		{ "v", "Postfix 3.7.11" }, { "{client_addr}", "2001:db8:1::9" },
		{ "{client_name}", "unknown" }, { NULL, NULL },
	};
	static const struct macro m_relay[] = {
		{ "v", "Postfix 3.7.11" }, { "{client_addr}", "10.1.2.3" },
		{ NULL, NULL },
	};
	static const struct macro m_other[] = {
		{ "v", "Postfix 3.7.11" }, { "{client_addr}", "203.0.113.5" },
		{ "{client_name}", "mail.other.test" }, { NULL, NULL },
	};
	static const struct {
		const char *name;
		const struct macro *connect, *mail;
		const char *envfrom;	/* NULL: at connect */
		const char *want;
	} cases[] = {
		{ "first group wins over a later host match", m_partner_host,
		    NULL, NULL, "blocked by client_ip" },
		{ "verified suffix host at connect", m_partner_host_v6, NULL,
		    NULL, "partners by client_hostname" },
		{ "v6 block at connect", m_v6_partner, NULL, NULL,
		    "partners by client_ip" },
		{ "unverified postfix name: wait for sender group", m_unverified,
		    NULL, NULL, "wait at 2" },
		{ "unverified postfix name never matches host", m_unverified,
		    NULL, "<a@other.test>", "default by any" },
		{ "sendmail FORGED never matches host", m_sm_forged, NULL,
		    "<a@other.test>", "default by any" },
		{ "sendmail OK matches host", m_sm_ok, NULL, NULL,
		    "partners by client_hostname" },
		{ "evilpartner.test is not .partner.test", m_evil_host, NULL,
		    "<a@other.test>", "default by any" },
		{ "internal address waits: earlier groups need MAIL",
		    m_internal, NULL, NULL, "wait at 2" },
		{ "internal address at MAIL", m_internal, NULL, "<a@other.test>",
		    "internal by client_ip" },
		{ "sender domain exact", m_other, NULL, "<a@Partner.Test>",
		    "partner-senders by sender_domain" },
		{ "sender domain suffix", m_other, NULL, "<a@eu.partner.test>",
		    "partner-senders by sender_domain" },
		{ "sender domain with trailing dot", m_other, NULL,
		    "<a@partner.test.>", "partner-senders by sender_domain" },
		{ "sender quoted @ does not count", m_other, NULL,
		    "<\"a@partner.test\"@other.test>", "default by any" },
		{ "null sender has no domain", m_other, NULL, "<>",
		    "default by any" },
		{ "evil sender domain", m_other, NULL, "<a@evilpartner.test>",
		    "default by any" },
		{ "authenticated at MAIL", m_other, auth_macros, "<a@other.test>",
		    "relays by authenticated" },
		{ "relay block without auth", m_relay, NULL, "<a@other.test>",
		    "relays by client_ip" },
		{ "connect wait is reported before a later match", m_relay, NULL,
		    NULL, "wait at 2" },
	};
	struct sender_group groups[N(groups_spec)];
	struct config cfg;
	char	buf[128];
	size_t	i;

	for (i = 0; i < N(groups_spec); i++)
		fixture_group(&groups[i], groups_spec[i].name,
		    groups_spec[i].spec);
	memset(&cfg, 0, sizeof(cfg));
	cfg.groups = groups;
	cfg.ngroups = N(groups);
	for (i = 0; i < N(cases); i++) {
		struct session_facts f;
		struct group_choice c;

		fixture_facts(&f, cases[i].connect, cases[i].mail,
		    cases[i].envfrom);
		policy_match_group(&cfg, &f, cases[i].envfrom != NULL, &c);
		is_string(choice_text(&c, buf, sizeof(buf)), cases[i].want,
		    "%s", cases[i].name);
	}
	/* Without a catch-all, nothing matches. */
	{
		struct session_facts f;
		struct group_choice c;

		fixture_facts(&f, m_other, NULL, "<a@other.test>");
		policy_match_group(&cfg, &f, true, &c);
		is_string(choice_text(&c, buf, sizeof(buf)), "default by any",
		    "catch-all matches");
		cfg.ngroups--;
		policy_match_group(&cfg, &f, true, &c);
		is_string(choice_text(&c, buf, sizeof(buf)), "none",
		    "no catch-all: none");
		policy_match_group(NULL, &f, true, &c);
		is_string(choice_text(&c, buf, sizeof(buf)), "none",
		    "no configuration: none");
	}
	/* A connect-time decision agrees with the MAIL-time one. */
	{
		struct session_facts f;
		struct group_choice at_connect, at_mail;

		fixture_facts(&f, m_partner_host_v6, NULL, NULL);
		policy_match_group(&cfg, &f, false, &at_connect);
		session_facts_set_sender(&f, "<a@partner.test>");
		policy_match_group(&cfg, &f, true, &at_mail);
		ok(at_connect.result == GROUP_DECIDED &&
		    at_mail.group == at_connect.group,
		    "connect decision %s stands at MAIL (%s)",
		    choice_text(&at_connect, buf, sizeof(buf)),
		    at_mail.group ? at_mail.group->name : "none");
	}
	for (i = 0; i < N(groups_spec); i++)
		fixture_group_free(&groups[i]);
}

/* ---- listener and certificate conditions ------------------------------ */

/* Postfix: -o milter_macro_daemon_name=NAME per master.cf entry; the
 * address and port of the local end. Sendmail: DaemonPortOptions Name=
 * and the address the daemon listens on. */
static const struct macro pf_smtps[] = {
	{ "v", "Postfix 3.7.11" }, { "{client_addr}", "203.0.113.9" },
	{ "{daemon_name}", "smtps" }, { "{daemon_addr}", "127.0.0.1" },
	{ "{daemon_port}", "465" }, { NULL, NULL },
};
static const struct macro pf_submission_upper[] = {
	{ "v", "Postfix 3.7.11" }, { "{client_addr}", "203.0.113.9" },
	{ "{daemon_name}", "SUBMISSION" }, { "{daemon_addr}", "192.0.2.25" },
	{ "{daemon_port}", "587" }, { NULL, NULL },
};
static const struct macro pf_mx[] = {
	{ "v", "Postfix 3.7.11" }, { "{client_addr}", "203.0.113.9" },
	{ "{daemon_name}", "mx.example.test" }, { "{daemon_addr}", "192.0.2.25" },
	{ "{daemon_port}", "25" }, { NULL, NULL },
};
static const struct macro pf_port_only[] = {
	{ "v", "Postfix 3.7.11" }, { "{client_addr}", "203.0.113.9" },
	{ "{daemon_name}", "mx.example.test" }, { "{daemon_port}", "2465" },
	{ NULL, NULL },
};
static const struct macro sm_msa[] = {
	{ "v", "8.17.1" }, { "{client_addr}", "203.0.113.9" },
	{ "{daemon_name}", "MSA" }, { "{daemon_addr}", "0.0.0.0" },
	{ "{daemon_port}", "587" }, { NULL, NULL },
};
static const struct macro sm_mta_v6[] = {
	{ "v", "8.17.1" }, { "{client_addr}", "IPv6:2001:db8:9::1" },
	{ "{daemon_name}", "MTA-v6" }, { "{daemon_addr}", "IPv6:2001:db8::25" },
	{ "{daemon_port}", "25" }, { NULL, NULL },
};
static const struct macro sm_mta_v6_587[] = {
	{ "v", "8.17.1" }, { "{client_addr}", "IPv6:2001:db8:9::1" },
	{ "{daemon_name}", "MTA-v6" }, { "{daemon_addr}", "IPv6:2001:db8::25" },
	{ "{daemon_port}", "587" }, { NULL, NULL },
};
static const struct macro sm_mta[] = {
	{ "v", "8.17.1" }, { "{client_addr}", "203.0.113.9" },
	{ "{daemon_name}", "MTA" }, { "{daemon_addr}", "0.0.0.0" },
	{ "{daemon_port}", "25" }, { NULL, NULL },
};
static const struct macro listener_garbage[] = {
	{ "v", "Postfix 3.7.11" }, { "{client_addr}", "203.0.113.9" },
	{ "{daemon_name}", "smtps\r\nX" }, { "{daemon_addr}", "smtps" },
	{ "{daemon_port}", "99999" }, { NULL, NULL },
};
static const struct macro no_listener[] = {
	{ "v", "Postfix 3.7.11" }, { "{client_addr}", "203.0.113.9" },
	{ NULL, NULL },
};
static const struct macro pf_relay_cert[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "256" }, { "{cert_subject}", "relay7.corp.test" },
	{ "{cert_issuer}", "Corp CA" }, { NULL, NULL },
};
static const struct macro pf_tls_nocert[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "256" }, { NULL, NULL },
};
static const struct macro sm_relay_cert[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "256" }, { "{verify}", "OK" },
	{ "{cert_subject}", "/O=Corp/CN=relay1.corp.test" },
	{ "{cn_subject}", "relay1.corp.test" }, { NULL, NULL },
};
static const struct macro sm_relay_cert_fail[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "256" }, { "{verify}", "FAIL" },
	{ "{cert_subject}", "/O=Corp/CN=relay1.corp.test" },
	{ "{cn_subject}", "relay1.corp.test" }, { NULL, NULL },
};
static const struct macro sm_dn_only[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "256" }, { "{verify}", "OK" },
	{ "{cert_subject}", "/O=Evil/CN=relay1.corp.test" }, { NULL, NULL },
};

static void
test_listener_facts(void)
{
	struct session_facts f;
	char	buf[64];

	fixture_facts(&f, pf_smtps, NULL, NULL);
	ok(strcmp(f.daemon_name, "smtps") == 0 && f.have_daemon_addr &&
	    f.daemon_port == 465 && f.bad == 0, "Postfix: name, address, "
	    "port of the listener");
	fixture_facts(&f, sm_mta_v6, NULL, NULL);
	{
		struct session_facts g = f;

		memcpy(g.addr, g.daemon_addr, 16);
		is_string(session_facts_addr_text(&g, buf, sizeof(buf)),
		    "2001:db8::25", "Sendmail: IPv6:-prefixed {daemon_addr}");
	}
	fixture_facts(&f, listener_garbage, NULL, NULL);
	ok(f.daemon_name[0] == '\0' && !f.have_daemon_addr &&
	    f.daemon_port == 0 && (f.bad & FACT_BAD_LISTENER),
	    "garbage listener macros: nothing kept, marked bad");
	fixture_facts(&f, no_listener, NULL, NULL);
	ok(f.daemon_name[0] == '\0' && !f.have_daemon_addr &&
	    f.daemon_port == 0 && f.bad == 0, "no listener macros: none");
}

static void
test_listener_match(void)
{
	static const struct {
		const char *name, *spec;
	} spec[] = {
		{ "submissions", "lname=smtps lname=submission lname=MSA" },
		{ "v6-mx", "laddr=2001:db8::/32@25" },
		{ "port-2465", "lport=2465" },
		{ "relays", "cert=relay*.corp.test" },
		{ "internet", "any" },
	};
	static const struct {
		const char *name;
		const struct macro *connect, *mail;
		const char *envfrom;	/* NULL: at connect */
		const char *want;
	} cases[] = {
		{ "Postfix smtps, by name at connect", pf_smtps, NULL, NULL,
		  "submissions by listener" },
		{ "names compare case-insensitively", pf_submission_upper, NULL,
		  NULL, "submissions by listener" },
		{ "Postfix port 25 with its default name: not a submission port",
		  pf_mx, NULL, "<a@corp.test>", "internet by any" },
		{ "Sendmail MSA (DaemonPortOptions Name=MSA)", sm_msa, NULL, NULL,
		  "submissions by listener" },
		{ "Sendmail IPv6 address and port", sm_mta_v6, NULL, NULL,
		  "v6-mx by listener" },
		{ "the address but another port", sm_mta_v6_587, NULL,
		  "<a@corp.test>", "internet by any" },
		{ "a port alone", pf_port_only, NULL, NULL,
		  "port-2465 by listener" },
		{ "garbage macros match no listener", listener_garbage, NULL,
		  "<a@corp.test>", "internet by any" },
		{ "no listener macros: no listener group", no_listener, NULL,
		  "<a@corp.test>", "internet by any" },
		{ "a certificate group waits for MAIL", pf_mx, NULL, NULL,
		  "wait at 3" },
		{ "Postfix: verified certificate's CN", pf_mx, pf_relay_cert,
		  "<a@corp.test>", "relays by client_cert_subject" },
		{ "Postfix: TLS without a trusted certificate", pf_mx,
		  pf_tls_nocert, "<a@corp.test>", "internet by any" },
		{ "Sendmail: verify OK, {cn_subject}", sm_mta, sm_relay_cert,
		  "<a@corp.test>", "relays by client_cert_subject" },
		{ "Sendmail: verify FAIL never matches a certificate", sm_mta,
		  sm_relay_cert_fail, "<a@corp.test>", "internet by any" },
		{ "Sendmail: a CN rule is not tried on the whole DN", sm_mta,
		  sm_dn_only, "<a@corp.test>", "internet by any" },
	};
	struct sender_group groups[N(spec)];
	struct config cfg;
	char	buf[128];
	size_t	i;

	for (i = 0; i < N(spec); i++)
		fixture_group(&groups[i], spec[i].name, spec[i].spec);
	memset(&cfg, 0, sizeof(cfg));
	cfg.groups = groups;
	cfg.ngroups = N(groups);
	for (i = 0; i < N(cases); i++) {
		struct session_facts f;
		struct group_choice c;

		fixture_facts(&f, cases[i].connect, cases[i].mail,
		    cases[i].envfrom);
		policy_match_group(&cfg, &f, cases[i].envfrom != NULL, &c);
		is_string(choice_text(&c, buf, sizeof(buf)), cases[i].want,
		    "%s", cases[i].name);
	}
	for (i = 0; i < N(spec); i++)
		fixture_group_free(&groups[i]);
}

int
main(void)
{
	plan_lazy();
	test_client_facts();
	test_tls_facts();
	test_bits();
	test_sender_domain();
	test_ambiguous_addresses();
	test_name_patterns();
	test_cidr_groups();
	test_first_match();
	test_listener_facts();
	test_listener_match();
	return done_testing();
}
