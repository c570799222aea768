/*
 * pem_io - see pem_io.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "lib/xalloc.h"
#include "smime/x509/pem_io.h"

void
io_fail(struct io_err *e, int code, const char *fmt, ...)
{
	va_list	ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

void
io_fail_ssl(struct io_err *e, int code, const char *fmt, ...)
{
	unsigned long err = ERR_peek_last_error();
	char	ssl[256];
	size_t	n;
	va_list	ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	if (err != 0) {
		ERR_error_string_n(err, ssl, sizeof(ssl));
		n = strlen(e->msg);
		snprintf(e->msg + n, sizeof(e->msg) - n, " (%s)",
		    ERR_reason_error_string(err) != NULL ?
		    ERR_reason_error_string(err) : ssl);
	}
	ERR_clear_error();
}

static int
errno_code(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case EISDIR:
	case EACCES:
	case EPERM:
	case EEXIST:
	case ENAMETOOLONG:
	case ELOOP:
		return EXIT_USER_ERR;
	default:
		return EXIT_SYSTEM_ERR;
	}
}

bool
file_read(const char *path, size_t max, unsigned char **out, size_t *outlen,
    struct io_err *e)
{
	unsigned char *buf = NULL;
	size_t	len = 0, cap = 0;
	ssize_t	n;
	int	fd;

	fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		io_fail(e, errno_code(errno), "%s: %s", path, strerror(errno));
		return false;
	}
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				io_fail(e, EXIT_USER_ERR, "%s: larger than %zu "
				    "bytes", path, max);
				goto fail;
			}
			cap = cap == 0 ? 8192 : cap * 2;
			buf = x_realloc(buf, cap + 1);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			io_fail(e, errno_code(errno), "%s: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		io_fail(e, EXIT_USER_ERR, "%s: larger than %zu bytes", path, max);
		goto fail;
	}
	if (buf == NULL)
		buf = x_malloc(1);
	buf[len] = '\0';
	if (fd != STDIN_FILENO)
		close(fd);
	*out = buf;
	*outlen = len;
	return true;
fail:
	if (fd != STDIN_FILENO)
		close(fd);
	free(buf);
	return false;
}

bool
pem_write_file(const char *path, const void *data, size_t len, mode_t mode,
    bool overwrite, struct io_err *e)
{
	char	*tmp;
	const char *p = data;
	struct stat sb;
	ssize_t	n;
	int	fd;

	if (!overwrite && lstat(path, &sb) == 0) {
		io_fail(e, EXIT_USER_ERR, "%s: exists (use --force to replace "
		    "it)", path);
		return false;
	}
	tmp = x_asprintf("%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		io_fail(e, errno_code(errno), "%s: %s", tmp, strerror(errno));
		free(tmp);
		return false;
	}
	/* umask may have taken bits away; never more than mode */
	if (fchmod(fd, mode) != 0)
		goto fail;
	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	free(tmp);
	return true;
fail:
	io_fail(e, errno_code(errno) == EXIT_USER_ERR ? EXIT_USER_ERR :
	    EXIT_SYSTEM_ERR, "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return false;
}

/* Whether the first len bytes of buf hold s: buf need not end in a NUL
 * (strstr would read past len). */
static bool
holds(const unsigned char *buf, size_t len, const char *s)
{
	return memmem(buf, len, s, strlen(s)) != NULL;
}

STACK_OF(X509) *
certs_parse(const unsigned char *buf, size_t len, const char *what,
    struct io_err *e)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	BIO	*b;
	X509	*x;

	if (sk == NULL || len > PEM_FILE_MAX) {
		io_fail(e, EXIT_SYSTEM_ERR, "%s: out of memory", what);
		sk_X509_free(sk);
		return NULL;
	}
	if (!holds(buf, len, "-----BEGIN")) {
		const unsigned char *p = buf;

		x = d2i_X509(NULL, &p, (long)len);
		if (x == NULL || !sk_X509_push(sk, x)) {
			X509_free(x);
			sk_X509_free(sk);
			io_fail(e, EXIT_USER_ERR, "%s: neither PEM nor a DER "
			    "certificate", what);
			ERR_clear_error();
			return NULL;
		}
		return sk;
	}
	b = BIO_new_mem_buf(buf, (int)len);
	while (b != NULL && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			break;
		}
	BIO_free(b);
	ERR_clear_error();
	if (sk_X509_num(sk) == 0) {
		sk_X509_free(sk);
		io_fail(e, EXIT_USER_ERR, "%s: no certificate found", what);
		return NULL;
	}
	return sk;
}

STACK_OF(X509) *
certs_read(const char *path, struct io_err *e)
{
	STACK_OF(X509) *sk;
	unsigned char *buf;
	size_t	len;

	if (!file_read(path, PEM_FILE_MAX, &buf, &len, e))
		return NULL;
	sk = certs_parse(buf, len, path, e);
	free(buf);
	return sk;
}

static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	*(bool *)u = true;
	return -1;
}

EVP_PKEY *
key_parse(const unsigned char *buf, size_t len, const char *pass,
    const char *what, struct io_err *e)
{
	EVP_PKEY *k;
	BIO	*b = BIO_new_mem_buf(buf, (int)len);
	bool	asked = false;

	if (b == NULL) {
		io_fail(e, EXIT_SYSTEM_ERR, "%s: out of memory", what);
		return NULL;
	}
	if (pass != NULL)
		k = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)pass);
	else
		k = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, &asked);
	BIO_free(b);
	if (k == NULL) {
		if (asked)
			io_fail(e, EXIT_USER_ERR, "%s: the private key is "
			    "encrypted: give --passphrase-file", what);
		else if (pass != NULL && pem_has_encrypted_key(buf, len))
			io_fail(e, EXIT_USER_ERR, "%s: wrong passphrase", what);
		else
			io_fail(e, EXIT_USER_ERR, "%s: no private key found",
			    what);
		ERR_clear_error();
	}
	return k;
}

bool
pem_has_private_key(const unsigned char *buf, size_t len)
{
	return holds(buf, len, "PRIVATE KEY-----");
}

bool
pem_has_encrypted_key(const unsigned char *buf, size_t len)
{
	return holds(buf, len, "BEGIN ENCRYPTED PRIVATE KEY") ||
	    holds(buf, len, "Proc-Type: 4,ENCRYPTED");
}

static char *
bio_string(BIO *b, bool good, size_t *len)
{
	char	*data, *s = NULL;
	long	n;

	if (good) {
		n = BIO_get_mem_data(b, &data);
		s = x_strndup(data, n > 0 ? (size_t)n : 0);
		if (len != NULL)
			*len = n > 0 ? (size_t)n : 0;
	}
	BIO_free(b);
	return s;
}

char *
certs_pem(STACK_OF(X509) *sk, size_t *len)
{
	BIO	*b = BIO_new(BIO_s_mem());
	bool	good = b != NULL;
	int	i;

	for (i = 0; good && i < sk_X509_num(sk); i++)
		good = PEM_write_bio_X509(b, sk_X509_value(sk, i)) == 1;
	if (b == NULL)
		return NULL;
	return bio_string(b, good, len);
}

char *
cert_pem(X509 *x, size_t *len)
{
	BIO	*b = BIO_new(BIO_s_mem());

	if (b == NULL)
		return NULL;
	return bio_string(b, PEM_write_bio_X509(b, x) == 1, len);
}

char *
key_pem(EVP_PKEY *k, size_t *len)
{
	BIO	*b = BIO_new(BIO_s_mem());

	if (b == NULL)
		return NULL;
	return bio_string(b, PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0,
	    NULL, NULL) == 1, len);
}
