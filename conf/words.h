/*
 * words - one table per set of configuration words.
 *
 * Each enum of config.h has one table here, used both to parse the YAML and
 * to print (logs, `gatewarden -n`, generated maps), so a word is spelled in
 * exactly one place. Tables end with { NULL, 0 }.
 */
#ifndef GW_WORDS_H
#define GW_WORDS_H

#include <stdbool.h>

struct word {
	const char	*name;
	int		value;
};

extern const struct word words_tls_level[];	/* enum tls_level */
extern const struct word words_direction[];	/* enum direction */
extern const struct word words_client_cert[];	/* enum client_cert */
extern const struct word words_on_failure[];	/* enum on_failure */
extern const struct word words_internal_error[];/* enum internal_error */
extern const struct word words_tls_version[];	/* enum tls_version */
extern const struct word words_dest_tls[];	/* enum dest_tls */
extern const struct word words_dane_mode[];	/* enum dane_mode */
extern const struct word words_smime_mode[];	/* enum smime_mode */
extern const struct word words_sign_mode[];	/* enum sign_mode */
extern const struct word words_missing_key[];	/* enum missing_key */
extern const struct word words_cipher[];	/* enum smime_cipher */
extern const struct word words_digest[];	/* enum smime_digest */
extern const struct word words_signature[];	/* enum smime_signature */
extern const struct word words_key_transport[];	/* enum key_transport */
extern const struct word words_inbound_failure[];/* enum inbound_failure */
extern const struct word words_header_protection[];/* enum header_protection */
extern const struct word words_hp_restore[];	/* enum hp_restore_mode */
extern const struct word words_hp_mismatch[];	/* enum hp_mismatch */
extern const struct word words_signature_keep[];/* enum signature_keep */
extern const struct word words_dns_mode[];	/* enum dns_mode */
extern const struct word words_login_mismatch[];	/* enum login_mismatch */
extern const struct word words_log_level[];	/* enum log_level (lib/log.h) */
extern const struct word words_revocation_mode[];/* enum revocation_mode */
extern const struct word words_on_unknown[];	/* enum on_unknown */
extern const struct word words_revocation_cache[];/* enum revocation_cache */
extern const struct word words_ldap_bind[];	/* enum ldap_bind */

/* The value for name (exact, case-sensitive); false when not in the table. */
bool	word_parse(const struct word *, const char *name, int *value);
/* The name for value; "?" when not in the table. */
const char *word_name(const struct word *, int value);
/* "a, b or c": every name of the table, for error messages. Static buffer
 * per table is not used: writes into buf (size bufsz) and returns it. */
const char *word_list(const struct word *, char *buf, size_t bufsz);

#endif
