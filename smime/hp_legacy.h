/*
 * hp_legacy - the Legacy Display Element of RFC 9788 (section 5.2.2: a
 * sender that hides user-facing header fields outside may repeat them at
 * the top of the text, for readers that do not know header protection)
 * taken out again by a receiver that has put the protected fields back
 * into the header (section 4.5.3: a reader that shows the protected
 * fields does not show the legacy display).
 *
 * hp_legacy_strip() reads the body of a text/plain payload from the
 * start of in. The element is the lines before the first empty line,
 * each "Name: value" with a user-facing name (hp_user_facing()) whose
 * value (folding and runs of white space made one space) is the value
 * of a field of that name among the payload's protected fields (fields,
 * nfields): a reader must not lose text the sender did not put there as
 * a display. At most HP_LEGACY_LINES lines of at most 998 bytes; when qp
 * is set (the transfer encoding is quoted-printable) each is decoded
 * first, its soft line breaks joined, and one that is not valid
 * quoted-printable does not match. When the lines
 * match, the body without them and without that empty line is written
 * to out (rewound) and 1 is returned; 0 when there is no such element
 * (out holds nothing of use); -1 with err SMIME_TEMP on a read or write
 * error. in is left at an unspecified position.
 *
 * hp_legacy_strip_html() does the same for a text/html payload, whose
 * element is a <div> of class "header-protection-legacy-display" (RFC
 * 9788 section 5.2.3; the reader's side, section 4.5.3.3). The element
 * must start a line (after white space) among the first
 * HP_HTML_SCAN_LINES lines (longer lines before it, as minified HTML
 * has, are passed over, to 4 MiB; so is an element of the class that
 * is no display, as below), after the <body> tag or wherever the
 * sender put it, and its matching </div> (nested <div>s counted)
 * come at most HP_LEGACY_LINES + 8 lines later; quoted-printable lines
 * are decoded and joined as above. What follows the </div> on its
 * line stays, on a line of its own: HTML reads the same. Under
 * quoted-printable it would have to be encoded anew, so there the
 * </div> must end its line (white space aside). Its text, markup
 * removed and the character references a display of ASCII text holds
 * decoded (&lt; &gt; &amp; &quot; &apos; &nbsp; and numeric
 * ones for printable ASCII; any other one does not match), must be at
 * least one and at most HP_LEGACY_LINES display lines, each one as
 * above, empty lines aside. The body without the element's lines is
 * written to out.
 *
 * hp_legacy_strip_parts() does the same for the main body texts of a
 * payload, multipart or not (body in, t its tree from mime_parse(), f
 * and n its protected fields): each text/plain or text/html part that is a main
 * body part (mime_parse.h; the payload itself when it is a text), not
 * an attachment, its one Content-Type marked hp-legacy-display="1",
 * encoded 7bit, 8bit, quoted-printable, base64 (decoded first, and
 * encoded again in 76-character lines; one that does not decode is
 * left alone) or not at all, until MIME_LEGACY_TEXTS displays are
 * out. Each
 * text is read as above in work[0], its result made in work[1] (two
 * files the caller opened; both are emptied). Where a display was
 * taken out, a nested part's Content-Type loses the mark (the
 * payload's own is the caller's), and its header and text are
 * otherwise kept byte for byte, as is the rest of the body. The new
 * body goes to out (rewound) and the number of displays taken out is
 * returned; 0 when none was (out holds nothing of use); -1 with err
 * SMIME_TEMP.
 *
 * hp_legacy_copy() copies in [from, to) onto out (to -1: to its end);
 * 0, or -1 with err SMIME_TEMP (also when in ends before to).
 */
#ifndef GW_SMIME_HP_LEGACY_H
#define GW_SMIME_HP_LEGACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "smime/mime/mime_legacy.h"
#include "smime/mime/mime_parse.h"
#include "smime/smime_err.h"

#define HP_LEGACY_LINES	16
#define HP_HTML_SCAN_LINES MIME_LEGACY_HTML_LINES

int	hp_legacy_strip(FILE *in, FILE *out, const struct mime_header *fields,
	    size_t nfields, bool qp, struct smime_err *);
int	hp_legacy_strip_html(FILE *in, FILE *out,
	    const struct mime_header *fields, size_t nfields, bool qp,
	    struct smime_err *);
int	hp_legacy_strip_parts(FILE *in, const struct mime_tree *t, FILE *out,
	    FILE *work[2], const struct mime_header *fields, size_t nfields,
	    struct smime_err *);
int	hp_legacy_copy(FILE *in, off_t from, off_t to, FILE *out,
	    struct smime_err *);

#endif
