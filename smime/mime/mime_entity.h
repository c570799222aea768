/*
 * mime_entity - a MIME entity (header block, empty line, body) received
 * as a stream, kept as what mime_parse() takes: its header fields as
 * name/value pairs and its body in a file of its own, from offset 0.
 *
 * It is how the content of an S/MIME layer (what decryption or a
 * signature yields) becomes the next message to look at: the CMS
 * functions write into mime_entity_sink(), a BIO, and
 * mime_entity_finish() splits what came. The header block is held in
 * memory (at most MIME_ENTITY_HEADER_MAX bytes, MIME_MAX_FIELDS fields);
 * the body streams to body, a file the caller opened (written from its
 * current position, rewound by mime_entity_finish()).
 *
 * Field values are unfolded the way libmilter wants them for
 * smfi_addheader(): leading white space dropped, each CRLF or LF of a
 * folded field becomes "\n". An entity without the empty line is all
 * header (an empty body); one whose first line is not a header field,
 * a NUL or bare CR in the header block, or a block over the limits are
 * SMIME_PERM errors; a failed write to body is SMIME_TEMP.
 *
 * mime_entity_clear() frees the fields and closes body (NULL is fine);
 * the BIO is freed with BIO_free() and never closes body.
 */
#ifndef GW_SMIME_MIME_ENTITY_H
#define GW_SMIME_MIME_ENTITY_H

#include <stdio.h>

#include <openssl/bio.h>

#include "smime/mime/mime_parse.h"
#include "smime/smime_err.h"

#define MIME_ENTITY_HEADER_MAX	(256u << 10)

struct mime_entity {
	struct mime_header *fields;	/* name and value strings owned */
	size_t		nfields;
	FILE		*body;		/* owned once finished */
	unsigned long long body_size;
};

BIO	*mime_entity_sink(FILE *body);
/* Fills e from what was written to sink; body is handed over to e. */
int	mime_entity_finish(BIO *sink, struct mime_entity *e,
	    struct smime_err *);
void	mime_entity_clear(struct mime_entity *);

#endif
