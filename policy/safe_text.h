/*
 * safe_text - copy text from outside into SMTP replies, headers and logs.
 *
 * MTA macros and configuration names end up in SMTP reply texts (passed to
 * smfi_setreply, where CR or LF make the call fail and a lone '%' makes
 * libmilter drop the text) and in header values. safe_text_copy() copies
 * only printable US-ASCII (0x20..0x7e) and replaces every other byte, and
 * every byte listed in extra_bad, with '?'. The result is always
 * NUL-terminated and truncated to fit; nothing is allocated.
 */
#ifndef GW_SAFE_TEXT_H
#define GW_SAFE_TEXT_H

#include <stddef.h>

/* Bytes to replace in an SMTP reply text, on top of control characters. */
#define SAFE_REPLY_BAD	"%"
/* Bytes to replace in a "key=value; key=value" header parameter value. */
#define SAFE_HEADER_BAD	"%;=\"\\ ()<>,"

/* Copies in (NULL is taken as "") into out (size outsz > 0). Returns out. */
char	*safe_text_copy(char *out, size_t outsz, const char *in,
	    const char *extra_bad);

#endif
