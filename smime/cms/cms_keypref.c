/*
 * cms_keypref - see cms_keypref.h.
 *
 *   SMIMEEncryptionKeyPreference ::= CHOICE {
 *     issuerAndSerialNumber   [0] IssuerAndSerialNumber,
 *     receipentKeyId          [1] RecipientKeyIdentifier,
 *     subjectAltKeyIdentifier [2] SubjectKeyIdentifier }
 * with implicit tags (the S/MIME ASN.1 module is IMPLICIT TAGS).
 */
#include "config.h"

#include <openssl/asn1t.h>
#include <openssl/x509v3.h>

#include "smime/cms/cms_keypref.h"

typedef struct {
	X509_NAME	*issuer;
	ASN1_INTEGER	*serial;
} GW_ISSUER_SERIAL;

typedef struct {
	ASN1_OCTET_STRING *ski;
	ASN1_GENERALIZEDTIME *date;
	ASN1_STRING	*other;
} GW_RECIPIENT_KEY_ID;

typedef struct {
	int		type;
	union {
		GW_ISSUER_SERIAL *ias;
		GW_RECIPIENT_KEY_ID *rkid;
		ASN1_OCTET_STRING *ski;
	}		d;
} GW_KEY_PREF;

ASN1_SEQUENCE(GW_ISSUER_SERIAL) = {
	ASN1_SIMPLE(GW_ISSUER_SERIAL, issuer, X509_NAME),
	ASN1_SIMPLE(GW_ISSUER_SERIAL, serial, ASN1_INTEGER)
} static_ASN1_SEQUENCE_END(GW_ISSUER_SERIAL)

ASN1_SEQUENCE(GW_RECIPIENT_KEY_ID) = {
	ASN1_SIMPLE(GW_RECIPIENT_KEY_ID, ski, ASN1_OCTET_STRING),
	ASN1_OPT(GW_RECIPIENT_KEY_ID, date, ASN1_GENERALIZEDTIME),
	ASN1_OPT(GW_RECIPIENT_KEY_ID, other, ASN1_SEQUENCE)
} static_ASN1_SEQUENCE_END(GW_RECIPIENT_KEY_ID)

ASN1_CHOICE(GW_KEY_PREF) = {
	ASN1_IMP(GW_KEY_PREF, d.ias, GW_ISSUER_SERIAL, 0),
	ASN1_IMP(GW_KEY_PREF, d.rkid, GW_RECIPIENT_KEY_ID, 1),
	ASN1_IMP(GW_KEY_PREF, d.ski, ASN1_OCTET_STRING, 2)
} static_ASN1_CHOICE_END(GW_KEY_PREF)

static int
matches(X509 *x, const GW_KEY_PREF *p)
{
	const ASN1_OCTET_STRING *ski = NULL, *have;

	switch (p->type) {
	case 0:
		return X509_NAME_cmp(X509_get_issuer_name(x),
		    p->d.ias->issuer) == 0 &&
		    ASN1_INTEGER_cmp(X509_get0_serialNumber(x),
		    p->d.ias->serial) == 0;
	case 1:
		ski = p->d.rkid->ski;
		break;
	case 2:
		ski = p->d.ski;
		break;
	default:
		return 0;
	}
	have = X509_get0_subject_key_id(x);
	return have != NULL && ASN1_OCTET_STRING_cmp(have, ski) == 0;
}

X509 *
cms_keypref_find(CMS_SignerInfo *si, STACK_OF(X509) *certs)
{
	X509_ATTRIBUTE *attr;
	ASN1_TYPE *value;
	GW_KEY_PREF *pref;
	unsigned char *der = NULL;
	const unsigned char *p;
	X509	*found = NULL;
	int	loc, len, i;

	loc = CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_encrypKeyPref, -1);
	if (loc < 0 || certs == NULL)
		return NULL;
	attr = CMS_signed_get_attr(si, loc);
	if (attr == NULL || X509_ATTRIBUTE_count(attr) != 1 ||
	    (value = X509_ATTRIBUTE_get0_type(attr, 0)) == NULL)
		return NULL;
	/* The value is a context-tagged CHOICE: decode its own encoding. */
	if ((len = i2d_ASN1_TYPE(value, &der)) <= 0)
		return NULL;
	p = der;
	pref = (GW_KEY_PREF *)ASN1_item_d2i(NULL, &p, len,
	    ASN1_ITEM_rptr(GW_KEY_PREF));
	for (i = 0; pref != NULL && i < sk_X509_num(certs); i++)
		if (matches(sk_X509_value(certs, i), pref)) {
			found = sk_X509_value(certs, i);
			break;
		}
	ASN1_item_free((ASN1_VALUE *)pref, ASN1_ITEM_rptr(GW_KEY_PREF));
	OPENSSL_free(der);
	return found;
}
