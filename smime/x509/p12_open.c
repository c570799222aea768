/*
 * p12_open - see p12_open.h.
 */
#include "config.h"

#include <openssl/err.h>
#include <openssl/pkcs12.h>

#include "smime/x509/p12_open.h"

const char *
p12_pass_problem(enum p12_pass p)
{
	switch (p) {
	case P12_OPENS:
		return "the passphrase opens it";
	case P12_WRONG_PASS:
		return "wrong passphrase";
	case P12_MAC_DAMAGED:
		return "the file is damaged: the passphrase opens its contents, "
		    "but its integrity check (MAC) does not match";
	case P12_MAC_UNREADABLE:
		return "the file is damaged or of an unknown kind: its "
		    "integrity check (MAC) cannot be computed";
	case P12_WRONG_OR_DAMAGED:
		return "its integrity check (MAC) does not match: a wrong "
		    "passphrase, or a damaged file";
	}
	return "?";
}

/* Whether pass decrypts one bag: 1 yes, 0 no, -1 nothing encrypted. */
static int
bags_open(STACK_OF(PKCS12_SAFEBAG) *bags, const char *pass)
{
	PKCS8_PRIV_KEY_INFO *p8;
	int	i, tried = -1;

	for (i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++) {
		PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, i);

		if (PKCS12_SAFEBAG_get_nid(bag) != NID_pkcs8ShroudedKeyBag)
			continue;
		if ((p8 = PKCS12_decrypt_skey(bag, pass, -1)) == NULL)
			return 0;
		PKCS8_PRIV_KEY_INFO_free(p8);
		tried = 1;
	}
	return tried;
}

/* Whether pass decrypts the encrypted contents: 1 all, 0 not, -1 none
 * encrypted (or no contents to read). */
static int
contents_open(PKCS12 *p12, const char *pass)
{
	STACK_OF(PKCS7) *safes = PKCS12_unpack_authsafes(p12);
	STACK_OF(PKCS12_SAFEBAG) *bags;
	int	i, r, opens = -1;

	for (i = 0; safes != NULL && i < sk_PKCS7_num(safes) && opens != 0;
	    i++) {
		PKCS7	*p7 = sk_PKCS7_value(safes, i);

		if (PKCS7_type_is_data(p7))
			bags = PKCS12_unpack_p7data(p7);
		else if (PKCS7_type_is_encrypted(p7)) {
			bags = PKCS12_unpack_p7encdata(p7, pass, -1);
			opens = bags != NULL;
		} else
			continue;
		if (bags != NULL && (r = bags_open(bags, pass)) >= 0)
			opens = r;
		sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	}
	sk_PKCS7_pop_free(safes, PKCS7_free);
	return opens;
}

enum p12_pass
p12_check_pass(PKCS12 *p12, const char *pass)
{
	enum p12_pass res;
	unsigned long err;
	int	opens;

	ERR_clear_error();
	if (!PKCS12_mac_present(p12))
		res = contents_open(p12, pass) == 0 ? P12_WRONG_PASS :
		    P12_OPENS;
	else if (PKCS12_verify_mac(p12, pass, -1) == 1)
		res = P12_OPENS;
	else if ((err = ERR_peek_last_error()) != 0 &&
	    ERR_GET_LIB(err) == ERR_LIB_PKCS12 &&
	    ERR_GET_REASON(err) == PKCS12_R_MAC_GENERATION_ERROR)
		res = P12_MAC_UNREADABLE;
	else if ((opens = contents_open(p12, pass)) == 1)
		res = P12_MAC_DAMAGED;
	else
		res = opens == 0 ? P12_WRONG_PASS : P12_WRONG_OR_DAMAGED;
	ERR_clear_error();
	return res;
}
