/*
 * part_read - see part_read.h.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/xalloc.h"
#include "smime/mime/part_read.h"

#define CHUNK	16384

struct range {
	FILE		*f;
	off_t		left;
	unsigned char	buf[CHUNK];
};

static int
range_open(struct range *r, FILE *f, off_t start, off_t end,
    struct smime_err *err)
{
	r->f = f;
	r->left = end > start ? end - start : 0;
	if (fseeko(f, start, SEEK_SET) != 0) {
		smime_err_set(err, SMIME_TEMP, "body file: seek: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* The next piece of the range: its length, 0 at its end, -1 on error. */
static ssize_t
range_next(struct range *r, struct smime_err *err)
{
	size_t	want = r->left < CHUNK ? (size_t)r->left : CHUNK, got;

	if (want == 0)
		return 0;
	got = fread(r->buf, 1, want, r->f);
	if (got == 0) {
		smime_err_set(err, SMIME_TEMP, "body file: read: %s",
		    ferror(r->f) ? strerror(errno) : "unexpected end of file");
		return -1;
	}
	r->left -= (off_t)got;
	return (ssize_t)got;
}

static int
emit(BIO *out, const unsigned char *p, size_t n, size_t max, size_t *total,
    struct smime_err *err)
{
	if (n == 0)
		return 0;
	if (*total + n > max) {
		smime_err_set(err, SMIME_PERM, "decoded part larger than %zu "
		    "bytes", max);
		return -1;
	}
	if (BIO_write(out, p, (int)n) != (int)n) {
		smime_err_set(err, SMIME_TEMP, "out of memory decoding a part");
		return -1;
	}
	*total += n;
	return 0;
}

static bool
all_white(const unsigned char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return false;
	return true;
}

static int
decode_base64(struct range *r, BIO *out, size_t max, size_t *total,
    struct smime_err *err)
{
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	/* EVP_DecodeUpdate writes at most 3/4 of its input, rounded up. */
	unsigned char *dec = x_malloc(CHUNK);
	ssize_t	n;
	int	outl = 0, rc = -1, st = 1;

	if (ctx == NULL) {
		smime_err_set(err, SMIME_TEMP, "out of memory");
		free(dec);
		return -1;
	}
	EVP_DecodeInit(ctx);
	while ((n = range_next(r, err)) > 0) {
		/* After the padding only line ends may follow. */
		if (st == 0) {
			if (all_white(r->buf, (size_t)n))
				continue;
			smime_err_set(err, SMIME_PERM, "data after the end of "
			    "the base64 content");
			goto done;
		}
		st = EVP_DecodeUpdate(ctx, dec, &outl, r->buf, (int)n);
		if (st < 0) {
			smime_err_set(err, SMIME_PERM, "not valid base64");
			goto done;
		}
		if (emit(out, dec, (size_t)outl, max, total, err) < 0)
			goto done;
	}
	if (n < 0)
		goto done;
	if (EVP_DecodeFinal(ctx, dec, &outl) < 0) {
		smime_err_set(err, SMIME_PERM, "not valid base64 (truncated)");
		goto done;
	}
	rc = emit(out, dec, (size_t)outl, max, total, err);
done:
	EVP_ENCODE_CTX_free(ctx);
	free(dec);
	return rc;
}

int
part_read(FILE *f, off_t start, off_t end, enum mime_cte cte, BIO *out,
    size_t max, size_t *written, struct smime_err *err)
{
	struct range *r = x_malloc(sizeof(*r));
	size_t	total = 0;
	ssize_t	n;
	int	rc = -1;

	if (range_open(r, f, start, end, err) < 0)
		goto done;
	switch (cte) {
	case CTE_BASE64:
		rc = decode_base64(r, out, max, &total, err);
		break;
	case CTE_NONE:
	case CTE_7BIT:
	case CTE_8BIT:
	case CTE_BINARY:
		while ((n = range_next(r, err)) > 0)
			if (emit(out, r->buf, (size_t)n, max, &total, err) < 0)
				goto done;
		rc = n < 0 ? -1 : 0;
		break;
	default:
		smime_err_set(err, SMIME_PERM, "an S/MIME part in a transfer "
		    "encoding other than base64 or binary");
		break;
	}
done:
	if (written != NULL)
		*written = total;
	free(r);
	return rc;
}

/* Writes p[0..n) to out; false (err set) when the write failed. */
static bool
put(FILE *out, const unsigned char *p, size_t n, struct smime_err *err)
{
	if (n == 0 || fwrite(p, 1, n, out) == n)
		return true;
	smime_err_set(err, SMIME_TEMP, "writing a work file: %s",
	    strerror(errno ? errno : EIO));
	return false;
}

int
part_copy_canonical(FILE *f, off_t start, off_t end, FILE *out,
    struct smime_err *err)
{
	struct range *r = x_malloc(sizeof(*r));
	const unsigned char *p, *nl, *from, *stop;
	unsigned char prev = 0;
	ssize_t	n = -1;

	if (range_open(r, f, start, end, err) < 0)
		goto done;
	while ((n = range_next(r, err)) > 0) {
		from = p = r->buf;
		stop = r->buf + n;
		for (; (nl = memchr(p, '\n', (size_t)(stop - p))); p = nl + 1) {
			if ((nl > r->buf ? nl[-1] : prev) == '\r')
				continue;
			if (!put(out, from, (size_t)(nl - from), err) ||
			    !put(out, (const unsigned char *)"\r", 1, err))
				goto fail;
			from = nl;
		}
		if (!put(out, from, (size_t)(stop - from), err))
			goto fail;
		prev = stop[-1];
	}
	if (n == 0 && fflush(out) != 0) {
		smime_err_set(err, SMIME_TEMP, "writing a work file: %s",
		    strerror(errno));
		goto fail;
	}
	goto done;
fail:
	n = -1;
done:
	free(r);
	return n == 0 ? 0 : -1;
}
