/*
 * header_edit - the header changes an S/MIME engine asks the milter to
 * make when it replaces a message's MIME entity: which fields to delete
 * (by name and 1-based index among the fields of that name in the
 * message as received) and which to add, in order.
 *
 * header_edits_mime() lists the deletion of MIME-Version and of every
 * Content-* field of headers (they belong to the entity being replaced),
 * for each name from the highest index down, so that the indexes stay
 * right whether the MTA renumbers after a deletion or not.
 * header_edits_del_name() lists the deletion of every field named name
 * (case-insensitive), from the highest index down.
 * header_edits_add() appends an addition (copies of name and value).
 * header_edits_clear() frees everything (a zeroed struct is empty).
 */
#ifndef GW_SMIME_HEADER_EDIT_H
#define GW_SMIME_HEADER_EDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "smime/mime/mime_parse.h"

struct header_del {
	char		*name;
	unsigned	index;		/* 1-based, original message */
};

struct header_add {
	char		*name;
	char		*value;
};

struct header_edits {
	struct header_del *del;
	size_t		ndel;
	struct header_add *add;
	size_t		nadd;
};

/* MIME-Version and Content-*: the fields of the top-level entity. */
bool	header_is_mime(const char *name);
void	header_edits_mime(struct header_edits *, const struct mime_header *,
	    size_t n);
void	header_edits_del_name(struct header_edits *,
	    const struct mime_header *, size_t n, const char *name);
void	header_edits_add(struct header_edits *, const char *name,
	    const char *value);
void	header_edits_clear(struct header_edits *);

#endif
