/*
 * p12_open - does a passphrase open a PKCS#12 file, and if not, is the
 * passphrase wrong or the file damaged?
 *
 * A PKCS#12 file carries an integrity check (a MAC keyed by the
 * passphrase). PKCS12_verify_mac() fails alike for a wrong passphrase
 * and for a damaged MAC; p12_check_pass() tells them apart: when the MAC
 * cannot even be computed (its structure or algorithm is damaged or
 * unknown) the file is damaged; when it is computed but does not match,
 * the passphrase is tried on the encrypted contents (the shrouded key
 * bags and encrypted safes): if it decrypts them, the passphrase is
 * right and the MAC is damaged; if it decrypts none, the passphrase is
 * wrong. A file with nothing encrypted cannot tell: "wrong passphrase or
 * damaged". Without a MAC, the contents decide alone.
 *
 * The PKCS12 and the passphrase are borrowed; OpenSSL's error queue is
 * left empty.
 */
#ifndef GW_P12_OPEN_H
#define GW_P12_OPEN_H

#include <openssl/pkcs12.h>

enum p12_pass {
	P12_OPENS,		/* the MAC matches (or none, and the contents open) */
	P12_WRONG_PASS,		/* the passphrase decrypts nothing */
	P12_MAC_DAMAGED,	/* the passphrase decrypts, the MAC does not match */
	P12_MAC_UNREADABLE,	/* the MAC cannot be computed */
	P12_WRONG_OR_DAMAGED	/* the MAC does not match, nothing to try */
};

enum p12_pass p12_check_pass(PKCS12 *, const char *pass);
/* What to tell the user, e.g. "wrong passphrase". */
const char *p12_pass_problem(enum p12_pass);

#endif
