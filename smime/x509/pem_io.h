/*
 * pem_io - files of certificates and keys: bounded reads, PEM/DER parsing,
 * atomic writes with a given mode.
 *
 * Every function reports failure in a struct io_err: code EXIT_USER_ERR (1)
 * for what the user can fix (no such file, wrong passphrase, not a
 * certificate), EXIT_SYSTEM_ERR (2) for the system (I/O, disk full); msg
 * names the file. Returned buffers and objects are the caller's (free,
 * OPENSSL_free for pem_*_string, sk_X509_pop_free, EVP_PKEY_free).
 *
 * pem_write_file() writes a temporary file in the same directory, fsyncs
 * it and renames it over path, so a reader sees the old or the new file,
 * never half of one; the mode is set before any byte is written.
 */
#ifndef GW_PEM_IO_H
#define GW_PEM_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define EXIT_USER_ERR	1
#define EXIT_SYSTEM_ERR	2
#define PEM_FILE_MAX	(16 * 1024 * 1024)

struct io_err {
	int	code;
	char	msg[512];
};

void	io_fail(struct io_err *, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Adds the first OpenSSL error to e->msg and clears the error queue. */
void	io_fail_ssl(struct io_err *, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* path "-" is stdin. The buffer is NUL-terminated (not counted in len). */
bool	file_read(const char *path, size_t max, unsigned char **buf,
	    size_t *len, struct io_err *);
bool	pem_write_file(const char *path, const void *data, size_t len,
	    mode_t mode, bool overwrite, struct io_err *);

/* Every certificate of a PEM text (in order), or the one certificate of
 * a DER buffer. An empty result is an error. what names the input. */
STACK_OF(X509) *certs_parse(const unsigned char *, size_t, const char *what,
	    struct io_err *);
STACK_OF(X509) *certs_read(const char *path, struct io_err *);
/* The first private key of a PEM text; pass may be NULL (then an
 * encrypted key is a user error that asks for --passphrase-file). */
EVP_PKEY *key_parse(const unsigned char *, size_t, const char *pass,
	    const char *what, struct io_err *);
bool	pem_has_private_key(const unsigned char *, size_t);
bool	pem_has_encrypted_key(const unsigned char *, size_t);

/* PEM text of certificates / an unencrypted PKCS#8 key; NUL-terminated,
 * caller frees with free(). NULL only when out of memory. */
char	*certs_pem(STACK_OF(X509) *, size_t *len);
char	*cert_pem(X509 *, size_t *len);
char	*key_pem(EVP_PKEY *, size_t *len);

#endif
