/*
 * test_policy_tls - the inbound TLS verdict of a sender group under
 * Postfix- and Sendmail-style macros, certificate patterns, xtext, the
 * X-Gatewarden-TLS header, the log line and the alert key (policy/).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "policy/cert_pattern.h"
#include "policy/session_facts.h"
#include "policy/tls_header.h"
#include "policy/tls_log.h"
#include "policy/tls_verdict.h"
#include "policy/xtext.h"
#include "t/policy_fixture.h"
#include "t/tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- sessions --------------------------------------------------------- */

static const struct macro pf_connect[] = {
	{ "v", "Postfix 3.7.11" }, { "{client_addr}", "192.0.2.7" },
	{ "{client_name}", "mx.partner.test" }, { NULL, NULL },
};
static const struct macro sm_connect[] = {
	{ "v", "8.17.1" }, { "{client_addr}", "IPv6:::ffff:192.0.2.7" },
	{ "{client_name}", "mx.partner.test" }, { "{client_resolve}", "OK" },
	{ NULL, NULL },
};
static const struct macro pf_tls13[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "256" }, { "{cert_subject}", "mta.partner.test" },
	{ "{cert_issuer}", "Partner CA" }, { NULL, NULL },
};
static const struct macro pf_tls13_nocert[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "256" }, { NULL, NULL },
};
static const struct macro pf_tls12_weak[] = {
	{ "{tls_version}", "TLSv1.2" }, { "{cipher}", "DES-CBC3-SHA" },
	{ "{cipher_bits}", "112" }, { "{cert_subject}", "mta.partner.test" },
	{ "{cert_issuer}", "Partner CA" }, { NULL, NULL },
};
static const struct macro pf_tls12_128[] = {
	{ "{tls_version}", "TLSv1.2" },
	{ "{cipher}", "ECDHE-RSA-AES128-GCM-SHA256" }, { "{cipher_bits}", "128" },
	{ NULL, NULL },
};
static const struct macro pf_bits_garbage[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "99999999999999999999" }, { NULL, NULL },
};
static const struct macro pf_bits_abc[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "abc" }, { NULL, NULL },
};
static const struct macro pf_bits_empty[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "" }, { NULL, NULL },
};
static const struct macro pf_version_garbage[] = {
	{ "{tls_version}", "TLSv9\r\n250 ok%" }, { "{cipher}", "X" },
	{ "{cipher_bits}", "256" }, { NULL, NULL },
};
static const struct macro pf_sslv3[] = {
	{ "{tls_version}", "SSLv3" }, { "{cipher}", "RC4-MD5" },
	{ "{cipher_bits}", "128" }, { NULL, NULL },
};
static const struct macro sm_ok[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "256" }, { "{verify}", "OK" },
	{ "{cert_subject}", "/C=DE/O=Partner+20GmbH/CN=mta.partner.test" },
	{ "{cert_issuer}", "/C=DE/O=Partner+20GmbH/CN=Partner+20CA" },
	{ "{cn_subject}", "mta.partner.test" }, { "{cn_issuer}", "Partner+20CA" },
	{ NULL, NULL },
};
static const struct macro sm_trusted[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "256" }, { "{verify}", "TRUSTED" },
	{ "{cert_subject}", "/C=DE/O=Partner+20GmbH/CN=mta.partner.test" },
	{ "{cn_subject}", "mta.partner.test" }, { NULL, NULL },
};
static const struct macro sm_fail[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "256" }, { "{verify}", "FAIL" },
	{ "{cert_subject}", "/C=DE/O=Partner+20GmbH/CN=mta.partner.test" },
	{ "{cn_subject}", "mta.partner.test" }, { NULL, NULL },
};
static const struct macro sm_no[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "256" }, { "{verify}", "NO" }, { NULL, NULL },
};
static const struct macro sm_other_org[] = {
	{ "{tls_version}", "TLSv1.2" }, { "{cipher}", "ECDHE-RSA-AES256-GCM-SHA384" },
	{ "{cipher_bits}", "256" }, { "{verify}", "OK" },
	{ "{cert_subject}", "/C=US/O=Other+20Inc/CN=mta.other.test" },
	{ "{cert_issuer}", "/C=US/O=Other+20Inc/CN=Other+20CA" },
	{ "{cn_subject}", "mta.other.test" }, { "{cn_issuer}", "Other+20CA" },
	{ NULL, NULL },
};

/* A CA-verified certificate whose DN merely ENDS like a partner name. */
static const struct macro sm_dn_tail[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "256" }, { "{verify}", "OK" },
	{ "{cert_subject}", "/C=XX/O=Evil/CN=evil.example/OU=x.partner.test" },
	{ "{cert_issuer}", "/C=DE/O=Partner+20GmbH/CN=Partner+20CA" },
	{ "{cn_subject}", "evil.example" }, { "{cn_issuer}", "Partner+20CA" },
	{ NULL, NULL },
};
/* Sendmail's default HELO macros: no {verify}, no {cn_*}. */
static const struct macro sm_default_helo[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "256" },
	{ "{cert_subject}", "/C=DE/O=Partner+20GmbH/CN=mta.partner.test" },
	{ "{cert_issuer}", "/C=DE/O=Partner+20GmbH/CN=Partner+20CA" },
	{ NULL, NULL },
};
/* {verify} OK but no {cn_subject}: a CN rule has nothing to compare. */
static const struct macro sm_no_cn[] = {
	{ "{tls_version}", "TLSv1.3" }, { "{cipher}", "TLS_AES_256_GCM_SHA384" },
	{ "{cipher_bits}", "256" }, { "{verify}", "OK" },
	{ "{cert_subject}", "/C=DE/O=Partner+20GmbH/CN=mta.partner.test" },
	{ NULL, NULL },
};

/* ---- groups ----------------------------------------------------------- */

struct gdef {
	enum tls_level	tls;
	enum client_cert cc;
	unsigned	bits;
	enum tls_version version;
	const char	*subject, *issuer;
	enum on_failure	onfail;
};

static void
make_group(struct sender_group *g, const char *name, const struct gdef *d)
{
	fixture_group(g, name, "any");
	g->tls = d->tls;
	g->client_cert = d->cc;
	g->min_cipher_bits = d->bits;
	g->min_tls_version = d->version;
	g->cert_subject = d->subject ? x_strdup(d->subject) : NULL;
	g->cert_issuer = d->issuer ? x_strdup(d->issuer) : NULL;
	g->on_failure = d->onfail;
}

static const struct gdef REQ = { TLS_REQUIRED, CCERT_NONE, 0, TLSV_ANY, NULL, NULL, ONFAIL_REJECT };
static const struct gdef REQ_T = { TLS_REQUIRED, CCERT_NONE, 0, TLSV_ANY, NULL, NULL, ONFAIL_TEMPFAIL };
static const struct gdef PREF = { TLS_PREFERRED, CCERT_NONE, 0, TLSV_ANY, NULL, NULL, ONFAIL_REJECT };
static const struct gdef PREF_BITS = { TLS_PREFERRED, CCERT_NONE, 128, TLSV_ANY, NULL, NULL, ONFAIL_REJECT };
static const struct gdef NO_STRICT = { TLS_NO, CCERT_REQUIRED, 256, TLSV_1_3, "x", "y", ONFAIL_REJECT };
static const struct gdef CC = { TLS_REQUIRED, CCERT_REQUIRED, 0, TLSV_ANY, NULL, NULL, ONFAIL_REJECT };
static const struct gdef CC_T = { TLS_REQUIRED, CCERT_REQUIRED, 0, TLSV_ANY, NULL, NULL, ONFAIL_TEMPFAIL };
static const struct gdef OPT = { TLS_REQUIRED, CCERT_OPTIONAL, 0, TLSV_ANY, NULL, NULL, ONFAIL_REJECT };
static const struct gdef BITS = { TLS_REQUIRED, CCERT_NONE, 128, TLSV_ANY, NULL, NULL, ONFAIL_REJECT };
static const struct gdef BITS_T = { TLS_REQUIRED, CCERT_NONE, 128, TLSV_ANY, NULL, NULL, ONFAIL_TEMPFAIL };
static const struct gdef V13 = { TLS_REQUIRED, CCERT_NONE, 0, TLSV_1_3, NULL, NULL, ONFAIL_REJECT };
static const struct gdef V12 = { TLS_REQUIRED, CCERT_NONE, 0, TLSV_1_2, NULL, NULL, ONFAIL_REJECT };
static const struct gdef V10 = { TLS_REQUIRED, CCERT_NONE, 0, TLSV_1_0, NULL, NULL, ONFAIL_REJECT };
static const struct gdef SUBJ_CN = { TLS_REQUIRED, CCERT_REQUIRED, 0, TLSV_ANY, "*.Partner.Test", NULL, ONFAIL_REJECT };
static const struct gdef SUBJ_CN_ONLY = { TLS_REQUIRED, CCERT_NONE, 0, TLSV_ANY, "mta.partner.test", NULL, ONFAIL_REJECT };
static const struct gdef SUBJ_DN = { TLS_REQUIRED, CCERT_REQUIRED, 0, TLSV_ANY, "/C=DE/O=Partner GmbH/CN=*", NULL, ONFAIL_REJECT };
static const struct gdef ISS_CN = { TLS_REQUIRED, CCERT_REQUIRED, 0, TLSV_ANY, NULL, "Partner CA", ONFAIL_REJECT };
static const struct gdef ISS_CN_T = { TLS_REQUIRED, CCERT_REQUIRED, 0, TLSV_ANY, NULL, "Partner CA", ONFAIL_TEMPFAIL };
static const struct gdef ISS_DN = { TLS_REQUIRED, CCERT_REQUIRED, 0, TLSV_ANY, NULL, "/C=DE/O=Partner GmbH/CN=Partner CA", ONFAIL_REJECT };
static const struct gdef ALL = { TLS_REQUIRED, CCERT_REQUIRED, 256, TLSV_1_3, "*.partner.test", "Partner CA", ONFAIL_REJECT };

static const char *
verdict_text(const struct tls_verdict *v, char *buf, size_t sz)
{
	if (v->accept)
		snprintf(buf, sz, "accept | %s %s", v->requirement, v->reason);
	else
		snprintf(buf, sz, "%s %s %s | %s %s", v->rcode, v->xcode,
		    v->text, v->requirement, v->reason);
	return buf;
}

static void
test_verdicts(void)
{
	static const struct {
		const char *name;
		const struct gdef *g;
		const struct macro *connect, *tls;
		const char *want;
	} cases[] = {
		/* tls level */
		{ "required, plaintext, postfix", &REQ, pf_connect, NULL,
		    "530 5.7.0 Must issue a STARTTLS command first | tls no_tls" },
		{ "required, plaintext, sendmail", &REQ, sm_connect, NULL,
		    "530 5.7.0 Must issue a STARTTLS command first | tls no_tls" },
		{ "required tempfail, plaintext", &REQ_T, pf_connect, NULL,
		    "451 4.7.0 Must issue a STARTTLS command first | tls no_tls" },
		{ "required, TLS", &REQ, pf_connect, pf_tls13_nocert,
		    "accept | none ok" },
		{ "preferred, plaintext", &PREF, pf_connect, NULL,
		    "accept | none ok" },
		{ "preferred, TLS", &PREF, sm_connect, sm_no, "accept | none ok" },
		{ "preferred applies requirements when TLS was used", &PREF_BITS,
		    pf_connect, pf_tls12_weak,
		    "550 5.7.1 TLS cipher strength 112 bits below the 128 required for sender group partners | min_cipher_bits cipher_bits_low" },
		{ "preferred with bits minimum, plaintext", &PREF_BITS, pf_connect,
		    NULL, "accept | none ok" },
		{ "no imposes nothing, plaintext", &NO_STRICT, pf_connect, NULL,
		    "accept | none ok" },
		{ "no imposes nothing, weak TLS", &NO_STRICT, pf_connect,
		    pf_tls12_weak, "accept | none ok" },
		/* min_cipher_bits */
		{ "bits 112 < 128", &BITS, pf_connect, pf_tls12_weak,
		    "550 5.7.1 TLS cipher strength 112 bits below the 128 required for sender group partners | min_cipher_bits cipher_bits_low" },
		{ "bits 112 < 128 tempfail", &BITS_T, pf_connect, pf_tls12_weak,
		    "450 4.7.1 TLS cipher strength 112 bits below the 128 required for sender group partners | min_cipher_bits cipher_bits_low" },
		{ "bits 128 = 128", &BITS, pf_connect, pf_tls12_128,
		    "accept | none ok" },
		{ "bits 256 sendmail", &BITS, sm_connect, sm_ok, "accept | none ok" },
		{ "bits 99999999999999999999 fail closed", &BITS, pf_connect,
		    pf_bits_garbage,
		    "550 5.7.1 TLS cipher strength unknown; 128 bits required for sender group partners | min_cipher_bits cipher_bits_unknown" },
		{ "bits abc fail closed", &BITS, pf_connect, pf_bits_abc,
		    "550 5.7.1 TLS cipher strength unknown; 128 bits required for sender group partners | min_cipher_bits cipher_bits_unknown" },
		{ "bits empty fail closed", &BITS_T, pf_connect, pf_bits_empty,
		    "450 4.7.1 TLS cipher strength unknown; 128 bits required for sender group partners | min_cipher_bits cipher_bits_unknown" },
		{ "bits garbage without a minimum accepted", &REQ, pf_connect,
		    pf_bits_abc, "accept | none ok" },
		/* min_tls_version */
		{ "TLSv1.2 < TLSv1.3", &V13, pf_connect, pf_tls12_weak,
		    "550 5.7.1 TLS version TLSv1.2 below the TLSv1.3 required for sender group partners | min_tls_version tls_version_low" },
		{ "TLSv1.3 = TLSv1.3", &V13, pf_connect, pf_tls13,
		    "accept | none ok" },
		{ "TLSv1.3 > TLSv1.2 sendmail", &V12, sm_connect, sm_ok,
		    "accept | none ok" },
		{ "SSLv3 < TLSv1", &V10, pf_connect, pf_sslv3,
		    "550 5.7.1 TLS version SSLv3 below the TLSv1 required for sender group partners | min_tls_version tls_version_low" },
		{ "version garbage fail closed, reply sanitized", &V12,
		    pf_connect, pf_version_garbage,
		    "550 5.7.1 TLS version TLSv9??250?ok? unknown; TLSv1.2 required for sender group partners | min_tls_version tls_version_unknown" },
		/* client_cert */
		{ "cert required, postfix verified", &CC, pf_connect, pf_tls13,
		    "accept | none ok" },
		{ "cert required, postfix none", &CC, pf_connect, pf_tls13_nocert,
		    "550 5.7.1 TLS client certificate missing or not verified; required for sender group partners | client_cert client_cert_missing" },
		{ "cert required tempfail, postfix none", &CC_T, pf_connect,
		    pf_tls13_nocert,
		    "450 4.7.1 TLS client certificate missing or not verified; required for sender group partners | client_cert client_cert_missing" },
		{ "cert required, sendmail OK", &CC, sm_connect, sm_ok,
		    "accept | none ok" },
		{ "cert required, sendmail TRUSTED", &CC, sm_connect, sm_trusted,
		    "accept | none ok" },
		{ "cert required, sendmail FAIL", &CC, sm_connect, sm_fail,
		    "550 5.7.1 TLS client certificate did not verify; sender group partners requires a verified one | client_cert client_cert_unverified" },
		{ "cert required, sendmail NO", &CC, sm_connect, sm_no,
		    "550 5.7.1 TLS client certificate missing or not verified; required for sender group partners | client_cert client_cert_missing" },
		{ "cert optional, sendmail FAIL accepted", &OPT, sm_connect,
		    sm_fail, "accept | none ok" },
		{ "cert optional, none accepted", &OPT, pf_connect,
		    pf_tls13_nocert, "accept | none ok" },
		/* cert_subject */
		{ "CN rule, postfix CN", &SUBJ_CN, pf_connect, pf_tls13,
		    "accept | none ok" },
		{ "CN rule, sendmail via cn_subject", &SUBJ_CN, sm_connect, sm_ok,
		    "accept | none ok" },
		{ "CN rule, sendmail other CN", &SUBJ_CN, sm_connect, sm_other_org,
		    "550 5.7.1 TLS client certificate subject does not match the one required for sender group partners | cert_subject cert_subject_mismatch" },
		{ "CN rule needs verification, sendmail FAIL", &SUBJ_CN_ONLY,
		    sm_connect, sm_fail,
		    "550 5.7.1 TLS client certificate subject check needs a verified certificate for sender group partners | cert_subject client_cert_unverified" },
		{ "CN rule needs a certificate, postfix none", &SUBJ_CN_ONLY,
		    pf_connect, pf_tls13_nocert,
		    "550 5.7.1 TLS client certificate subject check needs a verified certificate for sender group partners | cert_subject client_cert_missing" },
		{ "CN rule never matches the tail of a sendmail DN", &SUBJ_CN,
		    sm_connect, sm_dn_tail,
		    "550 5.7.1 TLS client certificate subject does not match the one required for sender group partners | cert_subject cert_subject_mismatch" },
		{ "CN rule, sendmail without {cn_subject}: fail closed",
		    &SUBJ_CN_ONLY, sm_connect, sm_no_cn,
		    "550 5.7.1 TLS client certificate subject does not match the one required for sender group partners | cert_subject cert_subject_mismatch" },
		{ "sendmail default macros: no {verify}, no verified cert", &CC,
		    sm_connect, sm_default_helo,
		    "550 5.7.1 TLS client certificate did not verify; sender group partners requires a verified one | client_cert client_cert_unverified" },
		{ "DN rule, sendmail decoded DN", &SUBJ_DN, sm_connect, sm_ok,
		    "accept | none ok" },
		{ "DN rule cannot match postfix CN", &SUBJ_DN, pf_connect, pf_tls13,
		    "550 5.7.1 TLS client certificate subject does not match the one required for sender group partners | cert_subject cert_subject_mismatch" },
		{ "DN rule, sendmail other DN", &SUBJ_DN, sm_connect, sm_other_org,
		    "550 5.7.1 TLS client certificate subject does not match the one required for sender group partners | cert_subject cert_subject_mismatch" },
		/* cert_issuer */
		{ "issuer CN, postfix", &ISS_CN, pf_connect, pf_tls13,
		    "accept | none ok" },
		{ "issuer CN, sendmail via cn_issuer", &ISS_CN, sm_connect, sm_ok,
		    "accept | none ok" },
		{ "issuer CN, sendmail other", &ISS_CN, sm_connect, sm_other_org,
		    "550 5.7.1 TLS client certificate issuer does not match the one required for sender group partners | cert_issuer cert_issuer_mismatch" },
		{ "issuer CN tempfail, sendmail other", &ISS_CN_T, sm_connect,
		    sm_other_org,
		    "450 4.7.1 TLS client certificate issuer does not match the one required for sender group partners | cert_issuer cert_issuer_mismatch" },
		{ "issuer DN, sendmail", &ISS_DN, sm_connect, sm_ok,
		    "accept | none ok" },
		{ "issuer DN, postfix CN only", &ISS_DN, pf_connect, pf_tls13,
		    "550 5.7.1 TLS client certificate issuer does not match the one required for sender group partners | cert_issuer cert_issuer_mismatch" },
		/* all at once: the first failing requirement is named */
		{ "all requirements, postfix", &ALL, pf_connect, pf_tls13,
		    "accept | none ok" },
		{ "all requirements, sendmail", &ALL, sm_connect, sm_ok,
		    "accept | none ok" },
		{ "all requirements, weak: version named first", &ALL, pf_connect,
		    pf_tls12_weak,
		    "550 5.7.1 TLS version TLSv1.2 below the TLSv1.3 required for sender group partners | min_tls_version tls_version_low" },
	};
	char	buf[512];
	size_t	i;

	for (i = 0; i < N(cases); i++) {
		struct sender_group g;
		struct session_facts f;
		struct tls_verdict v;

		make_group(&g, "partners", cases[i].g);
		fixture_facts(&f, cases[i].connect, cases[i].tls, NULL);
		policy_tls_verdict(&g, &f, &v);
		is_string(verdict_text(&v, buf, sizeof(buf)), cases[i].want,
		    "verdict: %s", cases[i].name);
		fixture_group_free(&g);
	}
}

static void
test_verdict_edges(void)
{
	struct sender_group g;
	struct session_facts f;
	struct tls_verdict v;
	char	buf[512];

	fixture_facts(&f, pf_connect, NULL, NULL);
	policy_tls_verdict(NULL, &f, &v);
	is_string(verdict_text(&v, buf, sizeof(buf)), "accept | none no_group",
	    "no group: accept");
	is_string(tls_verdict_action(&v), "accept", "action word accept");

	make_group(&g, "evil\r\n250 ok %s", &BITS_T);
	fixture_facts(&f, pf_connect, pf_tls12_weak, NULL);
	policy_tls_verdict(&g, &f, &v);
	is_string(v.text, "TLS cipher strength 112 bits below the 128 required "
	    "for sender group evil??250 ok ?s",
	    "group name sanitized in the reply");
	is_string(tls_verdict_action(&v), "tempfail", "action word tempfail");
	ok(v.temporary, "tempfail verdict is temporary");
	fixture_group_free(&g);
}

/* ---- certificate patterns and xtext ----------------------------------- */

static void
test_cert_patterns(void)
{
	static const struct {
		const char *pattern, *text;
		bool	want;
	} cases[] = {
		{ "*.partner.test", "mta.partner.test", true },
		{ "*.partner.test", "a.b.partner.test", true },
		{ "*.partner.test", "partner.test", false },
		{ "*.partner.test", "mta.partner.test.evil", false },
		{ "mta.partner.test", "MTA.Partner.TEST", true },
		{ "mta.partner.test", "mta.partner.tes", false },
		{ "mta.partner.test", "mta.partner.testx", false },
		{ "/C=DE/O=Partner GmbH/CN=*", "/C=DE/O=Partner GmbH/CN=mta.partner.test", true },
		{ "/C=DE/O=Partner GmbH/CN=*", "/C=DE/O=Partner GmbHX/CN=a", false },
		{ "*/CN=mta.partner.test", "/C=DE/CN=mta.partner.test", true },
		{ "*", "", true },
		{ "", "", true },
		{ "", "x", false },
		{ "a*b*c", "aXbYc", true },
		{ "a*b*c", "aXbY", false },
		{ "**a", "a", true },
		{ "a*", "a", true },
		{ "*a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false },
	};
	size_t	i;

	for (i = 0; i < N(cases); i++) {
		bool	got = cert_pattern_match(cases[i].pattern, cases[i].text);

		ok(got == cases[i].want, "pattern \"%s\" vs \"%s\": got %s, want %s",
		    cases[i].pattern, cases[i].text, got ? "match" : "no match",
		    cases[i].want ? "match" : "no match");
	}
	ok(!cert_pattern_match(NULL, "x") && !cert_pattern_match("*", NULL),
	    "NULL pattern or text never matches");
}

static void
test_xtext(void)
{
	static const struct {
		const char *in;
		bool	ok;
		const char *want;
	} cases[] = {
		{ "/C=DE/O=Partner+20GmbH/CN=mta.partner.test", true,
		    "/C=DE/O=Partner GmbH/CN=mta.partner.test" },
		{ "a+2Bb", true, "a+b" },
		{ "a+2bb", true, "a+b" },
		{ "+C3+A9", true, "\xc3\xa9" },
		{ "", true, "" },
		{ "a+2", false, "" },
		{ "a+", false, "" },
		{ "a+zz", false, "" },
		{ "a+00b", false, "" },
		{ "a+0D+0AX-Evil", false, "" },
		{ "a+7F", false, "" },
	};
	char	out[64], small[4];
	size_t	i;

	for (i = 0; i < N(cases); i++) {
		bool	r = xtext_decode(cases[i].in, out, sizeof(out));

		if (cases[i].ok)
			is_string(r ? out : "(refused)", cases[i].want,
			    "xtext \"%s\"", cases[i].in);
		else
			ok(!r && out[0] == '\0', "xtext \"%s\" refused (got %s)",
			    cases[i].in, r ? out : "refused");
	}
	ok(!xtext_decode("abcd", small, sizeof(small)),
	    "xtext longer than the buffer refused");
	ok(xtext_decode("abc", small, sizeof(small)) &&
	    strcmp(small, "abc") == 0, "xtext that just fits decoded");
}

/* ---- header, log line, alert key ------------------------------------- */

static const struct macro pf_hostile[] = {
	{ "{tls_version}", "TLSv1.3" },
	{ "{cipher}", "AES; evil=1\r\nX-Injected: yes" },
	{ "{cipher_bits}", "abc" },
	{ "{cert_subject}", "a b\"c\\" }, { NULL, NULL },
};

static void
test_header(void)
{
	static const struct {
		const char *name;
		const char *group;	/* NULL: no group */
		const struct gdef *g;
		const struct macro *connect, *tls;
		const char *want;
	} cases[] = {
		{ "postfix TLSv1.3 verified", "partners", &CC, pf_connect, pf_tls13,
		    "group=partners; policy=required; version=TLSv1.3; cipher=TLS_AES_256_GCM_SHA384; bits=256; client-cert=verified" },
		{ "sendmail FAIL", "partners", &OPT, sm_connect, sm_fail,
		    "group=partners; policy=required; version=TLSv1.3; cipher=TLS_AES_256_GCM_SHA384; bits=256; client-cert=unverified" },
		{ "sendmail no certificate", "default", &PREF, sm_connect, sm_no,
		    "group=default; policy=preferred; version=TLSv1.3; cipher=TLS_AES_256_GCM_SHA384; bits=256; client-cert=none" },
		{ "plaintext", "default", &PREF, pf_connect, NULL,
		    "group=default; policy=preferred; version=none" },
		{ "no group", NULL, NULL, pf_connect, NULL,
		    "group=none; policy=none; version=none" },
		{ "hostile macros and group name", "a; b=c\r\n", &PREF, pf_connect,
		    pf_hostile,
		    "group=a??b?c??; policy=preferred; version=TLSv1.3; cipher=AES??evil?1??X-Injected:?yes; bits=unknown; client-cert=verified" },
	};
	char	buf[512], small[32];
	size_t	i;

	for (i = 0; i < N(cases); i++) {
		struct sender_group g;
		struct session_facts f;
		bool	r;

		if (cases[i].group)
			make_group(&g, cases[i].group, cases[i].g);
		fixture_facts(&f, cases[i].connect, cases[i].tls, NULL);
		r = tls_header_value(buf, sizeof(buf),
		    cases[i].group ? &g : NULL, &f);
		is_string(r ? buf : "(truncated)", cases[i].want, "header: %s",
		    cases[i].name);
		ok(strpbrk(buf, "\r\n") == NULL, "header: %s: one line",
		    cases[i].name);
		if (cases[i].group)
			fixture_group_free(&g);
	}
	{
		struct session_facts f;

		fixture_facts(&f, pf_connect, pf_tls13, NULL);
		ok(!tls_header_value(small, sizeof(small), NULL, &f) &&
		    strlen(small) == sizeof(small) - 1,
		    "header: truncation reported (%s)", small);
	}
}

static void
test_log_line(void)
{
	static const struct {
		const char *name;
		const char *group;
		const struct gdef *g;
		const struct macro *connect, *tls;
		const char *want;
	} cases[] = {
		{ "postfix accept", "partners", &CC, pf_connect, pf_tls13,
		    "group=partners policy=required client=192.0.2.7 tls=TLSv1.3 "
		    "cipher=TLS_AES_256_GCM_SHA384 bits=256 client_cert=verified "
		    "cert_subject=mta.partner.test cert_issuer=\"Partner CA\" "
		    "action=accept requirement=none reason=ok" },
		{ "plaintext refused", "partners", &REQ, pf_connect, NULL,
		    "group=partners policy=required client=192.0.2.7 tls=none "
		    "client_cert=none action=reject requirement=tls reason=no_tls "
		    "code=530 dsn=5.7.0" },
		{ "sendmail unverified certificate, mapped address", "partners", &BITS_T,
		    sm_connect, sm_fail,
		    "group=partners policy=required client=192.0.2.7 tls=TLSv1.3 "
		    "cipher=TLS_AES_256_GCM_SHA384 bits=256 client_cert=unverified "
		    "cert_subject=\"/C=DE/O=Partner GmbH/CN=mta.partner.test\" "
		    "action=accept requirement=none reason=ok" },
		{ "garbage bits refused", "partners", &BITS_T, pf_connect,
		    pf_bits_garbage,
		    "group=partners policy=required client=192.0.2.7 tls=TLSv1.3 "
		    "cipher=TLS_AES_256_GCM_SHA384 bits=unknown client_cert=none "
		    "action=tempfail requirement=min_cipher_bits "
		    "reason=cipher_bits_unknown code=450 dsn=4.7.1" },
		{ "hostile values escaped", "two words", &PREF, pf_connect,
		    pf_hostile,
		    "group=\"two words\" policy=preferred client=192.0.2.7 "
		    "tls=TLSv1.3 cipher=AES??evil?1??X-Injected:?yes bits=unknown "
		    "client_cert=verified cert_subject=\"a b\\\"c\\\\\" "
		    "action=accept requirement=none reason=ok" },
		{ "no group", NULL, NULL, pf_connect, NULL,
		    "group=none policy=none client=192.0.2.7 tls=none "
		    "client_cert=none action=accept requirement=none "
		    "reason=no_group" },
	};
	char	buf[1024];
	size_t	i;

	for (i = 0; i < N(cases); i++) {
		struct sender_group g;
		struct session_facts f;
		struct tls_verdict v;
		bool	r;

		if (cases[i].group)
			make_group(&g, cases[i].group, cases[i].g);
		fixture_facts(&f, cases[i].connect, cases[i].tls, NULL);
		policy_tls_verdict(cases[i].group ? &g : NULL, &f, &v);
		r = tls_log_line(buf, sizeof(buf), cases[i].group ? &g : NULL,
		    &f, &v);
		is_string(r ? buf : "(truncated)", cases[i].want, "log: %s",
		    cases[i].name);
		if (cases[i].group)
			fixture_group_free(&g);
	}
	{
		struct session_facts f;
		struct tls_verdict v;
		char	small[40];

		fixture_facts(&f, pf_connect, pf_tls13, NULL);
		policy_tls_verdict(NULL, &f, &v);
		ok(!tls_log_line(small, sizeof(small), NULL, &f, &v) &&
		    strlen(small) < sizeof(small),
		    "log: truncation reported (%s)", small);
	}
}

static void
test_alert_key(void)
{
	static const struct macro v6[] = {
		{ "{client_addr}", "IPv6:2001:DB8::25" }, { NULL, NULL },
	};
	static const struct {
		const char *name;
		const char *group;
		const struct macro *connect;
		const char *want;
	} cases[] = {
		{ "IPv4", "partners", pf_connect,
		    "tls-required group=partners client=192.0.2.7" },
		{ "IPv4-mapped shares the IPv4 key", "partners", sm_connect,
		    "tls-required group=partners client=192.0.2.7" },
		{ "IPv6 canonical", "partners", v6,
		    "tls-required group=partners client=2001:db8::25" },
		{ "no address", "two words", NULL,
		    "tls-required group=\"two words\" client=unknown" },
	};
	char	buf[256];
	size_t	i;

	for (i = 0; i < N(cases); i++) {
		struct sender_group g;
		struct session_facts f;
		bool	r;

		make_group(&g, cases[i].group, &REQ);
		fixture_facts(&f, cases[i].connect, NULL, NULL);
		r = tls_alert_key(buf, sizeof(buf), &g, &f);
		is_string(r ? buf : "(truncated)", cases[i].want, "alert key: %s",
		    cases[i].name);
		fixture_group_free(&g);
	}
}

int
main(void)
{
	plan_lazy();
	test_verdicts();
	test_verdict_edges();
	test_cert_patterns();
	test_xtext();
	test_header();
	test_log_line();
	test_alert_key();
	return done_testing();
}
