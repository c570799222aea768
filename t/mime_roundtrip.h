/*
 * mime_roundtrip - the invariant that mime_parse and mime_canon keep,
 * checked on one whole message (top header block, empty line, body): for
 * t/test_mime_roundtrip (generated messages) and for a fuzzer (any bytes;
 * a libFuzzer target only has to call mime_roundtrip_check() and abort
 * when it returns -1).
 *
 * mime_roundtrip_check() splits the top header block into the name/value
 * pairs a milter gets, parses the body (mime_parse), writes the canonical
 * entity (mime_canon_write), parses that entity again and checks:
 *   - the drop list: in order, whole lines, outside every part's headers
 *     and content, at most one range per preamble and per epilogue;
 *   - the entity ends every line in CRLF; outside header blocks and what
 *     a multipart/signed signs it is 7-bit without NUL, and it keeps a bare
 *     CR only there or in leaves labelled quoted-printable, base64 or
 *     unknown (copied as they are); the quoted-printable it wrote has
 *     lines of at most 76 characters, none starting with '-', '.' or 'F'
 *     (a delimiter, an SMTP dot line, an mbox "From ");
 *   - the re-parse gives the same tree (parents, depths, types,
 *     boundaries), the transfer encodings the conversion announced, and
 *     nothing left to convert or to drop;
 *   - every leaf holds the same content: converted parts decode (our own
 *     quoted-printable decoder, OpenSSL's EVP_DecodeUpdate for base64) to
 *     the original (text made CRLF; base64 exact), copied parts are equal
 *     but for LF made CRLF, and so is everything a multipart/signed signs;
 *   - canonicalising the entity again gives it back byte for byte.
 * It returns 0 when all hold; 1 when there is nothing to check: mime_parse
 * refused the message as malformed, or the header block is not one a
 * milter could pass on (a line without a colon, a NUL); -1 when an
 * invariant fails. why gets the reason for 1 and -1.
 *
 * rt_msg_open() does the first step alone (split, parse) for tests that
 * compare the tree with what they generated; same return values (0 with
 * the message parsed). rt_msg_close() frees it; a closed or failed
 * rt_msg may be closed again. The message's bytes must outlive the
 * rt_msg (body points into them).
 */
#ifndef GW_T_MIME_ROUNDTRIP_H
#define GW_T_MIME_ROUNDTRIP_H

#include <stddef.h>
#include <stdio.h>

#include "smime/mime/mime_parse.h"

/* A growable byte string; rt_buf_free() leaves it empty and reusable. */
struct rt_buf {
	unsigned char	*p;
	size_t		n, cap;
};

void	rt_put(struct rt_buf *, const void *, size_t);
void	rt_puts(struct rt_buf *, const char *);
void	rt_buf_free(struct rt_buf *);

struct rt_msg {
	struct mime_header *h;		/* top fields, as a milter gives them */
	size_t		nh;
	const unsigned char *body;	/* into the message */
	size_t		blen;
	FILE		*f;		/* the body as a file */
	struct mime_tree *t;
};

int	rt_msg_open(struct rt_msg *, const unsigned char *msg, size_t len,
	    char *why, size_t whylen);
void	rt_msg_close(struct rt_msg *);

int	mime_roundtrip_check(const unsigned char *msg, size_t len, char *why,
	    size_t whylen);

#endif
