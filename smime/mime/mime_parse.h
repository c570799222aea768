/*
 * mime_parse - the structure of a message's MIME entity, read from hostile
 * input with bounded memory, as the first of two passes over a body file.
 *
 * The top-level header fields come as name/value pairs (as the milter
 * received them); the body is a seekable FILE* holding the body only,
 * starting at offset 0. mime_parse() reads the body once, line by line
 * (lines longer than 1 KiB are seen in pieces, but every decision is taken
 * on whole lines: a CRLF split between two pieces is one line break, and
 * a CR that ends the file is a bare CR), and returns a tree of parts
 * in document order: for each part its type, transfer encoding, the file
 * ranges of its header block (nested parts only) and of its content, what
 * the content holds (8-bit bytes, NUL, bare CR, lines over 998 octets), and
 * which conversion RFC 8551 signing needs (mime_canon writes it):
 *   - 7bit, 8bit, binary or no encoding, holding 8-bit data, NUL, bare CR,
 *     over-long lines or labelled binary: text without NUL becomes
 *     quoted-printable (text = type "text"), anything else base64;
 *   - multipart labelled 8bit or binary is relabelled 7bit (its leaves are
 *     all 7-bit afterwards);
 *   - nothing inside a multipart/signed is converted (the sender's own
 *     signature covers those bytes);
 *   - message/rfc822 is treated as a leaf (base64 when it is not 7-bit:
 *     RFC 2046 forbids it, every reader copes; documented deviation).
 * A part's content range excludes the line break before the next boundary
 * delimiter (RFC 2046: it belongs to the delimiter).
 * Preamble and epilogue lines that hold 8-bit data, NUL or a bare CR, or
 * are over 998 octets, could not survive a 7-bit transport, and readers
 * ignore those texts (RFC 2046 5.1.1): mime_canon leaves them out. drops
 * lists, in order, at most one file range per preamble and per epilogue,
 * from the start of its first such line to the end of its last (whole
 * lines with their line breaks; the lines between go too), so ndrops is
 * at most twice the number of multiparts, whatever the body's size.
 * Nothing is listed inside the signed part of a multipart/signed (the
 * preamble and epilogue of a multipart there are signed too).
 *
 * For header protection (RFC 9788 legacy displays, written by mime_canon
 * and taken out by hp_legacy) each part also says whether it is an
 * attachment (Content-Disposition "attachment"), whether its
 * Content-Type holds hp-legacy-display="1", how many Content-Type
 * fields it has (a part with two is ambiguous: nothing is added to it
 * or taken from it), whether one takes no parameter a reader would
 * find (its type cannot be read, and the part is taken as text/plain,
 * or something else than parameters follows the type), and whether it
 * is a main body part: the top, every part of a main
 * multipart/alternative and the first part of any other main
 * multipart, except inside a multipart/signed, whose bytes only the
 * sender's signature may cover.
 *
 * Errors (struct smime_err): SMIME_PERM for malformed input (multipart
 * without a usable boundary, a multipart not closed by its --boundary--, a
 * part's headers without the empty line, a header line without a colon, a
 * header field over MIME_MAX_HEADER bytes or more than MIME_MAX_FIELDS in
 * one part, NUL or bare CR in a header, nesting over MIME_MAX_DEPTH, more
 * than MIME_MAX_PARTS parts, 8-bit data or NUL inside a base64,
 * quoted-printable or unknown-encoding part, a multipart labelled base64
 * or quoted-printable); SMIME_TEMP for read errors. On error *tree is NULL.
 * mime_tree_free(NULL) is fine.
 */
#ifndef GW_SMIME_MIME_PARSE_H
#define GW_SMIME_MIME_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "smime/smime_err.h"

#define MIME_MAX_DEPTH	32
#define MIME_MAX_PARTS	10000
#define MIME_MAX_HEADER	65536		/* one header field, folded lines included */
#define MIME_MAX_FIELDS	1000		/* header fields of one nested part */
#define MIME_TYPE_MAX	128
#define MIME_BOUNDARY_MAX 70		/* RFC 2046 */
#define MIME_LEGACY_TEXTS 16		/* texts given a legacy display */

/* One header field as the milter gives it: value without the colon,
 * folded lines joined by "\n" or "\r\n". */
struct mime_header {
	const char	*name;
	const char	*value;
};

enum mime_cte { CTE_NONE, CTE_7BIT, CTE_8BIT, CTE_BINARY, CTE_QP,
		CTE_BASE64, CTE_OTHER };
enum mime_conv { CONV_NONE, CONV_QP, CONV_BASE64, CONV_7BIT_LABEL };

struct mime_part {
	int		parent;		/* index in the tree; -1 for the top */
	unsigned	depth;		/* 0 for the top */
	bool		multipart;
	char		type[MIME_TYPE_MAX];	/* "text/plain", lower case */
	char		boundary[MIME_BOUNDARY_MAX + 1];	/* multipart only */
	enum mime_cte	cte;
	off_t		hdr_start, hdr_end;	/* -1 for the top (headers from the milter) */
	off_t		body_start, body_end;
	bool		has_8bit, has_nul, has_bare_cr, long_line;
	enum mime_conv	conv;
	unsigned char	ntypes;		/* Content-Types, 2: more */
	bool		bad_type;	/* one that takes no parameter */
	bool		attachment;	/* disposition attachment */
	bool		legacy_display;	/* hp-legacy-display="1" */
	bool		main_body;	/* a main body part (see above) */
	bool		has_child;	/* a multipart with a part seen */
};

struct mime_tree {
	struct mime_part *parts;	/* parts[0] is the top */
	size_t		nparts;
	off_t		size;		/* bytes in the body file */
	struct mime_range {
		off_t	start, end;
	}		*drops;		/* preamble/epilogue text left out */
	size_t		ndrops;
};

int	mime_parse(FILE *body, const struct mime_header *top, size_t ntop,
	    struct mime_tree **tree, struct smime_err *);
void	mime_tree_free(struct mime_tree *);

/* Header helpers, shared with mime_canon and outbound. */
bool	mime_name_is(const char *name, size_t namelen, const char *want);
/* Parses a Content-Type value: type (lower case "type/subtype", "text/plain"
 * when unparsable) and boundary ("" when absent). */
void	mime_content_type(const char *value, char *type, size_t typesz,
	    char *boundary, size_t boundarysz);
/* The value of parameter name (lower case) of a Content-Type value,
 * unquoted, cut to outsz - 1 bytes; false ("") when it has none. */
bool	mime_content_param(const char *value, const char *name, char *out,
	    size_t outsz);
/* A Content-Type value without parameter name (lower case; every
 * occurrence): the rest as written. The caller frees it. */
char	*mime_content_without_param(const char *value, const char *name);
/* The length of the type/subtype at the start of a Content-Type value
 * (comments and white space before it included); 0 when it cannot be
 * read. */
size_t	mime_content_type_len(const char *value);
/* The length of the part of a Content-Type value that a parameter reader
 * gets through: the type and the parameters up to the first one that
 * cannot be read (an empty one, as after a trailing ';'), which is
 * where mime_content_param() stops looking; strlen(value) when the type
 * itself cannot be read. */
size_t	mime_content_readable_len(const char *value);
enum mime_cte mime_cte_parse(const char *value);
const char *mime_conv_name(enum mime_conv);

#endif
