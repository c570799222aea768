/*
 * mime_legacy - where a legacy display (RFC 9788 section 5.2.2: the
 * hidden user-facing fields repeated for readers without header
 * protection; smime/hp.h plans its text) goes into a payload, and how
 * it reads there. mime_canon writes it.
 *
 * mime_legacy_plan() chooses the parts of t (body is the file t was
 * parsed from) that get one: each main body text (mime_parse.h) that
 * is a text/plain or text/html, not an attachment, of one Content-Type
 * that takes parameters (or none, outside a multipart/digest), not
 * empty unless it is the payload itself, written as it is (7bit, 8bit
 * or no encoding) or quoted-printable by mime_canon; at most
 * MIME_LEGACY_TEXTS. For a text/plain the display goes at the start;
 * for a text/html after its <body> tag, which must be among the part's
 * first 8 KiB (a '>' in a quoted attribute skipped), the display then
 * starting within its first MIME_LEGACY_HTML_LINES lines, where a
 * reader (smime/hp_legacy.h) looks: at the start of
 * the next line, or on a line of its own (nl) when more follows the
 * tag on its line, so that a reader can take out the display's lines
 * and nothing else. An HTML part without the tag gets none (before it
 * the display could come ahead of a <!DOCTYPE>). *places gets one
 * entry per part (at -1 for none), or NULL when no part gets one; the
 * count is returned. The caller frees *places.
 *
 * mime_legacy_text() is the display as written into part m: text (its
 * "Name: value" lines and the empty line, LF ends) for a text/plain;
 * for a text/html the lines, escaped (&lt; &gt; &amp; &quot;), in a
 * <div class="header-protection-legacy-display"><pre>, with a line
 * break first when nl. The caller frees it.
 */
#ifndef GW_SMIME_MIME_LEGACY_H
#define GW_SMIME_MIME_LEGACY_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "smime/mime/mime_parse.h"

/* The lines of an HTML text a reader looks through for the display. */
#define MIME_LEGACY_HTML_LINES	64

struct mime_legacy_place {
	off_t	at;		/* where in the body file; -1: none */
	bool	nl;		/* HTML: a line break first */
};

size_t	mime_legacy_plan(FILE *body, const struct mime_tree *t,
	    struct mime_legacy_place **places);
char	*mime_legacy_text(const char *text, const struct mime_part *m,
	    bool nl);

#endif
