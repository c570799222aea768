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

/* Up to this many lines are encoded into one buffer and written with one
 * BIO_write: a write per 78-byte line cost more than the encoding. */
#define B64_BATCH_LINES	200

/* Encodes nlines whole lines of in, each with CRLF, in batches. */
static int
emit_lines(BIO *next, const unsigned char *in, size_t nlines)
{
	char	out[B64_BATCH_LINES * 78 + 1];	/* 76 + CRLF a line, the NUL */
	size_t	len, k;

	while (nlines > 0) {
		len = 0;
		for (k = 0; k < B64_BATCH_LINES && k < nlines; k++) {
			len += b64_encode_block(in, B64_LINE_IN, out + len);
			out[len++] = '\r';
			out[len++] = '\n';
			in += B64_LINE_IN;
		}
		nlines -= k;
		if (!write_all(next, out, len))
			return 0;
	}
	return 1;
}

static int
b64_write(BIO *b, const char *data, int dlen)
{
	struct b64_state *st = BIO_get_data(b);
	BIO	*next = BIO_next(b);
	const unsigned char *in = (const unsigned char *)data;
	size_t	n = dlen > 0 ? (size_t)dlen : 0, take, whole;

	if (st == NULL || next == NULL)
		return -1;
	if (st->npend > 0) {
		take = B64_LINE_IN - st->npend;
		if (take > n)
			take = n;
		memcpy(st->pend + st->npend, in, take);
		st->npend += take;
		in += take;
		n -= take;
		if (st->npend < B64_LINE_IN)
			return dlen;
		if (!emit_lines(next, st->pend, 1))
			return -1;
		st->npend = 0;
	}
	whole = n / B64_LINE_IN;
	if (whole > 0 && !emit_lines(next, in, whole))
		return -1;
	in += whole * B64_LINE_IN;
	n -= whole * B64_LINE_IN;
	memcpy(st->pend, in, n);
	st->npend = n;
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
