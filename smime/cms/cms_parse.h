/*
 * cms_parse - a CMS structure read from one MIME part of a body file (an
 * application/pkcs7-mime body or an application/pkcs7-signature part,
 * and their x-pkcs7-* spellings), and the words for what OpenSSL said
 * when it could not use one.
 *
 * cms_parse_part() decodes range [start, end) of f in transfer encoding
 * cte (smime/mime/part_read.h) into memory, at most max bytes, and
 * parses it as a BER or DER ContentInfo. It returns NULL with err set:
 * SMIME_PERM "empty S/MIME part", "not valid base64", "corrupt CMS
 * structure: ..."; SMIME_TEMP for read errors and lack of memory. The
 * caller frees the result with CMS_ContentInfo_free().
 *
 * cms_failure() drains the OpenSSL error queue of the calling thread
 * after a failed CMS operation and says whether the failure came from an
 * algorithm this OpenSSL does not implement (Ed25519 signatures or
 * X25519 key agreement in CMS under OpenSSL 3.0, ChaCha20-Poly1305, an
 * unknown digest): such a message is neither good nor bad, and the caller
 * says "neutral". why (size whysz) gets the reason of that error, else
 * of the oldest one ("unknown error" when the queue was empty).
 */
#ifndef GW_SMIME_CMS_PARSE_H
#define GW_SMIME_CMS_PARSE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include <openssl/cms.h>

#include "smime/mime/mime_parse.h"
#include "smime/smime_err.h"

CMS_ContentInfo *cms_parse_part(FILE *f, off_t start, off_t end,
	    enum mime_cte cte, size_t max, struct smime_err *);
bool	cms_failure(char *why, size_t whysz);

#endif
