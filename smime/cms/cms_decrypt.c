/*
 * cms_decrypt - see cms_decrypt.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "smime/cms/cms_decrypt.h"
#include "smime/cms/cms_parse.h"

bool
cms_is_enveloped(CMS_ContentInfo *cms)
{
	int	nid = OBJ_obj2nid(CMS_get0_type(cms));

	return nid == NID_pkcs7_enveloped ||
	    nid == NID_id_smime_ct_authEnvelopedData;
}

/* true when ri is addressed to cert. */
static bool
names_cert(CMS_RecipientInfo *ri, X509 *cert)
{
	STACK_OF(CMS_RecipientEncryptedKey) *reks;
	int	i;

	switch (CMS_RecipientInfo_type(ri)) {
	case CMS_RECIPINFO_TRANS:
		return CMS_RecipientInfo_ktri_cert_cmp(ri, cert) == 0;
	case CMS_RECIPINFO_AGREE:
		reks = CMS_RecipientInfo_kari_get0_reks(ri);
		for (i = 0; i < sk_CMS_RecipientEncryptedKey_num(reks); i++)
			if (CMS_RecipientEncryptedKey_cert_cmp(
			    sk_CMS_RecipientEncryptedKey_value(reks, i), cert) == 0)
				return true;
		return false;
	default:
		return false;
	}
}

static const struct smime_signer *
our_key(STACK_OF(CMS_RecipientInfo) *ris, struct smime_signer *const *keys,
    size_t nkeys)
{
	size_t	k;
	int	i;

	for (k = 0; k < nkeys; k++)
		for (i = 0; i < sk_CMS_RecipientInfo_num(ris); i++)
			if (names_cert(sk_CMS_RecipientInfo_value(ris, i),
			    keys[k]->cert))
				return keys[k];
	return NULL;
}

static int
verdict(struct cms_decrypt_result *r, enum cms_check v, const char *why)
{
	r->verdict = v;
	snprintf(r->reason, sizeof(r->reason), "%s", why);
	return 0;
}

int
cms_decrypt_enveloped(CMS_ContentInfo *cms, struct smime_signer *const *keys,
    size_t nkeys, BIO *out, struct cms_decrypt_result *r,
    struct smime_err *err)
{
	STACK_OF(CMS_RecipientInfo) *ris;
	const struct smime_signer *key;
	char	why[200], msg[240];
	int	n;

	(void)err;
	memset(r, 0, sizeof(*r));
	if (!cms_is_enveloped(cms))
		return verdict(r, CMS_CHECK_PERMERROR, "not an enveloped-data "
		    "structure");
	ris = CMS_get0_RecipientInfos(cms);
	n = sk_CMS_RecipientInfo_num(ris);
	r->nrecipients = n > 0 ? (unsigned)n : 0;
	if (n <= 0)
		return verdict(r, CMS_CHECK_PERMERROR, "enveloped-data without "
		    "recipients");
	if (n > CMS_DECRYPT_MAX_RECIPIENTS) {
		snprintf(msg, sizeof(msg), "more than %d recipients",
		    CMS_DECRYPT_MAX_RECIPIENTS);
		return verdict(r, CMS_CHECK_PERMERROR, msg);
	}
	if ((key = our_key(ris, keys, nkeys)) == NULL) {
		snprintf(msg, sizeof(msg), "encrypted for someone else: no "
		    "RecipientInfo for our certificates (%d recipient%s)", n,
		    n == 1 ? "" : "s");
		return verdict(r, CMS_CHECK_PERMERROR, msg);
	}
	ERR_clear_error();
	if (CMS_decrypt(cms, key->key, key->cert, NULL, out, CMS_BINARY) <= 0) {
		if (cms_failure(why, sizeof(why))) {
			snprintf(msg, sizeof(msg), "unsupported algorithm (%s)",
			    why);
			return verdict(r, CMS_CHECK_NEUTRAL, msg);
		}
		snprintf(msg, sizeof(msg), "decryption failed (%s)", why);
		return verdict(r, CMS_CHECK_PERMERROR, msg);
	}
	r->key = key;
	return verdict(r, CMS_CHECK_PASS, "decrypted");
}
