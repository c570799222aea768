/*
 * mime_transport - makes an entity that SMTP cannot carry as it is into
 * one it can, for delivery once an S/MIME layer was taken off.
 *
 * CMS carries any bytes: the content of an opaque signature or of an
 * envelope may be binary (NUL bytes, bare CR, lines over 998 octets, a
 * part labelled binary). Delivered as it is, such an entity would be
 * folded, cut or refused by the MTAs on its way to the reader.
 *
 * mime_transport_fix(e, tmp, err): when no part of e needs it, returns 0
 * and e is as it was (tmp is closed). Otherwise e is rewritten the way
 * mime_canon writes an entity for signing (binary parts base64, text
 * quoted-printable; other 8-bit text of the entity becomes
 * quoted-printable too; nothing inside a multipart/signed is touched:
 * its signature covers those bytes), into tmp, a work file the caller
 * opened and hands over; e then holds the new fields and body and 1 is
 * returned. Decoding gives the same content back. An entity that is not
 * well-formed MIME is left as it is (0). -1 with err (SMIME_TEMP) on I/O
 * errors; e is unchanged then and tmp closed.
 *
 * mime_transport_needed(t) says, for a tree mime_parse() made, whether
 * mime_transport_fix() would rewrite that entity (callers that parsed it
 * already spare the second pass).
 */
#ifndef GW_SMIME_MIME_TRANSPORT_H
#define GW_SMIME_MIME_TRANSPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "smime/mime/mime_entity.h"
#include "smime/mime/mime_parse.h"
#include "smime/smime_err.h"

int	mime_transport_fix(struct mime_entity *, FILE *tmp, struct smime_err *);
bool	mime_transport_needed(const struct mime_tree *);

#endif
