/*
 * p12_build - see p12_build.h.
 */
#include "config.h"

#include <stdbool.h>

#include <openssl/evp.h>
#include <openssl/pkcs12.h>

#include "smime/x509/p12_build.h"

static bool
attrs(PKCS12_SAFEBAG *bag, const unsigned char *id, unsigned idlen,
    const char *name)
{
	return PKCS12_add_localkeyid(bag, (unsigned char *)id, (int)idlen) &&
	    (name == NULL || PKCS12_add_friendlyname_asc(bag, name, -1));
}

static PKCS12_SAFEBAG *
key_bag(const char *pass, EVP_PKEY *key, const EVP_CIPHER *cipher)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(key);
	X509_ALGOR *pbe = NULL;
	X509_SIG *sig = NULL;
	PKCS12_SAFEBAG *bag = NULL;

	if (p8 == NULL)
		return NULL;
	/* NID_hmacWithSHA1 leaves the PRF out: the PBKDF2 default */
	pbe = PKCS5_pbe2_set_iv(cipher, P12_ITER, NULL, 0, NULL,
	    NID_hmacWithSHA1);
	if (pbe != NULL)
		sig = PKCS8_set0_pbe(pass, -1, p8, pbe);
	if (sig == NULL)
		X509_ALGOR_free(pbe);
	else if ((bag = PKCS12_SAFEBAG_create0_pkcs8(sig)) == NULL)
		X509_SIG_free(sig);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return bag;
}

static bool
push_safe(STACK_OF(PKCS7) *safes, STACK_OF(PKCS12_SAFEBAG) *bags)
{
	PKCS7	*p7 = PKCS12_pack_p7data(bags);

	if (p7 == NULL)
		return false;
	if (!sk_PKCS7_push(safes, p7)) {
		PKCS7_free(p7);
		return false;
	}
	return true;
}

PKCS12 *
p12_build(const char *pass, const char *name, EVP_PKEY *key, X509 *cert,
    STACK_OF(X509) *chain, bool aes128)
{
	STACK_OF(PKCS12_SAFEBAG) *certs = sk_PKCS12_SAFEBAG_new_null();
	STACK_OF(PKCS12_SAFEBAG) *keys = sk_PKCS12_SAFEBAG_new_null();
	STACK_OF(PKCS7) *safes = sk_PKCS7_new_null();
	PKCS12_SAFEBAG *bag = NULL;
	unsigned char id[EVP_MAX_MD_SIZE];
	unsigned idlen = 0;
	PKCS12	*p12 = NULL;
	int	i;

	if (certs == NULL || keys == NULL || safes == NULL ||
	    !X509_digest(cert, EVP_sha1(), id, &idlen))
		goto fail;
	if ((bag = PKCS12_SAFEBAG_create_cert(cert)) == NULL ||
	    !attrs(bag, id, idlen, name) ||
	    !sk_PKCS12_SAFEBAG_push(certs, bag))
		goto fail;
	bag = NULL;
	for (i = 0; chain != NULL && i < sk_X509_num(chain); i++) {
		if ((bag = PKCS12_SAFEBAG_create_cert(sk_X509_value(chain,
		    i))) == NULL || !sk_PKCS12_SAFEBAG_push(certs, bag))
			goto fail;
		bag = NULL;
	}
	if ((bag = key_bag(pass, key, aes128 ?
	    EVP_aes_128_cbc() : EVP_aes_256_cbc())) == NULL || !attrs(bag, id, idlen, name) ||
	    !sk_PKCS12_SAFEBAG_push(keys, bag))
		goto fail;
	bag = NULL;
	if (!push_safe(safes, certs) || !push_safe(safes, keys))
		goto fail;
	if ((p12 = PKCS12_init(NID_pkcs7_data)) == NULL ||
	    !PKCS12_pack_authsafes(p12, safes) ||
	    PKCS12_set_mac(p12, pass, -1, NULL, 0, P12_ITER, EVP_sha256()) != 1)
		goto fail;
	sk_PKCS12_SAFEBAG_pop_free(certs, PKCS12_SAFEBAG_free);
	sk_PKCS12_SAFEBAG_pop_free(keys, PKCS12_SAFEBAG_free);
	sk_PKCS7_pop_free(safes, PKCS7_free);
	return p12;
fail:
	PKCS12_SAFEBAG_free(bag);
	PKCS12_free(p12);
	sk_PKCS12_SAFEBAG_pop_free(certs, PKCS12_SAFEBAG_free);
	sk_PKCS12_SAFEBAG_pop_free(keys, PKCS12_SAFEBAG_free);
	sk_PKCS7_pop_free(safes, PKCS7_free);
	return NULL;
}
