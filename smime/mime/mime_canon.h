/*
 * mime_canon - writes the RFC 8551 inner entity of a message, the second
 * pass over the body file after mime_parse.
 *
 * The entity is the message's Content-* header fields (as received; every
 * field whose name starts with "Content-") followed by the body, all in
 * canonical form: every line ends in CRLF (a lone LF becomes CRLF), and
 * each part that mime_parse marked for conversion is transfer-encoded:
 *   - quoted-printable (RFC 2045 6.7): line breaks become CRLF hard breaks,
 *     '=', control bytes, bytes >= 0x80, a bare CR (=0D), white space at
 *     a line end, and a '-', '.' or 'F' that would start an encoded line
 *     (after a hard or a soft break: so that no encoded line can be a
 *     boundary delimiter, an SMTP end of data or an mbox "From " line) are
 *     written =XX; soft breaks keep lines at 76 characters;
 *   - base64: the exact bytes, 76-character lines;
 *   - its Content-Transfer-Encoding field is replaced by the new one
 *     (multiparts labelled 8bit/binary get "7bit").
 * When the message has no Content-Type, "Content-Type: text/plain" is
 * written so that the entity never starts with an empty header block.
 * Preambles, epilogues and delimiter lines are copied (line ends made
 * CRLF), except the preamble and epilogue text mime_parse listed in drops
 * (whole lines, not 7-bit clean). Decoding the entity gives back every
 * part's content with CRLF line ends for text: that is the documented
 * conversion. The entity needs no further conversion: canonicalising it
 * again gives it back unchanged (t/mime_roundtrip.h checks all this).
 *
 * mime_canon_write_hp() writes the same entity with header protection
 * (RFC 9788, planned by smime/hp.h): the extra fields first (folded
 * lines made CRLF), then the Content-* fields, the first Content-Type
 * (or the text/plain one written for a message without) getting the
 * parameter hp="VALUE" on a folded line of its own. Header protection
 * parameters the Content-Type holds already (hp, hp-legacy-display:
 * a message protected before, a client that wrote them) are dropped
 * first, so that each is written once. With legacy (a legacy display,
 * smime/hp.h) the parts smime/mime/mime_legacy.h chooses (main body
 * texts) start with it, through the same encoder, and get
 * hp-legacy-display="1" on their Content-Type (a nested part without
 * one gets "text/plain" so marked; the payload's own only when it is
 * such a text); *wrote_legacy (when not NULL) says whether any part got
 * one. NULL and 0 give what mime_canon_write() gives.
 *
 * mime_canon_write() streams: memory is a 64 KiB read buffer and a 16 KiB
 * write buffer whatever the body size. It writes to out with BIO_write
 * (out may be a CMS streaming chain) and returns 0, or -1 with err set:
 * SMIME_TEMP for read or write errors. *written gets the bytes written.
 */
#ifndef GW_SMIME_MIME_CANON_H
#define GW_SMIME_MIME_CANON_H

#include <stdio.h>

#include <openssl/bio.h>

#include "smime/mime/mime_parse.h"
#include "smime/smime_err.h"

int	mime_canon_write(FILE *body, const struct mime_tree *,
	    const struct mime_header *top, size_t ntop, BIO *out,
	    unsigned long long *written, struct smime_err *);
int	mime_canon_write_hp(FILE *body, const struct mime_tree *,
	    const struct mime_header *top, size_t ntop,
	    const struct mime_header *extra, size_t nextra, const char *hp,
	    const char *legacy, BIO *out, unsigned long long *written,
	    bool *wrote_legacy, struct smime_err *);

#endif
