/*
 * test_policy_fuzz - hostile macros, senders and patterns in bulk.
 *
 * A fixed-seed generator feeds random bytes (and pieces of real macro
 * values) to the fact parser, the group walk, the verdict, the header,
 * the log line and the pattern matcher, and checks the properties every
 * output must keep whatever came in: SMTP replies printable, without '%',
 * with a code that agrees with their class; header values one line of
 * "key=value" pairs; log lines free of control characters; parsed names
 * and domains made of host-name characters only. Run under ASan/UBSan in
 * CI, it also shows that nothing reads or writes out of bounds.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/xalloc.h"
#include "policy/cert_pattern.h"
#include "policy/group_match.h"
#include "policy/session_facts.h"
#include "policy/tls_header.h"
#include "policy/tls_log.h"
#include "policy/tls_verdict.h"
#include "t/policy_fixture.h"
#include "t/tap.h"

#define ROUNDS 4000

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	/* xorshift64*: deterministic, so a failure can be replayed. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 32);
}

static const char *const pieces[] = {
	"TLSv1.3", "TLSv1.2", "TLSv1", "SSLv3", "256", "128", "OK", "FAIL",
	"NO", "TRUSTED", "+20", "+2", "+0A", "/C=DE/O=Partner", "/CN=", "*",
	"mx.partner.test", "unknown", "[192.0.2.1]", "192.0.2.7",
	"IPv6:2001:db8::1", "::ffff:192.0.2.1", "(may be forged)", "@", "\"",
	"\\", "<", ">", ":", ";", "=", "%", "\r\n", " ", ".", "..", "Postfix",
	"8.17.1",
};

/* A random string into buf: pieces, random bytes, or both. */
static char *
rand_string(char *buf, size_t sz)
{
	size_t	len = rnd() % (rnd() % 8 == 0 ? sz - 1 : 64), o = 0;

	while (o < len) {
		if (rnd() % 3 == 0) {
			const char *p = pieces[rnd() % (sizeof(pieces) /
			    sizeof(pieces[0]))];
			size_t	n = strlen(p);

			if (o + n > len)
				break;
			memcpy(buf + o, p, n);
			o += n;
		} else {
			char	c = (char)(rnd() % 255 + 1);	/* no NUL */

			buf[o++] = c;
		}
	}
	buf[o] = '\0';
	return buf;
}

static const char *const names[] = {
	"v", "_", "{client_addr}", "{client_name}", "{client_resolve}",
	"{auth_type}", "{auth_authen}", "{tls_version}", "{cipher}",
	"{cipher_bits}", "{cert_subject}", "{cert_issuer}", "{verify}",
	"{cn_subject}", "{cn_issuer}",
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static bool
printable(const char *s, const char *bad)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e ||
		    (bad && strchr(bad, *s)))
			return false;
	return true;
}

/* log_value() passes bytes >= 0x80 (UTF-8 names) and escapes the rest. */
static bool
no_controls(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return false;
	return true;
}

static bool
hostname_chars(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '.' || *s == '-' || *s == '_'))
			return false;
	return true;
}

static bool
reply_ok(const struct tls_verdict *v)
{
	if (v->accept)
		return v->rcode[0] == '\0' && v->text[0] == '\0';
	return strlen(v->rcode) == 3 && v->rcode[0] == (v->temporary ? '4' : '5') &&
	    v->xcode[0] == v->rcode[0] && v->xcode[1] == '.' &&
	    v->text[0] != '\0' && printable(v->text, "%") &&
	    v->requirement != NULL && v->reason != NULL;
}

/* "k=v; k=v": printable, no CR/LF, every part one '=' and no stray ';'. */
static bool
header_ok(const char *h)
{
	const char *p = h;

	if (!printable(h, NULL))
		return false;
	while (*p) {
		const char *end = strstr(p, "; ");
		size_t	len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);

		if (eq == NULL || memchr(eq + 1, '=', len - (size_t)(eq + 1 - p)) ||
		    memchr(p, ';', len))
			return false;
		p += len;
		if (*p)
			p += 2;
	}
	return true;
}

int
main(void)
{
	static char values[NNAMES][2048];
	struct macro macros[NNAMES + 1];
	struct sender_group groups[3];
	unsigned bad_reply = 0, bad_header = 0, bad_log = 0, bad_name = 0,
	    bad_domain = 0, bad_key = 0;
	char	header[512], line[4096], key[512], sender[600], pat[80], text[200];
	size_t	i, k, n;

	plan_lazy();
	fixture_group(&groups[0], "partners", "host=.partner.test ip=192.0.2.0/24");
	fixture_group(&groups[1], "senders", "domain=.partner.test auth");
	fixture_group(&groups[2], "default", "any");
	groups[0].tls = TLS_REQUIRED;
	groups[0].client_cert = CCERT_REQUIRED;
	groups[0].min_cipher_bits = 128;
	groups[0].min_tls_version = TLSV_1_2;
	groups[0].cert_subject = x_strdup("*.partner.test");
	groups[0].cert_issuer = x_strdup("/C=DE/*");
	groups[1].tls = TLS_PREFERRED;
	groups[1].on_failure = ONFAIL_TEMPFAIL;
	groups[1].min_tls_version = TLSV_1_3;
	groups[2].tls = TLS_PREFERRED;

	for (i = 0; i < ROUNDS; i++) {
		struct session_facts f;
		struct group_choice c;
		struct tls_verdict v;

		for (k = n = 0; k < NNAMES; k++)
			if (rnd() % 3 != 0) {
				macros[n].name = names[k];
				macros[n].value = rand_string(values[k],
				    sizeof(values[k]));
				n++;
			}
		macros[n].name = macros[n].value = NULL;
		fixture_facts(&f, macros, NULL, rand_string(sender, sizeof(sender)));
		if (!hostname_chars(f.client_name))
			bad_name++;
		if (!hostname_chars(f.sender_domain))
			bad_domain++;
		group_match_list(groups, 3, &f, rnd() % 2, &c);
		for (k = 0; k < 3; k++) {
			policy_tls_verdict(&groups[k], &f, &v);
			if (!reply_ok(&v))
				bad_reply++;
			tls_header_value(header, sizeof(header), &groups[k], &f);
			if (!header_ok(header))
				bad_header++;
			tls_log_line(line, sizeof(line), &groups[k], &f, &v);
			if (!no_controls(line))
				bad_log++;
			tls_alert_key(key, sizeof(key), &groups[k], &f);
			if (!printable(key, NULL))
				bad_key++;
		}
		(void)cert_pattern_match(rand_string(pat, sizeof(pat)),
		    rand_string(text, sizeof(text)));
	}
	is_uint(bad_reply, 0, "%d rounds: every reply printable, no %%, code "
	    "matches its class", ROUNDS);
	is_uint(bad_header, 0, "%d rounds: every header value one line of "
	    "key=value pairs", ROUNDS);
	is_uint(bad_log, 0, "%d rounds: every log line free of control "
	    "characters", ROUNDS);
	is_uint(bad_key, 0, "%d rounds: every alert key printable", ROUNDS);
	is_uint(bad_name, 0, "%d rounds: client names only host-name "
	    "characters", ROUNDS);
	is_uint(bad_domain, 0, "%d rounds: sender domains only host-name "
	    "characters", ROUNDS);
	/* The generator does reach the interesting states. */
	{
		unsigned tls = 0, verified = 0, refused = 0;

		rng = 0x9e3779b97f4a7c15ULL;
		for (i = 0; i < ROUNDS; i++) {
			struct session_facts f;
			struct tls_verdict v;

			for (k = n = 0; k < NNAMES; k++)
				if (rnd() % 3 != 0) {
					macros[n].name = names[k];
					macros[n].value = rand_string(values[k],
					    sizeof(values[k]));
					n++;
				}
			macros[n].name = macros[n].value = NULL;
			fixture_facts(&f, macros, NULL,
			    rand_string(sender, sizeof(sender)));
			tls += f.tls;
			verified += f.name_verified;
			policy_tls_verdict(&groups[0], &f, &v);
			refused += !v.accept;
			(void)rand_string(pat, sizeof(pat));
			(void)rand_string(text, sizeof(text));
		}
		ok(tls > 0 && refused > 0, "generator reaches TLS sessions (%u) "
		    "and refusals (%u); verified names: %u", tls, refused,
		    verified);
	}
	for (k = 0; k < 3; k++)
		fixture_group_free(&groups[k]);
	return done_testing();
}
