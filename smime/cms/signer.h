/*
 * signer - an organisation certificate with its private key, loaded from
 * a struct smime_certificate (conf/config.h) for signing, and the SHA-256
 * fingerprints used in log lines.
 *
 * smime_signer_load() reads either
 *   - certificate (PEM: the certificate first, then its chain) and key
 *     (PEM, encrypted or not; the key may also sit in the certificate file
 *     when key is NULL), or
 *   - pkcs12 (DER PKCS#12: key, certificate, chain),
 * with the passphrase, when needed, on the first line of passphrase_file.
 * It checks that the key belongs to the certificate. Every failure is
 * SMIME_TEMP: the message is not at fault, the gateway is, and the mail
 * must wait rather than leave unsigned. The error names the file.
 *
 * A loaded signer is read-only and may be shared by threads (OpenSSL 3
 * objects used read-only; CMS takes its own references).
 * smime_signer_free(NULL) is fine.
 */
#ifndef GW_SMIME_SIGNER_H
#define GW_SMIME_SIGNER_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "conf/config.h"
#include "smime/smime_err.h"

struct smime_signer {
	X509		*cert;
	EVP_PKEY	*key;
	STACK_OF(X509)	*chain;		/* never NULL; may be empty */
	char		fingerprint[65];	/* SHA-256 of cert, lower-case hex */
};

int	smime_signer_load(const struct smime_certificate *,
	    struct smime_signer **, struct smime_err *);
void	smime_signer_free(struct smime_signer *);

/* SHA-256 of the DER certificate as 64 lower-case hex digits + NUL. */
void	smime_cert_fingerprint(X509 *, char out[65]);

#endif
