/*
 * b64 - see b64.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>

#include "lib/xalloc.h"
#include "smime/mime/b64.h"

struct b64_state {
	unsigned char	pend[B64_LINE_IN];	/* bytes of the unfinished line */
	size_t		npend;
};

size_t
b64_encode_block(const unsigned char *in, size_t n, char *out)
{
	/* OpenSSL writes 4 characters per 3 bytes and a NUL, no line break. */
	return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

/* Writes all of buf to next; BIO_write may write less than asked. */
static int
write_all(BIO *next, const char *buf, size_t n)
{
	int	w;

	while (n > 0) {
		w = BIO_write(next, buf, (int)n);
		if (w <= 0)
			return 0;
		buf += w;
		n -= (size_t)w;
	}
	return 1;
}

static int
emit_line(BIO *next, const unsigned char *in, size_t n)
{
	char	line[80];
	size_t	len = b64_encode_block(in, n, line);

	line[len++] = '\r';
	line[len++] = '\n';
	return write_all(next, line, len);
}

static int
b64_write(BIO *b, const char *data, int dlen)
{
	struct b64_state *st = BIO_get_data(b);
	BIO	*next = BIO_next(b);
	const unsigned char *in = (const unsigned char *)data;
	size_t	n = dlen > 0 ? (size_t)dlen : 0, take;

	if (st == NULL || next == NULL)
		return -1;
	while (n > 0) {
		if (st->npend == 0 && n >= B64_LINE_IN) {
			if (!emit_line(next, in, B64_LINE_IN))
				return -1;
			in += B64_LINE_IN;
			n -= B64_LINE_IN;
			continue;
		}
		take = B64_LINE_IN - st->npend;
		if (take > n)
			take = n;
		memcpy(st->pend + st->npend, in, take);
		st->npend += take;
		in += take;
		n -= take;
		if (st->npend == B64_LINE_IN) {
			if (!emit_line(next, st->pend, B64_LINE_IN))
				return -1;
			st->npend = 0;
		}
	}
	return dlen;
}

static long
b64_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)num;
	(void)ptr;
	(void)b;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;	/* see b64.h: flushes stop here */
	case BIO_CTRL_PENDING:
	case BIO_CTRL_WPENDING:
		return 0;
	default:
		return 0;
	}
}

static int
b64_create(BIO *b)
{
	BIO_set_data(b, x_calloc(1, sizeof(struct b64_state)));
	BIO_set_init(b, 1);
	return 1;
}

static int
b64_destroy(BIO *b)
{
	free(BIO_get_data(b));
	BIO_set_data(b, NULL);
	return 1;
}

static BIO_METHOD *b64_meth;
static pthread_once_t b64_once = PTHREAD_ONCE_INIT;

static void
b64_method_init(void)
{
	BIO_METHOD *m;

	m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_FILTER,
	    "gatewarden base64 lines");
	if (m == NULL)
		return;
	BIO_meth_set_write(m, b64_write);
	BIO_meth_set_ctrl(m, b64_ctrl);
	BIO_meth_set_create(m, b64_create);
	BIO_meth_set_destroy(m, b64_destroy);
	b64_meth = m;
}

/* The method lives as long as the process (one per process, built once
 * whichever thread asks first). */
static BIO_METHOD *
b64_method(void)
{
	pthread_once(&b64_once, b64_method_init);
	return b64_meth;
}

BIO *
b64_bio_new(BIO *next)
{
	BIO_METHOD *m = b64_method();
	BIO	*b;

	if (m == NULL || (b = BIO_new(m)) == NULL)
		return NULL;
	if (next != NULL)
		BIO_push(b, next);
	return b;
}

int
b64_bio_finish(BIO *b, int end_crlf)
{
	struct b64_state *st = BIO_get_data(b);
	BIO	*next = BIO_next(b);
	char	line[80];
	size_t	len;

	if (st == NULL || next == NULL)
		return 0;
	if (st->npend > 0) {
		len = b64_encode_block(st->pend, st->npend, line);
		if (end_crlf) {
			line[len++] = '\r';
			line[len++] = '\n';
		}
		st->npend = 0;
		return write_all(next, line, len);
	}
	return 1;
}
