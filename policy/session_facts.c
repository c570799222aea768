/*
 * session_facts - see session_facts.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf/words.h"
#include "lib/cidr.h"
#include "policy/safe_text.h"
#include "policy/session_facts.h"
#include "policy/xtext.h"

/* A cipher of more bits than this is not a real cipher: garbage. */
#define BITS_MAX 65535

void
session_facts_init(struct session_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->mta = MTA_UNKNOWN;
	f->verify = VERIFY_ABSENT;
	f->sender = SENDER_UNKNOWN;
}

bool
facts_parse_bits(const char *s, unsigned *out)
{
	unsigned long v = 0;

	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		/* Checked on every digit, so v never wraps. */
		if (v > BITS_MAX)
			return false;
	}
	*out = (unsigned)v;
	return true;
}

bool
facts_parse_tls_version(const char *s, enum tls_version *out)
{
	int	v;

	if (s == NULL)
		return false;
	/* What OpenSSL's SSL_get_version() says, as both MTAs pass it on. */
	if (strcmp(s, "SSLv3") == 0 || strcmp(s, "SSLv2") == 0) {
		*out = TLSV_ANY;
		return true;
	}
	if (!word_parse(words_tls_version, s, &v) || v == TLSV_ANY)
		return false;
	*out = (enum tls_version)v;
	return true;
}

static void
detect_mta(struct session_facts *f, macro_lookup_fn get, void *arg)
{
	/* Postfix sends {client_resolve} too: it proves nothing here. */
	static const char *const sendmail_only[] = {
		"{verify}", "{cn_subject}", "{cn_issuer}",
	};
	const char *v = get(arg, "v");
	size_t	i;

	if (v != NULL) {
		if (strncasecmp(v, "Postfix", 7) == 0)
			f->mta = MTA_POSTFIX;
		else if (isdigit((unsigned char)v[0]))
			f->mta = MTA_SENDMAIL;
	}
	if (f->mta != MTA_UNKNOWN)
		return;
	for (i = 0; i < sizeof(sendmail_only) / sizeof(sendmail_only[0]); i++)
		if (get(arg, sendmail_only[i]) != NULL) {
			f->mta = MTA_SENDMAIL;
			return;
		}
}

/* A host name as used for matching: letters, digits, '-', '_', '.',
 * non-empty labels; copied lower-case without a trailing dot. */
static bool
copy_hostname(char *out, size_t outsz, const char *s, size_t len)
{
	size_t	i, label = 0;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len >= outsz)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_')
			label++;
		else
			return false;
		out[i] = (char)tolower(c);
	}
	out[len] = '\0';
	return label > 0;
}

static void
set_name(struct session_facts *f, const char *s, size_t len)
{
	f->client_name[0] = '\0';
	/* "[192.0.2.1]" is Sendmail's name for a client without one. */
	if (len == 0 || s[0] == '[')
		return;
	if (!copy_hostname(f->client_name, sizeof(f->client_name), s, len)) {
		f->client_name[0] = '\0';
		f->bad |= FACT_BAD_NAME;
	}
}

/*
 * "_" reads "[ident@]name [addr]" and may end in "(may be forged)" (both
 * MTAs write it so when the forward look-up of the name did not confirm
 * the address).
 */
static void
read_underscore(struct session_facts *f, const char *u, bool have_name)
{
	const char *host = u, *at, *sp;

	f->have_underscore = true;
	f->underscore_forged = strstr(u, "(may be forged)") != NULL;
	if (have_name)
		return;
	sp = strchr(u, ' ');
	at = memchr(u, '@', sp ? (size_t)(sp - u) : strlen(u));
	if (at)
		host = at + 1;
	set_name(f, host, sp ? (size_t)(sp - host) : strlen(host));
}

static void
compute_verified(struct session_facts *f)
{
	bool	v;

	if (f->client_name[0] == '\0' || strcmp(f->client_name, "unknown") == 0)
		v = false;
	else if (f->have_resolve)
		v = f->resolve_ok;
	else if (f->have_underscore && f->underscore_forged)
		v = false;	/* both MTAs: the forward look-up disagreed */
	else if (f->mta == MTA_POSTFIX)
		v = true;
	else
		v = f->have_underscore && !f->underscore_forged;
	f->name_verified = v;
}

static void
read_client(struct session_facts *f, macro_lookup_fn get, void *arg)
{
	const char *addr = get(arg, "{client_addr}");
	const char *name = get(arg, "{client_name}");
	const char *resolve = get(arg, "{client_resolve}");
	const char *u = get(arg, "_");

	if (addr != NULL)
		(void)session_facts_set_addr(f, addr);
	if (name != NULL)
		set_name(f, name, strlen(name));
	if (resolve != NULL) {
		f->have_resolve = true;
		f->resolve_ok = strcmp(resolve, "OK") == 0;
	}
	if (u != NULL)
		read_underscore(f, u, name != NULL || f->client_name[0] != '\0');
	compute_verified(f);
}

/* s copied as it is when it fits and holds no control character (a
 * value cut or changed would be another name); false otherwise. */
static bool
copy_exact(char *out, size_t outsz, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p >= 0x20 && *p != 0x7f; p++)
		;
	if (*p != '\0' || (size_t)(p - (const unsigned char *)s) >= outsz)
		return false;
	memcpy(out, s, (size_t)(p - (const unsigned char *)s) + 1);
	return true;
}

static void
read_listener(struct session_facts *f, macro_lookup_fn get, void *arg)
{
	const char *name = get(arg, "{daemon_name}");
	const char *addr = get(arg, "{daemon_addr}");
	const char *port = get(arg, "{daemon_port}");
	unsigned value;

	if (name != NULL) {
		f->daemon_name[0] = '\0';
		if (strchr(name, ' ') != NULL || !copy_exact(f->daemon_name,
		    sizeof(f->daemon_name), name)) {
			f->daemon_name[0] = '\0';
			f->bad |= FACT_BAD_LISTENER;
		}
	}
	if (addr != NULL) {
		f->have_daemon_addr = cidr_parse_addr(addr, f->daemon_addr);
		if (!f->have_daemon_addr)
			f->bad |= FACT_BAD_LISTENER;
	}
	if (port != NULL) {
		f->daemon_port = 0;
		/* Digits only, at most 65535: a port number. */
		if (facts_parse_bits(port, &value) && value > 0)
			f->daemon_port = value;
		else
			f->bad |= FACT_BAD_LISTENER;
	}
}

static void
read_auth(struct session_facts *f, macro_lookup_fn get, void *arg)
{
	const char *type = get(arg, "{auth_type}");
	const char *authen = get(arg, "{auth_authen}");

	if (type != NULL) {
		f->authenticated = *type != '\0';
		safe_text_copy(f->auth_type, sizeof(f->auth_type), type,
		    SAFE_HEADER_BAD);
	}
	if (authen != NULL) {
		safe_text_copy(f->auth_authen, sizeof(f->auth_authen), authen,
		    NULL);
		f->auth_login[0] = '\0';
		if (!copy_exact(f->auth_login, sizeof(f->auth_login), authen))
			f->bad |= FACT_BAD_AUTH_LOGIN;
	}
}

static enum cert_verify
parse_verify(const char *s)
{
	static const struct word words[] = {
		{ "OK", VERIFY_OK }, { "TRUSTED", VERIFY_TRUSTED },
		{ "NO", VERIFY_NO }, { "NOT", VERIFY_NOT },
		{ "NONE", VERIFY_NONE }, { "FAIL", VERIFY_FAIL },
		{ "TEMP", VERIFY_OTHER }, { "PROTOCOL", VERIFY_OTHER },
		{ "SOFTWARE", VERIFY_OTHER }, { "CLEAR", VERIFY_OTHER },
		{ NULL, 0 },
	};
	int	v;

	return word_parse(words, s, &v) ? (enum cert_verify)v : VERIFY_ABSENT;
}

static void
read_dn(struct fact_dn *dn, const char *s, enum mta_kind mta, unsigned *bad,
    unsigned badbit)
{
	bool	good;
	const unsigned char *p;

	if (s == NULL)
		return;
	if (mta == MTA_SENDMAIL)
		good = xtext_decode(s, dn->v, sizeof(dn->v));
	else {
		good = strlen(s) < sizeof(dn->v);
		for (p = (const unsigned char *)s; good && *p; p++)
			if (*p < 0x20 || *p == 0x7f)
				good = false;
		if (good)
			strcpy(dn->v, s);
	}
	if (good)
		dn->state = DN_OK;
	else {
		dn->state = DN_BAD;
		dn->v[0] = '\0';
		*bad |= badbit;
	}
}

/*
 * Sendmail clears its TLS macros to "" at the start of a session and may
 * send them so; an empty value is therefore "not set", like a missing one.
 */
static const char *
get_set(macro_lookup_fn get, void *arg, const char *name)
{
	const char *v = get(arg, name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static void
read_tls(struct session_facts *f, macro_lookup_fn get, void *arg)
{
	const char *version = get_set(get, arg, "{tls_version}");
	const char *cipher = get_set(get, arg, "{cipher}");
	const char *bits = get_set(get, arg, "{cipher_bits}");
	const char *verify = get_set(get, arg, "{verify}");

	if (version != NULL) {
		safe_text_copy(f->tls_version_name, sizeof(f->tls_version_name),
		    version, SAFE_HEADER_BAD);
		f->tls_version_known = facts_parse_tls_version(version,
		    &f->tls_version);
		if (!f->tls_version_known)
			f->bad |= FACT_BAD_TLS_VERSION;
	}
	if (cipher != NULL)
		safe_text_copy(f->cipher, sizeof(f->cipher), cipher,
		    SAFE_HEADER_BAD);
	if (bits != NULL) {
		f->cipher_bits_known = facts_parse_bits(bits, &f->cipher_bits);
		if (!f->cipher_bits_known) {
			f->cipher_bits = 0;
			f->bad |= FACT_BAD_CIPHER_BITS;
		}
	}
	if (verify != NULL) {
		f->verify = parse_verify(verify);
		if (f->verify == VERIFY_ABSENT) {
			/* Present but unknown: never "verified". */
			f->verify = VERIFY_OTHER;
			f->bad |= FACT_BAD_VERIFY;
		}
	}
	f->tls = f->tls_version_name[0] != '\0' || f->cipher[0] != '\0';
	read_dn(&f->cert_subject, get_set(get, arg, "{cert_subject}"), f->mta, &f->bad,
	    FACT_BAD_CERT_SUBJECT);
	read_dn(&f->cert_issuer, get_set(get, arg, "{cert_issuer}"), f->mta, &f->bad,
	    FACT_BAD_CERT_ISSUER);
	read_dn(&f->cn_subject, get_set(get, arg, "{cn_subject}"), f->mta, &f->bad,
	    FACT_BAD_CN_SUBJECT);
	read_dn(&f->cn_issuer, get_set(get, arg, "{cn_issuer}"), f->mta, &f->bad,
	    FACT_BAD_CN_ISSUER);
}

void
session_facts_update(struct session_facts *f, macro_lookup_fn get, void *arg)
{
	/* The MTA first: it decides how the other macros read. */
	detect_mta(f, get, arg);
	read_client(f, get, arg);
	read_listener(f, get, arg);
	read_auth(f, get, arg);
	read_tls(f, get, arg);
}

bool
session_facts_set_addr(struct session_facts *f, const char *addr)
{
	f->have_addr = cidr_parse_addr(addr, f->addr);
	if (!f->have_addr) {
		memset(f->addr, 0, sizeof(f->addr));
		f->bad |= FACT_BAD_ADDR;
	}
	return f->have_addr;
}

void
session_facts_set_sender(struct session_facts *f, const char *envfrom)
{
	f->sender = sender_domain_parse(envfrom, f->sender_domain,
	    sizeof(f->sender_domain));
	if (f->sender == SENDER_NO_DOMAIN)
		f->bad |= FACT_BAD_SENDER;
}

enum ccert_state
session_facts_client_cert(const struct session_facts *f)
{
	switch (f->verify) {
	case VERIFY_OK:
	case VERIFY_TRUSTED:
		return CCS_VERIFIED;
	case VERIFY_FAIL:
	case VERIFY_OTHER:
		return CCS_UNVERIFIED;
	case VERIFY_NO:
	case VERIFY_NOT:
	case VERIFY_NONE:
		return CCS_NONE;
	case VERIFY_ABSENT:
		break;
	}
	if (f->cert_subject.state == DN_ABSENT)
		return CCS_NONE;
	/* Only Postfix's {cert_subject} implies verification. */
	return f->mta == MTA_POSTFIX ? CCS_VERIFIED : CCS_UNVERIFIED;
}

const char *
ccert_state_name(enum ccert_state s)
{
	switch (s) {
	case CCS_VERIFIED:
		return "verified";
	case CCS_UNVERIFIED:
		return "unverified";
	case CCS_NONE:
		break;
	}
	return "none";
}

const char *
mta_kind_name(enum mta_kind m)
{
	switch (m) {
	case MTA_POSTFIX:
		return "postfix";
	case MTA_SENDMAIL:
		return "sendmail";
	case MTA_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *
session_facts_addr_text(const struct session_facts *f, char *buf, size_t bufsz)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	char	tmp[INET6_ADDRSTRLEN];

	if (bufsz == 0)
		return buf;
	if (!f->have_addr)
		snprintf(buf, bufsz, "unknown");
	else if (memcmp(f->addr, mapped, sizeof(mapped)) == 0)
		snprintf(buf, bufsz, "%u.%u.%u.%u", f->addr[12], f->addr[13],
		    f->addr[14], f->addr[15]);
	else if (inet_ntop(AF_INET6, f->addr, tmp, sizeof(tmp)) != NULL)
		snprintf(buf, bufsz, "%s", tmp);
	else
		snprintf(buf, bufsz, "unknown");
	return buf;
}
