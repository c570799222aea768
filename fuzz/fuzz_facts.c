/*
 * fuzz_facts - the session facts (policy/session_facts.h) gathered from
 * any macro values an MTA (or a client, through them) may send.
 *
 * Input: macro values separated by NUL bytes, given in the order of the
 * names below (an empty value is absent); then the envelope sender after
 * one more NUL, when present.
 *
 * Invariants: the facts are bounded, NUL-terminated strings without
 * control characters (they go into logs, header fields and reply texts;
 * the verified client name also into group matching): the client name
 * lower-case without a final dot, never "unknown" nor a bracketed address
 * when verified, and verified only when named; the listener's name without
 * white space; a certificate name usable only when present and clean; a
 * client certificate verified only under a {verify} of OK or TRUSTED or
 * Postfix's {cert_subject}; the address text parses back; reading the same
 * macros again changes nothing.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "policy/session_facts.h"

#define FUZZ_FACTS_MAX	8192
#define FAIL(...)	fuzz_fail("facts", __VA_ARGS__)

static const char *const names[] = { "v", "_", "{client_addr}",
	"{client_name}", "{client_resolve}", "{daemon_name}",
	"{daemon_addr}", "{daemon_port}", "{tls_version}", "{cipher}",
	"{cipher_bits}", "{cert_subject}", "{cert_issuer}", "{verify}",
	"{cn_subject}", "{cn_issuer}", "{auth_type}", "{auth_authen}" };
#define NNAMES	(sizeof(names) / sizeof(names[0]))

struct macros {
	const char	*v[NNAMES];
};

static const char *
lookup(void *arg, const char *name)
{
	const struct macros *m = arg;
	size_t	i;

	for (i = 0; i < NNAMES; i++)
		if (strcmp(names[i], name) == 0)
			return m->v[i];
	return NULL;
}

static void
clean(const char *what, const char *s, size_t max)
{
	size_t	n = strnlen(s, max);

	if (n == max)
		FAIL("%s is not NUL-terminated within %zu bytes", what, max);
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			FAIL("%s holds 0x%02x", what, (unsigned char)*s);
}

static void
check(const struct session_facts *f, const struct macros *m)
{
	const struct fact_dn *dn[] = { &f->cert_subject, &f->cert_issuer,
	    &f->cn_subject, &f->cn_issuer };
	unsigned char a[16];
	char	buf[64];
	const char *s;
	size_t	i, n;

	clean("client name", f->client_name, sizeof(f->client_name));
	n = strlen(f->client_name);
	for (s = f->client_name; *s != '\0'; s++)
		if (isupper((unsigned char)*s))
			FAIL("client name '%s' not lower-case", f->client_name);
	if (n > 0 && f->client_name[n - 1] == '.')
		FAIL("client name '%s' ends in a dot", f->client_name);
	if (f->name_verified && (n == 0 || f->client_name[0] == '[' ||
	    strcmp(f->client_name, "unknown") == 0))
		FAIL("verified client name '%s'", f->client_name);
	clean("daemon name", f->daemon_name, sizeof(f->daemon_name));
	if (strpbrk(f->daemon_name, " \t") != NULL)
		FAIL("daemon name '%s' with white space", f->daemon_name);
	clean("auth type", f->auth_type, sizeof(f->auth_type));
	clean("auth authen", f->auth_authen, sizeof(f->auth_authen));
	clean("auth login", f->auth_login, sizeof(f->auth_login));
	clean("TLS version", f->tls_version_name, sizeof(f->tls_version_name));
	clean("cipher", f->cipher, sizeof(f->cipher));
	clean("sender domain", f->sender_domain, sizeof(f->sender_domain));
	for (i = 0; i < sizeof(dn) / sizeof(dn[0]); i++) {
		clean("certificate name", dn[i]->v, sizeof(dn[i]->v));
		if (dn[i]->state != DN_OK && dn[i]->v[0] != '\0')
			FAIL("certificate name '%s' kept while not usable",
			    dn[i]->v);
	}
	if (f->cipher_bits_known && f->cipher_bits > 65535)
		FAIL("cipher bits %u", f->cipher_bits);
	if (session_facts_client_cert(f) == CCS_VERIFIED &&
	    f->verify != VERIFY_OK && f->verify != VERIFY_TRUSTED &&
	    !(f->mta == MTA_POSTFIX && f->cert_subject.state != DN_ABSENT))
		FAIL("client certificate verified under {verify} %d",
		    (int)f->verify);
	s = session_facts_addr_text(f, buf, sizeof(buf));
	if (f->have_addr ? inet_pton(AF_INET, s, a) != 1 &&
	    inet_pton(AF_INET6, s, a) != 1 : strcmp(s, "unknown") != 0)
		FAIL("address text '%s'", s);
	(void)m;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	copy[FUZZ_FACTS_MAX + 1];
	struct macros m = { { NULL } };
	struct session_facts f, g;
	const char *sender = NULL;
	size_t	i = 0, off = 0, n;

	if (size > FUZZ_FACTS_MAX)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	while (off <= size && i <= NNAMES) {
		n = strlen(copy + off);
		if (i < NNAMES)
			m.v[i] = n > 0 ? copy + off : NULL;
		else
			sender = copy + off;
		i++;
		off += n + 1;
	}
	session_facts_init(&f);
	session_facts_update(&f, lookup, &m);
	if (sender != NULL)
		session_facts_set_sender(&f, sender);
	check(&f, &m);
	g = f;
	session_facts_update(&g, lookup, &m);
	if (memcmp(&f, &g, sizeof(f)) != 0)
		FAIL("reading the same macros again changed the facts");
	return 0;
}
