/*
 * tls_header - see tls_header.h.
 */
#include "config.h"

#include <stdio.h>

#include "conf/words.h"
#include "policy/safe_text.h"
#include "policy/tls_header.h"

#define VALUE_MAX 96	/* per value: cipher names are well below this */

bool
tls_header_value(char *out, size_t outsz, const struct sender_group *g,
    const struct session_facts *f)
{
	char	group[VALUE_MAX], version[VALUE_MAX], cipher[VALUE_MAX];
	char	bits[16];
	int	n;

	if (outsz == 0)
		return false;
	safe_text_copy(group, sizeof(group), g && g->name ? g->name : "none",
	    SAFE_HEADER_BAD);
	if (group[0] == '\0')
		snprintf(group, sizeof(group), "unknown");
	if (!f->tls) {
		n = snprintf(out, outsz, "group=%s; policy=%s; version=none",
		    group, g ? word_name(words_tls_level, g->tls) : "none");
		return n >= 0 && (size_t)n < outsz;
	}
	safe_text_copy(version, sizeof(version), f->tls_version_name,
	    SAFE_HEADER_BAD);
	safe_text_copy(cipher, sizeof(cipher), f->cipher, SAFE_HEADER_BAD);
	if (f->cipher_bits_known)
		snprintf(bits, sizeof(bits), "%u", f->cipher_bits);
	else
		snprintf(bits, sizeof(bits), "unknown");
	n = snprintf(out, outsz, "group=%s; policy=%s; version=%s; cipher=%s; "
	    "bits=%s; client-cert=%s", group,
	    g ? word_name(words_tls_level, g->tls) : "none",
	    version[0] ? version : "unknown", cipher[0] ? cipher : "unknown",
	    bits, ccert_state_name(session_facts_client_cert(f)));
	return n >= 0 && (size_t)n < outsz;
}
