/*
 * hp_canon - the header protection writer (mime_canon_write_hp) over one
 * message body given as a string, for the tests: the payload it writes,
 * as a string the caller frees. ctype is the message's Content-Type
 * (NULL: it has none); extra, hp and legacy go to the writer as they
 * are; *wrote (when not NULL) says whether a legacy display was
 * written. A parse or write error is reported with diag() and gives what was written until then.
 */
#ifndef GW_T_HP_CANON_H
#define GW_T_HP_CANON_H

#include <stdbool.h>
#include <stddef.h>

#include "smime/mime/mime_parse.h"

char	*hp_canon_text(const char *ctype, const char *text,
	    const struct mime_header *extra, size_t nextra, const char *hp,
	    const char *legacy, bool *wrote);

#endif
