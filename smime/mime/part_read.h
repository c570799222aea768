/*
 * part_read - the content of one MIME part as bytes: the transfer
 * encoding undone (base64 through OpenSSL's EVP_DecodeUpdate and
 * EVP_DecodeFinal; 7bit, 8bit, binary or none copied as they are), and a
 * canonical copy (every lone LF made CRLF) of a range of a body file, as
 * a signature over it was computed (RFC 8551 section 3.1.1).
 *
 * part_read() writes the decoded content of range [start, end) of f,
 * encoded as cte, to out; at most max bytes (more is SMIME_PERM, so a
 * hostile part cannot make us hold more than the caller allows).
 * *written gets the count. part_copy_canonical() writes range [start,
 * end) of f to out (a FILE, from its position) with lone LFs made CRLF.
 *
 * Errors: SMIME_PERM for content that is not valid in its encoding
 * (characters outside base64, data after the padding, a truncated last
 * group), quoted-printable or unknown encodings (an S/MIME structure is
 * never written so), too much output; SMIME_TEMP for read or write
 * failures. Both read f with fseeko/fread and leave its position anywhere.
 */
#ifndef GW_SMIME_PART_READ_H
#define GW_SMIME_PART_READ_H

#include <stdio.h>
#include <sys/types.h>

#include <openssl/bio.h>

#include "smime/mime/mime_parse.h"
#include "smime/smime_err.h"

int	part_read(FILE *f, off_t start, off_t end, enum mime_cte cte, BIO *out,
	    size_t max, size_t *written, struct smime_err *);
int	part_copy_canonical(FILE *f, off_t start, off_t end, FILE *out,
	    struct smime_err *);

#endif
