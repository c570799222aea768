/*
 * words - see words.h.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "conf/config.h"
#include "conf/words.h"
#include "lib/log.h"

const struct word words_tls_level[] = {
	{ "no", TLS_NO }, { "preferred", TLS_PREFERRED },
	{ "required", TLS_REQUIRED }, { NULL, 0 },
};
const struct word words_direction[] = {
	{ "inbound", DIR_INBOUND }, { "outbound", DIR_OUTBOUND }, { NULL, 0 },
};
const struct word words_client_cert[] = {
	{ "none", CCERT_NONE }, { "optional", CCERT_OPTIONAL },
	{ "required", CCERT_REQUIRED }, { NULL, 0 },
};
const struct word words_on_failure[] = {
	{ "reject", ONFAIL_REJECT }, { "tempfail", ONFAIL_TEMPFAIL }, { NULL, 0 },
};
const struct word words_internal_error[] = {
	{ "tempfail", IERR_TEMPFAIL }, { "accept", IERR_ACCEPT },
	{ "reject", IERR_REJECT }, { NULL, 0 },
};
const struct word words_tls_version[] = {
	{ "any", TLSV_ANY }, { "TLSv1", TLSV_1_0 }, { "TLSv1.1", TLSV_1_1 },
	{ "TLSv1.2", TLSV_1_2 }, { "TLSv1.3", TLSV_1_3 }, { NULL, 0 },
};
const struct word words_dest_tls[] = {
	{ "no", DTLS_NO }, { "preferred", DTLS_PREFERRED },
	{ "required", DTLS_REQUIRED }, { "preferred-verify", DTLS_PREFERRED_VERIFY },
	{ "required-verify", DTLS_REQUIRED_VERIFY },
	{ "required-verify-hosted", DTLS_REQUIRED_VERIFY_HOSTED }, { NULL, 0 },
};
const struct word words_dane_mode[] = {
	{ "none", DANE_NONE }, { "opportunistic", DANE_OPPORTUNISTIC },
	{ "mandatory", DANE_MANDATORY }, { NULL, 0 },
};
const struct word words_smime_mode[] = {
	{ "sign", SMIME_SIGN }, { "encrypt", SMIME_ENCRYPT },
	{ "sign-encrypt", SMIME_SIGN_ENCRYPT }, { "triple", SMIME_TRIPLE },
	{ NULL, 0 },
};
const struct word words_sign_mode[] = {
	{ "detached", SIGN_DETACHED }, { "opaque", SIGN_OPAQUE }, { NULL, 0 },
};
const struct word words_missing_key[] = {
	{ "bounce", MISSING_BOUNCE }, { "drop", MISSING_DROP },
	{ "split", MISSING_SPLIT }, { NULL, 0 },
};
const struct word words_cipher[] = {
	{ "aes-256-cbc", CIPHER_AES256_CBC }, { "aes-128-cbc", CIPHER_AES128_CBC },
	{ "aes-256-gcm", CIPHER_AES256_GCM }, { NULL, 0 },
};
const struct word words_digest[] = {
	{ "sha256", DIGEST_SHA256 }, { "sha384", DIGEST_SHA384 },
	{ "sha512", DIGEST_SHA512 }, { NULL, 0 },
};
const struct word words_signature[] = {
	{ "pkcs1", SIG_PKCS1 }, { "pss", SIG_PSS }, { NULL, 0 },
};
const struct word words_key_transport[] = {
	{ "pkcs1", KT_PKCS1 }, { "oaep", KT_OAEP }, { NULL, 0 },
};
const struct word words_header_protection[] = {
	{ "off", HP_OFF }, { "sign", HP_SIGN }, { "encrypt", HP_ENCRYPT },
	{ NULL, 0 },
};
const struct word words_hp_restore[] = {
	{ "restore", HPR_RESTORE }, { "ignore", HPR_IGNORE }, { NULL, 0 },
};
const struct word words_hp_mismatch[] = {
	{ "report", HPM_REPORT }, { "fail", HPM_FAIL }, { NULL, 0 },
};
const struct word words_inbound_failure[] = {
	{ "tag", INFAIL_TAG }, { "quarantine", INFAIL_QUARANTINE },
	{ "reject", INFAIL_REJECT }, { NULL, 0 },
};
const struct word words_signature_keep[] = {
	{ "retain", SIGKEEP_RETAIN }, { "remove", SIGKEEP_REMOVE }, { NULL, 0 },
};
const struct word words_dns_mode[] = {
	{ "forward", DNS_FORWARD }, { "recursive", DNS_RECURSIVE }, { NULL, 0 },
};
const struct word words_login_mismatch[] = {
	{ "reject", LOGIN_MISMATCH_REJECT }, { "skip", LOGIN_MISMATCH_SKIP },
	{ NULL, 0 },
};
const struct word words_log_level[] = {
	{ "debug", LOG_LEVEL_DEBUG }, { "info", LOG_LEVEL_INFO },
	{ "warning", LOG_LEVEL_WARNING }, { "error", LOG_LEVEL_ERROR },
	{ NULL, 0 },
};
const struct word words_revocation_mode[] = {
	{ "ocsp-then-crl", REVMODE_OCSP_THEN_CRL }, { "crl", REVMODE_CRL },
	{ "ocsp", REVMODE_OCSP }, { "off", REVMODE_OFF }, { NULL, 0 },
};
const struct word words_on_unknown[] = {
	{ "tempfail", UNKNOWN_TEMPFAIL }, { "refuse", UNKNOWN_REFUSE },
	{ "accept", UNKNOWN_ACCEPT }, { NULL, 0 },
};
const struct word words_revocation_cache[] = {
	{ "keystore", REVCACHE_KEYSTORE }, { "memory", REVCACHE_MEMORY },
	{ NULL, 0 },
};
const struct word words_ldap_bind[] = {
	{ "anonymous", LDAPBIND_ANONYMOUS }, { "simple", LDAPBIND_SIMPLE },
	{ "sasl-external", LDAPBIND_SASL_EXTERNAL }, { NULL, 0 },
};

bool
word_parse(const struct word *table, const char *name, int *value)
{
	for (; table->name; table++)
		if (strcmp(table->name, name) == 0) {
			*value = table->value;
			return true;
		}
	return false;
}

const char *
word_name(const struct word *table, int value)
{
	for (; table->name; table++)
		if (table->value == value)
			return table->name;
	return "?";
}

const char *
word_list(const struct word *table, char *buf, size_t bufsz)
{
	size_t	len = 0, n = 0, i;

	while (table[n].name)
		n++;
	buf[0] = '\0';
	for (i = 0; i < n && len < bufsz; i++) {
		const char *sep = i == 0 ? "" : (i == n - 1 ? " or " : ", ");
		int	w = snprintf(buf + len, bufsz - len, "%s%s", sep,
		    table[i].name);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return buf;
}
