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
 * has, are passed over, to 4 MiB), after the <body> tag or wherever
 * the sender put it, and end a line (its matching </div>, nested <div>s
 * counted, followed by nothing but white space) at most
 * HP_LEGACY_LINES + 8 lines later: so that taking out its lines loses nothing else, also under
 * quoted-printable, whose lines are decoded and joined as above. Its
 * text, markup removed and the character references a display of ASCII
 * text holds decoded (&lt; &gt; &amp; &quot; &apos; &nbsp; and numeric
 * ones for printable ASCII; any other one does not match), must be at
 * least one and at most HP_LEGACY_LINES display lines, each one as
 * above, empty lines aside. The body without the element's lines is
 * written to out.
 */
#ifndef GW_SMIME_HP_LEGACY_H
#define GW_SMIME_HP_LEGACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "smime/mime/mime_parse.h"
#include "smime/smime_err.h"

#define HP_LEGACY_LINES	16
#define HP_HTML_SCAN_LINES 64

int	hp_legacy_strip(FILE *in, FILE *out, const struct mime_header *fields,
	    size_t nfields, bool qp, struct smime_err *);
int	hp_legacy_strip_html(FILE *in, FILE *out,
	    const struct mime_header *fields, size_t nfields, bool qp,
	    struct smime_err *);

#endif
