/*
 * orgcert - the organisation's own certificates and private keys, as files
 * in one directory (smime.private_dir): NAME.crt holds the certificate
 * followed by its chain (PEM), NAME.key the private key (PKCS#8 PEM,
 * unencrypted so that the daemon can start unattended, mode 0600).
 *
 * orgcert_save() writes the key first and the certificate last, each
 * atomically (pem_write_file), so a NAME.crt always has its NAME.key.
 * orgcert_check() is what `gatewarden-keys check` and the daemon's
 * start-up run on every certificate/key pair the configuration names: a
 * missing or unreadable file, a key that does not match its certificate,
 * a key that others may read (any "other" permission bit, or group
 * write) are errors; an expired certificate is an error and one that
 * expires within ORGCERT_WARN_DAYS a warning; with a revocation context,
 * a revoked certificate is an error and one whose status cannot be found
 * a warning. Every problem is passed to report() with the file named;
 * the return value counts errors.
 *
 * Errors are reported in a struct io_err (pem_io.h). Names: 1 to 64 of
 * [A-Za-z0-9._-], not starting with a dot.
 */
#ifndef GW_ORGCERT_H
#define GW_ORGCERT_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "smime/revoke/revoke.h"
#include "smime/x509/pem_io.h"

#define ORGCERT_WARN_DAYS	30

bool	orgcert_name_valid(const char *);
/* dir/NAME.ext, caller frees. */
char	*orgcert_path(const char *dir, const char *name, const char *ext);
/* Loads NAME's certificate, chain (may be NULL to skip) and key (may be
 * NULL to skip). */
bool	orgcert_load(const char *dir, const char *name, X509 **cert,
	    STACK_OF(X509) **chain, EVP_PKEY **key, struct io_err *);
/* Writes NAME.key (unless key is NULL: the existing key stays) and
 * NAME.crt (cert then chain, which may be NULL). */
bool	orgcert_save(const char *dir, const char *name, EVP_PKEY *key,
	    X509 *cert, STACK_OF(X509) *chain, bool overwrite, struct io_err *);
bool	orgcert_remove(const char *dir, const char *name, struct io_err *);
/* The names that have a NAME.crt in dir, sorted; *names NULL-terminated,
 * caller frees each and the array. false when dir cannot be read. */
bool	orgcert_names(const char *dir, char ***names, struct io_err *);
void	orgcert_names_free(char **);

/* True when key is the private half of cert's public key. */
bool	orgcert_key_matches(X509 *cert, EVP_PKEY *key);

/* Revocation for the checks below (NULL: not checked): a certificate
 * that passed the other checks is checked over its chain (the further
 * certificates of its file, or of the PKCS#12 file, then trust's CAs;
 * revocation_check_cert). Revoked is an error, a status that cannot be
 * found a warning; the answer and the certificate's fingerprint are left
 * here for the caller to show or record (checked tells). */
struct orgcert_rev {
	struct revocation *rev;		/* in */
	X509_STORE	*trust;		/* in; may be NULL */
	bool		checked;	/* out: answer and fingerprint set */
	struct rev_answer answer;
	char		fingerprint[65];
};

typedef void (*orgcert_report_fn)(void *, bool error, const char *msg);
unsigned orgcert_check(const char *cert_path, const char *key_path,
	    int64_t now, struct orgcert_rev *, orgcert_report_fn, void *);
/* The same for a PKCS#12 file and the file holding its passphrase (first
 * line; NULL: no passphrase): the passphrase opens it, it holds a key
 * and its certificate, the passphrase file is not readable by others. */
unsigned orgcert_check_pkcs12(const char *p12_path, const char *pass_path,
	    int64_t now, struct orgcert_rev *, orgcert_report_fn, void *);

#endif
