/*
 * config - the typed, validated configuration of gatewarden.
 *
 * config_load() reads one YAML file (libyaml) into a struct config. Every
 * problem found is added to a struct diags as "FILE:LINE:COLUMN: message"
 * (1-based); loading goes on after an error so that one run reports them
 * all, and returns NULL when any error was found. Warnings (e.g. a
 * certificate DN rule that cannot match under Postfix) do not fail a load.
 *
 * A struct config is an immutable snapshot, reference counted: the milter
 * pins one per connection (config_ref) and drops it when the connection
 * ends (config_unref); a reload swaps in a new snapshot only after it
 * loaded without error. config_unref(NULL) is a no-op. Everything reachable
 * from a struct config is owned by it and freed with the last reference.
 *
 * Defaults are set by the loader, so every field is meaningful after a
 * successful load; optional strings are NULL when absent. Lists are arrays
 * with a count. "line"/"col" fields record where an item was written, for
 * later diagnostics.
 */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/cidr.h"

/* ---- diagnostics ------------------------------------------------------ */

enum diag_severity { DIAG_WARNING, DIAG_ERROR };

struct diag {
	enum diag_severity severity;
	char		*file;
	unsigned	line, col;	/* 1-based; 0 when not tied to a place */
	char		*msg;
};

/* A hostile file could make the loader find a problem at every line; past
 * DIAGS_MAX the rest are counted (errors, warnings) but not kept in v. */
#define DIAGS_MAX	1000

struct diags {
	struct diag	*v;
	size_t		n, cap;
	unsigned	errors, warnings;
};

void	diags_add(struct diags *, enum diag_severity, const char *file,
	    unsigned line, unsigned col, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
/* One line per diagnostic: "FILE:LINE:COL: message" for errors,
 * "FILE:LINE:COL: warning: message" for warnings. */
void	diags_print(const struct diags *, FILE *);
void	diags_free(struct diags *);	/* frees the contents; reusable */

/* ---- the words of the configuration (tables in words.h) --------------- */

enum tls_level { TLS_NO, TLS_PREFERRED, TLS_REQUIRED };
enum direction { DIR_INBOUND, DIR_OUTBOUND };
enum client_cert { CCERT_NONE, CCERT_OPTIONAL, CCERT_REQUIRED };
enum on_failure { ONFAIL_REJECT, ONFAIL_TEMPFAIL };
enum internal_error { IERR_TEMPFAIL, IERR_ACCEPT, IERR_REJECT };
enum tls_version { TLSV_ANY, TLSV_1_0, TLSV_1_1, TLSV_1_2, TLSV_1_3 };
enum dest_tls { DTLS_NO, DTLS_PREFERRED, DTLS_REQUIRED, DTLS_PREFERRED_VERIFY,
		DTLS_REQUIRED_VERIFY, DTLS_REQUIRED_VERIFY_HOSTED };
enum dane_mode { DANE_NONE, DANE_OPPORTUNISTIC, DANE_MANDATORY };
enum smime_mode { SMIME_SIGN, SMIME_ENCRYPT, SMIME_SIGN_ENCRYPT, SMIME_TRIPLE };
enum sign_mode { SIGN_DETACHED, SIGN_OPAQUE };
enum missing_key { MISSING_BOUNCE, MISSING_DROP, MISSING_SPLIT };
enum smime_cipher { CIPHER_AES256_CBC, CIPHER_AES128_CBC, CIPHER_AES256_GCM };
enum smime_digest { DIGEST_SHA256, DIGEST_SHA384, DIGEST_SHA512 };
enum smime_signature { SIG_PKCS1, SIG_PSS };
enum key_transport { KT_PKCS1, KT_OAEP };
enum inbound_failure { INFAIL_TAG, INFAIL_QUARANTINE, INFAIL_REJECT };
enum signature_keep { SIGKEEP_RETAIN, SIGKEEP_REMOVE };
/* RFC 9788 header protection of a sending profile: none; the header
 * fields signed (and encrypted, when the profile encrypts) inside the
 * message; the same with the outer copies obscured. */
enum header_protection { HP_OFF, HP_SIGN, HP_ENCRYPT };
/* What an incoming protected header does to the message's header. */
enum hp_restore_mode { HPR_RESTORE, HPR_IGNORE };
enum hp_mismatch { HPM_REPORT, HPM_FAIL };
enum dns_mode { DNS_FORWARD, DNS_RECURSIVE };
enum revocation_mode { REVMODE_OCSP_THEN_CRL, REVMODE_CRL, REVMODE_OCSP,
		REVMODE_OFF };
enum on_unknown { UNKNOWN_TEMPFAIL, UNKNOWN_REFUSE, UNKNOWN_ACCEPT };
enum revocation_cache { REVCACHE_KEYSTORE, REVCACHE_MEMORY };
enum ldap_bind { LDAPBIND_ANONYMOUS, LDAPBIND_SIMPLE, LDAPBIND_SASL_EXTERNAL };
enum login_mismatch { LOGIN_MISMATCH_REJECT, LOGIN_MISMATCH_SKIP };

/* ---- milter: ---------------------------------------------------------- */

/* The longest milter.authserv_id: a host name's 253 characters. */
#define AUTHSERV_ID_MAX	253

struct milter_conf {
	char		*socket;	/* "unix:/path", "inet:PORT@HOST", "inet6:PORT@HOST" */
	unsigned	socket_mode;	/* unix socket permissions, default 0660 */
	char		*user;		/* drop to this user when started as root; NULL = stay */
	char		*group;		/* NULL = the user's primary group */
	char		*pid_file;	/* NULL = none */
	char		*spool_dir;
	uint64_t	memory_limit_per_message;	/* bytes; default 8MiB */
	uint64_t	memory_limit_total;	/* all messages; default 64MiB */
	enum internal_error on_internal_error;	/* default tempfail */
	uint64_t	timeout;	/* seconds, MTA I/O timeout; default 60 */
	char		*authserv_id;	/* Authentication-Results id; default hostname */
	bool		tls_header;	/* add X-Gatewarden-TLS; default true */
	unsigned	max_header_fields;	/* per message; default 1000 */
};

/* ---- log: ------------------------------------------------------------- */

struct log_conf {
	int		facility;	/* syslog facility value; default LOG_MAIL */
	int		level;		/* enum log_level; default info */
};

/* ---- alerts: ---------------------------------------------------------- */

struct alerts_conf {
	char		**recipients;	/* administrators' addresses */
	size_t		nrecipients;
	char		*from;		/* envelope and From: of alert mail */
	char		*sendmail_command; /* default "/usr/sbin/sendmail" */
	uint64_t	rate_limit;	/* seconds between alerts of one kind and subject; default 1h */
	uint64_t	sendmail_timeout; /* seconds the command may take; default 60 */
};

/* ---- trust: ----------------------------------------------------------- */

/* trust.revocation: how the certificates gatewarden relies on are checked
 * for revocation (smime/revoke/revoke.h). */
struct revocation_conf {
	enum revocation_mode mode;	/* default ocsp-then-crl */
	enum on_unknown	on_unknown;	/* default tempfail */
	uint64_t	timeout;	/* seconds per fetch; default 10 */
	enum revocation_cache cache;	/* default keystore (and memory) */
	uint64_t	max_age;	/* seconds an answer without nextUpdate is used; default 1h */
	unsigned	max_fetches;	/* fetches in flight at once; default 8 */
	char		*ocsp_responder;	/* URL used instead of the certificates' own; NULL = theirs */
};

/* The defaults above, for programs that run without a configuration. */
void	revocation_conf_default(struct revocation_conf *);

struct trust_conf {
	bool		system_cas;	/* use the OS bundle; default true */
	char		*system_ca_file;	/* default /etc/ssl/certs/ca-certificates.crt */
	char		*custom_ca_file;	/* PEM bundle; NULL = none */
	struct revocation_conf revocation;
};

/* ---- dns: ------------------------------------------------------------- */

struct stub_zone {
	char		*name;		/* "example.test." */
	char		**addresses;	/* "127.0.0.53" or "127.0.0.53@5353" */
	size_t		naddresses;
	unsigned	line, col;
};

struct dns_conf {
	enum dns_mode	mode;		/* default forward */
	char		**forwarders;	/* NULL = the system's resolv.conf */
	size_t		nforwarders;
	char		*resolv_conf;	/* default /etc/resolv.conf */
	char		*trust_anchor_file; /* default /usr/share/dns/root.key */
	char		*unbound_config;	/* NULL = none */
	struct stub_zone *stub_zones;
	size_t		nstub_zones;
	uint64_t	timeout;	/* seconds per look-up; default 10 */
	uint64_t	cache_max_ttl;	/* seconds; default 1h */
};

/* ---- sender_groups: --------------------------------------------------- */

struct name_pattern {
	char		*name;		/* lower-case; without the leading dot */
	bool		suffix;		/* written ".example.com": strict subdomains */
};

/* A listener of the MTA, as its macros name it: {daemon_name} (written
 * as a name), {daemon_addr} (an address or block) and/or {daemon_port}. */
struct listener_pattern {
	char		*name;		/* NULL unless written as a name */
	bool		have_addr;
	struct cidr	addr;
	unsigned	port;		/* 0 = any port */
};

struct group_match {
	bool		any;
	struct cidr	*client_ip;
	size_t		nclient_ip;
	struct name_pattern *client_hostname;
	size_t		nclient_hostname;
	struct name_pattern *sender_domain;
	size_t		nsender_domain;
	bool		authenticated;	/* true: matches sessions that did SMTP AUTH */
	struct listener_pattern *listener;	/* where the client connected */
	size_t		nlistener;
	char		**client_cert_subject;	/* patterns of a verified client certificate */
	size_t		nclient_cert_subject;
};

struct sender_group {
	char		*name;
	struct group_match match;	/* a group matches when any condition does */
	enum direction	direction;	/* default inbound */
	enum tls_level	tls;		/* default no */
	enum client_cert client_cert;	/* default none */
	unsigned	min_cipher_bits;	/* 0 = no minimum */
	enum tls_version min_tls_version;	/* TLSV_ANY = no minimum */
	char		*cert_subject;	/* pattern, '*' wildcards; NULL = any */
	char		*cert_issuer;	/* pattern, '*' wildcards; NULL = any */
	enum on_failure	on_failure;	/* default reject */
	/* An outbound group may match on what a client claims (sender_domain,
	 * any) only with this set; default false. */
	bool		allow_forgeable_match;
	unsigned	line, col;
	char		*smime_inbound;	/* an inbound_policy name; NULL = S/MIME untouched */
};

/* ---- destinations: ---------------------------------------------------- */

struct destination {
	char		*domain;	/* lower-case, no leading dot; NULL for default */
	bool		subdomains;	/* written ".example.com" */
	enum dest_tls	tls;		/* default: default's, else preferred */
	enum dane_mode	dane;		/* default: default's, else none */
	enum tls_version min_tls_version;
	char		*ciphers;	/* Postfix grade or list; NULL = MTA default */
	char		*tafile;	/* CA file for verify levels; NULL = MTA default */
	bool		alert_on_failure;
	unsigned	line, col;
	bool		mta_sts;	/* apply a published MTA-STS policy;
					 * not inherited by domain entries */
};

struct destinations_conf {
	struct destination def;		/* "default:" */
	struct destination *domains;
	size_t		ndomains;
};

/* ---- smime: ----------------------------------------------------------- */

struct smime_certificate {
	char		*name;
	char		*certificate;	/* PEM file (cert and chain) */
	char		*key;		/* PEM private key */
	char		*pkcs12;	/* instead of certificate + key */
	char		*passphrase_file;	/* for pkcs12 or an encrypted key */
	unsigned	line, col;
};

struct sending_profile {
	char		*name;
	enum smime_mode	mode;
	char		*signing_certificate;	/* a smime_certificate name; NULL when not signing */
	enum sign_mode	sign_mode;	/* default detached */
	enum missing_key missing_key;	/* default bounce */
	enum smime_cipher cipher;	/* default aes-256-cbc */
	enum smime_digest digest;	/* default sha256 */
	enum smime_signature signature;	/* default pkcs1 */
	enum key_transport key_transport;	/* default pkcs1 */
	bool		include_chain;	/* default true */
	char		*encrypt_to_self;	/* a smime_certificate name; NULL = no copy key */
	enum header_protection header_protection;	/* default off */
	/* The header fields copied into the payload (names, as written);
	 * the loader fills the RFC 9788 list when none is written. */
	char		**protected_fields;
	size_t		nprotected_fields;
	/* header_protection encrypt: the outer copies that are replaced
	 * (value) or removed (value NULL); default hcp_baseline. */
	struct hp_obscure {
		char	*name;
		char	*value;
	}		*obscured_fields;
	size_t		nobscured_fields;
	/* header_protection encrypt: the obscured user-facing fields shown
	 * at the top of the text (RFC 9788 Legacy Display Element); default
	 * true. */
	bool		legacy_display;
	unsigned	line, col;
};

struct header_condition {
	char		*name;		/* header field name, case-insensitive */
	char		*contains;	/* substring, case-insensitive; NULL = present */
};

struct sending_rule {
	char		*name;		/* optional, for logs; NULL = "rule N" */
	char		**sender_groups;
	size_t		nsender_groups;
	struct name_pattern *senders;	/* addresses (name holds local@domain) */
	size_t		nsenders;
	struct name_pattern *sender_domains;
	size_t		nsender_domains;
	struct name_pattern *recipient_domains;
	size_t		nrecipient_domains;
	struct header_condition *headers;	/* all must hold */
	size_t		nheaders;
	uint64_t	min_size, max_size;	/* bytes; max 0 = no limit */
	char		*profile;	/* a sending_profile name */
	/* The authenticated user must own the envelope sender (see
	 * smime.sender_login_map). Default: true when the rule matches by
	 * sender or sender_domain and its profile signs. */
	bool		require_sender_login;
	bool		require_sender_login_set;	/* written (loader's use) */
	unsigned	line, col;
};

/* One entry of the sender login map: who may send as an address. */
#define SENDER_LOGIN_MAX	255	/* bytes of one login */

struct sender_login {
	char		*address;	/* lower-case "user@domain" or "@domain" */
	char		**logins;	/* as written; compared case-insensitively */
	size_t		nlogins;
	unsigned	line;		/* in the map file */
};

struct reinjection_conf {
	char		*smtp;		/* "127.0.0.1:10026"; NULL = use sendmail_command */
	char		*sendmail_command;	/* default alerts.sendmail_command */
};

struct harvest_conf {
	bool		enabled;	/* default true */
	bool		allow_expired;	/* default false */
	bool		allow_self_signed;	/* default false */
	bool		on_failed_verification;	/* default false */
	bool		updated_keys;	/* a newer key replaces an older one of the address; default true */
	uint64_t	churn_window;	/* seconds; default 48h */
};

/* smime.inbound_policies: what to do with incoming S/MIME (conf/load_inbound.c). */
struct inbound_policy {
	char		*name;
	bool		decrypt;	/* default true */
	bool		verify;		/* default true */
	enum signature_keep signature;	/* default retain */
	enum inbound_failure on_failure;	/* default tag */
	char		*quarantine_dir;	/* a copy of quarantined mail; NULL = none */
	uint64_t	max_size;	/* bytes of body processed; default 32MiB */
	uint64_t	cpu_limit;	/* seconds of CPU per message; default 10 */
	struct harvest_conf harvest;
	enum hp_restore_mode header_protection;	/* default restore */
	enum hp_mismatch header_mismatch;	/* default report */
	unsigned	line, col;
};

/* smime.ldap: a directory asked for recipients' certificates. */
struct ldap_directory {
	char		*name;
	char		*uri;		/* ldap://, ldaps:// or ldapi:// */
	enum ldap_bind	bind;		/* default anonymous */
	char		*bind_dn;	/* simple: the DN; NULL otherwise */
	char		*password_file;	/* simple: first line is the password */
	char		*base;		/* search base DN */
	char		*filter;	/* %s: the address (escaped); default (mail=%s) */
	char		**attributes;	/* default userCertificate;binary, userSMIMECertificate */
	size_t		nattributes;
	bool		starttls;	/* ldap:// only; default false */
	char		*ca_file;	/* to verify the server; NULL = the system's */
	uint64_t	timeout;	/* seconds per look-up; default 5 */
	uint64_t	cache_ttl;	/* seconds a certificate found stays in the key store; default 1d */
	unsigned	line, col;
};

struct smime_conf {
	char		*keystore;	/* SQLite file; default LOCALSTATEDIR/lib/gatewarden/keystore.db */
	uint64_t	keystore_max_size;	/* bytes; default 512MiB */
	char		*private_dir;	/* organisation keys created by gatewarden-keys; default SYSCONFDIR/gatewarden/private */
	struct smime_certificate *certificates;
	size_t		ncertificates;
	struct sending_profile *profiles;
	size_t		nprofiles;
	struct sending_rule *rules;
	size_t		nrules;
	struct reinjection_conf reinjection;
	struct inbound_policy *inbound_policies;
	size_t		ninbound_policies;
	struct ldap_directory *ldap;	/* asked in order when the key store has no key */
	size_t		nldap;
	/* Postfix smtpd_sender_login_maps style: "address-or-@domain login,
	 * login"; read with the configuration. NULL: a login owns only the
	 * address it is spelled as. */
	char		*sender_login_map;
	struct sender_login *sender_logins;	/* sorted by address */
	size_t		nsender_logins;
	enum login_mismatch sender_login_mismatch;	/* default reject */
};

/* ---- metrics: -------------------------------------------------------- */

struct metrics_conf {
	char		*listen;	/* "127.0.0.1:9155"; NULL = no metrics */
};

/* ---- socketmap:, mta_sts:, tlsrpt: (gatewarden-maps; load_maps.c) ---- */

struct socketmap_conf {
	char		*socket;	/* "unix:/path" or "inet:HOST:PORT" */
	unsigned	socket_mode;	/* unix socket permissions, default 0660 */
	char		*user;		/* NULL = milter.user */
	char		*group;		/* NULL = milter.group */
	char		*pid_file;	/* NULL = none */
	uint64_t	query_timeout;	/* seconds per query; default 10, < 100 */
	unsigned	max_lookups;	/* look-ups in flight; default 16 */
	unsigned	max_clients;	/* connections; default 256 */
	unsigned	cache_size;	/* domains; default 10000 */
	uint64_t	refresh_recent;	/* refresh answers used within; 1h */
};

struct mta_sts_conf {
	char		*cache_file;	/* SQLite; default LOCALSTATEDIR/lib/gatewarden/mta-sts.db */
	uint64_t	timeout;	/* seconds per fetch; default 10 */
	uint64_t	max_age_cap;	/* seconds; default 31557600 */
	char		*lab_ca_file;	/* labs only: replaces the WebPKI store */
};

struct tlsrpt_conf {
	char		*organization;	/* organization-name */
	char		*contact;	/* contact-info */
	char		*submitter;	/* TLS-Report-Submitter; default the host's domain */
	char		*from;		/* of mailed reports; default alerts.from */
	char		*sending_mta_ip; /* NULL = the host's first address */
	char		*sendmail_command; /* NULL = alerts.sendmail_command */
	uint64_t	timeout;	/* seconds per https: POST; default 30 */
};

/* ---- the whole ------------------------------------------------------- */

struct config {
	unsigned	refs;		/* atomic; see config_ref() */
	char		*path;		/* the file it was loaded from */
	struct milter_conf milter;
	struct log_conf	log;
	struct alerts_conf alerts;
	struct trust_conf trust;
	struct dns_conf	dns;
	struct sender_group *groups;
	size_t		ngroups;
	struct destinations_conf destinations;
	struct smime_conf smime;
	struct socketmap_conf socketmap;
	struct mta_sts_conf mta_sts;
	struct tlsrpt_conf tlsrpt;
	struct metrics_conf metrics;
};

/* Loads and validates path. Returns a config with one reference, or NULL
 * when any error was added to diags (which the caller prints and frees). */
struct config *config_load(const char *path, struct diags *);

struct config *config_ref(struct config *);
void	config_unref(struct config *);

/* Look-ups by name; NULL when there is none. */
const struct sender_group *config_group(const struct config *, const char *);
const struct sending_profile *config_profile(const struct config *, const char *);
const struct smime_certificate *config_certificate(const struct config *, const char *);
const struct inbound_policy *config_inbound_policy(const struct config *, const char *);

#define CONFIG_DEFAULT_PATH SYSCONFDIR "/gatewarden/gatewarden.yaml"

#endif
