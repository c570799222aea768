/*
 * session_facts - what the MTA told gatewarden about an SMTP session.
 *
 * The milter gathers these facts from the MTA's macros at each stage and
 * hands them to the policy functions (group_match.h, tls_verdict.h), which
 * never see libmilter. Every string is COPIED into a fixed, bounded buffer
 * inside the struct: libmilter's macro values live only until the callback
 * returns, and a struct that owns its bytes can be kept for the whole
 * connection. The struct holds no pointers and needs no freeing; zeroing it
 * (session_facts_init) is a valid "nothing known yet" state.
 *
 * session_facts_update() reads every macro that the lookup function knows
 * (names spelled as for smfi_getsymval: "{client_addr}", "v", "_") and
 * overwrites the facts of the macros that are present; absent macros leave
 * earlier facts alone, so it can be called at connect, HELO, MAIL and RCPT
 * with whatever the MTA sent at that stage. An empty TLS macro counts as
 * missing (Sendmail clears them to "" and may send them so). Values are
 * parsed into typed facts; a value that is present but unusable (garbage
 * cipher bits, an unknown TLS version, a broken xtext DN, an overlong
 * name) is recorded as such (FACT_BAD_* in .bad, for the log) and never
 * satisfies a requirement: policy fails closed on it.
 *
 * Which MTA: Postfix's "v" macro reads "Postfix 3.7.x"; Sendmail's is its
 * bare version number ("8.17.1"). When "v" is missing, a macro only
 * Sendmail sends ({verify}, {cn_subject}, {cn_issuer}) marks Sendmail
 * (Postfix sends {client_resolve} too).
 *
 * The listener the client reached: {daemon_name} (Postfix
 * milter_macro_daemon_name, default $myhostname, set per master.cf entry
 * with -o; Sendmail's DaemonPortOptions Name=, "MTA" and "MSA" by
 * default), {daemon_addr} and {daemon_port} (Postfix: the local end of
 * the connection; Sendmail: the address the daemon listens on, 0.0.0.0
 * for all). The MTA sets them, not the client: they say where the client
 * connected, nothing about who it is. A name with spaces or control
 * characters, an address or port that does not parse, is recorded as bad
 * and matches no listener condition.
 *
 * Verified client host name (the only kind group matching uses):
 *  - {client_resolve} present (Sendmail; Postfix too): verified only
 *    when it is "OK";
 *  - else a "_" macro ("name [addr]") marked "(may be forged)": never;
 *  - else Postfix: {client_name} is the verified name or "unknown" (and
 *    "_" without the mark names the verified name);
 *  - else (Sendmail without {client_resolve}, or MTA unknown): only when
 *    "_" was sent without the mark.
 * Without {client_name}, the name is taken from "_".
 * A bracketed address ("[192.0.2.1]", Sendmail's name for a client without
 * one) or "unknown" is never a verified name.
 *
 * Client certificate (session_facts_client_cert): under Sendmail {verify}
 * OK or TRUSTED means verified, FAIL/TEMP/PROTOCOL/SOFTWARE unverified,
 * NO/NOT/NONE/CLEAR none. Under Postfix, which sends {cert_subject} and
 * {cert_issuer} only for a certificate that verified against
 * smtpd_tls_CAfile (and then only the common name), a present
 * {cert_subject} means verified. With the MTA unknown and no {verify}, a
 * subject is "unverified": nothing proves it was checked.
 *
 * Sendmail xtext-encodes {cert_subject}, {cert_issuer}, {cn_subject} and
 * {cn_issuer} ("/C=DE/O=Partner+20GmbH/CN=mta.partner.test"): they are
 * decoded here when the MTA is Sendmail and kept as sent otherwise.
 */
#ifndef GW_SESSION_FACTS_H
#define GW_SESSION_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/config.h"
#include "policy/sender_domain.h"

#define FACT_NAME_MAX	256	/* host names, auth ids, common names */
#define FACT_TOKEN_MAX	64	/* TLS version, cipher, auth mechanism */
#define FACT_DN_MAX	1024	/* a decoded certificate DN */

/*
 * The macros session_facts_update() reads, per milter stage, for
 * smfi_setsymlist() (which REPLACES the MTA's list for a stage: the milter
 * adds its own, e.g. "i" and "j"). The TLS macros are asked for at MAIL as
 * well, so that a milter that negotiates the HELO stage away still sees
 * them (Postfix sends them to the HELO stage only unless asked).
 */
#define SESSION_MACROS_CONNECT	"v _ {client_addr} {client_name} {client_resolve} " \
	"{daemon_name} {daemon_addr} {daemon_port}"
#define SESSION_MACROS_TLS	"{tls_version} {cipher} {cipher_bits} " \
	"{cert_subject} {cert_issuer} {verify} {cn_subject} {cn_issuer}"
#define SESSION_MACROS_HELO	SESSION_MACROS_TLS
#define SESSION_MACROS_MAIL	"{auth_type} {auth_authen} " SESSION_MACROS_TLS

enum mta_kind { MTA_UNKNOWN, MTA_POSTFIX, MTA_SENDMAIL };

/* Sendmail's {verify} words; VERIFY_OTHER for TEMP, PROTOCOL, SOFTWARE,
 * CLEAR and anything unexpected. */
enum cert_verify { VERIFY_ABSENT, VERIFY_OK, VERIFY_TRUSTED, VERIFY_NO,
		   VERIFY_NOT, VERIFY_NONE, VERIFY_FAIL, VERIFY_OTHER };

/* What the session proved about a client certificate. */
enum ccert_state { CCS_NONE, CCS_UNVERIFIED, CCS_VERIFIED };

/* Macros that were present but refused (bit set in session_facts.bad). */
#define FACT_BAD_ADDR		0x0001
#define FACT_BAD_NAME		0x0002
#define FACT_BAD_TLS_VERSION	0x0004
#define FACT_BAD_CIPHER_BITS	0x0008
#define FACT_BAD_CERT_SUBJECT	0x0010
#define FACT_BAD_CERT_ISSUER	0x0020
#define FACT_BAD_CN_SUBJECT	0x0040
#define FACT_BAD_CN_ISSUER	0x0080
#define FACT_BAD_VERIFY		0x0100
#define FACT_BAD_SENDER		0x0200
#define FACT_BAD_LISTENER	0x0400
#define FACT_BAD_AUTH_LOGIN	0x0800

/* A certificate name: absent, present and usable, or present but refused
 * (broken xtext, control characters, too long: matches no rule). */
enum fact_dn_state { DN_ABSENT, DN_OK, DN_BAD };

struct fact_dn {
	enum fact_dn_state state;
	char		v[FACT_DN_MAX];	/* decoded; "" unless DN_OK */
};

struct session_facts {
	enum mta_kind	mta;
	unsigned	bad;		/* FACT_BAD_* */

	/* client */
	bool		have_addr;
	unsigned char	addr[16];	/* IPv4 as ::ffff:a.b.c.d (lib/cidr.h) */
	char		client_name[FACT_NAME_MAX]; /* lower-case, no trailing dot; "" = none */
	bool		name_verified;	/* see above; false when client_name is "" */
	bool		have_resolve;	/* {client_resolve} seen */
	bool		resolve_ok;	/* ... and it was "OK" */
	bool		have_underscore;	/* "_" seen */
	bool		underscore_forged;	/* ... with "(may be forged)" */

	/* the MTA's listener */
	char		daemon_name[FACT_NAME_MAX];	/* as sent; "" = none */
	bool		have_daemon_addr;
	unsigned char	daemon_addr[16];
	unsigned	daemon_port;	/* 0 = not sent */

	/* SMTP AUTH */
	bool		authenticated;	/* {auth_type} non-empty */
	char		auth_type[FACT_TOKEN_MAX];	/* sanitized, for logs */
	char		auth_authen[FACT_NAME_MAX];	/* sanitized, for logs */
	char		auth_login[FACT_NAME_MAX];	/* exact, for the sender
						 * login check; "" when absent,
						 * too long or holding control
						 * characters */

	/* TLS */
	bool		tls;		/* {tls_version} or {cipher} non-empty */
	char		tls_version_name[FACT_TOKEN_MAX]; /* as sent, sanitized */
	bool		tls_version_known;
	enum tls_version tls_version;	/* TLSV_ANY here: SSLv3 or older */
	char		cipher[FACT_TOKEN_MAX];	/* as sent, sanitized */
	bool		cipher_bits_known;
	unsigned	cipher_bits;
	enum cert_verify verify;
	struct fact_dn	cert_subject, cert_issuer;	/* Postfix: CN; Sendmail: DN */
	struct fact_dn	cn_subject, cn_issuer;		/* Sendmail only */

	/* envelope */
	enum sender_kind sender;	/* SENDER_UNKNOWN until MAIL FROM */
	char		sender_domain[SENDER_DOMAIN_MAX];
};

/* Returns the value of macro name, or NULL when the MTA did not send it. */
typedef const char *(*macro_lookup_fn)(void *arg, const char *name);

void	session_facts_init(struct session_facts *);
/* Reads the macros present now (see above). */
void	session_facts_update(struct session_facts *, macro_lookup_fn, void *arg);
/* The client address from the connect callback, when {client_addr} was not
 * sent; same spellings as {client_addr}. Returns false on garbage. */
bool	session_facts_set_addr(struct session_facts *, const char *addr);
/* The envelope sender as the envfrom callback got it (argv[0]); NULL
 * forgets it (a new transaction). */
void	session_facts_set_sender(struct session_facts *, const char *envfrom);

enum ccert_state session_facts_client_cert(const struct session_facts *);
/* The client address in canonical text ("192.0.2.1" for the IPv4-mapped
 * form too, "2001:db8::1"), or "unknown"; written into buf. Returns buf. */
const char *session_facts_addr_text(const struct session_facts *, char *buf,
	    size_t bufsz);
/* "none", "unverified", "verified". */
const char *ccert_state_name(enum ccert_state);
/* "postfix", "sendmail", "unknown". */
const char *mta_kind_name(enum mta_kind);

/* Parsers, exposed for tests. Each returns false on garbage. */
bool	facts_parse_bits(const char *, unsigned *);	/* 0..65535, digits only */
bool	facts_parse_tls_version(const char *, enum tls_version *);

#endif
