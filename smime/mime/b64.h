/*
 * b64 - a streaming base64 encoder writing MIME lines (76 characters,
 * CRLF) to an OpenSSL BIO, itself usable as a BIO in a filter chain.
 *
 * b64_bio_new(next) returns a filter BIO: bytes written to it come out of
 * next as base64 lines. BIO_flush() on it is deliberately a no-op and does
 * not travel further down the chain: inner CMS stages flush their own
 * streaming BIOs, and a flush reaching an outer stage's streaming BIO would
 * finalize that stage too early. b64_bio_finish() writes the last, partial
 * line (with its CRLF when end_crlf is set) and is the only way to end the
 * encoding; it returns 1 on success, 0 when a write to next failed.
 * BIO_free() frees the filter only, never next (pop it first with
 * BIO_pop() when it is part of a chain).
 *
 * b64_encode_block() encodes n (<= 57) bytes as one line without CRLF into
 * out (at least 77 bytes) with OpenSSL's EVP_EncodeBlock and returns its
 * length: shared with mime_canon.
 */
#ifndef GW_SMIME_B64_H
#define GW_SMIME_B64_H

#include <stddef.h>

#include <openssl/bio.h>

#define B64_LINE_IN	57	/* input bytes per 76-character line */

BIO	*b64_bio_new(BIO *next);
int	b64_bio_finish(BIO *, int end_crlf);
size_t	b64_encode_block(const unsigned char *in, size_t n, char *out);

#endif
